"""A Lagrangian bound for the p-median, quick at any size (numpy, no LP).

Relax "every demand is served once" with a price λ_i per demand (Cornuéjols, Fisher &
Nemhauser 1977; Beasley 1985). For any λ,

    L(λ) = sum_i λ_i + min_{|S| = p, S ⊇ fixed} sum_{j in S} ρ_j,
    ρ_j  = sum_i min(0, w_i c_ij - λ_i)     (what site j would save at these prices),

is a lower bound on every plan's cost, and max_λ L(λ) equals the LP bound. The prices are
improved by the volume algorithm (Barahona & Anbil 2000): subgradient steps along an average
of past directions, which also yields an average of the subproblems' site choices -- a
fractional plan ȳ much like the LP's, whose sites seed good plans. The best L(λ) seen is the
bound, valid whenever the search stops.

The bound's prices also close sites for good: a site outside the subproblem's choice whose
forced opening would lift L past the target is in no better plan, and one inside it whose
forced closing would is in every better plan.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass
class LagrangeBound:
    """The best bound found, its prices, the site values ρ there, the averaged site choice,
    the iterations used, and the cheapest subproblem choice seen as a plan with its cost."""

    value: float
    prices: np.ndarray
    rho: np.ndarray
    chosen: np.ndarray
    y_average: np.ndarray
    iterations: int
    plan: np.ndarray | None = None
    plan_cost: float = np.inf


def _choose(rho: np.ndarray, p: int, fixed: np.ndarray) -> np.ndarray:
    """The fixed sites plus the p - |fixed| others with the least ρ."""
    free = np.ones(len(rho), dtype=bool)
    free[fixed] = False
    k = p - len(fixed)
    if k <= 0:
        return fixed.copy()
    others = np.flatnonzero(free)
    pick = others[np.argpartition(rho[others], k - 1)[:k]] if k < len(others) else others
    return np.concatenate([fixed, pick])


def lagrange_bound(
    weighted_cost: np.ndarray,
    order: np.ndarray,
    p: int,
    fixed: Sequence[int] = (),
    upper: float | None = None,
    start_prices: np.ndarray | None = None,
    iterations: int = 300,
    deadline: float | None = None,
) -> LagrangeBound:
    """Maximise L(λ) approximately; ``upper`` (a plan's cost) scales the steps.

    order: each demand's sites by cost (``SortedCosts.order``): only the sites cheaper than a
    demand's price count towards ρ, a short prefix of its order."""
    wc = weighted_cost
    n, m = wc.shape
    ranked = np.take_along_axis(wc, order, axis=1)
    fixed = np.asarray(list(fixed), dtype=np.int64)
    prices = ranked[:, min(1, m - 1)].copy() if start_prices is None else start_prices.copy()
    width = [min(m, 8)]

    def evaluate(lam: np.ndarray):
        # the prefix of each demand's order cheaper than its price: widen until it fits
        while width[0] < m and (ranked[:, width[0] - 1] < lam).any():
            width[0] = min(m, 2 * width[0])
        slab = ranked[:, : width[0]] - lam[:, None]
        hit = slab < 0
        rho = np.bincount(order[:, : width[0]][hit], weights=slab[hit], minlength=m)
        chosen = _choose(rho, p, fixed)
        value = float(lam.sum() + rho[chosen].sum())
        served = (wc[:, chosen] < lam[:, None]).sum(axis=1)
        return value, rho, chosen, served

    value, rho, chosen, served = evaluate(prices)
    best = LagrangeBound(value, prices.copy(), rho, chosen, np.zeros(m), 0)
    plan, plan_cost = chosen, float(wc[:, chosen].min(axis=1).sum())
    centre, centre_value = prices.copy(), value
    served_avg = served.astype(float)
    y_avg = np.zeros(m)
    y_avg[chosen] = 1.0
    step_factor, alpha = 0.1, 0.1
    target = upper if upper is not None else value * 1.05 + 1.0
    stalled = 0
    for it in range(1, iterations + 1):
        if deadline is not None and time.perf_counter() > deadline:
            break
        direction = 1.0 - served_avg
        norm = float(direction @ direction)
        if norm < 1e-12:
            break
        step = step_factor * max(target - centre_value, 1e-9 * abs(target)) / norm
        trial = centre + step * direction
        value, rho, chosen, served = evaluate(trial)
        cost = float(wc[:, chosen].min(axis=1).sum())  # the choice as a plan
        if cost < plan_cost:
            plan, plan_cost = chosen, cost
        served_avg = alpha * served + (1 - alpha) * served_avg
        y_now = np.zeros(m)
        y_now[chosen] = 1.0
        y_avg = alpha * y_now + (1 - alpha) * y_avg
        if value > centre_value:
            # a better centre; lengthen the steps if the new direction still points uphill
            agree = float((1.0 - served) @ direction)
            if agree >= 0:
                step_factor = min(step_factor * 1.1, 2.0)
            centre, centre_value = trial, value
            stalled = 0
        else:
            stalled += 1
            if stalled >= 10:
                step_factor *= 0.66
                stalled = 0
        if value > best.value:
            best = LagrangeBound(value, trial.copy(), rho, chosen, y_avg.copy(), it)
        if plan_cost < target:
            target = plan_cost
        if upper is not None and best.value >= upper:
            break
        if step_factor < 1e-5:
            break
    best.y_average = y_avg
    best.iterations = it if iterations else 0
    best.plan, best.plan_cost = np.sort(plan), plan_cost
    return best


def lagrange_fixing(
    bound: LagrangeBound, p: int, fixed: Sequence[int], target: float
) -> tuple[np.ndarray, np.ndarray]:
    """(closed, kept): sites in no plan cheaper than ``target`` / in every such plan, by the
    change in L(λ) when the site is forced in or out of the subproblem's choice."""
    rho, chosen = bound.rho, bound.chosen
    m = len(rho)
    fixed = np.asarray(list(fixed), dtype=np.int64)
    inside = np.zeros(m, dtype=bool)
    inside[chosen] = True
    free_in = inside.copy()
    free_in[fixed] = False
    closed = np.zeros(m, dtype=bool)
    kept = np.zeros(m, dtype=bool)
    if not free_in.any():
        return closed, kept
    # forcing site j in pushes out the worst free chosen site
    worst_in = float(rho[free_in].max())
    closed = ~inside & (bound.value + rho - worst_in >= target)
    # forcing a chosen site out lets in the best site left outside
    outside = ~inside
    if outside.any():
        best_out = float(rho[outside].min())
        kept = free_in & (bound.value - rho + best_out >= target)
    return closed, kept
