"""Access per area in the terminal: the equity figures of a computed access measure."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table

from optimize.metrics import equity_summary


def print_access(
    result: pd.DataFrame,
    persons: pd.Series,
    method: str,
    threshold: float | None,
    out: Path,
    console: Console,
) -> None:
    """Persons, mean access, Gini, the worst-off tenth, share beyond the threshold."""
    t = 30.0 if threshold is None else threshold
    figures = equity_summary(
        result.set_index("area_id")["access"],
        persons,
        result.set_index("area_id")["nearest_minutes"],
        thresholds_minutes=(t,),
    )
    table = Table(title=f"{method} access for {len(result)} areas → {out}")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_row("persons", f"{figures['persons']:,.0f}")
    table.add_row("mean access (per person)", f"{figures['mean_access']:.6g}")
    table.add_row("Gini across persons", f"{figures['gini']:.3f}")
    table.add_row("worst-off 10% mean access", f"{figures['worst_decile_access']:.6g}")
    table.add_row(f"share beyond {t:g} min", f"{figures[f'share_beyond_{t:g}_min']:.1%}")
    table.add_row("areas reaching no facility", f"{int((result['access'] == 0).sum())}")
    console.print(table)
