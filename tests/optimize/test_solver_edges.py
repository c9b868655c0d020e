"""The solver layer in awkward spots: thread counts that change, objectives with a constant."""

from __future__ import annotations

import pandas as pd
import pulp
import pytest

from optimize.solver import SolverOptions, highs_available, solve


def _knapsack() -> pulp.LpProblem:
    problem = pulp.LpProblem("knapsack", pulp.LpMaximize)
    x = [pulp.LpVariable(f"x{i}", cat="Binary") for i in range(6)]
    problem += pulp.lpSum((i + 3) * v for i, v in enumerate(x))
    problem += pulp.lpSum((i + 2) * v for i, v in enumerate(x)) <= 11
    return problem


@pytest.mark.skipif(not highs_available(), reason="highspy is not installed")
@pytest.mark.parametrize("threads", [[1, 2, 1], [None, 2, None, 1]])
def test_changing_thread_counts_still_solves(threads):
    for n in threads:
        outcome = solve(_knapsack(), SolverOptions("highs", threads=n))
        assert outcome.status == "optimal", (n, outcome)
        assert outcome.objective == pytest.approx(14)


def _covering(constant: float) -> pulp.LpProblem:
    import numpy as np

    rng = np.random.default_rng(1)
    problem = pulp.LpProblem("cover", pulp.LpMinimize)
    x = [pulp.LpVariable(f"x{i}", cat="Binary") for i in range(60)]
    cost, size = rng.integers(10, 60, 60), rng.integers(10, 60, 60)
    problem += pulp.lpSum(int(c) * v for c, v in zip(cost, x, strict=True)) + constant
    problem += pulp.lpSum(int(s) * v for s, v in zip(size, x, strict=True)) >= 700
    return problem


def test_cbc_bound_and_gap_include_the_objective_constant():
    plain = solve(_covering(0), SolverOptions("cbc", gap_rel=0.05, time_limit_s=20))
    shifted = solve(_covering(1000), SolverOptions("cbc", gap_rel=0.05, time_limit_s=20))
    assert shifted.best_bound <= shifted.objective + 1e-6
    assert shifted.best_bound == pytest.approx(plain.best_bound + 1000, abs=60)
    assert shifted.gap < 0.05


def test_results_with_dates_and_shapes_serialise_to_json():
    import json

    import shapely

    from optimize.result import PlanResult

    plan = pd.DataFrame({"month": pd.date_range("2026-01-01", periods=2, freq="MS"),
                         "area": [shapely.box(0, 0, 1, 1), None], "n": [1, 2]})  # fmt: skip
    text = PlanResult("m", "optimal", 1.0, 1.0, 0.0, plans={"p": plan}).to_json()
    rows = json.loads(text)["plans"]["p"]
    assert rows[0]["month"].startswith("2026-01-01") and rows[0]["area"].startswith("POLYGON")


def test_one_deadline_keeps_several_solves_within_one_limit():
    import time

    from optimize.deadline import Deadline

    later = Deadline(time.perf_counter() + 20.0, 120.0)  # 100 s of the 120 s already spent
    assert 19.0 <= later.left() <= 20.0
    spent = Deadline(time.perf_counter() - 380.0, 120.0)
    assert spent.left() == 1.0  # the last solve still gets a moment to report its plan
    assert Deadline.after(None).left() is None


def test_cbc_time_limit_counts_from_the_start_of_the_solve_call():
    # PuLP writes the MPS file before CBC starts its clock; the limit CBC is given is what is left
    from optimize.deadline import Deadline
    from optimize.solver import _CbcWithDeadline

    solver = _CbcWithDeadline(msg=False, timeLimit=10.0)
    assert 9.0 < solver.timeLimit <= 10.0
    solver.deadline = Deadline(solver.deadline.at - 30.0, 10.0)  # as if writing took 30 s
    assert solver.timeLimit == 1.0
    assert _CbcWithDeadline(msg=False).timeLimit is None
    x = pulp.LpVariable("x", 0, 3, pulp.LpInteger)
    problem = pulp.LpProblem("tiny", pulp.LpMaximize)
    problem += x
    outcome = solve(problem, SolverOptions("cbc", time_limit_s=30.0))
    assert outcome.status == "optimal" and outcome.objective == 3


def test_variable_list_is_gathered_again_when_the_model_grows():
    from optimize.solver import problem_variables

    x, y, z = (pulp.LpVariable(n, 0) for n in "xyz")
    problem = pulp.LpProblem("grow", pulp.LpMinimize)
    problem += x + y
    problem += x + y >= 1
    first = problem_variables(problem)
    assert [v.name for v in first] == ["x", "y"]
    assert problem_variables(problem) is first  # same size: the remembered list
    problem += y + z >= 2  # a new row with a new variable
    assert [v.name for v in problem_variables(problem)] == ["x", "y", "z"]


def test_a_solve_that_runs_well_past_its_limit_says_so():
    from optimize.solver import overrun_note

    assert overrun_note("highs", 121.0, 120.0) is None  # reading the plan back: not worth a word
    assert overrun_note("cbc", 500.0, None) is None  # no limit asked for
    note = overrun_note("highs", 235.0, 120.0)
    assert note is not None and "115 s past its 120 s time limit" in note
    from optimize.result import PlanResult

    result = PlanResult(model="m", status="stopped at time limit with best plan", messages=[note])
    assert note in result.summary()
