"""The shared kit: solver statuses, bound and gap, elastic re-solve, fairness, stability, JSON."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pulp
import pytest

from optimize import blocks as b
from optimize.model import PlanModel, solve_plan
from optimize.result import PlanResult
from optimize.solver import SolverOptions, solve

SOLVERS = [SolverOptions("cbc"), SolverOptions("highs")]
IDS = ["cbc", "highs"]


def knapsack(n: int = 30, seed: int = 1) -> tuple[pulp.LpProblem, list[pulp.LpVariable]]:
    rng = np.random.default_rng(seed)
    value, size = rng.integers(5, 50, n), rng.integers(5, 40, n)
    prob = pulp.LpProblem("knapsack", pulp.LpMaximize)
    x = [pulp.LpVariable(f"x{i}", cat="Binary") for i in range(n)]
    prob += pulp.lpSum(int(v) * xi for v, xi in zip(value, x, strict=True)) + 3
    prob += pulp.lpSum(int(s) * xi for s, xi in zip(size, x, strict=True)) <= 200
    return prob, x


@pytest.mark.parametrize("options", SOLVERS, ids=IDS)
def test_optimal_has_zero_gap_and_counts_the_constant(options):
    prob, _ = knapsack()
    reference, _ = knapsack()
    reference.solve(pulp.PULP_CBC_CMD(msg=False))
    outcome = solve(prob, options)
    assert outcome.status == "optimal"
    assert outcome.objective == pytest.approx(pulp.value(reference.objective))
    assert outcome.best_bound == pytest.approx(outcome.objective)
    assert outcome.gap == 0.0


@pytest.mark.parametrize("options", SOLVERS, ids=IDS)
def test_infeasible_is_said_in_words(options):
    prob, x = knapsack()
    prob += pulp.lpSum(x) >= 31
    assert solve(prob, options).status == "infeasible"


def test_time_limit_reports_best_plan_bound_and_gap():
    # a p-median with a weak LP (no x <= y linking) keeps CBC busy past a 1 s limit
    rng = np.random.default_rng(0)
    n, m = 150, 40
    cost = rng.uniform(1, 100, (n, m))
    prob = pulp.LpProblem("hard", pulp.LpMinimize)
    y = [pulp.LpVariable(f"y{j}", cat="Binary") for j in range(m)]
    x = [[pulp.LpVariable(f"x{i}_{j}", 0, 1) for j in range(m)] for i in range(n)]
    prob += pulp.lpSum(cost[i, j] * x[i][j] for i in range(n) for j in range(m))
    for i in range(n):
        prob += pulp.lpSum(x[i]) == 1
    for j in range(m):
        prob += pulp.lpSum(x[i][j] for i in range(n)) <= n * y[j]
    prob += pulp.lpSum(y) == 5
    outcome = solve(prob, SolverOptions("cbc", time_limit_s=1))
    assert outcome.status == "stopped at time limit with best plan"
    assert outcome.best_bound < outcome.objective
    assert outcome.gap == pytest.approx(
        (outcome.objective - outcome.best_bound) / outcome.objective
    )


@pytest.mark.parametrize("options", SOLVERS, ids=IDS)
def test_warm_start_keeps_the_optimum(options):
    prob, x = knapsack()
    for xi in x:
        xi.setInitialValue(0)
    cold, _ = knapsack()
    assert solve(prob, options, warm_start=True).objective == pytest.approx(
        solve(cold, options).objective
    )


def small_plan(capacity: list[float], need: list[float], penalty: float | None):
    """Three areas, two centres; every pair allowed; need in persons, capacity in places."""
    m = PlanModel("toy")
    need_s = pd.Series(need, index=["a1", "a2", "a3"])
    cap = pd.Series(capacity, index=["c1", "c2"])
    costs = pd.DataFrame(
        [
            (a, c, float(t))
            for a, row in zip(need_s.index, [[5, 20], [10, 10], [25, 4]], strict=True)
            for c, t in zip(cap.index, row, strict=True)
        ],
        columns=["demand_id", "site_id", "cost"],
    )
    pairs = b.add_assignment(m, b.allowed_pairs(costs))
    pairs["load"] = pairs["demand_id"].map(need_s)
    unmet = b.add_unmet_demand(m, need_s, penalty)
    b.serve_once(m, pairs, need_s.index, unmet)
    b.within_capacity(m, pairs, "load", cap)
    m.add_term(b.expression(pairs["var"], pairs["cost"] * pairs["load"]))
    return m, pairs


@pytest.mark.parametrize("options", SOLVERS, ids=IDS)
def test_elastic_resolve_names_rule_place_and_amount(options):
    m, pairs = small_plan([10, 10], [8, 6, 9], penalty=None)  # 23 persons, 20 places
    result = solve_plan(m, dict, options, may_give=["capacity"])
    assert result.status == "infeasible"
    assert result.shortfall["amount"].sum() == pytest.approx(3)
    assert set(result.shortfall["constraint"]) == {"capacity"}
    assert result.binding.to_dict("records")[0]["total"] == pytest.approx(3)


def test_unmet_slack_reports_where_and_how_much():
    m, _ = small_plan([10, 10], [8, 6, 9], penalty=1000)
    result = solve_plan(m, dict, SolverOptions())
    assert result.status == "optimal"
    assert result.shortfall["amount"].sum() == pytest.approx(3)
    assert set(result.shortfall["constraint"]) == {"unmet demand"}


def test_worst_of_minimises_the_worst_shortage_share():
    # 12 places for two areas needing 10 and 20: min-max share unmet is equal: 18/30 = 0.6
    m = PlanModel("fair")
    need = pd.Series([10.0, 20.0], index=["a", "b"])
    given = pd.Series(m.variables("given", 2, 0), index=need.index)
    m.add_rules("places", {"all": b.rule(b.expression(given.to_numpy()), b.LE, 12)})
    share_unmet = {
        a: pulp.LpAffineExpression([(given[a], -1 / need[a])], constant=1.0) for a in need.index
    }
    worst = b.worst_of(m, share_unmet)
    m.add_term(b.expression([worst]))
    result = solve_plan(m, lambda: {"given": given.map(lambda v: v.varValue).to_frame("places")})
    assert result.objective == pytest.approx(0.6)
    assert result.plans["given"]["places"].tolist() == pytest.approx([4.0, 8.0])


def test_gap_between_areas_is_bounded():
    m = PlanModel("gap", sense="max")
    x = pd.Series(m.variables("x", 3, 0, 10), index=["a", "b", "c"])
    m.add_rules("cap", {"c": b.rule(b.expression([x["c"]]), b.LE, 2)})
    b.bound_gap_between(m, {k: b.expression([v]) for k, v in x.items()}, max_gap=3)
    m.add_term(b.expression(x.to_numpy()))
    result = solve_plan(m, dict)
    assert result.objective == pytest.approx(5 + 5 + 2)


def test_stability_limits_moves_from_todays_plan():
    # today everyone goes to c1; c2 is cheaper for everyone but only 5 persons may move
    m, pairs = small_plan([100, 100], [8, 6, 9], penalty=None)
    share = pd.Series(
        pairs["var"].to_numpy(), index=list(zip(pairs["demand_id"], pairs["site_id"], strict=True))
    )
    today = pd.Series(1.0, index=[(a, "c1") for a in ["a1", "a2", "a3"]])
    load = pd.Series(pairs["load"].to_numpy(), index=share.index)
    b.limit_changes(m, share, today, max_change=2 * 5, weights=load)  # a move counts twice
    result = solve_plan(m, lambda: {"moved": pairs.assign(x=[v.varValue for v in pairs["var"]])})
    plan = result.plans["moved"]
    moved = plan[(plan["site_id"] == "c2")].eval("x * load").sum()
    assert moved == pytest.approx(5)


def test_result_serialises_to_json(tmp_path):
    result = PlanResult(
        model="m",
        status="optimal",
        objective=1.5,
        best_bound=1.5,
        gap=0.0,
        plans={"open_sites": pd.DataFrame({"site_id": ["s1"], "weight": [np.float64(2.0)]})},
        params={"p": np.int64(3), "x": float("nan")},
    )
    text = result.to_json(tmp_path / "r.json")
    data = json.loads((tmp_path / "r.json").read_text())
    assert data == json.loads(text)
    assert data["plans"]["open_sites"] == [{"site_id": "s1", "weight": 2.0}]
    assert data["params"] == {"p": 3, "x": None}
    assert data["shortfall"] == []


def test_integer_variables_and_names_of_their_own():
    m = PlanModel("names")
    xs = m.variables("x", 3, 0, 5, integer=True)
    own = m.variables("sessions", 2, 0, integer=True, numbered_from=0)
    ys = m.variables("y", 2)
    assert [v.name for v in xs] == ["x_0", "x_1", "x_2"]
    assert [v.name for v in own] == ["sessions_0", "sessions_1"]
    assert [v.name for v in ys] == ["y_3", "y_4"]  # the model's count did not move for them
    assert {v.cat for v in xs + own} == {pulp.LpInteger} and ys[0].cat == pulp.LpContinuous
    assert xs[0].upBound == 5


def _multi_knapsack(n: int = 35, m: int = 5, seed: int = 0) -> pulp.LpProblem:
    rng = np.random.default_rng(seed)
    value, size = rng.integers(10, 100, n), rng.integers(5, 60, (m, n))
    prob = pulp.LpProblem("mkp", pulp.LpMaximize)
    x = [pulp.LpVariable(f"x{i:02d}", cat="Binary") for i in range(n)]
    prob += pulp.lpSum(int(v) * xi for v, xi in zip(value, x, strict=True))
    for k in range(m):
        prob += pulp.lpSum(int(a) * xi for a, xi in zip(size[k], x, strict=True)) <= int(
            size[k].sum() * 0.3
        )
    return prob


@pytest.mark.parametrize("name", ["highs", "cbc"])
def test_a_work_limit_gives_the_same_plan_twice_and_says_what_stopped(name):
    options = SolverOptions(name, node_limit=2, threads=1, seed=1)
    plans = []
    for _ in range(2):
        prob = _multi_knapsack()
        outcome = solve(prob, options)
        assert outcome.status == "stopped at work limit with best plan", outcome
        if outcome.best_bound is not None:  # (CBC does not log a bound when it stops on nodes)
            assert outcome.best_bound > outcome.objective
        plans.append({v.name: v.varValue for v in prob.variables()})
    assert plans[0] == plans[1]


def test_an_elastic_re_solve_takes_what_is_left_of_the_run(monkeypatch):
    from optimize import model as model_module
    from optimize.deadline import Deadline

    limits = []
    real_solve = model_module.solve

    def spy(problem, options=None, warm_start=False, deadline=None):
        limits.append(deadline.left())
        return real_solve(problem, options, warm_start, deadline)

    monkeypatch.setattr(model_module, "solve", spy)
    m = PlanModel("tight")
    (x,) = m.variables("x", 1, 0, 10)
    m.add_rules("at least", {"a": b.rule(b.expression([x]), b.GE, 20)})
    m.add_term(b.expression([x]))
    import time

    deadline = Deadline(time.perf_counter() + 30.0, 60.0)  # half the run is gone already
    result = solve_plan(m, dict, SolverOptions("highs", time_limit_s=60), deadline=deadline)
    assert result.status == "infeasible" and len(limits) == 3  # the solve, then two phases
    assert all(left <= 30.0 for left in limits)
