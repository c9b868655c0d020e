"""HiGHS solves whatever thread counts earlier solves in the same process asked for."""

from __future__ import annotations

import pulp
import pytest

from optimize.solver import SolverOptions, highs_available, solve

pytestmark = pytest.mark.skipif(not highs_available(), reason="highspy is not installed")


def _knapsack() -> pulp.LpProblem:
    problem = pulp.LpProblem("knapsack", pulp.LpMaximize)
    x = [pulp.LpVariable(f"x{i}", cat="Binary") for i in range(6)]
    problem += pulp.lpSum((i + 3) * v for i, v in enumerate(x))
    problem += pulp.lpSum((i + 2) * v for i, v in enumerate(x)) <= 11
    return problem


@pytest.mark.parametrize("threads", [[1, 2, 1], [None, 2, None, 1]])
def test_changing_thread_counts_still_solves(threads):
    for n in threads:
        outcome = solve(_knapsack(), SolverOptions("highs", threads=n))
        assert outcome.status == "optimal", (n, outcome)
        assert outcome.objective == pytest.approx(14)
