"""Writing a City as a bundle on disk: a folder of GeoJSON + CSV files, or one GeoPackage."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pyogrio

from demand.bundle.city import City
from demand.bundle.schemas import SCHEMAS


def _csv_ready(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    return out


def write_bundle(city: City, out: str | Path, fmt: str = "folder") -> Path:
    """Write `city` to `out`: fmt 'folder' (GeoJSON + CSV files) or 'gpkg' (one GeoPackage).

    Optional tables with no rows are not written. Returns the path written.
    """
    out = Path(out)
    tables = {
        name: city.table(name)
        for name, schema in SCHEMAS.items()
        if schema.required or len(city.table(name))
    }
    if fmt == "gpkg":
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.exists():
            out.unlink()
        for name, frame in tables.items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                pyogrio.write_dataframe(_csv_ready(frame), out, layer=name, driver="GPKG")
        return out
    if fmt != "folder":
        raise ValueError(f"unknown bundle format {fmt!r}; use 'folder' or 'gpkg'")
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        if SCHEMAS[name].geometry is not None:
            target = out / f"{name}.geojson"
            target.unlink(missing_ok=True)
            pyogrio.write_dataframe(frame, target, driver="GeoJSON")
        else:
            _csv_ready(frame).to_csv(out / f"{name}.csv", index=False)
    meta = {"name": city.name, "base_year": city.base_year}
    lines = [f'{k} = "{v}"' if isinstance(v, str) else f"{k} = {v}" for k, v in meta.items()
             if v is not None]  # fmt: skip
    (out / "bundle.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out
