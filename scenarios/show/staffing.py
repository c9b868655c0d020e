"""The social-security bureau's posting in the terminal: service level per centre."""

from __future__ import annotations

import pandas as pd
from rich.table import Table

from optimize.staffing import ServiceTarget, service_level_by_centre


def centre_table(posting: pd.DataFrame, target: ServiceTarget, title: str | None = None) -> Table:
    """Per centre: caseworkers today and planned, service level before/after, months missed."""
    summary = service_level_by_centre(posting)
    default = f"Visitors served within {target.within_minutes:g} min (target {target.target:.0%})"
    table = Table(title=title or default)
    for col in ("centre", "counters", "staff today", "staff plan", "before", "after",
                "worst peak", "missed"):  # fmt: skip
        table.add_column(col, justify="left" if col == "centre" else "right")
    for row in summary.itertuples(index=False):
        style = "red" if row.worst_peak_after < target.target else "green"
        table.add_row(
            row.facility_id,
            f"{row.counters:g}",
            f"{row.caseworkers_today:g}",
            f"{row.caseworkers_planned:.1f}",
            f"{row.level_before:.1%}",
            f"{row.level_after:.1%}",
            f"[{style}]{row.worst_peak_after:.0%}[/]",
            f"{row.months_missed} mo",
        )
    table.caption = (
        "before = today's posting, after = the plan (share of the year's visitors); worst peak = "
        "lowest peak-hour level in any month after; missed = months whose peak hour misses"
    )
    return table
