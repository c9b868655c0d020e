"""Writing a stored run to files: plans and KPIs as CSV, spatial plans as GeoPackage, and
``columns.csv``: each plan column's unit, meaning and labels (en / zh-CN) from the plans' schemas
(``demand.bundle.outputs``).

Small cells are suppressed in everything written (see scenarios/privacy.py); each export is
recorded in the audit log.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
from sqlalchemy.engine import Engine

from demand.bundle.outputs import data_dictionary
from scenarios.out_paths import check_out_file, check_out_folder
from scenarios.privacy import DEFAULT_THRESHOLD, suppress_frame, suppress_kpis
from scenarios.store import load_kpis, load_plans, log


def export_run(engine: Engine, run: dict, out: Path, username: str,
               threshold: int = DEFAULT_THRESHOLD) -> list[Path]:  # fmt: skip
    """Write run `run` (a row of `runs`) to folder `out`; return the files written."""
    check_out_folder(out)
    written = []
    kpis = suppress_kpis(load_kpis(engine, run["run_id"]), threshold)
    path = out / "kpis.csv"
    kpis.to_csv(path, index=False)
    written.append(path)
    plans = load_plans(engine, run["run_id"])
    for name, frame in plans.items():
        safe = suppress_frame(frame, threshold)
        if isinstance(frame, gpd.GeoDataFrame):
            path = out / f"{name}.gpkg"
            path.unlink(missing_ok=True)
            gpd.GeoDataFrame(safe, geometry=frame.geometry.name, crs=frame.crs).to_file(
                path, layer=name, driver="GPKG"
            )
            written.append(path)
            safe = pd.DataFrame(safe.drop(columns=frame.geometry.name))
        path = out / f"{name}.csv"
        safe.to_csv(path, index=False)
        written.append(path)
    path = out / "columns.csv"
    pd.DataFrame(data_dictionary(plans)).to_csv(path, index=False)
    written.append(path)
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
        safe.to_excel(path, index=False, sheet_name="compare")
    else:
        safe.to_csv(path, index=False)
    return path
