"""The `access` model: the planning year's gaps per service line — need, 2SFCA access, equity."""

from __future__ import annotations

import dataclasses

import pandas as pd

from demand.bundle.outputs import NEED_UNIT_OF_LINE
from demand.daytime import compute_need
from optimize.metrics.services import SERVICE_LINES, access_by_service_line
from scenarios.levers import planning_population, scenario_need_rates
from scenarios.runners import ModelRun, RunContext, runner
from scenarios.store import ModelOutcome
from supply.capacity import CapacityTargets, effective_capacity
from supply.travel import city_travel_times

SERVICE_OF_LINE = {
    "hospital beds": "health",
    "outpatient care": "health",
    "primary school": "education",
    "middle school": "education",
    "social insurance": "social_security",
}
# Capacity of each line, counted in the same way as its need (need units: NEED_UNIT_OF_LINE).
CAPACITY_UNIT_OF_LINE = {
    "hospital beds": "beds",
    "outpatient care": "visits/year",
    "primary school": "seats",
    "middle school": "seats",
    "social insurance": "cases/year",
}
TRAVEL_CUTOFF_MINUTES = 90.0


def travel_for(ctx: RunContext) -> pd.DataFrame:
    """Area → facility minutes (the bundle's table, else by bus from geometry), once per run."""
    if "travel" not in ctx.cache:
        ctx.cache["travel"] = city_travel_times(ctx.city, cutoff_minutes=TRAVEL_CUTOFF_MINUTES)
    return ctx.cache["travel"]


def need_for(ctx: RunContext) -> pd.DataFrame:
    """The need table in the planning year (levers applied), once per run."""
    if "need" not in ctx.cache:
        s = ctx.scenario
        year = s.base_year + s.horizon
        pop = planning_population(ctx.city, s).assign(year=year)
        ctx.cache["population"] = pop
        ctx.cache["need"] = compute_need(
            pop, rates=scenario_need_rates(s), mobility=ctx.city.mobility, years=[year]
        )
    return ctx.cache["need"]


@runner("access")
def run_access(ctx: RunContext) -> ModelRun:
    """2SFCA access (capacity within reach / need) and equity per service line."""
    s = ctx.scenario
    year = s.base_year + s.horizon
    ctx.progress("need and travel times")
    need = need_for(ctx)
    travel = travel_for(ctx)
    capacity = effective_capacity(ctx.city.capacity, ctx.city.workforce, CapacityTargets())
    lines = tuple(
        dataclasses.replace(
            line, catchment_minutes=min(line.catchment_minutes, s.rules.max_travel_minutes)
        )
        for line in SERVICE_LINES
    )
    ctx.progress("access per service line")
    by_area, equity = access_by_service_line(
        need, capacity, ctx.city.facilities, travel, ctx.cache["population"], year, lines
    )
    kpis = []
    for r in equity.itertuples():
        service, name = SERVICE_OF_LINE[r.service_line], r.service_line
        beyond_30 = by_area[(by_area["service_line"] == name) & (by_area["nearest_minutes"] > 30)]
        kpis += [
            (service, f"{name}: need", r.need, NEED_UNIT_OF_LINE[name]),
            (service, f"{name}: effective capacity", r.capacity, CAPACITY_UNIT_OF_LINE[name]),
            (service, f"{name}: mean access", r.mean_access, "capacity/need"),
            (service, f"{name}: access Gini", r.gini, "index 0–1"),
            (service, f"{name}: worst decile access", r.worst_decile_access, "capacity/need"),
            (service, f"{name}: share beyond 15 min", r.share_beyond_15_min, "share"),
            (service, f"{name}: share beyond 30 min", r.share_beyond_30_min, "share"),
            (
                service,
                f"{name}: persons beyond 30 min",
                float(beyond_30["persons_in_group"].sum()),
                "persons",
            ),  # fmt: skip
        ]
    plan = by_area.rename(columns={"persons_in_group": "persons"}).assign(
        service=by_area["service_line"].map(SERVICE_OF_LINE)
    )[["area_id", "service", "service_line", "persons", "need", "access", "nearest_minutes"]]
    outcome = ModelOutcome(
        "access", "computed", detail={"year": year, "catchments_minutes": {
            line.name: line.catchment_minutes for line in lines}},
    )  # fmt: skip
    return ModelRun(kpis=kpis, plans={"access_by_area": plan}, outcome=outcome)
