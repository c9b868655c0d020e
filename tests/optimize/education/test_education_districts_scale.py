"""Districts at scale and on awkward land: the region-by-region method against the plain MIP,
the starting plan that always exists, units no school can reach, islands and crossings."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimize.education import DistrictRules, redraw_districts
from optimize.education import district_search as search
from optimize.education.district_pairs import ISLAND, NO_SCHOOL_IN_REACH
from optimize.solver import SolverOptions

HIGHS = SolverOptions("highs", threads=1, seed=1, gap_rel=1e-9)


def grid(rows: int, cols: int, size: float = 100.0, gap_after_col: int | None = None):
    """Square units; with ``gap_after_col`` the columns after it stand 50 m off (water)."""
    ids, geoms = [], []
    for r in range(rows):
        for c in range(cols):
            shift = 50.0 if gap_after_col is not None and c > gap_after_col else 0.0
            x = c * size + shift
            ids.append(f"U{r}_{c}")
            geoms.append(shapely.box(x, r * size, x + size, (r + 1) * size))
    return gpd.GeoDataFrame({"area_id": ids}, geometry=geoms, crs="EPSG:32650")


def straight_travel(units, schools, per_100m: float = 2.0) -> pd.DataFrame:
    centre = units.set_index("area_id").geometry.centroid
    rows = []
    for rec in schools.itertuples():
        here = centre[rec.area_id]
        for area, point in centre.items():
            rows.append((area, rec.school_id, 1.0 + per_100m * here.distance(point) / 100.0))
    return pd.DataFrame(rows, columns=["area_id", "school_id", "minutes"])


def city(rows, cols, n_schools, seed, seat_factor=1.0, years=(2025,)):
    rng = np.random.default_rng(seed)
    units = grid(rows, cols)
    homes = rng.choice(units["area_id"].to_numpy(), size=n_schools, replace=False)
    pupils = pd.concat(
        [pd.DataFrame({"area_id": units["area_id"], "year": y,
                       "pupils": rng.integers(0, 60, len(units)).astype(float)}) for y in years],
        ignore_index=True,
    )  # fmt: skip
    seats = seat_factor * pupils.groupby("year")["pupils"].sum().max() / n_schools
    seats = np.round(seats * rng.uniform(0.6, 1.4, n_schools))
    schools = pd.DataFrame(
        {"school_id": [f"S{k}" for k in range(n_schools)], "area_id": homes, "seats": seats}
    )
    return units, pupils, schools, straight_travel(units, schools)


def one_piece_on_the_graph(assignment: pd.DataFrame, links: pd.DataFrame) -> bool:
    """Every district's units are connected through the given neighbour links."""
    import networkx as nx

    graph = nx.Graph()
    graph.add_edges_from(zip(links["area_id"], links["neighbour_id"], strict=True))
    for _, rows in assignment.dropna(subset=["school_id"]).groupby("school_id"):
        members = list(rows["area_id"])
        graph.add_nodes_from(members)
        if not nx.is_connected(graph.subgraph(members)):
            return False
    return True


# --- the regions method finds the plain model's optimum ------------------------------------


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.integers(3, 5),
    cols=st.integers(3, 6),
    n_schools=st.integers(2, 5),
    seed=st.integers(0, 10_000),
    share=st.sampled_from([None, 0.1, 0.3]),
    seat_factor=st.floats(0.6, 1.4),
)
def test_regions_reach_the_plain_models_optimum(rows, cols, n_schools, seed, share, seat_factor):
    units, pupils, schools, travel = city(rows, cols, n_schools, seed, seat_factor, (2025, 2026))
    kw = dict(max_minutes=None, max_reassigned_share=share, candidate_schools=3)
    plain = redraw_districts(units, pupils, schools, travel, plan_year=2025, options=HIGHS,
                             rules=DistrictRules(**kw, method="plain"))  # fmt: skip
    regions = redraw_districts(units, pupils, schools, travel, plan_year=2025, options=HIGHS,
                               rules=DistrictRules(**kw, method="regions"))  # fmt: skip
    assert plain.status == "optimal" and regions.status == "optimal"
    assert regions.objective == pytest.approx(plain.objective, rel=1e-6, abs=1e-6)
    assert regions.params["method"] == "regions"
    a = regions.plans["assignment"]
    assert sorted(a["area_id"]) == sorted(units["area_id"]) and a["school_id"].notna().all()
    from optimize.education import unit_neighbours

    assert one_piece_on_the_graph(a, unit_neighbours(units))


