"""city-from-osm on the real Helsinki extract, and a bundle that names its roads: every model of
a run then uses road times, and the stored run says which extract and mode."""

from __future__ import annotations

import tomllib

import pandas as pd
import pytest
from typer.testing import CliRunner

from demand.bundle import load_city
from scenarios.cli import app
from supply.osm import helsinki_extract
from supply.osm.city import age_profile, hexagon_grid
from supply.travel import city_travel_times, road_source, travel_times_from_geometry


@pytest.fixture(scope="module")
def helsinki_bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("hel") / "helsinki"
    run = CliRunner().invoke(
        app,
        ["city-from-osm", str(helsinki_extract()), "--out", str(out), "--hex-size", "300",
         "--kind-of", "Diacor Keskusta=hospital", "--kind-of", "Mehiläinen=hospital"],
    )  # fmt: skip
    assert run.exit_code == 0, run.output
    return out, run.output


def test_bundle_has_real_named_facilities_flags_and_roads(helsinki_bundle):
    out, output = helsinki_bundle
    city = load_city(out)
    names = set(city.facilities["name"])
    assert {"Kaisaniemen ala-aste", "Kruununhaan yläasteen koulu", "Vita Lääkäriasema"} <= names
    kinds = city.facilities.set_index("name")["kind"]
    assert kinds["Kaisaniemen ala-aste"] == "primary_school"  # 'ala-aste' = primary
    assert kinds["Kruununhaan yläasteen koulu"] == "middle_school"
    assert kinds["Mehiläinen"] == "hospital"  # the user's --kind-of
    meta = tomllib.loads((out / "bundle.toml").read_text(encoding="utf-8"))
    assert meta["osm"]["population"] == "estimate"
    assert "OpenStreetMap" in meta["osm"]["attribution"]
    assert set(meta["osm"]["assumed_capacity"]) == set(city.facilities["facility_id"])
    assert meta["travel"] == {"osm": "osm/Helsinki.osm.pbf", "mode": "drive"}
    assert "ESTIMATE" in output and "ASSUMED" in output
    # population from buildings: every area has a full age table, and the city is not empty
    per_area = city.population.groupby("area_id")["persons"].sum()
    assert per_area.sum() > 5_000 and len(per_area) == len(city.areas)


def test_bundle_travel_is_over_roads_and_slower_than_straight_lines(helsinki_bundle):
    city = load_city(helsinki_bundle[0])
    assert road_source(city)["mode"] == "drive"
    roads = city_travel_times(city, cutoff_minutes=60)
    straight = travel_times_from_geometry(city.areas, city.facilities, "drive", 60, circuity=1.0)
    both = roads.merge(straight, on=["area_id", "facility_id"], suffixes=("_road", "_line"))
    assert len(both) > 100
    # a road is never shorter than the straight line between the same points (at equal speed
    # it could only tie); here most pairs are much longer
    assert (both["minutes_road"] >= 1.2 * both["minutes_line"]).mean() > 0.5


def test_scenario_run_records_the_roads(helsinki_bundle):
    from scenarios.pipeline import run_scenario
    from scenarios.spec import Scenario

    spec = Scenario(name="hel", owner="admin", city=str(helsinki_bundle[0]), models=["access"])
    record = run_scenario(spec)
    travel = record.models[0].detail["travel"]
    assert travel["source"] == "roads" and travel["mode"] == "drive"
    assert travel["osm"] == "Helsinki.osm.pbf" and len(travel["osm_sha256"]) == 64
    assert travel["not_joined"] == []  # every area and facility within the snap cap


def test_city_from_osm_bad_input_is_one_line(tmp_path):
    runner = CliRunner()
    missing = runner.invoke(app, ["city-from-osm", str(tmp_path / "no.osm.pbf"), "--out",
                                  str(tmp_path / "b")])  # fmt: skip
    assert missing.exit_code == 1 and "no such OSM extract" in missing.output
    level = runner.invoke(app, ["city-from-osm", str(helsinki_extract()), "--out",
                                str(tmp_path / "b"), "--admin-level", "8"])  # fmt: skip
    assert level.exit_code == 1 and "no administrative boundaries at admin_level 8" in level.output
    assert "Traceback" not in missing.output + level.output


def test_hexagons_tile_without_gaps_and_age_profile_sums_to_one():
    import shapely

    square = shapely.box(0, 0, 2000, 1000)
    cells = hexagon_grid(square, 300)
    union = shapely.union_all(cells)
    assert union.contains(square)
    assert sum(c.area for c in cells) == pytest.approx(union.area, rel=1e-6)  # no overlaps
    profile = age_profile()
    assert profile["share"].sum() == pytest.approx(1.0)
    assert isinstance(profile, pd.DataFrame) and len(profile) == 36


