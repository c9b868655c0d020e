"""Alerts in the terminal: what an evaluation raised, and the alert list."""

from __future__ import annotations

import pandas as pd
from rich.markup import escape
from rich.table import Table

SEVERITY_STYLE = {"critical": "bold red", "warning": "yellow", "info": "cyan"}


def alerts_table(frame: pd.DataFrame, title: str, limit: int = 40) -> Table:
    """One row per alert: id, bureau, kind, period, severity, state and the message."""
    table = Table(title=title, show_lines=False)
    for col in ("id", "bureau", "kind", "period", "severity", "state", "message"):
        table.add_column(col, justify="right" if col == "id" else "left",
                         overflow="fold", no_wrap=col != "message")  # fmt: skip
    for r in frame.head(limit).to_dict("records"):
        style = SEVERITY_STYLE.get(r["severity"], "")
        table.add_row(
            str(r["alert_id"]), r["bureau"], r["kind"],
            "" if pd.isna(r["ds"]) else f"{pd.Timestamp(r['ds']):%Y-%m-%d}",
            f"[{style}]{r['severity']}[/]", r["state"], escape(str(r["message"])),
        )  # fmt: skip
    if len(frame) > limit:
        table.caption = f"first {limit} of {len(frame)}; all with --export FILE"
    return table
