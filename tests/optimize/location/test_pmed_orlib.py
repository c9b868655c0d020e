"""p-median on OR-Library pmed1 (100 nodes, p=5): the published optimum is 5819."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimize.location import PMedian
from optimize.location.orlib import read_orlib_pmed
from optimize.solver import SolverOptions

PMED1 = Path("/work/shared/data/orlib-pmed/pmed1.txt")


@pytest.mark.skipif(not PMED1.exists(), reason="OR-Library data not present")
@pytest.mark.parametrize(
    "solver,k,method",
    [("cbc", None, "compact"), ("highs", 10, "compact"), ("highs", None, "radius")],
)
def test_pmed1_optimum_is_5819(solver, k, method):
    cost, p = read_orlib_pmed(PMED1)
    model = PMedian.from_cost_matrix(cost, None, p=p, k_nearest=k, method=method)
    result = model.solve(SolverOptions(solver))
    assert result.status == "optimal"
    assert result.objective == pytest.approx(5819)
    assert result.best_bound == pytest.approx(5819)
    assert len(result.plans["open_sites"]) == 5