def test_without_history_beds_and_caseload_come_from_need_at_the_nearest_facility(
    helsinki_bundle,
):
    from demand.need import residential_need
    from optimize.health.city import ward_inputs
    from optimize.staffing.city import caseload_from_need, next_year_arrivals

    city = load_city(helsinki_bundle[0])
    assert city.history.empty
    need = residential_need(city.population_in(), years=[city.latest_year])
    wards = ward_inputs(city)
    admissions = need[need["resource"].str.startswith("admissions:")]["amount"].sum()
    assert wards["admissions_per_day"].sum() * 365 == pytest.approx(admissions)  # none lost
    assert set(wards["method"]) == {"need rates (no history)"}
    caseload = caseload_from_need(city)
    cases = need[need["resource"].str.startswith("caseload:")]["amount"].sum()
    assert caseload["cases"].sum() == pytest.approx(cases)
    assert caseload["month"].nunique() == 12
    _, arrivals = next_year_arrivals(city)
    assert set(arrivals["facility_id"]) == set(city.facilities_of("social_insurance_centre")[
        "facility_id"])  # fmt: skip


def test_admin_boundaries_tags_and_buildings_of_a_hand_drawn_town(osm_kit, tmp_path):
    from supply.osm.buildings import FLOOR_M2_PER_PERSON
    from supply.osm.city import city_from_osm

    # two boundaries (admin_level 9) split a 1 km square street grid at y = 500
    nodes, ways, nid, wid = {}, [], 1, 1
    grid = {}
    for i, x in enumerate(range(0, 1001, 250)):
        for j, y in enumerate(range(0, 1001, 250)):
            grid[i, j] = nid
            nodes[nid] = (x, y)
            nid += 1
    for i in range(5):
        ways.append((wid, [grid[i, j] for j in range(5)], {"highway": "residential"}))
        ways.append((wid + 1, [grid[j, i] for j in range(5)], {"highway": "residential"}))
        wid += 2
    corners = {"North": [(-10, 500), (1010, 500), (1010, 1010), (-10, 1010)],
               "South": [(-10, -10), (1010, -10), (1010, 500), (-10, 500)]}  # fmt: skip
    for name, ring in corners.items():
        ids = []
        for x, y in ring:
            nodes[nid] = (x, y)
            ids.append(nid)
            nid += 1
        ways.append((wid, [*ids, ids[0]], {"boundary": "administrative", "admin_level": "9",
                                           "name": name}))  # fmt: skip
        wid += 1
    # homes: a 20 x 20 m apartment block of 5 levels in the north (500 residents at 40 m2)
    ring = []
    for x, y in [(600, 800), (620, 800), (620, 820), (600, 820)]:
        nodes[nid] = (x, y)
        ring.append(nid)
        nid += 1
    ways.append((wid, [*ring, ring[0]], {"building": "apartments", "building:levels": "5"}))
    nodes[nid] = (260, 240, {"amenity": "school", "name": "Riverside", "isced:level": "1"})
    nodes[nid + 1] = (760, 760, {"amenity": "hospital", "name": "General", "beds": "120"})
    nodes[nid + 2] = (240, 760, {"amenity": "clinic"})
    nodes[nid + 3] = (740, 240, {"amenity": "clinic"})  # a second unnamed clinic: kept too
    path = osm_kit.write_extract(tmp_path / "t.osm.pbf", nodes, ways)

    built = city_from_osm(path, admin_level=9)
    assert sorted(built.areas["name"]) == ["North", "South"]
    fac = built.facilities.set_index("name")
    assert fac.loc["Riverside", "kind"] == "primary_school"  # isced:level 1
    assert built.areas.set_index("area_id").loc[fac.loc["General", "area_id"], "name"] == "North"
    unnamed = [n for n in fac.index if n.startswith("community health centre n")]
    assert len(unnamed) == 2  # unnamed: named by their OSM ids, neither dropped
    beds = built.capacity[built.capacity["resource"].str.startswith("beds:")]["amount"].sum()
    assert beds == pytest.approx(120, abs=5)  # from the tag, split over departments
    per_area = built.population.groupby("area_id")["persons"].sum()
    north = built.areas.set_index("name").loc["North", "area_id"]
    assert per_area[north] == pytest.approx(20 * 20 * 5 / FLOOR_M2_PER_PERSON, rel=0.02)
    assert per_area.sum() == per_area[north]  # no homes in the south
