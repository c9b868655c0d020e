"""Alerts in the terminal: what an evaluation raised, and the alert list."""

from __future__ import annotations

import pandas as pd
from rich.console import Console, ConsoleOptions, RenderResult
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

SEVERITY_STYLE = {"critical": "bold red", "warning": "yellow", "info": "cyan"}
#: Below this width a table squeezes the message into a sliver: one block per alert instead.
TABLE_WIDTH = 110


class AlertList:
    """The alerts as a table in a wide terminal, one block per alert in a narrow one (the
    message in full either way)."""

    def __init__(self, frame: pd.DataFrame, title: str, limit: int = 40):
        self.rows = frame.head(limit).to_dict("records")
        self.title = title
        self.caption = f"first {limit} of {len(frame)}; all with --export FILE" if len(
            frame) > limit else None  # fmt: skip

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if options.max_width >= TABLE_WIDTH:
            yield self._table()
            return
        yield Text(self.title, style="italic")
        for r in self.rows:
            head = f"#{r['alert_id']} {r['bureau']} · {r['kind']} · {_period(r)} · "
            line = Text(head)
            line.append(r["severity"], style=SEVERITY_STYLE.get(r["severity"], ""))
            line.append(f" · {r['state']}")
            yield line
            yield Padding(Text(str(r["message"])), (0, 0, 0, 4))
        if self.caption:
            yield Text(self.caption, style="dim")

    def _table(self) -> Table:
        table = Table(title=self.title, caption=self.caption, show_lines=False)
        for col in ("id", "bureau", "kind", "period", "severity", "state", "message"):
            table.add_column(col, justify="right" if col == "id" else "left",
                             overflow="fold", no_wrap=col != "message")  # fmt: skip
        for r in self.rows:
            style = SEVERITY_STYLE.get(r["severity"], "")
            table.add_row(
                str(r["alert_id"]), r["bureau"], r["kind"], _period(r),
                f"[{style}]{r['severity']}[/]", r["state"], escape(str(r["message"])),
            )  # fmt: skip
        return table


def _period(r: dict) -> str:
    return "" if pd.isna(r["ds"]) else f"{pd.Timestamp(r['ds']):%Y-%m-%d}"


def alerts_table(frame: pd.DataFrame, title: str, limit: int = 40) -> AlertList:
    """One row per alert: id, bureau, kind, period, severity, state and the message."""
    return AlertList(frame, title, limit)
