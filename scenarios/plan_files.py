"""Writing a model's result to files: one CSV per plan, the shortfall, the whole result as JSON,
and ``columns.csv`` describing every column (unit, meaning, labels en / zh-CN); a redistricting
as a map (GeoPackage or GeoJSON) with its CSVs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from demand.bundle.outputs import data_dictionary
from optimize.result import PlanResult
from scenarios.out_paths import check_out_file
from scenarios.spreadsheet import write_csv

#: The map formats `districts --out` writes.
MAP_SUFFIXES = (".gpkg", ".geojson", ".json")


def write_plans(result: PlanResult, out: Path, prefix: str) -> list[Path]:
    """Write ``result`` to folder ``out`` as ``<prefix>_<plan>.csv``, ``<prefix>_shortfall.csv``,
    ``<prefix>_result.json`` and ``<prefix>_columns.csv``; return the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in result.plans.items():
        path = out / f"{prefix}_{name}.csv"
        write_csv(frame, path)
        written.append(path)
    path = out / f"{prefix}_shortfall.csv"
    write_csv(result.shortfall, path)
    written.append(path)
    path = out / f"{prefix}_result.json"
    result.to_json(path)
    written.append(path)
    path = out / f"{prefix}_columns.csv"
    write_csv(pd.DataFrame(data_dictionary(f"{prefix}_{name}" for name in result.plans)), path)
    written.append(path)
    return written


def write_districts(result: PlanResult, out: Path) -> list[Path]:
    """Write a redistricting's map (.gpkg with layers districts, today and units, or .geojson
    of the districts) and its assignment / enrolment / summary / links CSVs."""
    from optimize.education import district_map

    check_out_file(out, "--out", MAP_SUFFIXES)
    written = [out]
    districts, units = result.plans["districts"], result.plans["unit_map"]
    if out.suffix.lower() == ".gpkg":
        districts.to_file(out, layer="districts", driver="GPKG")
        district_map(units, units, "school_today").to_file(out, layer="today", driver="GPKG")
        units.to_file(out, layer="units", driver="GPKG")
    else:
        districts.to_file(out, driver="GeoJSON")
    stem = out.with_suffix("")
    for name in ("assignment", "enrolment", "summary", "links"):
        path = Path(f"{stem}_{name}.csv")
        write_csv(result.plans[name], path)
        written.append(path)
    return written
