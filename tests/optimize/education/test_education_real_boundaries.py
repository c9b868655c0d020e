"""Districts on real boundaries: Virginia's 136 counties and independent cities.

Source: the ``virginia`` example bundled in libpysal's wheel (``vautm17n.shp``, UTM zone 17N,
metres), drawn from US Census Bureau county boundaries (public domain); libpysal itself is
BSD-3-Clause. Read offline from the installed package. What makes it a hard case: independent
cities are enclaves inside counties, two units are multipart, and the Eastern Shore (Accomack
51001, Northampton 51131) is land that no boundary joins to the rest: the Chesapeake Bay
Bridge-Tunnel (Northampton to Virginia Beach 51810) is missing from the polygons.

Pupils, schools and travel are made here (the boundaries are real, the rest is not): pupils
grow with a county's area, 14 schools stand in counties picked far apart on the mainland, and
travel is the straight line between representative points at 40 km/h x 1.3 circuity.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest

from optimize.education import DistrictRules, district_map, redraw_districts, unit_neighbours
from optimize.education.district_pairs import ISLAND
from optimize.solver import SolverOptions

libpysal_examples = pytest.importorskip("libpysal.examples")

EASTERN_SHORE = ["51001", "51131"]
BRIDGE_TUNNEL = pd.DataFrame({"area_id": ["51131"], "neighbour_id": ["51810"]})
OPTIONS = SolverOptions("highs", time_limit_s=60, threads=1, seed=1)


@pytest.fixture(scope="module")
def virginia():
    path = Path(libpysal_examples.__file__).parent / "virginia" / "vautm17n.shp"
    units = gpd.read_file(path)[["FIPS", "geometry"]].rename(columns={"FIPS": "area_id"})
    assert units.crs.axis_info[0].unit_name == "metre"
    km2 = units.geometry.area.to_numpy() / 1e6
    pupils = pd.DataFrame({"area_id": units["area_id"], "year": 2025,
                           "pupils": np.round(200 + 2 * km2)})  # fmt: skip
    inside = units.geometry.representative_point()
    xy = np.column_stack([inside.x, inside.y])
    mainland = ~units["area_id"].isin(EASTERN_SHORE).to_numpy()
    chosen = [int(np.flatnonzero(mainland)[0])]
    dist = np.hypot(*(xy - xy[chosen[0]]).T)
    while len(chosen) < 14:
        nxt = int(np.argmax(np.where(mainland, dist, -1)))
        chosen.append(nxt)
        dist = np.minimum(dist, np.hypot(*(xy - xy[nxt]).T))
    schools = pd.DataFrame({"school_id": [f"S{k:02d}" for k in range(14)],
                            "area_id": units["area_id"].to_numpy()[chosen]})  # fmt: skip
    schools["seats"] = np.round(1.1 * pupils["pupils"].sum() / 14)
    km = np.hypot(*(xy[:, None, :] - xy[None, chosen, :]).transpose(2, 0, 1)) / 1000
    travel = pd.DataFrame({
        "area_id": np.repeat(units["area_id"].to_numpy(), 14),
        "school_id": np.tile(schools["school_id"].to_numpy(), len(units)),
        "minutes": (5 + km * 1.3 / 40 * 60).reshape(-1),
    })  # fmt: skip
    return units, pupils, schools, travel


def solve(virginia, **kw):
    units, pupils, schools, travel = virginia
    rules = DistrictRules(max_minutes=None, max_reassigned_share=None, **kw.pop("rules", {}))
    return redraw_districts(units, pupils, schools, travel, rules=rules, options=OPTIONS, **kw)


def assert_connected_through(assignment: pd.DataFrame, links: pd.DataFrame) -> None:
    graph = nx.Graph(list(zip(links["area_id"], links["neighbour_id"], strict=True)))
    for school, rows in assignment.dropna(subset=["school_id"]).groupby("school_id"):
        members = list(rows["area_id"])
        graph.add_nodes_from(members)
        assert nx.is_connected(graph.subgraph(members)), f"district {school} is not one piece"


def test_eastern_shore_joins_across_the_narrowest_water_and_every_split_map_is_explained(
    virginia,
):
    units = virginia[0]
    result = solve(virginia)
    assert result.has_plan
    a = result.plans["assignment"]
    assert a["school_id"].notna().all()
    links = result.plans["links"]
    assert len(links) == 1 and links["kind"].iloc[0] == "nearest"
    assert set(links[["area_id", "neighbour_id"]].iloc[0]) & set(EASTERN_SHORE)
    assert links["gap_m"].iloc[0] > 1_000  # open water, not a digitising gap
    land = unit_neighbours(units)
    assert_connected_through(a, pd.concat([land, links[["area_id", "neighbour_id"]]]))
    # every district whose map is in more than one piece is said: a multipart unit, or a crossing
    dissolved = district_map(units, a).set_index("school_id")
    multipart = set(units.loc[units.geom_type == "MultiPolygon", "area_id"])
    crossing = set(links["school_id"].dropna())
    for school, rec in dissolved.iterrows():
        if rec["pieces"] > 1:
            members = set(a.loc[a["school_id"] == school, "area_id"])
            assert school in crossing or members & multipart, f"{school} split, unexplained"
    if crossing:
        assert any("cross water" in m for m in result.messages)


def test_declared_bridge_tunnel_counts_and_without_it_the_shore_is_a_shortfall(virginia):
    units = virginia[0]
    declared = solve(virginia, rules={"crossings": "declared"}, crossings=BRIDGE_TUNNEL)
    a = declared.plans["assignment"]
    assert a["school_id"].notna().all()
    assert list(declared.plans["links"]["kind"]) == ["declared"]
    land = unit_neighbours(units)
    assert_connected_through(a, pd.concat([land, BRIDGE_TUNNEL]))

    cut_off = solve(virginia, rules={"crossings": "declared"})
    b = cut_off.plans["assignment"].set_index("area_id")
    assert b.loc[EASTERN_SHORE, "school_id"].isna().all()
    assert (b.loc[EASTERN_SHORE, "unplaced"] == ISLAND).all()
    assert b.drop(index=EASTERN_SHORE)["school_id"].notna().all()
    short = cut_off.shortfall[cut_off.shortfall["constraint"] == ISLAND]
    want = virginia[1].set_index("area_id").loc[EASTERN_SHORE, "pupils"].sum()
    assert short["amount"].sum() == pytest.approx(want)
    assert any("no crossing joins to a school" in m for m in cut_off.messages)
