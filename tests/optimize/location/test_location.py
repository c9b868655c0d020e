"""Location models against brute-force enumeration, and the rules a planner relies on."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimize.location import LSCP, MCLP, CapacitatedPMedian, PCenter, PMedian
from optimize.solver import SolverOptions

CBC = SolverOptions("cbc")
HIGHS = SolverOptions("highs")


@st.composite
def instances(draw, max_demand=8, max_sites=5):
    """A small cost matrix (integer minutes), weights and p."""
    n = draw(st.integers(2, max_demand))
    m = draw(st.integers(2, max_sites))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    cost = rng.integers(0, 60, size=(n, m)).astype(float)
    weights = rng.integers(1, 10, size=n).astype(float)
    p = draw(st.integers(1, m))
    return cost, weights, p


def subsets(m: int, p: int, fixed=()):
    for s in itertools.combinations(range(m), p):
        if set(fixed) <= set(s):
            yield list(s)


SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(instances(), st.sampled_from([None, 1, 2]), st.booleans())
def test_p_median_matches_enumeration(inst, k, fix_first):
    cost, w, p = inst
    fixed = [0] if fix_first else []
    best = min((w * cost[:, s].min(axis=1)).sum() for s in subsets(cost.shape[1], p, fixed))
    for options, method in [(CBC, "compact"), (HIGHS, "radius")]:
        result = PMedian.from_cost_matrix(
            cost, w, p=p, k_nearest=k, method=method, fixed_open=[str(j) for j in fixed]
        ).solve(options)
        assert result.status == "optimal", method
        assert result.objective == pytest.approx(best), method
        assert result.best_bound == pytest.approx(best), method
        sites = result.plans["open_sites"]
        assert len(sites) == p
        assert set(map(str, fixed)) <= set(sites["site_id"])
        assert result.plans["assignment"]["demand_id"].nunique() == cost.shape[0]


@SETTINGS
@given(instances(), st.sampled_from([None, 2]), st.booleans())
def test_p_center_matches_enumeration(inst, k, fix_first):
    cost, w, p = inst
    fixed = [0] if fix_first else []
    best = min(cost[:, s].min(axis=1).max() for s in subsets(cost.shape[1], p, fixed))
    for options, method in [(HIGHS, "compact"), (HIGHS, "covering")]:
        result = PCenter.from_cost_matrix(
            cost, w, p=p, k_nearest=k, method=method, fixed_open=[str(j) for j in fixed]
        ).solve(options)
        assert result.status == "optimal", method
        assert result.objective == pytest.approx(best), method
        assert result.best_bound == pytest.approx(best), method
        sites = result.plans["open_sites"]
        assert len(sites) == p and set(map(str, fixed)) <= set(sites["site_id"])


@SETTINGS
@given(instances(), st.floats(5, 40), st.booleans())
def test_mclp_matches_enumeration(inst, radius, fix_first):
    cost, w, p = inst
    fixed = [0] if fix_first else []
    best = max(
        (w * (cost[:, s].min(axis=1) <= radius)).sum() for s in subsets(cost.shape[1], p, fixed)
    )
    for options, method in [(CBC, "compact"), (CBC, "aggregated"), (HIGHS, "aggregated")]:
        result = MCLP.from_cost_matrix(
            cost, w, p=p, radius=radius, method=method, fixed_open=[str(j) for j in fixed]
        ).solve(options)
        assert result.status == "optimal", method
        assert result.objective == pytest.approx(best), method
        assert result.best_bound == pytest.approx(best), method
        coverage = result.plans["coverage"]
        assert coverage.loc[coverage["covered"], "weight"].sum() == pytest.approx(best)
        assert len(result.plans["open_sites"]) == p


@SETTINGS
@given(instances(), st.floats(10, 60))
def test_lscp_matches_enumeration_or_names_unreachable(inst, radius):
    cost, w, _ = inst
    n, m = cost.shape
    reach = cost <= radius
    result = LSCP.from_cost_matrix(cost, w, radius=radius).solve(CBC)
    if not reach.any(axis=1).all():
        assert result.status == "infeasible"
        unreachable = {str(i) for i in np.flatnonzero(~reach.any(axis=1))}
        assert set(result.shortfall["where"]) == unreachable
        assert (result.shortfall["constraint"] == "coverage").all()
        return
    best = min(q for q in range(1, m + 1) for s in subsets(m, q) if reach[:, s].any(axis=1).all())
    assert result.status == "optimal"
    assert result.objective == pytest.approx(best)


@SETTINGS
@given(instances(max_demand=7, max_sites=4), st.integers(0, 2**31 - 1))
def test_capacitated_p_median_matches_enumeration(inst, seed):
    cost, w, p = inst
    n, m = cost.shape
    cap = np.random.default_rng(seed).integers(5, 30, size=m).astype(float)
    best = np.inf
    for s in subsets(m, p):  # every single-source assignment to the open sites
        for choice in itertools.product(s, repeat=n):
            load = np.bincount(choice, weights=w, minlength=m)
            if (load <= cap).all():
                best = min(best, float(sum(w[i] * cost[i, j] for i, j in enumerate(choice))))
    cap_series = pd.Series(cap, index=[str(j) for j in range(m)])
    result = CapacitatedPMedian.from_cost_matrix(cost, w, p=p, capacity=cap_series).solve(HIGHS)
    if np.isinf(best):
        assert result.status == "infeasible"
        return
    assert result.status == "optimal"
    assert result.objective == pytest.approx(best)
    load = result.plans["assignment"].groupby("site_id")["weight"].sum()
    assert (load <= cap_series.reindex(load.index) + 1e-9).all()


def test_capacity_respected_and_fixed_sites_kept():
    rng = np.random.default_rng(7)
    cost = rng.uniform(1, 30, size=(40, 10))
    w = rng.integers(1, 5, size=40).astype(float)
    cap = pd.Series(w.sum() / 3, index=[str(j) for j in range(10)])
    model = CapacitatedPMedian.from_cost_matrix(
        cost, w, p=4, capacity=cap, fixed_open=["0", "9"], k_nearest=3
    )
    result = model.solve(CBC)
    assert result.status == "optimal"
    sites = result.plans["open_sites"]
    assert {"0", "9"} <= set(sites["site_id"])
    assert sites.loc[sites["site_id"].isin(["0", "9"]), "fixed"].all()
    assert (sites["weight_served"] <= sites["capacity"] + 1e-9).all()
    assignment = result.plans["assignment"]
    assert sorted(assignment["demand_id"]) == sorted(str(i) for i in range(40))
    assert assignment.groupby("demand_id").size().max() == 1  # single source
    assert result.shortfall.empty


@pytest.mark.parametrize("options", [CBC, HIGHS], ids=["cbc", "highs"])
def test_too_little_capacity_reports_exactly_the_missing_amount(options):
    # 6 demands of 2 persons each (12), 3 sites of 3 places (9): 3 places missing
    cost = np.arange(18, dtype=float).reshape(6, 3) % 7 + 1
    w = np.full(6, 2.0)
    cap = pd.Series(3.0, index=["0", "1", "2"])
    result = CapacitatedPMedian.from_cost_matrix(cost, w, p=3, capacity=cap).solve(options)
    assert result.status == "infeasible"
    assert result.shortfall["amount"].sum() == pytest.approx(3.0)
    assert set(result.shortfall["constraint"]) == {"capacity"}
    assert result.binding.iloc[0]["constraint"] == "capacity"
    # the compromise plan is there: everyone assigned, the overloads are the shortfall
    over = result.plans["open_sites"].eval("weight_served - capacity").clip(lower=0).sum()
    assert over == pytest.approx(3.0)


def test_unmet_penalty_turns_infeasible_into_a_priced_shortfall():
    cost = np.array([[5.0, 9.0], [7.0, 3.0], [4.0, 8.0]])
    w = np.array([10.0, 4.0, 6.0])
    cap = pd.Series([12.0, 5.0], index=["0", "1"])
    result = CapacitatedPMedian.from_cost_matrix(
        cost, w, p=2, capacity=cap, unmet_penalty=100.0
    ).solve(CBC)
    assert result.status == "optimal"
    # 20 persons, 17 places, single source: the best is to leave the 6-person demand out... or
    # the 4 -- whichever costs least; either way the shortfall is a whole demand
    assert result.shortfall["amount"].sum() in (4.0, 6.0, 10.0)
    assert result.objective == pytest.approx(
        (result.plans["assignment"].eval("cost * weight")).sum()
        + 100.0 * result.shortfall["amount"].sum()
    )


def test_p_median_with_max_cost_reports_unreachable_demand():
    cost = np.array([[5.0, 50.0], [40.0, 3.0], [90.0, 95.0]])
    result = PMedian.from_cost_matrix(cost, [1, 1, 7], p=2, max_cost=60).solve(CBC)
    assert result.status == "infeasible"
    assert result.shortfall.to_dict("records") == [
        {"constraint": "serve once", "where": "2", "amount": 7.0}
    ]
    result = PMedian.from_cost_matrix(cost, [1, 1, 7], p=2, max_cost=60, unmet_penalty=1000).solve(
        CBC
    )
    assert result.status == "optimal"
    assert result.objective == pytest.approx(5 + 3 + 7000)
    assert result.shortfall["amount"].sum() == 7.0


def test_geodataframe_door_uses_metres_between_centroids():
    import geopandas as gpd
    from shapely.geometry import Point, box

    areas = gpd.GeoDataFrame(
        {"area_id": ["a", "b", "c"], "persons": [100, 50, 10]},
        geometry=[box(0, 0, 100, 100), box(1000, 0, 1100, 100), box(0, 3000, 100, 3100)],
        crs="EPSG:32650",
    )
    sites = gpd.GeoDataFrame(
        {"site_id": ["s1", "s2"], "beds": [500.0, 500.0]},
        geometry=[Point(50, 50), Point(1050, 50)],
        crs="EPSG:32650",
    )
    model = PMedian.from_geodataframe(areas, sites, weight_col="persons", p=1)
    result = model.solve(CBC)
    assert result.plans["open_sites"]["site_id"].tolist() == ["s1"]
    assert result.objective == pytest.approx(50 * 1000 + 10 * 3000)
    minutes = PMedian.from_geodataframe(areas, sites, "persons", p=1, speed_kmh=6.0)
    assert minutes.costs["cost"].max() == pytest.approx(np.hypot(1000, 3000) / 100.0)
    capped = CapacitatedPMedian.from_geodataframe(areas, sites, "persons", p=2, capacity="beds")
    assert capped.capacity.tolist() == [500.0, 500.0]


def test_time_limit_gives_best_plan_with_honest_gap():
    rng = np.random.default_rng(3)
    pts, sites = rng.uniform(0, 10_000, (400, 2)), rng.uniform(0, 10_000, (60, 2))
    cost = np.hypot(*(pts[:, None, :] - sites[None, :, :]).transpose(2, 0, 1))
    result = PCenter.from_cost_matrix(cost, None, p=8, k_nearest=8).solve(
        SolverOptions("cbc", time_limit_s=1.0)  # CBC takes the greedy start: a plan at once
    )
    assert result.status in ("optimal", "stopped at time limit with best plan")
    assert result.best_bound <= result.objective + 1e-6
    if result.status != "optimal":
        assert result.gap == pytest.approx(
            (result.objective - result.best_bound) / result.objective
        )


def test_capacitated_with_a_gap_returns_a_checked_plan_and_an_honest_bound():
    rng = np.random.default_rng(11)
    pts, sites = rng.uniform(0, 5_000, (80, 2)), rng.uniform(0, 5_000, (15, 2))
    cost = np.hypot(*(pts[:, None, :] - sites[None, :, :]).transpose(2, 0, 1))
    w = rng.integers(1, 20, 80).astype(float)
    cap = pd.Series(np.ceil(1.2 * w.sum() / 4), index=[str(j) for j in range(15)])
    result = CapacitatedPMedian.from_cost_matrix(cost, w, p=4, capacity=cap).solve(
        SolverOptions("highs", gap_rel=0.02, time_limit_s=30)
    )
    assert result.status in ("optimal", "feasible within gap")
    assert result.best_bound <= result.objective + 1e-6
    assert result.gap <= 0.02
    plan = result.plans["assignment"]
    assert sorted(plan["demand_id"]) == sorted(str(i) for i in range(80))
    assert result.objective == pytest.approx((plan["cost"] * plan["weight"]).sum())
    sites = result.plans["open_sites"]
    assert len(sites) == 4 and (sites["weight_served"] <= sites["capacity"] + 1e-9).all()
