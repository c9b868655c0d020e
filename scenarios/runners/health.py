"""Health models of a scenario: specialist outreach to community centres, bed rebalancing."""

from __future__ import annotations

import dataclasses

from optimize.health import (
    BedRules,
    OutreachRules,
    OutreachWeights,
    plan_city_outreach,
    rebalance_city_beds,
)
from scenarios.runners import ModelRun, RunContext, declared_rules, runner
from scenarios.runners.outcome import outcome_of, solver_options


@runner("health.outreach")
def run_specialist_outreach(ctx: RunContext) -> ModelRun:
    """Half-day sessions of hospital specialists at community health centres."""
    s = ctx.scenario
    ctx.progress("specialist outreach")
    rules = declared_rules(OutreachRules, s)
    result = plan_city_outreach(ctx.city, rules, OutreachWeights(), solver_options(s))
    kpis, plans = [], {}
    if result.has_plan:
        plans = {f"outreach_{name}": frame for name, frame in result.plans.items()}
        schedule = result.plans["schedule"]
        sessions = float(schedule["sessions"].sum()) if "sessions" in schedule else None
        kpis.append(("health", "outreach sessions per week", sessions, "half-days"))
    short = result.shortfall
    kpis.append(("health", "specialist visits unmet near home",
                 float(short["amount"].sum()) if short is not None and len(short) else 0.0,
                 "visits per week"))  # fmt: skip
    return ModelRun(kpis=kpis, plans=plans, outcome=outcome_of("health.outreach", result))


def _hospitals_with_history(city):
    """The city without the beds of hospitals that have no admission history (e.g. new ones)."""
    admissions = city.series[city.series["measure"].str.startswith("admissions:")]
    counted = set(admissions["facility_id"])
    hospitals = city.facilities.loc[city.facilities["kind"] == "hospital", "facility_id"]
    excluded = sorted(set(hospitals) - counted)
    if not excluded:
        return city, []
    beds = city.capacity["resource"].str.startswith("beds:")
    capacity = city.capacity[~(beds & city.capacity["facility_id"].isin(excluded))]
    return dataclasses.replace(city, capacity=capacity), excluded


@runner("health.beds")
def run_bed_rebalancing(ctx: RunContext) -> ModelRun:
    """Beds per hospital and department for forecast admissions, new beds within budget."""
    s = ctx.scenario
    ctx.progress("bed rebalancing")
    city, excluded = _hospitals_with_history(ctx.city)
    result = rebalance_city_beds(city, declared_rules(BedRules, s), solver_options(s))
    if excluded:
        result.messages.append(
            f"{len(excluded)} hospital(s) without admission history left out of bed "
            f"rebalancing (their load cannot be projected yet): {', '.join(excluded)}"
        )
    kpis, plans = [], {}
    if result.has_plan:
        plans = {f"beds_{name}": frame for name, frame in result.plans.items()}
        wards = result.plans["wards"]
        kpis += [
            ("health", "patients turned away a year, today's beds",
             float(wards["turned_away_before"].sum()), "persons"),
            ("health", "patients turned away a year, planned beds",
             float(wards["turned_away_after"].sum()), "persons"),
            ("health", "beds moved or added",
             float((wards["beds_after"] - wards["beds_before"]).clip(lower=0).sum()), "beds"),
        ]  # fmt: skip
    short = result.shortfall
    kpis.append(("health", "beds short of need at target occupancy",
                 float(short["amount"].sum()) if short is not None and len(short) else 0.0,
                 "beds"))  # fmt: skip
    return ModelRun(kpis=kpis, plans=plans, outcome=outcome_of("health.beds", result))