def test_region_search_alone_lowers_the_cost_and_keeps_every_rule(monkeypatch):
    """Small regions (a few schools each) on a 12 x 12 city: each region's MIP may only lower
    the city's objective, and the plan keeps contiguity, capacity accounting and the budget."""
    units, pupils, schools, travel = city(12, 12, 12, seed=3, seat_factor=0.95)
    monkeypatch.setattr(search, "REGION_PAIRS", 40)
    captured = {}
    real = search.improve_by_regions

    def spy(model, plan, *args, **kw):
        captured["model"], captured["start"] = model, plan
        out = real(model, plan, *args, **kw)
        captured["out"] = out
        return out

    from optimize.education import districts

    monkeypatch.setattr(districts, "improve_by_regions", spy)
    result = redraw_districts(units, pupils, schools, travel, options=HIGHS,
                              rules=DistrictRules(max_minutes=None, method="regions"))  # fmt: skip
    model, out = captured["model"], captured["out"]
    assert out.regions_solved > 1
    assert out.cost <= out.start_cost
    assert [c for _, c in out.history] == sorted((c for _, c in out.history), reverse=True)
    assert search.broken_rules(model, out.plan) == []
    assert result.objective <= out.cost + 1e-6
    assert result.best_bound is not None and result.best_bound <= result.objective + 1e-6


# --- a plan always comes back -----------------------------------------------------------------


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n_schools=st.integers(2, 6), share=st.sampled_from(
    [None, 0.0, 0.2]))  # fmt: skip
def test_starting_plan_keeps_every_rule_even_from_a_scrambled_today(seed, n_schools, share):
    """Today's districts drawn at random (scattered, not contiguous): the starting plan keeps
    what it can and mends the rest so that every hard rule holds."""
    units, pupils, schools, travel = city(5, 6, n_schools, seed)
    rng = np.random.default_rng(seed)
    today = pd.Series(rng.choice(schools["school_id"], len(units)), index=units["area_id"])
    captured = {}
    from optimize.education import districts

    real = districts.starting_plan

    def spy(model):
        captured["model"] = model
        captured["start"] = out = real(model)
        return out

    districts.starting_plan = spy
    try:
        result = redraw_districts(units, pupils, schools, travel, today, options=HIGHS,
                                  rules=DistrictRules(max_minutes=None,
                                                      max_reassigned_share=share))  # fmt: skip
    finally:
        districts.starting_plan = real
    start = captured["start"]
    assert start.plan is not None
    assert search.broken_rules(captured["model"], start.plan) == []
    assert result.has_plan


def test_a_plan_comes_back_when_the_clock_leaves_no_time():
    units, pupils, schools, travel = city(10, 10, 8, seed=5, seat_factor=0.9)
    result = redraw_districts(units, pupils, schools, travel, options=SolverOptions(
        "highs", time_limit_s=1e-3, threads=1), rules=DistrictRules(method="regions",
                                                                   max_minutes=None))  # fmt: skip
    assert result.has_plan
    assert result.plans["assignment"]["school_id"].notna().all()
    assert result.best_bound is None or result.best_bound <= result.objective + 1e-6


# --- units no school can reach, islands and water crossings ----------------------------------


