"""Scenarios in the terminal: stored runs' KPIs side by side."""

from __future__ import annotations

import pandas as pd
from rich.console import Console
from rich.markup import escape
from rich.table import Table


def fmt_value(value: object, unit: str = "") -> str:
    """A KPI value as the terminal shows it ('–' when missing, shares as %)."""
    if isinstance(value, str):
        return value
    if value is None or pd.isna(value):
        return "–"
    if unit == "share":
        return f"{value:.1%}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.3g}"


def print_comparison(table: pd.DataFrame, out: Console, deltas_only: bool = False) -> None:
    """The comparison, one rich table per service (first run's values, then Δ if asked)."""
    runs = [c for c in table.columns if c not in ("service", "kpi", "unit")]
    if deltas_only:
        runs = runs[:1] + [c for c in runs if c.startswith("Δ")]
    for service, part in table.groupby("service", sort=False):
        t = Table(title=escape(str(service)), title_justify="left")
        t.add_column("KPI")
        t.add_column("unit")
        for r in runs:
            t.add_column(escape(r), justify="right", style="bold" if r.startswith("Δ") else None)
        for _, row in part.iterrows():
            t.add_row(escape(row["kpi"]), escape(row["unit"]),
                      *[escape(fmt_value(row[r], row["unit"])) for r in runs])  # fmt: skip
        out.print(t)
