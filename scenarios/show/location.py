"""A location model's result in the terminal: status, open sites and any shortfall."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from optimize.result import PlanResult


def print_location(result: PlanResult, out: Path, console: Console) -> None:
    """Status line, the open sites, and any shortfall."""
    console.print(result.summary(), style="green" if result.has_plan else "yellow")
    sites = result.plans.get("open_sites")
    if sites is not None and len(sites):
        table = Table(title="open sites")
        for col in sites.columns:
            table.add_column(str(col))
        for row in sites.head(30).itertuples(index=False):
            table.add_row(*(f"{v:,.4g}" if isinstance(v, float) else str(v) for v in row))
        console.print(table)
    if len(result.shortfall):
        console.print(
            f"shortfall: {result.shortfall['amount'].sum():,.4g} in "
            f"{len(result.shortfall)} place(s), rules: "
            + ", ".join(sorted(set(result.shortfall["constraint"])))
        )
    console.print(f"wrote {out}")
