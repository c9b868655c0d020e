"""p-median on OR-Library pmed1-3 (100 nodes, p=5 and 10): the published optima."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimize.location import PMedian
from optimize.location.orlib import read_orlib_optima, read_orlib_pmed
from optimize.solver import SolverOptions

ORLIB = Path("/work/shared/data/orlib-pmed")
PMED1 = ORLIB / "pmed1.txt"


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


@pytest.mark.skipif(not PMED1.exists(), reason="OR-Library data not present")
@pytest.mark.parametrize("name", ["pmed2", "pmed3"])
def test_radius_tree_proves_the_published_optimum(name):
    """pmed2 and pmed3 need the branch and bound (the LP bound is below the optimum), and it
    branches on a demand's nearest sites there."""
    cost, p = read_orlib_pmed(ORLIB / f"{name}.txt")
    optimum = read_orlib_optima(ORLIB / "pmedopt.txt")[name]
    model = PMedian.from_cost_matrix(cost, None, p=p, method="radius")
    result = model.solve(SolverOptions("highs"))
    assert result.status == "optimal"
    assert result.objective == pytest.approx(optimum)
    assert result.best_bound == pytest.approx(optimum)
    tree = next(m for m in result.messages if m.startswith("branch and bound"))
    assert "(0 split" not in tree
