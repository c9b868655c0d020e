"""Demo step: the health bureau's plans -- specialist outreach and bed rebalancing.

Leaves in ctx.state: 'health_outreach' and 'health_beds' (PlanResult each).
"""

from __future__ import annotations

from optimize.health import BedRules, plan_city_outreach, rebalance_city_beds
from optimize.solver import SolverOptions
from scenarios.show.health import print_beds, print_outreach

ORDER = 40
TITLE = "Health: specialist outreach to community centres, bed rebalancing"


def run(ctx) -> None:
    """Solve both health plans on the city, print the summaries and write the plan CSVs."""
    console = ctx.console
    options = SolverOptions("highs", gap_rel=0.01, time_limit_s=20)
    console.print("[bold]Specialist outreach[/] (20% of specialist visits could be seen nearby)")
    outreach = plan_city_outreach(ctx.city, options=options)
    print_outreach(outreach, console, top=5)
    console.print("[bold]Bed rebalancing[/] (3% turn-away target, 50 new beds funded)")
    beds = rebalance_city_beds(
        ctx.city, BedRules(new_bed_budget=50), SolverOptions("highs", time_limit_s=20),
        method="theta",  # admissions forecast by the forecasting stage (statsforecast Theta)
    )  # fmt: skip
    print_beds(beds, console)
    for name, result in (("outreach", outreach), ("beds", beds)):
        for plan, frame in result.plans.items():
            frame.to_csv(ctx.out_dir / f"health_{name}_{plan}.csv", index=False)
    ctx.state["health_outreach"] = outreach
    ctx.state["health_beds"] = beds
