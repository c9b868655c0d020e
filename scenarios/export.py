"""Writing a stored run to files: plans and KPIs as CSV, spatial plans as GeoPackage, and
``columns.csv``: each plan column's unit, meaning and labels (en / zh-CN) from the plans' schemas
(``demand.bundle.outputs``).

Small cells are suppressed in everything written (by each column's unit; `scenarios.privacy`),
text that a spreadsheet would run as a formula is neutralised (`scenarios.spreadsheet`), and
each export is recorded in the audit log.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
from sqlalchemy.engine import Engine

from demand.bundle.outputs import data_dictionary
from scenarios.out_paths import check_out_file, check_out_folder
from scenarios.privacy import (
    DEFAULT_THRESHOLD,
    plan_units,
    run_threshold,
    suppress_frame,
    suppress_kpis,
)
from scenarios.spreadsheet import write_csv, write_xlsx
from scenarios.store import load_kpis, load_plans, log


def safe_plan(name: str, frame: pd.DataFrame, threshold: int = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """A plan as it may leave the store: small counts of people hidden, by each column's unit."""
    return suppress_frame(frame, plan_units(name, frame), threshold)


def export_run(engine: Engine, run: dict, out: Path, username: str,
               threshold: int = DEFAULT_THRESHOLD) -> list[Path]:  # fmt: skip
    """Write run `run` (a row of `runs`) to folder `out`; return the files written. Counts of
    people under `threshold`, or under the run's own `rules.small_cell_threshold` where that is
    larger, are hidden."""
    check_out_folder(out)
    threshold = run_threshold(run, at_least=threshold)
    written = [write_csv(suppress_kpis(load_kpis(engine, run["run_id"]), threshold),
                         out / "kpis.csv")]  # fmt: skip
    plans = load_plans(engine, run["run_id"])
    for name, frame in plans.items():
        safe = safe_plan(name, frame, threshold)
        if isinstance(frame, gpd.GeoDataFrame):
            path = out / f"{name}.gpkg"
            path.unlink(missing_ok=True)
            geometry = frame.geometry.name
            attributes = pd.DataFrame(safe.drop(columns=geometry))  # GIS, not a spreadsheet
            gpd.GeoDataFrame(attributes, geometry=frame.geometry.values, crs=frame.crs).to_file(
                path, layer=name, driver="GPKG"
            )
            written.append(path)
            safe = pd.DataFrame(safe.drop(columns=geometry))
        written.append(write_csv(safe, out / f"{name}.csv"))
    written.append(write_csv(pd.DataFrame(data_dictionary(plans)), out / "columns.csv"))
    (out / "scenario.json").write_text(run["scenario_json"], encoding="utf-8")
    written.append(out / "scenario.json")
    log(engine, username, "export", run["scenario"], run["run_id"], str(out))
    return written


def export_table(frame: pd.DataFrame, path: Path, threshold: int = DEFAULT_THRESHOLD) -> Path:
    """Write a comparison table to .csv or .xlsx with person counts below `threshold` hidden."""
    value_cols = [c for c in frame.columns if c not in ("service", "kpi", "unit")]
    check_out_file(path, "--export", (".csv", ".xlsx"))
    safe = suppress_kpis(frame, threshold, value_columns=value_cols)
    if path.suffix.lower() == ".xlsx":
        return write_xlsx(safe, path, sheet_name="compare")
    return write_csv(safe, path)
