"""The fast location methods against the plain model, on instances big enough to use their
parts: the p-median's branch and bound and Lagrangian bound, the p-center's row generation,
the MCLP's grouping and its solver stage. The plain (compact) model is the reference."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimize.location import MCLP, PCenter, PMedian, center_search, radius
from optimize.solver import SolverOptions

HIGHS = SolverOptions("highs")
SETTINGS = settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))


@st.composite
def towns(draw, n=(25, 45), m=(8, 14)):
    """Demand points and candidate sites in a square (metres, whole), weights 0..9 persons."""
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    n, m = draw(st.integers(*n)), draw(st.integers(*m))
    demand, sites = rng.uniform(0, 5_000, (n, 2)), rng.uniform(0, 5_000, (m, 2))
    cost = np.hypot(*(demand[:, None, :] - sites[None, :, :]).transpose(2, 0, 1)).round()
    weights = rng.integers(0, 10, n).astype(float)
    weights[0] = max(weights[0], 1.0)
    p = draw(st.integers(2, min(5, m - 1)))
    fixed = [str(draw(st.integers(0, m - 1)))] if draw(st.booleans()) else []
    return cost, weights, p, fixed


@SETTINGS
@given(towns(), st.booleans())
def test_p_median_radius_equals_the_plain_model(monkeypatch, town, lagrange_first):
    cost, w, p, fixed = town
    # small towns take the LP path; forcing the Lagrangian step first tests that path too
    monkeypatch.setattr(radius, "LAGRANGE_FROM", 0 if lagrange_first else 10**12)
    plain = PMedian.from_cost_matrix(cost, w, p=p, fixed_open=fixed, method="compact").solve(HIGHS)
    fast = PMedian.from_cost_matrix(cost, w, p=p, fixed_open=fixed, method="radius").solve(HIGHS)
    assert plain.status == fast.status == "optimal"
    assert fast.objective == pytest.approx(plain.objective)
    assert fast.best_bound == pytest.approx(plain.objective)
    assert set(fixed) <= set(fast.plans["open_sites"]["site_id"])
    plan = fast.plans["assignment"]
    assert fast.objective == pytest.approx((plan["cost"] * plan["weight"]).sum())


@SETTINGS
@given(towns(n=(30, 60)), st.sampled_from([None, 1500.0]))
def test_p_center_covering_equals_the_plain_model(monkeypatch, town, max_cost):
    cost, w, p, fixed = town
    # a few demands per round: the subset MIPs and their rounds are exercised
    monkeypatch.setattr(center_search, "ADD_PER_ROUND", 3)
    monkeypatch.setattr(center_search, "greedy_cover", lambda *a: None)
    settings_ = {"p": p, "fixed_open": fixed, "max_cost": max_cost}
    plain = PCenter.from_cost_matrix(cost, w, method="compact", **settings_).solve(HIGHS)
    fast = PCenter.from_cost_matrix(cost, w, **settings_).solve(HIGHS)
    if plain.status == "infeasible":  # a demand beyond max_cost: the plain model says where
        assert fast.status == "infeasible" and fast.params.get("method") is None
        return
    assert fast.params["method"] == "covering"
    assert plain.status == fast.status == "optimal"
    assert fast.objective == pytest.approx(plain.objective)
    assert fast.best_bound == pytest.approx(plain.objective)
    served = fast.plans["assignment"]
    assert served.loc[served["weight"] > 0, "cost"].max() == pytest.approx(fast.objective)


@SETTINGS
@given(towns(n=(40, 80), m=(10, 16)), st.floats(600, 1500))
def test_mclp_aggregated_equals_the_plain_model(town, radius_m):
    cost, w, p, fixed = town
    settings_ = {"p": p, "radius": radius_m, "fixed_open": fixed}
    plain = MCLP.from_cost_matrix(cost, w, method="compact", **settings_).solve(HIGHS)
    fast = MCLP.from_cost_matrix(cost, w, **settings_).solve(HIGHS)
    assert fast.params["method"] == "aggregated"
    assert plain.status == fast.status == "optimal"
    assert fast.objective == pytest.approx(plain.objective)
    coverage = fast.plans["coverage"]
    assert coverage.loc[coverage["covered"], "weight"].sum() == pytest.approx(fast.objective)


def test_p_median_time_limit_is_truthful():
    rng = np.random.default_rng(5)
    demand, sites = rng.uniform(0, 20_000, (1500, 2)), rng.uniform(0, 20_000, (150, 2))
    cost = np.hypot(*(demand[:, None, :] - sites[None, :, :]).transpose(2, 0, 1))
    w = rng.integers(1, 100, 1500).astype(float)
    result = PMedian.from_cost_matrix(cost, w, p=12).solve(SolverOptions("highs", time_limit_s=1.0))
    assert result.has_plan and len(result.plans["open_sites"]) == 12
    plan = result.plans["assignment"]
    assert result.objective == pytest.approx((plan["cost"] * plan["weight"]).sum())
    if result.status == "optimal":
        assert result.gap <= 1e-6
    else:
        assert result.status == "stopped at time limit with best plan"
        assert result.best_bound is None or result.best_bound <= result.objective
    assert result.solve_seconds < 20


def test_fast_methods_say_why_they_cannot_run():
    from demand.errors import InputError

    cost = np.array([[1.0, 5.0], [4.0, 2.0]])
    with pytest.raises(InputError, match="needs solver highs"):
        PMedian.from_cost_matrix(cost, None, p=1, method="radius").solve(SolverOptions("cbc"))
    with pytest.raises(InputError, match="max_cost"):
        PMedian.from_cost_matrix(cost, None, p=1, method="radius", max_cost=3).solve(HIGHS)
    with pytest.raises(InputError, match="method must be"):
        PCenter.from_cost_matrix(cost, None, p=1, method="radius").solve(HIGHS)
    # auto falls back to the plain model where the fast one cannot run
    result = PMedian.from_cost_matrix(cost, None, p=1, max_cost=3).solve(HIGHS)
    assert result.status == "infeasible" and "method" not in result.params


@st.composite
def road_towns(draw):
    """OR-Library-like: a random connected road graph of 60..100 junctions (whole lengths
    1..20), each junction a demand (1..3 persons) and a site; p 4..10. About two in five have
    a fractional LP at the root, so the branch and bound has work."""
    from scipy.sparse.csgraph import shortest_path

    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    n = draw(st.integers(60, 100))
    graph = np.full((n, n), np.inf)
    for i in range(1, n):  # a spanning tree, then n more roads
        j = rng.integers(0, i)
        graph[i, j] = graph[j, i] = rng.integers(1, 21)
    for i, j in rng.integers(0, n, (n, 2)):
        graph[i, j] = graph[j, i] = rng.integers(1, 21)
    np.fill_diagonal(graph, 0.0)
    cost = shortest_path(graph, method="D", directed=False)
    weights = rng.integers(1, 4, n).astype(float)
    fixed = [str(draw(st.integers(0, n - 1)))] if draw(st.booleans()) else []
    return cost, weights, draw(st.integers(4, 10)), fixed


@SETTINGS
@given(road_towns(), st.booleans(), st.sampled_from([None, 1, 2]))
def test_p_median_tree_alone_reaches_the_plain_optimum(monkeypatch, town, on_covers, rounds):
    """The branch and bound finds the optimum itself: it starts from a poor plan (the first p
    sites), with no plans from the LP's sites, branching on covers or on single sites, on
    nodes cut until exact or branched after one or two rounds of cuts."""
    cost, w, p, fixed = town

    def first(wc, p, fixed=(), initial=(), **_):
        return np.array(list(dict.fromkeys([*map(int, fixed), *range(wc.shape[1])]))[:p])

    monkeypatch.setattr(radius, "good_open_sites", first)
    monkeypatch.setattr(radius, "SUPPORT_NODES", 0)
    monkeypatch.setattr(radius, "BRANCH_ON_COVER", on_covers)
    monkeypatch.setattr(radius, "NODE_CUT_ROUNDS", rounds)
    plain = PMedian.from_cost_matrix(cost, w, p=p, fixed_open=fixed, method="compact").solve(HIGHS)
    fast = PMedian.from_cost_matrix(cost, w, p=p, fixed_open=fixed, method="radius").solve(HIGHS)
    assert plain.status == fast.status == "optimal"
    assert fast.objective == pytest.approx(plain.objective)
    assert fast.best_bound == pytest.approx(plain.objective)
    assert set(fixed) <= set(fast.plans["open_sites"]["site_id"])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cut_master_keeps_its_covering_rows_through_purges(seed):
    """Covering rows survive purges at their (shifted) rows; inactive ones are free and may
    go, and come back when made active again."""
    rng = np.random.default_rng(seed)
    pts, sites = rng.uniform(0, 100, (60, 2)), rng.uniform(0, 100, (15, 2))
    cost = np.hypot(*(pts[:, None, :] - sites[None, :, :]).transpose(2, 0, 1)).round()
    sc = radius.SortedCosts.of(cost, np.ones(60))
    master = radius.CutMaster(sc, 3, np.zeros(15), None, 0)
    master.add_cuts(np.full(15, 3 / 15), None)
    keys = [master.new_cover(rng.choice(15, size=4, replace=False)) for _ in range(4)]

    def check(active):
        h = master.h
        for key, row in master.cover_row.items():
            _, _, low, _, _ = h.getRows(1, np.array([row], np.int32))
            _, _, index, _ = h.getRowsEntries(1, np.array([row], np.int32))
            assert sorted(index) == sorted(master.cover_sites[key])
            assert low[0] == (1.0 if key in active else -np.inf)
        assert set(active) <= set(master.cover_row)

    for active in [frozenset(keys[:2]), frozenset(keys[1:3]), frozenset(), frozenset(keys)]:
        master.set_covers(active)
        check(active)
        state, _, _ = master.solve(np.inf, None)
        assert state in ("exact", "infeasible")
        if state == "exact":
            y = master.y
            for key in active:
                assert y[master.cover_sites[key]].sum() >= 1 - 1e-6
            master.purge()
            check(active)
