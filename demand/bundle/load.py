"""Loading a city bundle: read, validate, then type every column and align the CRS."""

from __future__ import annotations

import tomllib
from pathlib import Path

import geopandas as gpd
import pandas as pd

from demand.bundle.city import City
from demand.bundle.read import RawTable, read_raw_tables
from demand.bundle.report import Report
from demand.bundle.schemas import SCHEMAS, TableSchema
from demand.bundle.validate import validate_tables
from demand.checks import not_utf8
from demand.errors import InputError
from demand.geo import metric_crs


def _typed(table: RawTable | None, schema: TableSchema) -> pd.DataFrame:
    """The table with the contract's dtypes; optional missing columns filled with defaults.
    The cells are stripped text already (`read_raw_tables`), and numbers are those validation
    parsed (`RawTable.numbers`)."""
    if table is None:
        cols = {c.name: pd.Series(dtype=_pandas_dtype(c.dtype)) for c in schema.columns}
        return pd.DataFrame(cols)
    frame = table.frame
    out = {}
    for col in schema.columns:
        if col.dtype == "geometry":
            continue
        if col.name not in frame.columns:
            out[col.name] = pd.Series([col.default] * len(frame), index=frame.index, dtype=object)
            continue
        text = frame[col.name].astype(str)
        if col.dtype == "int":  # every cell a number: validated (parsed there, once)
            out[col.name] = table.numbers(col.name).astype("int64")
        elif col.dtype == "float":
            out[col.name] = table.numbers(col.name).astype("float64")
        elif col.dtype == "date":
            out[col.name] = pd.to_datetime(text, format="mixed")
        else:
            out[col.name] = text.astype(object)
    typed = pd.DataFrame(out, index=frame.index)
    if schema.geometry is not None:
        typed = gpd.GeoDataFrame(typed, geometry=frame.geometry.values, crs=frame.crs)
    return typed.reset_index(drop=True)


def _pandas_dtype(dtype: str) -> str:
    return {"int": "int64", "float": "float64", "date": "datetime64[ns]"}.get(dtype, "object")


def check_bundle(path: str | Path) -> tuple[City | None, Report]:
    """Validate the bundle at `path`; return the City (None if it has errors) and the report."""
    path = Path(path)
    report = Report()
    tables, unknown = read_raw_tables(path)
    validate_tables(tables, unknown, report)
    if not report.ok:
        return None, report
    return typed_city(tables, _read_meta(path), path), report


def typed_city(tables: dict[str, RawTable], meta: dict, path: Path) -> City:
    """The City of tables that passed validation: typed, in one metric CRS."""
    typed = {name: _typed(tables.get(name), schema) for name, schema in SCHEMAS.items()}
    areas = typed["areas"]
    target = metric_crs(areas)
    typed["areas"] = areas.to_crs(target)
    typed["facilities"] = typed["facilities"].to_crs(target)
    return City(
        **typed,
        name=str(meta.get("name", path.stem)),
        base_year=meta.get("base_year"),
        source=path,
        meta=meta,
    )


def _read_meta(path: Path) -> dict:
    meta_file = path / "bundle.toml" if path.is_dir() else None
    if meta_file is None or not meta_file.exists():
        return {}
    try:
        return tomllib.loads(meta_file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"bundle.toml: {exc}; fix the TOML syntax") from None
    except UnicodeDecodeError as exc:
        raise not_utf8("bundle.toml", exc, spreadsheet=False) from None


def load_city(path: str | Path) -> City:
    """The validated city at `path`; raises InputError on one line naming the first error and
    how to see them all (`civicalloc validate`)."""
    city, report = check_bundle(path)
    if city is None:
        first = report.errors[0].line().removeprefix("ERROR ")
        more = len(report.errors) - 1
        others = f" and {more} more: see `civicalloc validate {path}`" if more else ""
        raise InputError(f"the city bundle at {path} is not usable: {first}{others}")
    return city
