"""Reading the areas and facilities a user brings to `civicalloc travel`: any spatial file,
or a CSV with lon/lat (WGS 84) or x/y plus --crs."""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from demand.errors import InputError


def read_places(path: str | Path, id_column: str, crs: str | None = None) -> gpd.GeoDataFrame:
    """Rows with an id and a geometry: GeoJSON, GeoPackage, GeoParquet, or CSV with lon/lat.

    Ids are read as text. Raises InputError naming the file (and row) when it cannot be used.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.suffix.lower() == ".csv":
        try:
            table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise InputError(
                f"{path.name}: cannot be read as CSV ({exc}); save it as UTF-8 CSV"
            ) from None
        if {"lon", "lat"} <= set(table.columns):
            xs, ys, given = "lon", "lat", "EPSG:4326"
        elif {"x", "y"} <= set(table.columns) and crs:
            xs, ys, given = "x", "y", crs
        else:
            raise InputError(
                f"{path.name}: a CSV of places needs lon and lat columns (WGS 84), "
                "or x and y with --crs"
            )
        coords = table[[xs, ys]].apply(pd.to_numeric, errors="coerce")
        bad = coords.isna().any(axis=1).to_numpy()
        if bad.any():
            row = int(bad.argmax())
            raise InputError(
                f"{path.name}, row {row + 2}: {xs}/{ys} "
                f"{table[xs].iloc[row]!r}/{table[ys].iloc[row]!r} are not numbers "
                f"({int(bad.sum())} such row(s))"
            )
        frame = gpd.GeoDataFrame(
            table, geometry=gpd.points_from_xy(coords[xs], coords[ys]), crs=given
        )
    else:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if path.suffix.lower() == ".parquet":
                    frame = gpd.read_parquet(path)
                else:
                    frame = pyogrio.read_dataframe(path)
        except Exception as exc:  # GDAL raises many kinds; all mean "cannot be read"
            raise InputError(
                f"{path.name}: cannot be read as a spatial file ({exc}); give "
                "GeoJSON, GeoPackage, GeoParquet or a CSV with lon/lat"
            ) from None
        if crs and frame.crs is None:
            frame = frame.set_crs(crs)
    if id_column not in frame.columns:
        raise InputError(
            f"{path.name}: no {id_column} column; it has {', '.join(map(str, frame.columns))}"
        )
    ids = frame[id_column].astype("string").str.strip()
    blank = (ids.isna() | (ids == "")).to_numpy()
    if blank.any():
        raise InputError(
            f"{path.name}, row {int(blank.argmax()) + 2}, column {id_column}: "
            f"blank id ({int(blank.sum())} such row(s)); give every row an id"
        )
    dup = ids.duplicated().to_numpy()
    if dup.any():
        raise InputError(
            f"{path.name}, row {int(dup.argmax()) + 2}, column {id_column}: "
            f"{ids.iloc[int(dup.argmax())]!r} is given twice; ids must be unique"
        )
    missing = (frame.geometry.isna() | frame.geometry.is_empty).to_numpy()
    if missing.any():
        raise InputError(
            f"{path.name}, row {int(missing.argmax()) + 2}: {ids.iloc[int(missing.argmax())]!r} "  # noqa: E501
            f"has no geometry ({int(missing.sum())} such row(s))"
        )
    if frame.crs is None:
        raise InputError(f"{path.name}: no coordinate system; save it with one or give --crs")
    return frame.assign(**{id_column: ids.astype(str).to_numpy()})
