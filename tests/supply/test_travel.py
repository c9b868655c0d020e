"""Travel times: geometry with a circuity factor, a supplied matrix, and a tiny road network."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box

from demand.errors import InputError
from supply.travel import (
    travel_times_from_geometry,
    travel_times_from_matrix,
    travel_times_over_network,
)

CRS = "EPSG:32650"


def _areas(centres: dict[str, tuple[float, float]], half: float = 50.0) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"area_id": list(centres)},
        geometry=[box(x - half, y - half, x + half, y + half) for x, y in centres.values()],
        crs=CRS,
    )


def _facilities(points: dict[str, tuple[float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"facility_id": list(points)}, geometry=[Point(p) for p in points.values()], crs=CRS
    )


def test_geometry_minutes_by_hand_and_cutoff():
    areas = _areas({"a": (0, 0), "b": (3000, 4000)})  # b is 5 km from the origin
    facs = _facilities({"f": (0, 0), "g": (6000, 8000)})
    # walk 4.5 km/h = 75 m/min; 5 km x 1.3 / 75 = 86.67 min
    out = travel_times_from_geometry(areas, facs, mode="walk", cutoff_minutes=90)
    got = {(r.area_id, r.facility_id): r.minutes for r in out.itertuples()}
    assert got == pytest.approx(
        {("a", "f"): 0.0, ("b", "f"): 5000 * 1.3 / 75, ("b", "g"): 5000 * 1.3 / 75}
    )
    # a-g is 10 km = 173 min: beyond the cutoff, so not listed at all
    assert ("a", "g") not in got


def test_geometry_speed_and_circuity_are_parameters():
    areas = _areas({"a": (0, 0)})
    facs = _facilities({"f": (1000, 0)})
    out = travel_times_from_geometry(areas, facs, speed_kmh=30, circuity=1.0, cutoff_minutes=5)
    assert out["minutes"].iloc[0] == pytest.approx(2.0)
    with pytest.raises(InputError, match="circuity"):
        travel_times_from_geometry(areas, facs, circuity=0.5)
    with pytest.raises(InputError, match="mode"):
        travel_times_from_geometry(areas, facs, mode="teleport")


def test_geometry_projects_a_geographic_crs():
    areas = _areas({"a": (500000, 3500000)}).to_crs("EPSG:4326")
    facs = _facilities({"f": (501000, 3500000)}).to_crs("EPSG:4326")
    out = travel_times_from_geometry(areas, facs, speed_kmh=60, circuity=1.0)
    assert out["minutes"].iloc[0] == pytest.approx(1.0, rel=1e-3)


def test_geometry_agrees_with_brute_force_on_random_city():
    rng = np.random.default_rng(3)
    centres = {f"a{i}": tuple(rng.uniform(0, 20000, 2)) for i in range(150)}
    points = {f"f{j}": tuple(rng.uniform(0, 20000, 2)) for j in range(40)}
    out = travel_times_from_geometry(_areas(centres), _facilities(points), cutoff_minutes=20)
    a = np.array(list(centres.values()))
    f = np.array(list(points.values()))
    full = (
        np.hypot(a[:, None, 0] - f[None, :, 0], a[:, None, 1] - f[None, :, 1]) * 1.3 / (25000 / 60)
    )
    assert len(out) == int((full <= 20).sum())
    ai = out["area_id"].str[1:].astype(int).to_numpy()
    fi = out["facility_id"].str[1:].astype(int).to_numpy()
    np.testing.assert_allclose(out["minutes"].to_numpy(), full[ai, fi])


def test_matrix_long_and_wide_and_errors_name_the_row():
    long = pd.DataFrame(
        {"area_id": ["a", "a", "b"], "facility_id": ["f", "g", "f"], "minutes": [5, 50, 12]}
    )
    out = travel_times_from_matrix(long, cutoff_minutes=30)
    assert out[["area_id", "facility_id"]].values.tolist() == [["a", "f"], ["b", "f"]]
    wide = pd.DataFrame({"area_id": ["a", "b"], "f": [5, 12], "g": [50, np.nan]})
    assert len(travel_times_from_matrix(wide)) == 3
    assert len(travel_times_from_matrix(wide, cutoff_minutes=20)) == 2
    bad_wide = wide.astype(object)
    bad_wide.loc[1, "g"] = "far"
    with pytest.raises(InputError, match=r"wide.csv, row 3, column g: 'far'"):
        travel_times_from_matrix(bad_wide, source="wide.csv")
    with pytest.raises(InputError, match=r"header: column 'g' is not a known facility"):
        travel_times_from_matrix(wide, facility_ids=pd.Index(["f"]))
    bad = long.assign(minutes=["5", "x", "12"])
    with pytest.raises(InputError, match=r"cost.csv, row 3, column minutes"):
        travel_times_from_matrix(bad, source="cost.csv")
    with pytest.raises(InputError, match=r"row 5, column area_id: 'zz' is not a known area"):
        travel_times_from_matrix(
            pd.concat(
                [long, pd.DataFrame({"area_id": ["zz"], "facility_id": ["f"], "minutes": [1]})]
            ),
            area_ids=pd.Index(["a", "b"]),
        )
    with pytest.raises(InputError, match="appears more than once"):
        travel_times_from_matrix(pd.concat([long, long.iloc[:1]]))


def _tiny_network():
    #   n1 --4-- n2 --3-- n3
    #    \                 |
    #     \-------20-------+     n3 -> n4 is one-way (2 min); n4 -> n3 does not exist
    #                      n4
    nodes = pd.DataFrame(
        {"node_id": ["n1", "n2", "n3", "n4"], "x": [0, 1000, 2000, 2000], "y": [0, 0, 0, -1000]}
    )
    edges = pd.DataFrame(
        {
            "from_node": ["n1", "n2", "n1", "n3"],
            "to_node": ["n2", "n3", "n3", "n4"],
            "minutes": [4.0, 3.0, 20.0, 2.0],
            "oneway": [False, False, False, True],
        }
    )
    return nodes, edges


def test_network_shortest_paths_by_hand():
    nodes, edges = _tiny_network()
    # areas and facilities sit exactly on nodes, so connectors take 0 minutes
    areas = _areas({"A1": (0, 0), "A4": (2000, -1000)}, half=10)
    facs = _facilities({"F3": (2000, 0), "F4": (2000, -1000)})
    out = travel_times_over_network(edges, nodes, areas, facs, cutoff_minutes=30)
    got = {(r.area_id, r.facility_id): r.minutes for r in out.itertuples()}
    # A1 -> F3: n1-n2-n3 = 7 (not the 20-minute direct road); A1 -> F4: 7 + 2 = 9
    # A4 -> anything: n4 has no road out (one-way into it), so only F4 on the spot
    assert got == pytest.approx({("A1", "F3"): 7.0, ("A1", "F4"): 9.0, ("A4", "F4"): 0.0})
    # cutoff 8 keeps A1 -> F3 (7) but drops A1 -> F4 (9)
    short = travel_times_over_network(edges, nodes, areas, facs, cutoff_minutes=8)
    assert set(zip(short.area_id, short.facility_id, strict=True)) == {("A1", "F3"), ("A4", "F4")}


def test_network_adds_walk_to_and_from_nodes():
    nodes, edges = _tiny_network()
    areas = _areas({"A": (0, 150)}, half=10)  # 150 m off n1
    facs = _facilities({"F": (1000, 75)})  # 75 m off n2
    out = travel_times_over_network(edges, nodes, areas, facs, circuity=1.0)
    # walk 150 m at 75 m/min = 2, road 4, walk 75 m = 1
    assert out["minutes"].iloc[0] == pytest.approx(7.0)


def test_network_unknown_node_is_reported():
    nodes, edges = _tiny_network()
    edges.loc[2, "to_node"] = "n9"
    with pytest.raises(InputError, match="road edges, row 2, column to_node: 'n9'"):
        travel_times_over_network(edges, nodes, _areas({"A": (0, 0)}), _facilities({"F": (0, 0)}))


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000))
def test_network_agrees_with_networkx_on_random_one_way_streets(seed):
    rng = np.random.default_rng(seed)
    n = 12
    nodes = pd.DataFrame(
        {
            "node_id": [f"n{i}" for i in range(n)],
            "x": rng.uniform(0, 5000, n),
            "y": rng.uniform(0, 5000, n),
        }
    )
    pairs = rng.integers(0, n, size=(30, 2))
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    edges = pd.DataFrame(
        {
            "from_node": [f"n{a}" for a in pairs[:, 0]],
            "to_node": [f"n{b}" for b in pairs[:, 1]],
            "minutes": rng.uniform(1, 15, len(pairs)).round(2),
            "oneway": rng.random(len(pairs)) < 0.4,
        }
    )
    graph = nx.DiGraph()
    graph.add_nodes_from(nodes["node_id"])
    for e in edges.itertuples():
        for u, v in [(e.from_node, e.to_node)] + ([] if e.oneway else [(e.to_node, e.from_node)]):
            if not graph.has_edge(u, v) or graph[u][v]["w"] > e.minutes:
                graph.add_edge(u, v, w=e.minutes)
    xy = dict(zip(nodes["node_id"], zip(nodes["x"], nodes["y"], strict=True), strict=True))
    areas = _areas({f"A{k}": xy[f"n{k}"] for k in range(0, n, 2)}, half=1)
    facs = _facilities({f"F{k}": xy[f"n{k}"] for k in range(1, n, 3)})
    out = travel_times_over_network(edges, nodes, areas, facs, cutoff_minutes=25)
    got = {(r.area_id, r.facility_id): r.minutes for r in out.itertuples()}
    expected = {}
    for k in range(0, n, 2):
        reach = nx.single_source_dijkstra_path_length(graph, f"n{k}", cutoff=25, weight="w")
        for j in range(1, n, 3):
            if f"n{j}" in reach:
                expected[(f"A{k}", f"F{j}")] = reach[f"n{j}"]
    assert got.keys() == expected.keys()
    assert got == pytest.approx(expected)
