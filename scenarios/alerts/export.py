"""`civicalloc alerts --export`: the documented columns, small counts of people hidden, every
cell formula-safe (CSV for any spreadsheet, or .xlsx)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from scenarios.alerts.store import export_frame
from scenarios.out_paths import check_out_file
from scenarios.privacy import suppress_frame
from scenarios.spreadsheet import write_csv, write_xlsx

__all__ = ["export_table", "write_alerts"]

COUNT_COLUMNS = ("observed", "expected", "threshold")


def export_table(alerts: pd.DataFrame) -> pd.DataFrame:
    """The alerts as exported: ``EXPORT_COLUMNS``, counts of people under 10 shown as "<10"
    (each row's unit decides: pupils, admissions, cases... yes; seats, beds, shares no)."""
    units = alerts["unit"].fillna("")
    hidden = suppress_frame(alerts, {c: units for c in COUNT_COLUMNS})
    return export_frame(hidden)


def write_alerts(alerts: pd.DataFrame, path: Path) -> Path:
    """Write the export to ``path`` (.csv, or .xlsx); InputError for another suffix or a place
    that cannot be written."""
    path = check_out_file(Path(path), "--export", (".csv", ".xlsx"))
    table = export_table(alerts)
    if path.suffix.lower() == ".xlsx":
        return write_xlsx(table, path, sheet_name="alerts")
    return write_csv(table, path)
