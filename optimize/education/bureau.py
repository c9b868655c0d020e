"""The education bureau's job on a whole city: redraw one level's districts, then staff them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from demand.bundle import City
from optimize.education.city_inputs import EducationInputs, education_inputs
from optimize.education.districts import (
    DistrictRules,
    district_map,
    peak_pressure_year,
    redraw_districts,
)
from optimize.education.levels import Level, level_named
from optimize.education.teacher_rules import TeacherRules
from optimize.education.teachers import allocate_teachers
from optimize.result import PlanResult
from optimize.solver import SolverOptions

#: Years ahead of the last population year that a redistricting looks at by default.
HORIZON_YEARS = 5


@dataclass
class Redistricting:
    """One level's redistricting of a city: the inputs, the model's result and the new map."""

    inputs: EducationInputs
    result: PlanResult
    plan_year: int

    @property
    def districts(self) -> gpd.GeoDataFrame:
        """New districts dissolved per school: [school_id, units, pupils, geometry]."""
        return district_map(self.inputs.units, self.result.plans["assignment"])

    @property
    def today_districts(self) -> gpd.GeoDataFrame:
        """Today's districts dissolved per school, for comparison."""
        return district_map(self.inputs.units, self.result.plans["assignment"], "school_today")

    @property
    def enrolment(self) -> pd.DataFrame:
        """Pupils vs seats per school and year, before and after."""
        return self.result.plans["enrolment"]

    @property
    def summary(self) -> pd.DataFrame:
        """Before / after figures of the plan year."""
        return self.result.plans["summary"]


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
    cutoff_minutes: float = 60.0,
    crossings: pd.DataFrame | None = None,
) -> Redistricting:
    """Redraw ``level``'s districts for ``years`` (default: last population year + 5 years).

    plan_year (default: the year of peak pressure under today's districts) weighs travel and
    reassignment; capacity holds in every year. cutoff_minutes: travel beyond it is not
    computed (an area with no school within it gets no district: a reported shortfall).
    crossings: [area_id, neighbour_id] water crossings that count as neighbours.
    """
    rules = rules or DistrictRules()
    years = forecast_years(city) if years is None else sorted(set(years))
    inputs = education_inputs(city, level, years, closed, new_schools, today,
                              cutoff_minutes=cutoff_minutes)  # fmt: skip
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
    return Redistricting(inputs, result, plan_year)


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
