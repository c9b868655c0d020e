"""Applying a scenario's levers to a city: facilities opened, closed or resized; new residents."""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import pandas as pd

from demand.bundle import City
from demand.errors import InputError
from forecasting.cohort import CohortProjection, MigrationShock
from scenarios.spec import FacilityChange, Scenario


def apply_facility_changes(city: City, changes: list[FacilityChange]) -> City:
    """A copy of `city` with facilities opened, closed or resized (capacity/workforce set)."""
    if not changes:
        return city
    facilities = city.facilities.copy()
    capacity = city.capacity.copy()
    workforce = city.workforce.copy()
    known = set(facilities["facility_id"])
    centres = city.areas.set_index("area_id").geometry.representative_point()
    for change in changes:
        fid = change.facility_id
        if change.action == "open":
            if fid in known:
                raise InputError(f"facilities: cannot open {fid!r}: the id already exists")
            if change.area_id not in centres.index:
                raise InputError(f"facilities: {fid!r} opens in unknown area {change.area_id!r}")
            row = gpd.GeoDataFrame(
                {"facility_id": [fid], "kind": [change.kind], "name": [change.name or fid],
                 "area_id": [change.area_id]},
                geometry=[centres[change.area_id]], crs=facilities.crs,
            )  # fmt: skip
            facilities = pd.concat([facilities, row], ignore_index=True)
            known.add(fid)
        elif fid not in known:
            raise InputError(f"facilities: cannot {change.action} unknown facility {fid!r}")
        if change.action == "close":
            facilities = facilities[facilities["facility_id"] != fid]
            capacity = capacity[capacity["facility_id"] != fid]
            workforce = workforce[workforce["facility_id"] != fid]
            known.discard(fid)
            continue
        for resource, amount in change.capacity.items():
            capacity = capacity[~((capacity["facility_id"] == fid)
                                  & (capacity["resource"] == resource))]  # fmt: skip
            capacity = pd.concat(
                [
                    capacity,
                    pd.DataFrame(
                        {"facility_id": [fid], "resource": [resource], "amount": [float(amount)]}
                    ),
                ],  # fmt: skip
                ignore_index=True,
            )
        for role, heads in change.workforce.items():
            workforce = workforce[
                ~((workforce["facility_id"] == fid) & (workforce["role"] == role))
            ]
            workforce = pd.concat(
                [workforce, pd.DataFrame({"facility_id": [fid], "role": [role],
                                          "headcount": [int(heads)], "fte": [float(heads)]})],
                ignore_index=True,
            )  # fmt: skip
    return dataclasses.replace(
        city,
        facilities=gpd.GeoDataFrame(facilities, crs=city.facilities.crs).reset_index(drop=True),
        capacity=capacity.reset_index(drop=True),
        workforce=workforce.reset_index(drop=True),
    )


def projected_population(city: City, scenario: Scenario) -> pd.DataFrame:
    """Residents by area, year, sex and band from the latest count to the planning year.

    A cohort-component projection (forecasting/cohort.py: survival, births, net migration
    estimated from the population history) with the scenario's population shocks as extra
    migrants: households a year × persons per household, spread by the shock's age profile.
    """
    shocks = [
        MigrationShock(
            area_id=s.area_id,
            persons_per_year=s.households_per_year * s.persons_per_household,
            start_year=s.from_year,
            profile=s.profile,
        )
        for s in scenario.population_shocks
    ]
    unknown = [s.area_id for s in shocks if s.area_id not in set(city.areas["area_id"])]
    if unknown:
        raise InputError(f"population_shocks: unknown area {unknown[0]!r}")
    steps = scenario.base_year + scenario.horizon - city.latest_year
    if steps <= 0:
        return city.population
    return CohortProjection(shocks=shocks).fit(city.population).predict(steps)


def planning_population(city: City, scenario: Scenario) -> pd.DataFrame:
    """Residents in the planning year (base year + horizon): area_id, sex, age_band, persons."""
    year = scenario.base_year + scenario.horizon
    pop = projected_population(city, scenario)
    if year not in set(pop["year"]):
        raise InputError(f"no population for the planning year {year}; check base_year/horizon")
    return pop.loc[pop["year"] == year, ["area_id", "sex", "age_band", "persons"]].reset_index(
        drop=True
    )


#: Class size today's school seats are built for, per grade range (MOE standard).
BUILT_CLASS_SIZE = {range(1, 7): 45, range(7, 10): 50}


def apply_class_size_cap(city: City, cap: int | None) -> City:
    """A copy with school seats scaled to a class-size cap below the built size (45 → 40)."""
    if cap is None:
        return city
    grade = pd.to_numeric(
        city.capacity["resource"].str.extract(r"^seats:grade_(\d+)$")[0], errors="coerce"
    )
    capacity = city.capacity.copy()
    changed = False
    for grades, size in BUILT_CLASS_SIZE.items():
        rows = grade.isin(list(grades))
        if cap < size and rows.any():
            capacity.loc[rows, "amount"] = (capacity.loc[rows, "amount"] / size * cap).round()
            changed = True
    return dataclasses.replace(city, capacity=capacity) if changed else city


def apply_levers(city: City, scenario: Scenario) -> City:
    """The city as the scenario sees it: facilities changed, seats at the class-size cap."""
    city = apply_facility_changes(city, scenario.facilities)
    return apply_class_size_cap(city, scenario.rules.class_size_cap)


def scenario_need_rates(scenario: Scenario) -> pd.DataFrame:
    """The default need-rate table with the scenario's overrides applied (factor or rate)."""
    from demand.rates import load_need_rates

    rates = load_need_rates().copy()
    for o in scenario.need_rates:
        mask = (rates["service"] == o.service) & (
            (rates["resource"] == o.resource) | rates["resource"].str.startswith(o.resource + ":")
        )
        if o.age_band is not None:
            mask &= rates["age_band"].isin([o.age_band, "*"])
        if o.sex is not None:
            mask &= rates["sex"].isin([o.sex, "*"])
        if not mask.any():
            raise InputError(
                f"need_rates: no default rate matches service={o.service!r}, "
                f"resource={o.resource!r}; see demand/data/need_rates.csv"
            )
        if o.factor is not None:
            rates.loc[mask, "rate"] *= o.factor
        else:
            rates.loc[mask, "rate"] = o.rate
        rates.loc[mask, "source"] = f"scenario {scenario.name!r}"
    return rates
