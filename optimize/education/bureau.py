"""The education bureau's job on a whole city: redraw one level's districts, then staff them."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from demand.bundle import City
from optimize.education.city_inputs import education_inputs
from optimize.education.districts import (
    DistrictRules,
    district_map,
    peak_pressure_year,
    redraw_districts,
)
from optimize.education.levels import Level, level_named
from optimize.education.pupils import TREND
from optimize.education.teacher_rules import TeacherRules
from optimize.education.teachers import allocate_teachers, city_shortage
from optimize.result import PlanResult
from optimize.solver import SolverOptions

#: Years ahead of the last population year that a redistricting looks at by default.
HORIZON_YEARS = 5


def forecast_years(city: City, horizon: int = HORIZON_YEARS) -> list[int]:
    """The last population year and the ``horizon`` years after it."""
    last = city.latest_year
    return list(range(last, last + horizon + 1))


def redistrict_city(
    city: City,
    level: str | Level = "primary",
    years: Iterable[int] | None = None,
    plan_year: int | None = None,
    rules: DistrictRules | None = None,
    closed: Iterable[str] = (),
    new_schools: pd.DataFrame | None = None,
    keep_together: Iterable[Iterable[str]] = (),
    today: pd.Series | None = None,
    options: SolverOptions | None = None,
    crossings: pd.DataFrame | None = None,
) -> PlanResult:
    """Redraw ``level``'s districts for ``years`` (default: last population year + 5 years).

    plan_year (default: the year of peak pressure under today's districts) weighs travel and
    reassignment; capacity holds in every year. Travel beyond ``rules.travel_cutoff_minutes``
    is not computed (an area with no school within it gets no district: a reported shortfall).
    crossings: [area_id, neighbour_id] water crossings that count as neighbours.

    The model's plans (``assignment``, ``enrolment``, ``summary``, ``links``) come with the map:
    ``districts`` (the new districts dissolved per school) and ``unit_map`` (each unit's
    outline with its assignment; ``district_map(unit_map, unit_map, "school_today")`` draws
    today's). ``params`` add ``level``, ``plan_year`` and ``projected_years`` (years whose
    pupils come from a trend projection rather than the population table).
    """
    rules = rules or DistrictRules()
    years = forecast_years(city) if years is None else sorted(set(years))
    inputs = education_inputs(city, level, years, closed, new_schools, today,
                              cutoff_minutes=rules.travel_cutoff_minutes)  # fmt: skip
    if plan_year is None:
        plan_year = peak_pressure_year(
            inputs.pupils, inputs.schools, inputs.today, rules.capacity_tolerance
        )
    result = redraw_districts(
        inputs.units,
        inputs.pupils,
        inputs.schools,
        inputs.travel,
        inputs.today,
        rules,
        keep_together=keep_together,
        plan_year=plan_year,
        options=options,
        crossings=crossings,
    )
    pupils = inputs.pupils
    result.params.update(
        level=inputs.level.name,
        plan_year=plan_year,
        units=len(inputs.units),
        schools=len(inputs.schools),
        projected_years=sorted(set(pupils.loc[pupils["basis"] == TREND, "year"].astype(int))),
    )
    if result.has_plan:
        assignment = result.plans["assignment"]
        result.plans["districts"] = district_map(inputs.units, assignment)
        result.plans["unit_map"] = inputs.units[["area_id", "geometry"]].merge(
            assignment, on="area_id"
        )
    return result


def place_city_teachers(
    city: City,
    level: str | Level = "primary",
    year: int | None = None,
    pupils: pd.Series | None = None,
    rules: TeacherRules | None = None,
    options: SolverOptions | None = None,
) -> PlanResult:
    """Subject teachers per school of ``level`` for ``year`` (default: the year after the last
    population year): for ``pupils`` (school_id -> pupils, e.g. a redistricting's enrolment),
    or by default the children of today's districts in that year. See ``allocate_teachers``."""
    level = level_named(level) if isinstance(level, str) else level
    year = city.latest_year + 1 if year is None else year
    if pupils is None:
        inputs = education_inputs(city, level, [year])
        kids = inputs.pupils.assign(school_id=inputs.pupils["area_id"].map(inputs.today))
        pupils = kids.groupby("school_id")["pupils"].sum()
        pupils = pupils.reindex(inputs.schools["school_id"]).fillna(0.0)
    result = allocate_teachers(pupils, city.workforce, level, rules, options)
    result.params["year"] = year
    return result


def share_new_teachers(
    budget: int, pupils: dict[str, pd.Series], workforce: pd.DataFrame
) -> dict[str, int]:
    """A city-wide budget of new teachers shared among school levels (level -> pupils per
    school): in proportion to each level's city-wide shortage under its norm, or, where no level
    lacks teachers, to the teachers each level requires (hires can still help a school that
    transfer limits leave short). Whole teachers, largest remainders first; the shares add up
    to ``budget``."""
    if not pupils or budget <= 0:
        return dict.fromkeys(pupils, 0)
    weight = {lv: city_shortage(p, workforce, lv) for lv, p in pupils.items()}
    if sum(weight.values()) <= 0:
        weight = {lv: float(p.sum()) / level_named(lv).pupils_per_teacher
                  for lv, p in pupils.items()}  # fmt: skip
    total = sum(weight.values()) or 1.0
    exact = {lv: budget * w / total for lv, w in weight.items()}
    share = {lv: int(x) for lv, x in exact.items()}
    for lv in sorted(exact, key=lambda lv: share[lv] - exact[lv])[: budget - sum(share.values())]:
        share[lv] += 1
    return share
