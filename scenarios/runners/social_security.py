"""Social-security model of a scenario: next year's caseworkers per service centre."""

from __future__ import annotations

from forecasting.models import AutoForecaster
from optimize.staffing import ServiceTarget
from optimize.staffing.city import staff_city
from scenarios.runners import ModelRun, RunContext, declared_rules, runner
from scenarios.runners.outcome import outcome_of, solver_options

#: Seasonal naive or Theta per series, whichever backtests better (fast and seeded).
FORECASTER = AutoForecaster(models=("SeasonalNaive", "AutoTheta"), trim=0.0, n_jobs=1)
HANDLING_MINUTES = 15.0  # minutes per case at the counter
SHRINKAGE = 0.35  # share of paid time away from the counter


@runner("social_security.staffing")
def run_staffing(ctx: RunContext) -> ModelRun:
    """Forecast caseload, size counters with Erlang C, post caseworkers across centres."""
    s = ctx.scenario
    ctx.progress("caseload forecast and staffing")
    target = declared_rules(  # the target and wait from the scenario
        ServiceTarget, s, handling_minutes=HANDLING_MINUTES, shrinkage=SHRINKAGE
    )
    result = staff_city(
        ctx.city,
        target,
        online_share=s.rules.online_share,
        new_caseworkers=s.budgets.new_caseworkers,
        forecaster=FORECASTER,
        options=solver_options(s),
    )
    kpis, plans = [], {}
    if result.has_plan:
        plans = {name: frame for name, frame in result.plans.items()}
        by_centre = result.plans["staffing_by_centre"]
        ctx.cache["staffing_by_centre"] = by_centre
        for when in ("before", "after"):
            visitors = by_centre[f"visitors_{when}"]
            level = (by_centre[f"level_{when}"] * visitors).sum() / max(visitors.sum(), 1e-9)
            label = "today's posting" if when == "before" else "planned posting"
            kpis.append(("social_security", f"service level, {label}", float(level), "share"))
        moved = (by_centre["caseworkers_planned"] - by_centre["caseworkers_today"]).abs().sum()
        kpis += [
            ("social_security", "caseworkers moved or hired (monthly average)", float(moved) / 2
             if not s.budgets.new_caseworkers else float(moved), "caseworkers"),
            ("social_security", "visitors at counters per year",
             float(by_centre["visitors_after"].sum()), "persons"),
        ]  # fmt: skip
    short = result.shortfall
    kpis += [
        ("social_security", "servers short (server-months)",
         float(short["amount"].sum()) if short is not None and len(short) else 0.0, "servers"),
        ("social_security", "centre-months below target",
         float(len(short)) if short is not None else 0.0, "centre-months"),
    ]  # fmt: skip
    return ModelRun(kpis=kpis, plans=plans, outcome=outcome_of("social_security.staffing", result))
