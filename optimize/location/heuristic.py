"""A quick good plan for p-median, to warm-start the solver: greedy adding, then swaps.

Works on a dense demand x site matrix of weighted costs (missing pairs = a large cost); numpy
only, a second or two at 10,000 x 500. Fixed-open sites are kept in.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def good_open_sites(
    weighted_cost: np.ndarray,
    p: int,
    fixed: Sequence[int] = (),
    swap_rounds: int = 3,
    initial: Sequence[int] = (),
) -> np.ndarray:
    """Indices of p sites: greedy (each time the site that lowers the total most), then swaps
    of one open site for one closed site while that lowers the total (first improvement per
    open site, ``swap_rounds`` passes). ``initial`` sites (after the fixed ones) seed the
    greedy, e.g. the sites most open in an LP solution."""
    wc = weighted_cost
    n, m = wc.shape
    chosen = list(dict.fromkeys([int(j) for j in fixed] + [int(j) for j in initial]))[:p]
    best = wc[:, chosen].min(axis=1) if chosen else np.full(n, np.inf)
    while len(chosen) < p:
        totals = np.minimum(best[:, None], wc).sum(axis=0)
        totals[chosen] = np.inf
        j = int(np.argmin(totals))
        chosen.append(j)
        best = np.minimum(best, wc[:, j])
    open_ = np.array(chosen)
    fixed_set = {int(j) for j in fixed}
    for _ in range(swap_rounds):
        improved = False
        for pos in range(p):
            if int(open_[pos]) in fixed_set:
                continue
            others = np.delete(open_, pos)
            without = wc[:, others].min(axis=1) if len(others) else np.full(n, np.inf)
            totals = np.minimum(without[:, None], wc).sum(axis=0)
            totals[others] = np.inf
            j = int(np.argmin(totals))
            current = np.minimum(without, wc[:, open_[pos]]).sum()
            if totals[j] < current * (1 - 1e-12):
                open_[pos] = j
                improved = True
        if not improved:
            break
    return np.sort(open_)


def assign_within_capacity(
    cost: np.ndarray, weights: np.ndarray, capacity: np.ndarray, shift_rounds: int = 3
) -> np.ndarray | None:
    """Single-source assignment of demands (rows) to open sites (columns) within capacity.

    Demands with the most to lose (largest regret: second-cheapest minus cheapest cost) choose
    first, each taking its cheapest site with room; then demands shift to a cheaper site with
    room while that helps. Returns the site column per demand, or None if one does not fit.
    """
    n, q = cost.shape
    if q > 1:
        two = np.partition(cost, 1, axis=1)[:, :2]
        regret = np.nan_to_num(two[:, 1] - two[:, 0], nan=0.0, posinf=1e300)
    else:
        regret = np.zeros(n)
    order = np.lexsort((-weights, -regret))
    left = capacity.astype(float).copy()
    choice = np.full(n, -1)
    for i in order:
        room = np.where(left >= weights[i] - 1e-9, cost[i], np.inf)
        j = int(np.argmin(room))
        if not np.isfinite(room[j]):
            return None
        choice[i] = j
        left[j] -= weights[i]
    for _ in range(shift_rounds):
        moved = False
        for i in range(n):
            here = choice[i]
            room = np.where(left >= weights[i] - 1e-9, cost[i], np.inf)
            j = int(np.argmin(room))
            if room[j] < cost[i, here] - 1e-12:
                left[here] += weights[i]
                left[j] -= weights[i]
                choice[i] = j
                moved = True
        if not moved:
            break
    return choice
