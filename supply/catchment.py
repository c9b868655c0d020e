"""Need carried to each area's nearest facility: a facility's expected workload when the city
has no service history of its own (a city built from OpenStreetMap), from need rates and travel.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd


def need_at_nearest(
    need: pd.DataFrame, travel: pd.DataFrame, facility_ids: Iterable[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per facility, unreached): each area's need summed at its nearest facility.

    need: [area_id, resource, amount] (e.g. the need table of one year); travel: [area_id,
    facility_id, minutes]. Returns [facility_id, resource, amount], and the need of areas that
    reach none of ``facility_ids`` within the travel table ([area_id, resource, amount]), so
    nothing is lost without a word. Ties go to the facility id first in sort order.
    """
    ids = set(map(str, facility_ids))
    rows = travel[travel["facility_id"].astype(str).isin(ids)]
    nearest = (
        rows.sort_values(["area_id", "minutes", "facility_id"], kind="stable")
        .drop_duplicates("area_id")
        .set_index("area_id")["facility_id"]
    )
    placed = need.assign(facility_id=need["area_id"].map(nearest))
    unreached = placed[placed["facility_id"].isna()][["area_id", "resource", "amount"]]
    per_facility = (
        placed.dropna(subset=["facility_id"])
        .groupby(["facility_id", "resource"], as_index=False)["amount"]
        .sum()
    )
    return per_facility, unreached.reset_index(drop=True)


def city_need_at_nearest(
    city, resource_prefix: str, kind: str, cutoff_minutes: float = 120.0
) -> pd.DataFrame:
    """[facility_id, resource, amount]: the city's latest-year need for resources starting with
    ``resource_prefix`` (need rates x residents), each area's sent to its nearest facility of
    ``kind`` by travel time. Raises InputError naming areas that reach none within the cutoff.
    """
    from demand.errors import InputError
    from demand.need import residential_need
    from supply.travel import city_travel_times

    need = residential_need(city.population_in(), years=[city.latest_year])
    need = need[need["resource"].str.startswith(resource_prefix)]
    facilities = city.facilities_of(kind)
    travel = city_travel_times(city, facilities, "bus", cutoff_minutes)
    per, unreached = need_at_nearest(need, travel, facilities["facility_id"])
    if len(unreached):
        areas = unreached["area_id"].unique()
        raise InputError(
            f"{len(areas)} area(s) reach no {kind.replace('_', ' ')} within {cutoff_minutes:g} "
            f"min ({', '.join(areas[:5])}); their {resource_prefix.rstrip(':')} need has nowhere "
            "to go"
        )
    return per
