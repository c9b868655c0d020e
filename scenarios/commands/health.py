"""`civicalloc health`: the health bureau's two plans for a city bundle (or the sample city).

    civicalloc health outreach --bundle city/ --share-at-centre 0.2 --equity --out build/health
    civicalloc health beds --bundle city/ --budget 50 --max-turn-away 0.03 --basis "peak month"

Without --bundle both run on the built-in sample city. Plans are written as CSVs to --out. The
rule options come from the rules' declarations (``optimize.health.rules``).
"""

from __future__ import annotations

from pathlib import Path

import typer

from optimize.health.rules import BedRules, OutreachRules, OutreachWeights
from scenarios.errors import user_errors
from scenarios.options import SOLVER, gap, rules_options, solver_options, time_limit
from scenarios.out_paths import check_out_folder

health_app = typer.Typer(
    help="Health bureau: specialist outreach to community centres, hospital bed rebalancing.",
    no_args_is_help=True,
)
BUNDLE = typer.Option(None, "--bundle", help="City bundle (default: the sample city).")
OUT = typer.Option(None, "--out", help="Folder for the plan CSVs.")


def _city(bundle: Path | None):
    from demand.bundle import load_city, make_sample_city

    return make_sample_city() if bundle is None else load_city(bundle)


@health_app.command("outreach")
@rules_options(OutreachWeights, param="weights")
@rules_options(OutreachRules)
def outreach(
    rules: OutreachRules,
    weights: OutreachWeights,
    bundle: Path = BUNDLE,
    share_at_centre: float = typer.Option(
        0.2, help="Share of specialist outpatient visits that can be seen at a community centre."
    ),
    mobility: bool = typer.Option(
        False, "--mobility", help="Commuters may be seen near work too (mobility table)."
    ),
    solver: str = SOLVER,
    gap_rel: float = gap(0.01),
    time_limit_s: float = time_limit(120.0),
    by_specialty: bool = typer.Option(
        None,
        "--by-specialty/--joint",
        help="Solve one specialty at a time, rooms priced by the joint LP, or all in one model "
        "(default: one at a time from 20,000 hospital-centre pairs).",
    ),  # fmt: skip
    out: Path = OUT,
) -> None:
    """Weekly specialist sessions per hospital pool and community centre (医联体 outreach)."""
    from optimize.health import plan_city_outreach
    from scenarios.plan_files import write_plans
    from scenarios.progress import count_bar, step_progress
    from scenarios.show import console
    from scenarios.show.health import print_outreach

    with user_errors():
        check_out_folder(out)
        options = solver_options(solver, time_limit_s, gap_rel=gap_rel)
        with count_bar(console, transient=True) as bar:
            result = plan_city_outreach(
                _city(bundle), rules, weights, options, share_at_centre=share_at_centre,
                mobility_aware=mobility, by_specialty=by_specialty,
                progress=step_progress(bar),
            )  # fmt: skip
        print_outreach(result, console)
        if out is not None:
            write_plans(result, out, "outreach")
            console.print(f"plans written to {out}/outreach_*.csv")


@health_app.command("beds")
@rules_options(BedRules)
def beds(
    rules: BedRules,
    bundle: Path = BUNDLE,
    basis: str = typer.Option("year", help="'year' (average day) or 'peak month'."),
    forecast: str = typer.Option(
        "trend", help="Admissions: 'trend' (last year x growth) or 'theta' (forecasting stage)."
    ),
    solver: str = SOLVER,
    time_limit_s: float = time_limit(120.0),
    out: Path = OUT,
) -> None:
    """Beds per hospital and department that turn the fewest patients away."""
    from optimize.health import rebalance_city_beds
    from scenarios.plan_files import write_plans
    from scenarios.show import console
    from scenarios.show.health import print_beds

    with user_errors():
        check_out_folder(out)
        options = solver_options(solver, time_limit_s)
        result = rebalance_city_beds(_city(bundle), rules, options, basis=basis, method=forecast)
        print_beds(result, console)
        if out is not None:
            write_plans(result, out, "beds")
            console.print(f"plans written to {out}/beds_*.csv")


def register(app: typer.Typer) -> None:
    """Add `civicalloc health outreach|beds` to the CLI."""
    app.add_typer(health_app, name="health")
