"""`civicalloc health`: the health bureau's two plans for a city bundle (or the sample city).

    civicalloc health outreach --bundle city/ --share-at-centre 0.2 --equity --out build/health
    civicalloc health beds --bundle city/ --budget 50 --max-turn-away 0.03 --basis "peak month"

Without --bundle both run on the built-in sample city. Plans are written as CSVs to --out.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.progress import TaskID
from rich.table import Table

from demand.bundle import City
from demand.errors import InputError
from optimize.health import (
    BedRules,
    OutreachRules,
    OutreachWeights,
    outreach_inputs,
    plan_specialist_outreach,
    rebalance_beds,
    specialist_access_change,
    ward_inputs,
)
from optimize.result import PlanResult
from optimize.solver import SolverOptions
from scenarios.errors import user_errors
from scenarios.progress import count_bar

console = Console(highlight=False, soft_wrap=True)
health_app = typer.Typer(
    help="Health bureau: specialist outreach to community centres, hospital bed rebalancing.",
    no_args_is_help=True,
)


def _city(bundle: Path | None) -> City:
    if bundle is None:
        from demand.bundle import make_sample_city

        return make_sample_city()
    from demand.bundle import load_city

    return load_city(bundle)


def _options(solver: str, **limits) -> SolverOptions:
    if solver not in ("cbc", "highs"):
        raise InputError(f"--solver must be cbc or highs, got {solver!r}")
    return SolverOptions(solver, **limits)  # type: ignore[arg-type]


def _write(result: PlanResult, out: Path | None, prefix: str) -> None:
    if out is None:
        return
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in result.plans.items():
        frame.to_csv(out / f"{prefix}_{name}.csv", index=False)
    result.shortfall.to_csv(out / f"{prefix}_shortfall.csv", index=False)
    result.to_json(out / f"{prefix}_result.json")
    console.print(f"plans written to {out}/{prefix}_*.csv")


def run_outreach(
    city: City,
    rules: OutreachRules,
    weights: OutreachWeights,
    options: SolverOptions,
    share_at_centre: float = 0.2,
    mobility_aware: bool = False,
    by_specialty: bool | None = None,
    progress=None,
) -> tuple[PlanResult, pd.DataFrame]:
    """Solve the outreach plan for a city; returns the result and the 2SFCA access change."""
    inputs = outreach_inputs(
        city,
        share_at_centre=share_at_centre,
        resident_minutes=rules.max_resident_minutes,
        specialist_minutes=rules.max_specialist_minutes,
        mobility_aware=mobility_aware,
    )
    result = plan_specialist_outreach(
        inputs.pools,
        inputs.centres,
        inputs.hosts,
        inputs.need,
        inputs.resident_travel,
        inputs.specialist_travel,
        rules=rules,
        weights=weights,
        options=options,
        hospital_travel=inputs.hospital_travel,
        by_specialty=by_specialty,
        progress=progress,
    )
    access = pd.DataFrame()
    if result.plans:
        access = specialist_access_change(
            result.plans["schedule"],
            inputs.pools,
            inputs.population,
            inputs.access_travel,
            rules,
            rules.max_resident_minutes,
        )
        result.plans["access_change"] = access
    return result, access


def print_outreach(result: PlanResult, console: Console, top: int = 8) -> None:
    """Status, the headline numbers and the busiest schedule rows."""
    console.print(result.summary())
    if not result.plans:
        console.print("no plan: " + "; ".join(result.messages))
        return
    by_area = result.plans["by_area"]
    need, served = by_area["need"].sum(), by_area["served"].sum()
    line = (
        f"visits a week that could be seen near home: {need:,.0f}; served at centres "
        f"{served:,.0f} ({served / max(need, 1e-9):.0%}); unmet {by_area['unmet'].sum():,.0f} "
        f"(worst area {by_area['unmet_share'].max():.0%} unmet)"
    )
    console.print(line)
    if "minutes_before" in by_area:
        w = by_area["need"]
        before = (by_area["minutes_before"] * w).sum() / w.sum()
        after = (by_area["minutes_after"] * w).sum() / w.sum()
        console.print(f"average one-way trip per specialist visit: {before:.1f} -> {after:.1f} min")
    access = result.plans.get("access_change")
    if access is not None and len(access):
        console.print(
            "2SFCA specialist half-days per week per 1,000 residents within reach: mean "
            f"{access['access_before'].mean():.2f} -> {access['access_after'].mean():.2f}, "
            f"lowest area {access['access_before'].min():.2f} -> "
            f"{access['access_after'].min():.2f}"
        )
    schedule = result.plans["schedule"].sort_values("sessions", ascending=False).head(top)
    table = Table(title=f"Weekly schedule (top {top} of {len(result.plans['schedule'])} rows)")
    for col in ("hospital", "specialty", "centre", "sessions", "one-way min", "half-day slots"):
        table.add_column(col, justify="right" if col in ("sessions", "one-way min") else "left")
    for r in schedule.itertuples(index=False):
        table.add_row(r.hospital_id, r.specialty, r.centre_id, f"{r.sessions:.0f}",
                      f"{r.one_way_minutes:.0f}", r.slots)  # fmt: skip
    console.print(table)
    if len(result.binding):
        console.print("rules that had to give: " + ", ".join(
            f"{c} ({t:,.1f} at {p} places)" for c, p, t in result.binding.itertuples(index=False)
        ))  # fmt: skip


def run_beds(
    city: City, rules: BedRules, options: SolverOptions, basis: str = "year", method: str = "trend"
) -> PlanResult:
    """Solve the bed plan for a city (admissions projected from its history)."""
    wards = ward_inputs(city, basis=basis, method=method)
    result = rebalance_beds(wards, rules, options=options)
    result.messages.append(f"admissions: {wards['method'].iloc[0]}" if len(wards) else "no wards")
    return result


def print_beds(result: PlanResult, console: Console) -> None:
    """Status, beds and turn-aways per hospital before/after, and what binds."""
    console.print(result.summary())
    if not result.plans:
        console.print("no plan: " + "; ".join(result.messages))
        return
    console.print(result.messages[-1])
    hosp = result.plans["hospitals"]
    wards = result.plans["wards"]
    table = Table(title="Beds per hospital (turned away = expected patients a year, Erlang B)")
    for col in ("hospital", "beds before", "after", "moved in", "moved out", "new",
                "turned away before", "after", "occupancy before", "after"):  # fmt: skip
        table.add_column(col, justify="left" if col == "hospital" else "right")
    for r in hosp.itertuples(index=False):
        g = wards[wards["hospital_id"] == r.hospital_id]
        occ0 = (g["occupancy_before"] * g["beds_before"]).sum() / max(g["beds_before"].sum(), 1)
        occ1 = (g["occupancy_after"] * g["beds_after"]).sum() / max(g["beds_after"].sum(), 1)
        table.add_row(r.hospital_id, f"{r.beds_before:,}", f"{r.beds_after:,}", f"{r.moved_in:.0f}",
                      f"{r.moved_out:.0f}", f"{r.new_beds:.0f}", f"{r.turned_away_before:,.0f}",
                      f"{r.turned_away_after:,.0f}", f"{occ0:.0%}", f"{occ1:.0%}")  # fmt: skip
    console.print(table)
    console.print(
        f"turned away a year: {wards['turned_away_before'].sum():,.0f} -> "
        f"{wards['turned_away_after'].sum():,.0f}; wards below need at the target: "
        f"{len(result.shortfall)} ({result.shortfall['amount'].sum():,.0f} beds)"
    )
    binds = result.plans["what_binds"]
    if len(binds):
        counts = binds.groupby("rule")["saves_per_year_if_relaxed"].agg(["size", "max"])
        console.print("what binds: " + "; ".join(
            f"{rule} at {int(n)} place(s) (one more bed would save up to {m:,.1f} patients a year)"
            for rule, (n, m) in counts.iterrows()
        ))  # fmt: skip
    if len(result.binding):
        console.print("rules that had to give: " + ", ".join(
            f"{c} ({t:,.0f} beds at {p} places)"
            for c, p, t in result.binding.itertuples(index=False)
        ))  # fmt: skip


@health_app.command("outreach")
def outreach(
    bundle: Path = typer.Option(None, "--bundle", help="City bundle (default: the sample city)."),
    share_at_centre: float = typer.Option(
        0.2, help="Share of specialist outpatient visits that can be seen at a community centre."
    ),
    max_minutes: float = typer.Option(30.0, help="Residents' longest trip to a centre, minutes."),
    half_days: float = typer.Option(4.0, help="Outreach half-days per specialist per week."),
    in_house: float = typer.Option(0.6, help="Share of half-days each pool keeps at hospital."),
    visits_per_session: float = typer.Option(15.0, help="Patients seen per half-day session."),
    min_sessions: int = typer.Option(0, help="Guaranteed sessions per week at every centre."),
    equity: bool = typer.Option(
        False, "--equity", help="Also minimise the worst area's unmet share."
    ),
    mobility: bool = typer.Option(
        False, "--mobility", help="Commuters may be seen near work too (mobility table)."
    ),
    solver: str = typer.Option("highs", help="cbc or highs."),
    gap: float = typer.Option(0.01, help="Stop within this relative gap."),
    time_limit: float = typer.Option(120.0, help="Solver time limit, seconds."),
    by_specialty: bool = typer.Option(
        None,
        "--by-specialty/--joint",
        help="Solve one specialty at a time, rooms priced by the joint LP, or all in one model "
        "(default: one at a time from 20,000 hospital-centre pairs).",
    ),  # fmt: skip
    out: Path = typer.Option(None, "--out", help="Folder for the plan CSVs."),
) -> None:
    """Weekly specialist sessions per hospital pool and community centre (医联体 outreach)."""
    with user_errors():
        rules = OutreachRules(
            max_outreach_half_days=half_days,
            min_in_house_share=in_house,
            visits_per_session=visits_per_session,
            max_resident_minutes=max_minutes,
            min_sessions_per_centre=min_sessions,
        )
        options = _options(solver, time_limit_s=time_limit, gap_rel=gap)
        with count_bar(console, transient=True) as bar:
            tasks: dict[str, TaskID] = {}

            def progress(step: str, done: int, total: int) -> None:
                """A bar per step of a long solve (the specialties' models, one at a time)."""
                if step not in tasks:
                    tasks[step] = bar.add_task(step, total=total)
                bar.update(tasks[step], completed=done)

            result, _ = run_outreach(
                _city(bundle), rules, OutreachWeights(equity=equity), options, share_at_centre,
                mobility, by_specialty, progress,
            )  # fmt: skip
        print_outreach(result, console)
        _write(result, out, "outreach")


@health_app.command("beds")
def beds(
    bundle: Path = typer.Option(None, "--bundle", help="City bundle (default: the sample city)."),
    budget: int = typer.Option(0, help="New beds the bureau can fund."),
    max_turn_away: float = typer.Option(0.03, help="Target share of patients finding wards full."),
    floor_share: float = typer.Option(0.8, help="Each ward keeps at least this share of its beds."),
    ceiling_share: float = typer.Option(1.5, help="... and grows to at most this multiple."),
    basis: str = typer.Option("year", help="'year' (average day) or 'peak month'."),
    forecast: str = typer.Option(
        "trend", help="Admissions: 'trend' (last year x growth) or 'theta' (forecasting stage)."
    ),
    objective: str = typer.Option("turned_away", help="turned_away or bed_days_short."),
    solver: str = typer.Option("highs", help="cbc or highs."),
    out: Path = typer.Option(None, "--out", help="Folder for the plan CSVs."),
) -> None:
    """Beds per hospital and department that turn the fewest patients away."""
    with user_errors():
        rules = BedRules(
            max_turn_away=max_turn_away,
            floor_share=floor_share,
            ceiling_share=ceiling_share,
            new_bed_budget=budget,
            objective=objective,  # type: ignore[arg-type]
        )
        options = _options(solver, time_limit_s=120)
        result = run_beds(_city(bundle), rules, options, basis, forecast)
        print_beds(result, console)
        _write(result, out, "beds")


def register(app: typer.Typer) -> None:
    """Add `civicalloc health outreach|beds` to the CLI."""
    app.add_typer(health_app, name="health")
