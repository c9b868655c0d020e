"""Road travel over OSM extracts: a hand-drawn town (one-way street, bridges), speeds by class,
snapping and its cap, bad extracts, and equality with networkx's Dijkstra on real streets."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from typer.testing import CliRunner

from demand.errors import InputError
from supply.osm import build_network, helsinki_extract, road_travel_times
from supply.osm.speeds import parse_maxspeed, speeds_for
from supply.osm.times import snap, times_between

KMH = {"residential": 25.0, "primary": 45.0, "walk": 4.5}


def per_min(kmh: float) -> float:
    return kmh * 1000.0 / 60.0


def points(kit, ids, xy, id_column):
    geoms = [shapely.Point(*kit.utm(x, y)) for x, y in xy]
    return gpd.GeoDataFrame({id_column: ids}, geometry=geoms, crs=kit.CRS)


def test_drive_goes_round_by_the_bridge_and_one_way_street(osm_kit, town):
    # N is on the north bank, S on the south bank, both 50 m off their road at x=200
    areas = points(osm_kit, ["N", "S"], [(200, 750), (200, 250)], "area_id")
    facilities = points(osm_kit, ["FN", "FS"], [(200, 750), (200, 250)], "facility_id")
    result = road_travel_times(town, areas, facilities, mode="drive", cutoff_minutes=60)
    t = result.travel.set_index(["area_id", "facility_id"])["minutes"]
    walk_legs = 2 * 50 / per_min(KMH["walk"])
    # north -> south: east on the one-way North Road, over the bridge, back west on South Road
    north_to_south = 1800 / per_min(25) + 400 / per_min(45) + 1800 / per_min(25)
    assert t["N", "FS"] == pytest.approx(walk_legs + north_to_south, rel=1e-3)
    # south -> north: North Road is one-way east, so round by the bypass (maxspeed 50 honoured)
    south_to_north = (
        1800 / per_min(25)
        + 400 / per_min(45)
        + 300 / per_min(25)
        + 2000 / per_min(50)
        + 300 / per_min(25)
        + 200 / per_min(25)
    )
    assert t["S", "FN"] == pytest.approx(walk_legs + south_to_north, rel=1e-3)
    assert t["S", "FN"] > t["N", "FS"]


def test_walkers_use_the_footbridge_cars_cannot(osm_kit, town):
    areas = points(osm_kit, ["N"], [(200, 750)], "area_id")
    facilities = points(osm_kit, ["FS"], [(200, 250)], "facility_id")
    walk = road_travel_times(town, areas, facilities, mode="walk", cutoff_minutes=120).travel
    drive = road_travel_times(town, areas, facilities, mode="drive", cutoff_minutes=120).travel
    assert walk["minutes"].iloc[0] == pytest.approx((50 + 400 + 50) / per_min(4.5), rel=1e-3)
    assert drive["minutes"].iloc[0] > 9.0  # 4 km round by the bridge at x=2000


def test_dead_end_one_way_spur_is_cut_off_and_reported(osm_kit, town):
    net = build_network(town, "drive")
    assert net.report.components_cut == 1
    assert net.report.nodes_cut == 1
    assert net.report.km_cut == pytest.approx(0.2, rel=1e-3)
    assert any("cut off" in line and "0.20 km" in line for line in net.report.lines())
    walk = build_network(town, "walk")  # on foot the spur is two-way: nothing cut
    assert walk.report.components_cut == 0


def test_speeds_by_class_and_maxspeed():
    drive = speeds_for("drive")
    assert drive["primary"] > drive["residential"] > drive["living_street"]
    assert "footway" not in drive and "motorway" not in speeds_for("walk")
    override = pd.DataFrame({"mode": ["drive"], "highway": ["residential"], "kmh": [20.0]})
    assert speeds_for("drive", override)["residential"] == 20.0
    assert parse_maxspeed("50") == 50 and parse_maxspeed("30 mph") == pytest.approx(48.28, 0.01)
    assert parse_maxspeed("FI:urban") == 50 and parse_maxspeed("none") is None
    assert parse_maxspeed("60;40") == 40


def test_speed_override_changes_the_minutes(osm_kit, town, tmp_path):
    areas = points(osm_kit, ["N"], [(200, 700)], "area_id")
    facilities = points(osm_kit, ["F"], [(1000, 700)], "facility_id")
    slow = pd.DataFrame({"mode": ["drive"], "highway": ["residential"], "kmh": [10.0]})
    t = road_travel_times(town, areas, facilities, "drive", speeds=slow).travel["minutes"].iloc[0]
    assert t == pytest.approx(800 / per_min(10), rel=1e-3)


def test_snap_cap_reports_far_points_and_rejects_points_outside(osm_kit, town):
    # (1000, 500) is in the river, 200 m from either bank's road
    areas = points(osm_kit, ["near", "river"], [(600, 720), (1000, 500)], "area_id")
    facilities = points(osm_kit, ["F"], [(1400, 300)], "facility_id")
    result = road_travel_times(town, areas, facilities, "walk", snap_cap_m=150)
    notes = result.notes.set_index("id")
    assert notes.loc["river", "status"] == "beyond cap"
    assert notes.loc["river", "snap_metres"] == pytest.approx(200, abs=1)
    assert notes.loc["near", "snap_metres"] == pytest.approx(20, abs=1)
    assert set(result.travel["area_id"]) == {"near"}  # not silently joined
    assert len(result.warnings) == 1 and "river" in result.warnings[0]
    # a bundle naming these roads records the same line with its run
    from supply.osm.travel import bundle_snap_warnings

    roads = {"osm": town, "mode": "walk", "snap_cap_m": 150}
    assert bundle_snap_warnings(roads, areas, facilities) == result.warnings
    far = points(osm_kit, ["away"], [(20_000, 20_000)], "area_id")
    with pytest.raises(InputError, match="outside the OSM extract"):
        road_travel_times(town, far, facilities, "walk")


def test_extract_without_roads_for_the_mode(osm_kit, tmp_path):
    path = osm_kit.write_extract(
        tmp_path / "paths.osm.pbf",
        {1: (0, 0), 2: (100, 0), 3: (100, 100)},
        [(1, [1, 2, 3], {"highway": "footway"})],
    )
    with pytest.raises(InputError, match="no roads for drive"):
        build_network(path, "drive")
    assert build_network(path, "walk").report.nodes == 3


def test_cli_writes_table_and_notes_and_fails_in_one_line(osm_kit, town, tmp_path):
    from scenarios.cli import app

    areas = points(osm_kit, ["N", "S"], [(200, 750), (200, 250)], "area_id")
    areas.to_crs(4326).to_file(tmp_path / "areas.geojson")
    pd.DataFrame(
        {
            "facility_id": ["F"],
            "lon": [areas.to_crs(4326).geometry.x[1]],
            "lat": [areas.to_crs(4326).geometry.y[1]],
        }
    ).to_csv(tmp_path / "f.csv", index=False)
    out = tmp_path / "t.csv"
    args = [
        "travel",
        "--osm",
        str(town),
        "--mode",
        "walk",
        "--areas",
        str(tmp_path / "areas.geojson"),
        "--facilities",
        str(tmp_path / "f.csv"),
        "--out",
        str(out),
        "--cutoff",
        "30",
    ]
    run = CliRunner().invoke(app, args)
    assert run.exit_code == 0, run.output
    table = pd.read_csv(out, dtype={"area_id": str})
    assert list(table.columns) == ["area_id", "facility_id", "minutes"]
    assert set(table["area_id"]) == {"N", "S"}
    notes = pd.read_csv(tmp_path / "t.snap.csv")
    assert set(notes["status"]) == {"ok"} and len(notes) == 3

    bad = tmp_path / "broken.osm.pbf"
    bad.write_bytes(b"\x00\x00\x00\x0dnot a pbf at all" * 40)
    for osm, words in (
        (tmp_path / "missing.osm.pbf", "no such OSM extract"),
        (bad, "not a readable OSM extract"),
    ):
        args[2] = str(osm)
        run = CliRunner().invoke(app, args)
        assert run.exit_code == 1
        assert words in run.output and "Traceback" not in run.output
        assert len(run.output.strip().splitlines()) <= 3  # one line, wrapped at most


def test_equal_to_networkx_dijkstra_on_helsinki_streets():
    net = build_network(helsinki_extract(), "walk")
    rng = np.random.default_rng(17)
    o_nodes = rng.choice(net.report.nodes, 12, replace=False)
    d_nodes = rng.choice(net.report.nodes, 40, replace=False)
    origins = snap(net, net.xy[o_nodes], [f"o{i}" for i in o_nodes])
    dests = snap(net, net.xy[d_nodes], [f"d{i}" for i in d_nodes])
    ours = times_between(net, origins, dests, cutoff_minutes=1e6)
    graph = nx.DiGraph()
    coo = net.graph.tocoo()
    graph.add_weighted_edges_from(
        zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(), strict=True)
    )
    got = ours.set_index(["origin", "destination"])["minutes"]
    assert len(got) == len(o_nodes) * len(d_nodes)  # one strongly connected network
    for o in o_nodes:
        lengths = nx.single_source_dijkstra_path_length(graph, int(o), weight="weight")
        for d in d_nodes:
            assert got[f"o{o}", f"d{d}"] == pytest.approx(lengths[int(d)], abs=1e-9)
