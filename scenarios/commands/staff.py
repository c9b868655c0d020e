"""`civicalloc staff`: next year's caseworker posting for social-security service centres.

Either from a city bundle (caseload forecast from its history, caseworkers from its workforce,
counters from its capacity, the visit profile from its arrival_profile), or from plain CSVs:

    civicalloc staff --caseload caseload.csv --centres centres.csv --target 0.8 --within-min 20 \\
        --aht-min 12 --online-share 0.2 --out plan.csv

caseload.csv: facility_id, month (2026-01 or 2026-01-01), cases (visits in the month).
centres.csv:  facility_id, caseworkers (today), counters.
profile.csv (optional): facility_id, weekday (0 = Monday), hour, visits.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from demand.errors import InputError
from forecasting.arrivals import learn_arrival_profile, split_into_hourly_arrivals
from optimize.solver import SolverOptions
from optimize.staffing import (
    ServiceTarget,
    TransferLimits,
    service_level_by_centre,
    staff_service_centres,
)
from scenarios.errors import user_errors

console = Console(highlight=False, soft_wrap=True)


def _read_csv(path: Path, needed: list[str], numeric: list[str]) -> pd.DataFrame:
    """Read a CSV, check its columns and that numeric columns hold numbers >= 0."""
    if not path.exists():
        raise InputError(f"{path}: file not found")
    try:
        frame = pd.read_csv(path, dtype={"facility_id": str})
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a readable CSV ({exc}); save it as UTF-8 CSV") from None
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise InputError(
            f"{path}: missing column(s) {', '.join(missing)}; expected {', '.join(needed)} "
            f"(found: {', '.join(map(str, frame.columns))})"
        )
    for column in numeric:
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna() | (values < 0)
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                f"{path}: row {pos + 2}, column {column}: {frame[column].iloc[pos]!r} is not a "
                "number >= 0; fix that row"
            )
        frame[column] = values
    return frame


def _inputs_from_csv(caseload: Path, centres: Path, profile: Path | None):
    cases = _read_csv(caseload, ["facility_id", "month", "cases"], ["cases"])
    table = _read_csv(
        centres, ["facility_id", "caseworkers", "counters"], ["caseworkers", "counters"]
    )
    dup = table["facility_id"].duplicated()
    if dup.any():
        pos = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputError(f"{centres}: row {pos + 2}: centre {table['facility_id'].iloc[pos]} twice")
    counts = None
    if profile is not None:
        counts = _read_csv(profile, ["facility_id", "weekday", "hour", "visits"], ["visits"])
    shares = learn_arrival_profile(
        counts, cases["facility_id"].astype(str).unique(), source=str(profile)
    )
    arrivals = split_into_hourly_arrivals(cases, shares, source=str(caseload))
    table = table.set_index("facility_id")
    return arrivals, table["caseworkers"], table["counters"]


def _inputs_from_bundle(bundle: Path, months: int):
    from demand.bundle import load_city
    from optimize.staffing.city import centre_inputs, next_year_arrivals

    city = load_city(bundle)
    inputs = centre_inputs(city)
    console.print(f"forecasting {months} months of caseload for {len(inputs.names)} centres …")
    _, arrivals = next_year_arrivals(city, months=months)
    return arrivals, inputs.caseworkers, inputs.counters


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


def register(app: typer.Typer) -> None:
    """Add `civicalloc staff` to the CLI."""

    @app.command("staff")
    def staff(
        bundle: Path | None = typer.Option(None, "--bundle", help="City bundle to plan for."),
        caseload: Path | None = typer.Option(
            None, "--caseload", help="CSV: facility_id, month, cases (instead of --bundle)."
        ),
        centres: Path | None = typer.Option(
            None, "--centres", help="CSV: facility_id, caseworkers, counters (with --caseload)."
        ),
        profile: Path | None = typer.Option(
            None, "--profile", help="CSV: facility_id, weekday, hour, visits (optional)."
        ),
        months: int = typer.Option(12, "--months", min=1, help="Months to forecast (--bundle)."),
        target: float = typer.Option(0.8, "--target", help="Share served in time (0.8 = 80%)."),
        within_min: float = typer.Option(20.0, "--within-min", help="Target wait, minutes."),
        aht_min: float = typer.Option(12.0, "--aht-min", help="Handling time per visit, minutes."),
        shrinkage: float = typer.Option(0.3, "--shrinkage", help="Share of time off counters."),
        patience_min: float | None = typer.Option(
            None, "--patience-min", help="Mean patience, minutes (Erlang A); default: none."
        ),
        online_share: float = typer.Option(
            0.0, "--online-share", help="Share of cases moved online."
        ),
        max_moves_per_centre: int = typer.Option(3, "--max-moves-per-centre", min=0),
        max_moves_total: int = typer.Option(10, "--max-moves-total", min=0),
        bureau_headcount: int | None = typer.Option(
            None, "--bureau-headcount", help="Caseworkers the bureau will have (default: today's)."
        ),
        solver: str = typer.Option("cbc", "--solver", help="cbc or highs."),
        out: Path | None = typer.Option(
            None, "--out", help="Write the plan per centre-month (CSV)."
        ),
    ) -> None:
        """Post caseworkers across centres and months to serve visitors within the target."""
        with user_errors():
            if bundle is not None:
                arrivals, today, counters = _inputs_from_bundle(bundle, months)
            elif caseload is not None and centres is not None:
                arrivals, today, counters = _inputs_from_csv(caseload, centres, profile)
            else:
                raise InputError("give --bundle PATH, or --caseload CSV and --centres CSV")
            service = ServiceTarget(
                target=target,
                within_minutes=within_min,
                handling_minutes=aht_min,
                shrinkage=shrinkage,
                patience_minutes=patience_min,
            )
            if solver not in ("cbc", "highs"):
                raise InputError(f"--solver must be cbc or highs, got {solver!r}")
            result = staff_service_centres(
                arrivals,
                today,
                counters,
                service,
                TransferLimits(
                    max_moves_per_centre=max_moves_per_centre,
                    max_moves_total=max_moves_total,
                    bureau_headcount=bureau_headcount,
                ),
                online_share=online_share,
                options=SolverOptions(name=solver, time_limit_s=60),
            )
        console.print(result.summary())
        for message in result.messages:
            console.print(f"  {message}")
        if "posting" not in result.plans:
            raise typer.Exit(code=1)
        posting = result.plans["posting"]
        console.print(centre_table(posting, service))
        if not result.shortfall.empty:
            total = result.shortfall.groupby("constraint")["amount"].sum()
            for rule, amount in total.items():
                console.print(f"short: {rule}: {amount:g} in {len(result.shortfall)} places")
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            posting.to_csv(out, index=False)
            console.print(f"wrote the plan per centre and month → {out}")
