"""The `access` model: today's (or the planning year's) gaps per service — 2SFCA and equity."""

from __future__ import annotations

import pandas as pd

from demand.ages import overlap_share
from optimize.metrics.catchment import nearest_minutes, two_step_fca
from optimize.metrics.equity import equity_summary
from scenarios.levers import planning_population
from scenarios.runners import ModelRun, RunContext, runner
from scenarios.store import ModelOutcome
from supply.travel import travel_times_from_geometry

# service: (facility kinds, resource prefix of supply, travel mode, ages served, supply unit)
SERVICES = {
    "health": (("hospital",), "beds:", "bus", (0, 120), "beds"),
    "education": (("primary_school",), "seats:", "walk", (6, 11), "seats"),
    "social_security": (("social_insurance_centre",), "counters", "bus", (18, 120), "counters"),
}
TRAVEL_CUTOFF_MINUTES = 120.0


def travel_for(ctx: RunContext, mode: str) -> pd.DataFrame:
    """Area → facility minutes by `mode`, computed once per run (cutoff 120 minutes)."""
    key = f"travel:{mode}"
    if key not in ctx.cache:
        ctx.cache[key] = travel_times_from_geometry(
            ctx.city.areas, ctx.city.facilities, mode=mode, cutoff_minutes=TRAVEL_CUTOFF_MINUTES
        )
    return ctx.cache[key]


def persons_served(pop: pd.DataFrame, ages: tuple[int, int]) -> pd.Series:
    """Persons per area within an age range (single years taken as a fifth of their band)."""
    share = pop["age_band"].map(lambda band: overlap_share(band, *ages))
    return (pop["persons"] * share).groupby(pop["area_id"]).sum()


@runner("access")
def run_access(ctx: RunContext) -> ModelRun:
    """2SFCA access, nearest-facility minutes and equity per service, in the planning year."""
    city, rules = ctx.city, ctx.scenario.rules
    pop = planning_population(city, ctx.scenario)
    area_index = pd.Index(city.areas["area_id"])
    kpis, frames = [], []
    for service, (kinds, prefix, mode, ages, unit) in SERVICES.items():
        ctx.progress(f"access: {service}")
        facilities = city.facilities[city.facilities["kind"].isin(kinds)]
        cap = city.capacity[city.capacity["facility_id"].isin(facilities["facility_id"])]
        supply = (
            cap[cap["resource"].str.startswith(prefix)]
            .groupby("facility_id")["amount"]
            .sum()
            .reindex(facilities["facility_id"], fill_value=0.0)
        )
        persons = persons_served(pop, ages).reindex(area_index, fill_value=0.0)
        travel = travel_for(ctx, mode)
        access = two_step_fca(persons, supply, travel, rules.max_travel_minutes) * 1000
        nearest = nearest_minutes(area_index, supply.index, travel)
        summary = equity_summary(access, persons, nearest, (15.0, 30.0))
        per = f"{unit} per 1,000"
        kpis += [
            (service, "persons served", summary["persons"], "persons"),
            (service, f"supply ({unit})", float(supply.sum()), unit),
            (service, "mean access", summary["mean_access"], per),
            (service, "access Gini", summary["gini"], "index 0–1"),
            (service, "worst decile access", summary["worst_decile_access"], per),
            (service, "share beyond 15 min", summary["share_beyond_15_min"], "share"),
            (service, "share beyond 30 min", summary["share_beyond_30_min"], "share"),
            (service, "persons beyond 30 min", float(persons[nearest > 30].sum()), "persons"),
        ]
        frames.append(
            pd.DataFrame(
                {
                    "area_id": area_index,
                    "service": service,
                    "persons": persons.to_numpy(),
                    "access_per_1000": access.to_numpy(),
                    "nearest_minutes": nearest.to_numpy(),
                }
            )
        )
    plan = pd.concat(frames, ignore_index=True)
    outcome = ModelOutcome("access", "computed", detail={"services": list(SERVICES)})
    return ModelRun(kpis=kpis, plans={"access_by_area": plan}, outcome=outcome)
