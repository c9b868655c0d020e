"""The sample city: deterministic, valid, plausible, and with real trade-offs to plan for."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from demand.bundle import check_bundle, make_sample_city, write_bundle
from demand.bundle.docs import data_reference
from scenarios.cli import app
from scenarios.summary import population_by_age_group

runner = CliRunner()


def test_same_seed_same_city_other_seed_other_city(small_city):
    again = make_sample_city(n_areas=40, seed=3)
    pd.testing.assert_frame_equal(again.population, small_city.population)
    pd.testing.assert_frame_equal(again.history, small_city.history)
    assert again.areas.geometry.equals(small_city.areas.geometry)
    other = make_sample_city(n_areas=40, seed=4)
    assert not other.population["persons"].equals(small_city.population["persons"])


def test_default_city_has_the_promised_shape():
    city = make_sample_city()
    kinds = city.facilities["kind"].value_counts()
    assert len(city.areas) == 300
    assert kinds["hospital"] == 10 and kinds["community_health_centre"] == 40
    assert kinds["primary_school"] == 60 and kinds["middle_school"] == 25
    assert kinds["social_insurance_centre"] == 8
    months = city.history.loc[city.history["series_id"].str.contains("admissions"), "ds"]
    assert months.dt.to_period("M").nunique() >= 96  # at least 8 years of monthly history
    assert city.areas.crs.is_projected
    # plausible for a Chinese district: 4.5–7 beds per 1,000 residents
    residents = city.population_in(2025)["persons"].sum()
    beds = city.capacity.loc[city.capacity["resource"].str.startswith("beds:"), "amount"].sum()
    assert 4.5 < beds / residents * 1000 < 7


def test_old_core_ages_and_new_town_grows():
    city = make_sample_city()
    pop = city.population.merge(city.areas[["area_id", "zone"]], on="area_id")
    by_zone = pop.groupby(["zone", "year"])["persons"].sum().unstack()
    assert by_zone.loc["new_town", 2025] > 1.2 * by_zone.loc["new_town", 2021]
    assert by_zone.loc["core", 2025] < by_zone.loc["core", 2021]
    old = pop[pop["age_band"].isin(["65-69", "70-74", "75-79", "80-84", "85+"])]
    share_old = old.groupby("zone")["persons"].sum() / pop.groupby("zone")["persons"].sum()
    assert share_old["core"] > 1.5 * share_old["new_town"]
    groups = population_by_age_group(city)
    assert groups.loc["65+", 2025] > groups.loc["65+", 2021]


def test_new_town_is_short_of_schools():
    city = make_sample_city()
    schools = city.facilities[city.facilities["kind"] == "primary_school"]
    seats = city.capacity[city.capacity["resource"].str.startswith("seats:")]
    seats = seats.merge(schools[["facility_id", "area_id"]], on="facility_id")
    seats = seats.merge(city.areas[["area_id", "zone"]], on="area_id")
    kids = city.population_in(2025)
    kids = kids[kids["age_band"].isin(["5-9", "10-14"])].merge(city.areas[["area_id", "zone"]])
    ratio = (seats.groupby("zone")["amount"].sum() / kids.groupby("zone")["persons"].sum()).fillna(
        0
    )
    assert ratio["new_town"] < 0.6 * ratio["core"]


def test_geopackage_bundle_round_trip(tmp_path, small_city):
    path = write_bundle(small_city, tmp_path / "city.gpkg", fmt="gpkg")
    city, report = check_bundle(path)
    assert report.ok, report
    assert len(city.population) == len(small_city.population)
    assert city.capacity["amount"].sum() == small_city.capacity["amount"].sum()


def test_sample_city_command_writes_a_valid_bundle(tmp_path):
    result = runner.invoke(app, ["sample-city", "--out", str(tmp_path / "c"), "--areas", "25"])
    assert result.exit_code == 0, result.output
    city, report = check_bundle(tmp_path / "c")
    assert report.ok and len(city.areas) == 25


def test_data_reference_is_up_to_date():
    with open("docs/data.md", encoding="utf-8") as fh:
        committed = fh.read()
    assert committed == data_reference(), "docs/data.md is stale: run `make docs`"
