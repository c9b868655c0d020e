"""p-median by Benders cuts on the nearest-open-site cost: fast at 10,000 x 500 and beyond.

For open sites y, demand i costs D* where D* is the cost of the first site, in i's order of
cost, at which the open sites add up to 1. For any y that cost is at least

    theta_i >= D* - sum_{j: c_ij < D*} (D* - c_ij) y_j           (a valid "radius" cut),

so the master problem -- min sum_i w_i theta_i, sum_j y_j = p, plus cuts -- is a relaxation
whose optimum is a valid lower bound. Cuts are added first at fractional y (the LP, which is as
tight as the classic formulation) and then at each integer plan; every plan is evaluated on
the full costs. It stops when the best plan is within ``gap_rel`` of the bound. The master is
kept in one highspy model so that each round re-solves from the last basis.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from optimize.location.heuristic import good_open_sites

#: A cut must beat the current theta by this share of its right side to be added.
CUT_TOLERANCE = 1e-7


@dataclass
class BendersOutcome:
    """Best open sites found, their true total cost, the proven lower bound, and the rounds."""

    open_sites: np.ndarray
    objective: float
    bound: float
    status: str  # "optimal" | "feasible within gap" | "stopped at time limit with best plan"
    seconds: float
    messages: list[str] = field(default_factory=list)


def plan_cost(weighted_sorted: np.ndarray, order: np.ndarray, open_mask: np.ndarray) -> float:
    """Total weighted cost of sending every demand to its nearest open site."""
    first = np.argmax(open_mask[order], axis=1)
    return float(weighted_sorted[np.arange(len(order)), first].sum())


def solve_p_median_benders(
    cost: np.ndarray,
    weights: np.ndarray,
    p: int,
    fixed: Sequence[int] = (),
    start: Sequence[int] | None = None,
    gap_rel: float | None = None,
    time_limit_s: float | None = None,
    threads: int | None = None,
    seed: int | None = None,
) -> BendersOutcome:
    """Solve the p-median on a dense, finite cost matrix (demands x sites) with HiGHS."""
    import highspy

    from optimize.solver import quiet_highs_banner

    quiet_highs_banner()
    t0 = time.perf_counter()
    gap_target = 1e-4 if gap_rel is None else gap_rel
    keep = weights > 0
    cost, weights = cost[keep], weights[keep]
    n, m = cost.shape
    order = np.argsort(cost, axis=1, kind="stable").astype(np.int32)
    sorted_cost = np.take_along_axis(cost, order, axis=1)
    weighted_sorted = sorted_cost * weights[:, None]
    rows = np.arange(n)
    weighted_cost = cost * weights[:, None]

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    if threads is not None:
        h.setOptionValue("threads", int(threads))
    if seed is not None:
        h.setOptionValue("random_seed", int(seed))
    lower = np.zeros(m)
    lower[list(fixed)] = 1.0
    # y_j: share open (0..1; integer in the MIP phase); theta_i: cost of demand i
    h.addCols(
        m,
        np.zeros(m),
        lower,
        np.ones(m),
        0,
        np.array([], np.int32),
        np.array([], np.int32),
        np.array([], np.float64),
    )
    h.addCols(
        n,
        weights.astype(float),
        sorted_cost[:, 0].copy(),
        np.full(n, highspy.kHighsInf),
        0,
        np.array([], np.int32),
        np.array([], np.int32),
        np.array([], np.float64),
    )
    # exactly p sites open
    h.addRows(
        1,
        np.array([float(p)]),
        np.array([float(p)]),
        m,
        np.array([0], np.int32),
        np.arange(m, dtype=np.int32),
        np.ones(m),
    )
    messages: list[str] = []
    n_cuts = 0

    def add_cuts(y: np.ndarray, theta: np.ndarray | None) -> int:
        """Add the radius cut of every demand that the point (y, theta) violates."""
        nonlocal n_cuts
        ys = y[order]
        k = np.argmax(np.cumsum(ys, axis=1) >= 1 - 1e-9, axis=1)
        d_star = sorted_cost[rows, k]
        before = (np.arange(m)[None, :] < k[:, None]) & (sorted_cost < d_star[:, None])
        slope = np.where(before, d_star[:, None] - sorted_cost, 0.0)
        rhs = d_star - (slope * ys).sum(axis=1)
        if theta is None:
            hit = np.ones(n, dtype=bool)
        else:
            hit = theta < rhs - CUT_TOLERANCE * np.maximum(1.0, np.abs(rhs))
        idx = np.flatnonzero(hit)
        if len(idx) == 0:
            return 0
        sub = before[idx]
        counts = sub.sum(axis=1) + 1
        r, c = np.nonzero(sub)
        cols = np.empty(counts.sum(), dtype=np.int32)
        vals = np.empty(counts.sum())
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int32)
        # each row: theta_i first, then its y_j with coefficient D* - c_ij
        cols[starts] = (m + idx).astype(np.int32)
        vals[starts] = 1.0
        offset = np.arange(len(r)) - np.repeat(
            np.cumsum(np.r_[0, sub.sum(axis=1)[:-1]]), sub.sum(axis=1)
        )
        pos = starts[r] + 1 + offset
        cols[pos] = order[idx[r], c]
        vals[pos] = slope[idx[r], c]
        h.addRows(
            len(idx),
            d_star[idx],
            np.full(len(idx), highspy.kHighsInf),
            len(cols),
            starts,
            cols,
            vals,
        )
        n_cuts += len(idx)
        return len(idx)

    best_open = None
    best = np.inf
    if start is not None:
        mask = np.zeros(m, dtype=bool)
        mask[list(start)] = True
        best_open, best = mask, plan_cost(weighted_sorted, order, mask)
        add_cuts(mask.astype(float), None)
    add_cuts(np.full(m, p / m), None)

    def left() -> float | None:
        return None if time_limit_s is None else time_limit_s - (time.perf_counter() - t0)

    def run() -> bool:
        remaining = left()
        if remaining is not None:
            if remaining <= 0:
                return False
            # HiGHS's clock runs on across run() calls on one model: limit = used so far + left
            h.setOptionValue("time_limit", float(h.getRunTime() + remaining))
        h.run()
        status = h.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            messages.append(f"HiGHS master: {h.modelStatusToString(status)}")
        return status == highspy.HighsModelStatus.kOptimal

    # phase 1: the LP master, cut until no demand's cut is violated
    lp_rounds = 0
    timed_out = False
    bound = -np.inf  # every optimal LP master's value is a valid bound: cuts only tighten it
    while True:
        if not run():
            timed_out = True
            break
        lp_rounds += 1
        bound = h.getInfo().objective_function_value
        x = np.asarray(h.getSolution().col_value)
        if add_cuts(x[:m], x[m:]) == 0:
            break
    messages.append(
        f"LP master: {lp_rounds} rounds, bound {bound:,.6g}, {time.perf_counter() - t0:.1f}s"
    )

    if not timed_out:
        # a second plan from the LP: its most open sites, improved by swaps
        y_lp = np.asarray(h.getSolution().col_value)[:m]
        guided = good_open_sites(weighted_cost, p, fixed, initial=np.argsort(-y_lp)[:p])
        mask = np.zeros(m, dtype=bool)
        mask[guided] = True
        value = plan_cost(weighted_sorted, order, mask)
        if value < best:
            best, best_open = value, mask
            messages.append("the LP-guided plan beat the greedy one")

    if not timed_out and np.isfinite(best):
        # reduced-cost fixing: a site whose opening (closing) alone would lift the LP bound
        # above the best plan's cost is in no better plan -- keep it closed (open)
        solution = h.getSolution()
        y, reduced = np.asarray(solution.col_value)[:m], np.asarray(solution.col_dual)[:m]
        margin = best + 1e-9 * abs(best)
        close = np.flatnonzero((y < 1e-9) & (bound + reduced > margin) & (lower < 1))
        keep = np.flatnonzero((y > 1 - 1e-9) & (bound - reduced > margin))
        for idx, lo, up in ((close, 0.0, 0.0), (keep, 1.0, 1.0)):
            if len(idx):
                h.changeColsBounds(
                    len(idx), idx.astype(np.int32), np.full(len(idx), lo), np.full(len(idx), up)
                )
        messages.append(f"reduced costs closed {len(close)} and kept {len(keep)} of {m} sites")

    # phase 2: integer sites; cut at each plan until the best plan is within the gap
    h.changeColsIntegrality(m, np.arange(m, dtype=np.int32), np.ones(m, dtype=np.uint8))
    h.setOptionValue("mip_rel_gap", gap_target / 2)
    mip_rounds = 0
    while not timed_out and (best_open is None or best - bound > gap_target * abs(best)):
        if np.isfinite(best):  # only plans better than the best one by the gap matter
            h.setOptionValue("objective_bound", float(best * (1 - gap_target)))
        finished = run()
        info = h.getInfo()
        status = h.getModelStatus()
        if info.primal_solution_status != 2 and status in (
            highspy.HighsModelStatus.kInfeasible,
            highspy.HighsModelStatus.kObjectiveBound,
        ):
            bound = max(bound, best * (1 - gap_target))  # none beats it by the gap
            break
        if np.isfinite(info.mip_dual_bound):
            bound = max(bound, info.mip_dual_bound) if finished else bound
        if info.primal_solution_status != 2:
            timed_out = True
            break
        mip_rounds += 1
        x = np.asarray(h.getSolution().col_value)
        mask = x[:m] > 0.5
        value = plan_cost(weighted_sorted, order, mask)
        if value < best:
            best, best_open = value, mask
        if not finished:
            timed_out = True
            break
        if add_cuts(mask.astype(float), x[m:]) == 0:
            bound = max(bound, value)  # the master's plan costs what the master says: optimal
    messages.append(f"MIP master: {mip_rounds} rounds, {n_cuts} cuts in all")
    if best_open is None:
        best_open = np.zeros(m, dtype=bool)
    bound = min(bound, best)
    gap = (best - bound) / max(abs(best), 1e-9)
    if timed_out:
        status = "stopped at time limit with best plan"
    elif gap <= 1e-6:
        status = "optimal"
    else:
        status = "feasible within gap"
    return BendersOutcome(
        np.flatnonzero(best_open), best, bound, status, time.perf_counter() - t0, messages
    )
