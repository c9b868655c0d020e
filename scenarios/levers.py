"""Applying a scenario's levers to a city: facilities opened, closed or resized; new residents."""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import pandas as pd

from demand.bundle import AGE_BANDS, City
from demand.errors import InputError
from scenarios.spec import FacilityChange, PopulationShock, Scenario

# Age profile of people moving in, per 5-year band (shares sum to 1 per profile).
_PROFILES = {
    "young_families": np.r_[[0.14, 0.10, 0.04], [0.02, 0.04], [0.14, 0.18, 0.14],
                            [0.08, 0.04], [0.02] * 3, [0.01] * 5],
    "general": np.full(18, 1 / 18),
    "elderly": np.r_[[0.0] * 10, [0.05, 0.10, 0.15, 0.2, 0.2, 0.15, 0.1, 0.05]],
}  # fmt: skip


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


def shock_population(shocks: list[PopulationShock], year: int, area_ids: pd.Index) -> pd.DataFrame:
    """Extra residents in `year` from population shocks: area_id, sex, age_band, persons."""
    rows = []
    for shock in shocks:
        if shock.area_id not in area_ids:
            raise InputError(f"population_shocks: unknown area {shock.area_id!r}")
        years = year - shock.from_year + 1
        if years <= 0:
            continue
        persons = shock.households_per_year * shock.persons_per_household * years
        for sex in ("F", "M"):
            rows.append(pd.DataFrame({
                "area_id": shock.area_id, "sex": sex, "age_band": list(AGE_BANDS),
                "persons": persons * 0.5 * _PROFILES[shock.profile],
            }))  # fmt: skip
    if not rows:
        return pd.DataFrame(columns=["area_id", "sex", "age_band", "persons"])
    return pd.concat(rows, ignore_index=True)


def planning_population(city: City, scenario: Scenario) -> pd.DataFrame:
    """Residents in the planning year (base year + horizon): latest counts plus shocks.

    Without a cohort projection the latest counted year stands in for the future; shocks add
    the residents that new housing brings up to the planning year.
    """
    year = scenario.base_year + scenario.horizon
    base = city.population_in()[["area_id", "sex", "age_band", "persons"]]
    extra = shock_population(scenario.population_shocks, year, pd.Index(city.areas["area_id"]))
    parts = [base.astype({"persons": float})] + ([extra] if len(extra) else [])
    pop = pd.concat(parts, ignore_index=True)
    return pop.groupby(["area_id", "sex", "age_band"], as_index=False)["persons"].sum()


def apply_levers(city: City, scenario: Scenario) -> City:
    """The city as the scenario sees it (facility changes applied)."""
    return apply_facility_changes(city, scenario.facilities)


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
