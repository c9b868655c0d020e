"""Demo step: next year's caseworker posting for the social-security bureau.

Forecasts each centre's monthly caseload per benefit type, splits it into visitors per opening
hour, sizes counters with Erlang C for "80% served within 15 minutes", posts caseworkers with the
PuLP model, then tries the online-channel lever. Leaves in ctx.state: 'staffing' (PlanResult)
and 'staffing_online' (PlanResult with 20% of cases online).
"""

from __future__ import annotations

from rich.table import Table

from forecasting.models import AutoForecaster
from optimize.staffing import (
    ServiceTarget,
    TransferLimits,
    service_level_by_centre,
    staff_service_centres,
)
from optimize.staffing.city import centre_inputs, next_year_arrivals
from scenarios.show.staffing import centre_table

ORDER = 60
TITLE = "Social-security bureau: next year's caseworkers per service centre"

#: A 15-minute case, 35% of paid time away from the counter, 80% served within 15 minutes.
TARGET = ServiceTarget(target=0.8, within_minutes=15, handling_minutes=15, shrinkage=0.35)
LIMITS = TransferLimits(max_moves_per_centre=3, max_moves_total=10)
ONLINE_SHARE = 0.2
#: Per series, Theta or seasonal naive, whichever backtests better (ETS too would double the time).
FORECASTER = AutoForecaster(models=("SeasonalNaive", "AutoTheta"), trim=0.0, n_jobs=1)


def run(ctx) -> None:
    """Forecast, size, post, and compare the plan with and without the online lever."""
    city, console = ctx.city, ctx.console
    inputs = centre_inputs(city)
    caseload, arrivals = next_year_arrivals(city, months=12, forecaster=FORECASTER)
    first, last = caseload["month"].min(), caseload["month"].max()
    models = caseload.drop_duplicates(["facility_id", "benefit"])["model"].value_counts()
    how = (
        "from need rates and the nearest centre by travel"
        if city.history.empty
        else "chosen by backtest"
    )
    console.print(
        f"caseload forecast {first:%Y-%m} … {last:%Y-%m} for {len(inputs.names)} centres × "
        f"{caseload['benefit'].nunique()} benefit types "
        f"({', '.join(f'{m} {n}' for m, n in models.items())} series, {how}); "
        f"{caseload['cases'].sum():,.0f} cases in the year"
    )
    console.print(
        f"service target: {TARGET.target:.0%} of visitors within {TARGET.within_minutes:g} min, "
        f"{TARGET.handling_minutes:g}-min cases, shrinkage {TARGET.shrinkage:.0%}; at most "
        f"{LIMITS.max_moves_per_centre} moves per centre and {LIMITS.max_moves_total} in total"
    )
    plan = staff_service_centres(arrivals, inputs.caseworkers, inputs.counters, TARGET, LIMITS)
    console.print(plan.summary())
    console.print(centre_table(plan.plans["posting"], TARGET))
    online = staff_service_centres(
        arrivals, inputs.caseworkers, inputs.counters, TARGET, LIMITS, online_share=ONLINE_SHARE
    )
    console.print(_lever_table(plan, online))
    for name, result in (("plan", plan), ("plan + online", online)):
        short = result.shortfall
        if short.empty:
            console.print(f"{name}: every centre meets the target in its peak hour, every month")
        else:
            worst = short.sort_values("amount", ascending=False).iloc[0]
            console.print(
                f"{name}: {short['amount'].sum():g} server-months short in {len(short)} "
                f"centre-months; worst {worst['where']} ({worst['amount']:g} short)"
            )
    out = ctx.out_dir / "staffing_plan.csv"
    posting = plan.plans["posting"]
    posting.to_csv(out, index=False)
    console.print(f"plan per centre and month → {out}")
    ctx.state["staffing"] = plan
    ctx.state["staffing_online"] = online


def _lever_table(plan, online) -> Table:
    base = service_level_by_centre(plan.plans["posting"]).set_index("facility_id")
    lever = service_level_by_centre(online.plans["posting"]).set_index("facility_id")
    table = Table(title=f"Lever: {ONLINE_SHARE:.0%} of cases move to the online channel")
    for col in ("centre", "today", "plan", f"plan + {ONLINE_SHARE:.0%} online",
                "missed months: plan", "+ online"):  # fmt: skip
        table.add_column(col, justify="left" if col == "centre" else "right")
    for fid in base.index:
        table.add_row(
            fid,
            f"{base.loc[fid, 'level_before']:.1%}",
            f"{base.loc[fid, 'level_after']:.1%}",
            f"{lever.loc[fid, 'level_after']:.1%}",
            str(base.loc[fid, "months_missed"]),
            str(lever.loc[fid, "months_missed"]),
        )
    return table