def test_unit_without_any_school_in_reach_is_a_shortfall_not_an_error():
    units, pupils, schools, travel = city(4, 4, 2, seed=1, seat_factor=1.5)
    cut = "U3_3" if "U3_3" not in set(schools["area_id"]) else "U3_2"
    travel = travel[travel["area_id"] != cut]
    result = redraw_districts(units, pupils, schools, travel, options=HIGHS,
                              rules=DistrictRules(max_minutes=None))  # fmt: skip
    assert result.has_plan
    a = result.plans["assignment"].set_index("area_id")
    assert pd.isna(a.loc[cut, "school_id"]) and a.loc[cut, "unplaced"] == NO_SCHOOL_IN_REACH
    assert a.drop(index=cut)["school_id"].notna().all()
    short = result.shortfall[result.shortfall["constraint"] == NO_SCHOOL_IN_REACH]
    want = pupils[pupils["area_id"] == cut]["pupils"].sum()
    assert short["amount"].sum() == pytest.approx(want)
    assert short["where"].str.startswith(cut).all()


def island_city():
    """3 x 6 units; columns 4-5 stand 50 m across water; the schools are on the west bank."""
    units = grid(3, 6, gap_after_col=3)
    pupils = pd.DataFrame({"area_id": units["area_id"], "year": 2025, "pupils": 10.0})
    schools = pd.DataFrame({"school_id": ["S1", "S2"], "area_id": ["U0_0", "U2_3"],
                            "seats": [200.0, 200.0]})  # fmt: skip
    return units, pupils, schools, straight_travel(units, schools)


def test_island_is_joined_across_the_narrowest_water_and_the_crossing_is_said():
    units, pupils, schools, travel = island_city()
    result = redraw_districts(units, pupils, schools, travel, options=HIGHS,
                              rules=DistrictRules(max_minutes=None))  # fmt: skip
    a = result.plans["assignment"]
    assert a["school_id"].notna().all()
    links = result.plans["links"]
    assert len(links) == 1 and links["kind"].iloc[0] == "nearest"
    assert links["gap_m"].iloc[0] == pytest.approx(50.0)
    assert {links["area_id"].iloc[0][-1], links["neighbour_id"].iloc[0][-1]} == {"3", "4"}
    assert any("water crossing" in m for m in result.messages)
    from optimize.education import unit_neighbours

    both = pd.concat([unit_neighbours(units), links[["area_id", "neighbour_id"]]])
    assert one_piece_on_the_graph(a, both)


def test_declared_crossings_only_leave_an_unjoined_island_as_a_shortfall():
    units, pupils, schools, travel = island_city()
    rules = DistrictRules(max_minutes=None, crossings="declared")
    result = redraw_districts(units, pupils, schools, travel, options=HIGHS, rules=rules)
    a = result.plans["assignment"].set_index("area_id")
    east = [u for u in a.index if u.endswith(("_4", "_5"))]
    assert a.loc[east, "school_id"].isna().all() and (a.loc[east, "unplaced"] == ISLAND).all()
    assert result.shortfall[result.shortfall["constraint"] == ISLAND]["amount"].sum() == 60.0
    ferry = pd.DataFrame({"area_id": ["U1_3"], "neighbour_id": ["U1_4"]})
    joined = redraw_districts(units, pupils, schools, travel, options=HIGHS, rules=rules,
                              crossings=ferry)  # fmt: skip
    b = joined.plans["assignment"]
    assert b["school_id"].notna().all()
    assert list(joined.plans["links"]["kind"]) == ["declared"]


def test_school_unit_far_from_its_school_is_flagged_beyond_the_limit():
    units, pupils, schools, travel = island_city()
    home = travel["area_id"].eq("U0_0") & travel["school_id"].eq("S1")
    travel.loc[home, "minutes"] = 37.0  # a big unit: its centre 37 minutes from the school
    result = redraw_districts(units, pupils, schools, travel, options=HIGHS,
                              rules=DistrictRules(max_minutes=30))  # fmt: skip
    a = result.plans["assignment"].set_index("area_id")
    assert a.loc["U0_0", "school_id"] == "S1" and a.loc["U0_0", "beyond_max_minutes"]
    assert any("U0_0 (S1, 37 min)" in m for m in result.messages)
