"""A city's travel times come from its own table when it covers the facilities asked for."""

from __future__ import annotations

import dataclasses

import pandas as pd

from supply.travel import city_travel_times


def test_bundle_table_wins_when_complete_else_geometry(small_city):
    hospitals = small_city.facilities[small_city.facilities["kind"] == "hospital"]
    given = pd.DataFrame(
        {
            "area_id": small_city.areas["area_id"].iloc[0],
            "facility_id": hospitals["facility_id"],
            "minutes": 7.0,
        }  # fmt: skip
    )
    city = dataclasses.replace(small_city, travel=given)
    from_table = city_travel_times(city, hospitals)
    assert len(from_table) == len(hospitals) and (from_table["minutes"] == 7.0).all()
    # schools are not in the table: computed from geometry, every pair within the cutoff
    schools = small_city.facilities[small_city.facilities["kind"] == "primary_school"]
    computed = city_travel_times(city, schools, mode="walk", cutoff_minutes=600)
    assert len(computed) == len(small_city.areas) * len(schools)
    assert computed["minutes"].min() >= 0
