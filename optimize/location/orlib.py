"""OR-Library p-median instances (Beasley 1990): the standard test set with published optima.

A file ``pmedN.txt`` holds "nodes edges p", then one "i j cost" line per edge of an undirected
graph; demands and candidate sites are the nodes, costs the shortest-path lengths. As in
Beasley's own code, an edge listed twice keeps its LAST cost.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def read_orlib_pmed(path: Path | str) -> tuple[np.ndarray, int]:
    """(all-pairs shortest-path cost matrix, p) of one OR-Library p-median file."""
    from scipy.sparse.csgraph import shortest_path

    lines = Path(path).read_text().split("\n")
    n, n_edges, p = map(int, lines[0].split())
    graph = np.full((n, n), np.inf)
    np.fill_diagonal(graph, 0.0)
    for line in lines[1 : 1 + n_edges]:
        i, j, cost = map(int, line.split())
        graph[i - 1, j - 1] = graph[j - 1, i - 1] = cost
    return shortest_path(graph, method="D", directed=False), p


def read_orlib_optima(path: Path | str) -> dict[str, float]:
    """Published optima from ``pmedopt.txt``: instance name ("pmed1") -> optimal total cost."""
    optima = {}
    for line in Path(path).read_text().splitlines()[1:]:
        parts = line.split()
        if len(parts) == 2:
            optima[parts[0]] = float(parts[1])
    return optima
