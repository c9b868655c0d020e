"""p-median on OR-Library pmed1 (100 nodes, p=5): the published optimum is 5819."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.sparse.csgraph import shortest_path

from optimize.location import PMedian
from optimize.solver import SolverOptions

PMED1 = Path("/work/shared/data/orlib-pmed/pmed1.txt")


def read_orlib_pmed(path: Path) -> tuple[np.ndarray, int]:
    """All-pairs shortest-path costs and p; an edge listed twice keeps its LAST cost."""
    lines = path.read_text().split("\n")
    n, n_edges, p = map(int, lines[0].split())
    graph = np.full((n, n), np.inf)
    np.fill_diagonal(graph, 0.0)
    for line in lines[1 : 1 + n_edges]:
        i, j, cost = map(int, line.split())
        graph[i - 1, j - 1] = graph[j - 1, i - 1] = cost
    return shortest_path(graph, method="FW", directed=False), p


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
