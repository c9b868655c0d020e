"""HiGHS in a child process: same answers as in-process, and it can be ended at its deadline."""

from __future__ import annotations

import time

import numpy as np
import pulp
import pytest

from optimize import solver as solver_module
from optimize.highs_child import GRACE_S, solve_in_child
from optimize.solver import SolverOptions, highs_available, solve

pytestmark = pytest.mark.skipif(not highs_available(), reason="highspy not installed")


def small_assignment() -> tuple[pulp.LpProblem, dict]:
    """3 sites, 6 areas: open 2 sites, assign each area to an open site (travel minutes)."""
    rng = np.random.default_rng(4)
    minutes = rng.uniform(1, 30, (6, 3))
    problem = pulp.LpProblem("p_median", pulp.LpMinimize)
    open_ = {j: pulp.LpVariable(f"open_{j}", cat=pulp.LpBinary) for j in range(3)}
    x = {(i, j): pulp.LpVariable(f"x_{i}_{j}", 0, 1) for i in range(6) for j in range(3)}
    problem += pulp.lpSum(minutes[i, j] * x[i, j] for i, j in x)
    problem += pulp.lpSum(open_.values()) == 2
    for i in range(6):
        problem += pulp.lpSum(x[i, j] for j in range(3)) == 1
        for j in range(3):
            problem += x[i, j] <= open_[j]
    return problem, x


def test_a_model_solved_in_a_child_process_gets_the_same_plan(monkeypatch):
    problem, x = small_assignment()
    here = solve(problem, SolverOptions("highs", time_limit_s=30))
    monkeypatch.setattr(solver_module, "CHILD_FROM_INTEGERS", 0)  # every MIP to a child
    problem, x = small_assignment()
    there = solve(problem, SolverOptions("highs", time_limit_s=30))
    assert there.status == "optimal"
    assert there.objective == pytest.approx(here.objective)
    assert any("child process" in m for m in there.messages)
    assert all(sum(x[i, j].varValue for j in range(3)) == pytest.approx(1) for i in range(6))


def hard_knapsacks(n: int = 120, m: int = 12, seed: int = 1) -> dict:
    """A multi-dimensional 0-1 knapsack as arrays (minimise -value): hard enough to run long."""
    rng = np.random.default_rng(seed)
    weights = rng.integers(50, 100, (m, n)).astype(float)
    value = weights.sum(axis=0) + rng.integers(0, 20, n)
    return {
        "lower": np.zeros(n), "upper": np.ones(n), "integer": np.arange(n, dtype=np.int32),
        "cost_index": np.arange(n, dtype=np.int32), "cost": -value,
        "row_lower": np.full(m, -np.inf), "row_upper": weights.sum(axis=1) / 2,
        "starts": np.arange(m, dtype=np.int32) * n,
        "index": np.tile(np.arange(n, dtype=np.int32), m), "value": weights.ravel(),
    }  # fmt: skip


def test_a_child_that_runs_past_its_deadline_is_ended_with_its_best_plan():
    started = time.perf_counter()
    # HiGHS itself is told 60 s; the deadline is 2 s away: the parent ends the child
    answer = solve_in_child(hard_knapsacks(), {"time_limit": 60.0}, started + 2.0)
    elapsed = time.perf_counter() - started
    assert answer.ended_at_deadline
    assert elapsed < 2.0 + GRACE_S + 2.0  # ended soon after the deadline, not after 60 s
    assert answer.values is not None and answer.objective is not None  # its best plan so far
    assert answer.bound is None or answer.bound <= answer.objective + 1e-6


def test_a_daemonic_process_solves_in_process(monkeypatch):
    """A Dask worker may not start processes: the big-model rule must not break a sweep."""
    import multiprocessing

    monkeypatch.setattr(solver_module, "CHILD_FROM_INTEGERS", 0)
    monkeypatch.setattr(multiprocessing.current_process(), "daemon", True, raising=False)
    problem, _ = small_assignment()
    outcome = solve(problem, SolverOptions("highs", time_limit_s=30))
    assert outcome.status == "optimal"
    assert not any("child process" in m for m in outcome.messages)
