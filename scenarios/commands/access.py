"""`civicalloc access`: accessibility per area from your own demand, supply and travel CSVs.

For analysts who bring their own matrices: D.csv ``area_id, persons``; S.csv
``facility_id, capacity``; C.csv long ``area_id, facility_id, minutes``. Writes A.csv with one
row per area of D.csv: access, nearest_minutes, and covered (for --method coverage).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from demand.checks import require_columns, require_ids, require_numbers, require_unique
from demand.errors import InputError
from optimize.metrics import (
    coverage_within,
    enhanced_two_step_fca,
    equity_summary,
    gravity_access,
    nearest_minutes,
    two_step_fca,
)
from scenarios.errors import user_errors
from supply.travel import travel_times_from_matrix

METHODS = ("2sfca", "e2sfca", "gravity", "coverage")
console = Console(highlight=False, soft_wrap=True)


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be read as CSV ({exc}). Save it as UTF-8 CSV.") from None


def read_amounts(path: Path, id_column: str, value_column: str) -> pd.Series:
    """A two-column CSV (id, amount) as a Series indexed by id, checked row by row."""
    frame = _read_csv(path)
    source = path.name
    require_columns(frame, [id_column, value_column], source)
    ids = require_ids(frame, id_column, source)
    require_unique(frame.assign(**{id_column: ids}), [id_column], source)
    values = require_numbers(frame, value_column, source)
    return pd.Series(values.to_numpy(), index=pd.Index(ids, name=id_column), name=value_column)


def parse_decay(method: str, decay: str | None) -> dict:
    """Keyword arguments of the metric for a --decay text; raises InputError when unclear.

    e2sfca: ``steps:10=1,20=0.68,30=0.22`` (default) or ``gaussian:SIGMA_MINUTES``;
    gravity: ``power:BETA`` for weight max(t, 1 min) ** -BETA (default power:1).
    """
    hint = {
        "e2sfca": "use --decay steps:10=1,20=0.68,30=0.22 or --decay gaussian:15",
        "gravity": "use --decay power:1.5",
    }
    if decay is None:
        return {}
    if method not in hint:
        raise InputError(f"--decay does not apply to --method {method}; leave it out.")
    kind, _, spec = decay.partition(":")
    try:
        if method == "e2sfca" and kind == "steps":
            steps = {}
            for part in spec.split(","):
                minutes, weight = part.split("=")
                steps[float(minutes)] = float(weight)
            if any(w < 0 for w in steps.values()):
                raise ValueError
            return {"steps": steps}
        if method == "e2sfca" and kind == "gaussian" and float(spec) > 0:
            return {"sigma_minutes": float(spec)}
        if method == "gravity" and kind == "power" and float(spec) > 0:
            return {"alpha": -float(spec)}
    except ValueError:
        pass
    raise InputError(f"--decay {decay!r} is not understood for {method}: {hint[method]}.")


def compute_access(
    method: str,
    demand: pd.Series,
    supply: pd.Series,
    travel: pd.DataFrame,
    threshold: float | None,
    decay: dict,
) -> pd.DataFrame:
    """Access per area by the chosen method, with nearest minutes (and coverage)."""
    out = pd.DataFrame({"persons": demand})
    if method == "2sfca":
        out["access"] = two_step_fca(
            demand, supply, travel, 30.0 if threshold is None else threshold
        )
    elif method == "e2sfca":
        out["access"] = enhanced_two_step_fca(
            demand, supply, travel, max_minutes=threshold, **decay
        )
    elif method == "gravity":
        out["access"] = gravity_access(demand, supply, travel, max_minutes=threshold, **decay)
    else:
        covered = coverage_within(
            demand.index, supply, travel, 30.0 if threshold is None else threshold
        )
        out["access"] = covered.astype(float)
    out["nearest_minutes"] = nearest_minutes(demand.index, supply.index[supply > 0], travel)
    return out.rename_axis("area_id").reset_index()


def register(app: typer.Typer) -> None:
    """Add the access command to the CLI."""

    @app.command("access")
    def access(
        method: str = typer.Option(..., "--method", help="2sfca, e2sfca, gravity or coverage."),
        demand: Path = typer.Option(..., "--demand", help="CSV: area_id, persons."),
        supply: Path = typer.Option(..., "--supply", help="CSV: facility_id, capacity."),
        cost: Path = typer.Option(..., "--cost", help="CSV: area_id, facility_id, minutes."),
        out: Path = typer.Option(..., "--out", help="CSV to write: access per area."),
        threshold: float = typer.Option(
            None,
            "--threshold",
            help="Catchment in minutes (2sfca/coverage default 30; caps e2sfca and gravity).",
        ),
        decay: str = typer.Option(
            None,
            "--decay",
            help="e2sfca: steps:10=1,20=0.68,30=0.22 or gaussian:SIGMA; gravity: power:BETA.",
        ),
    ) -> None:
        """Access per area: 2SFCA, enhanced 2SFCA, gravity, or coverage within a threshold."""
        with user_errors():
            if method not in METHODS:
                raise InputError(f"--method {method!r} is not one of {', '.join(METHODS)}.")
            if threshold is not None and threshold <= 0:
                raise InputError(f"--threshold must be > 0 minutes, got {threshold:g}.")
            decay_kwargs = parse_decay(method, decay)
            persons = read_amounts(demand, "area_id", "persons")
            capacity = read_amounts(supply, "facility_id", "capacity")
            travel = travel_times_from_matrix(
                _read_csv(cost), persons.index, capacity.index, source=cost.name
            )
            result = compute_access(method, persons, capacity, travel, threshold, decay_kwargs)
            out.parent.mkdir(parents=True, exist_ok=True)
            result.to_csv(out, index=False)
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
