"""p-median by its radius (covering) formulation: the exact method for large instances.

Sort each demand i's costs: D_i^1 < D_i^2 < ... its distinct costs to the sites, Δ_i^k =
D_i^(k+1) - D_i^k, and N_i^k the sites at cost <= D_i^k. With z_i^k = 1 when no open site lies
within D_i^k, the p-median is (Elloumi 2010; García, Labbé & Marín 2011)

    min  sum_i w_i (D_i^1 + sum_k Δ_i^k z_i^k)
    s.t. z_i^k + sum_{j in N_i^k} y_j >= 1     every demand i and level k
         sum_j y_j = p,  y_j in {0, 1},  z_i^k >= 0,  y_j = 1 for fixed-open sites.

Its LP relaxation is as tight as the classic one. The z are projected out (Benders; Duran-
Mateluna, Ales & Elloumi 2023): with θ_i the cost of demand i, summing the covering rows below
any level D gives the cut

    θ_i >= D - sum_{j: c_ij < D} (D - c_ij) y_j,

so the master -- min sum_i w_i θ_i, sum_j y_j = p, and cuts -- has one column per site and per
demand whatever the number of levels. The method:

1. **A good plan** from greedy adding and vertex substitution (``heuristic.py``): the upper
   bound UB; the target is a plan cheaper than UB (or than UB (1 - gap)).
2. **The LP bound.** Cuts are added at each LP point until none is violated.
3. **Reduced-cost fixing.** A site whose opening alone (by its reduced cost) would lift the LP
   bound past the target is in no better plan: it is closed for good (and one whose closing
   would, kept). The master is then rebuilt over the sites left, each demand's cost ladder
   only over those sites (fewer, shorter cuts).
4. **Branch and bound**, depth first: at each node the LP master with the node's site bounds
   and covering rows (at most two rounds of cuts, then it branches on the point it has;
   a plan is always cut until exact), pruned when its bound reaches the target, sites
   fixed there by reduced costs, then branched on a level of the radius formulation: for the
   demand i and level D whose open share s = sum_{c_ij <= D} y_j (= 1 - z_i^k) is fractional
   and maximises min(s, 1 - s) w_i sqrt(Δ_i^k), one child closes every site within D
   (z_i^k = 1: site bounds) and the other opens one of them (z_i^k = 0: the row
   sum_{c_ij <= D} y_j >= 1, explored first). Only when every level is whole (y may still be
   fractional) does it branch on the most fractional site. Branching on single sites was
   lopsided: closing one site of a fractional LP point left the bound where it was (the LP
   moves its share to a neighbour), so each site was in effect tried open one by one (pmed36:
   331 nodes; 109 with these splits, 89 with two rounds of cuts a node). An integral node
   is a plan, evaluated on the full costs. The master's basis and cuts are kept from node to
   node, so each node re-solves in a few dual simplex steps.

Every plan is evaluated on the full costs. With whole costs and weights the optimum is whole,
so the bound is rounded up to the next whole number. When time runs out the bound is the least
bound of the nodes still open.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from optimize.deadline import NO_DEADLINE, Deadline
from optimize.location.heuristic import good_open_sites, vertex_substitution
from optimize.location.lagrange import lagrange_bound, lagrange_fixing
from optimize.location.outcome import SearchOutcome
from optimize.solver import OPTIMAL_GAP

#: A cut must beat the current θ by this share of its right side to be added.
CUT_TOLERANCE = 1e-7
#: Nodes at most for the search over the sites the LP opens (a source of good plans), and
#: the share of the time left it may take.
SUPPORT_NODES = 25
SUPPORT_TIME_SHARE = 0.2
#: From this many demand-site pairs the Lagrangian bound comes first (the LP gets slow); its
#: iterations at most and the share of the time left it may take. Sites the volume
#: algorithm chooses at least SUPPORT_SHARE of the time seed a plan.
LAGRANGE_FROM = 2_000_000
LAGRANGE_ITERATIONS = 600
LAGRANGE_TIME_SHARE = 0.4
SUPPORT_SHARE = 0.01
#: y below this (above 1 minus this) counts as 0 (1).
INTEGRAL = 1e-6
#: LP solves per tree node before it branches on the LP point it has, cut or not (a valid
#: bound: fewer cuts, a relaxation). Cutting to the end took 3.7 solves a node on pmed36; 2
#: gave 89 nodes and 52,000 simplex iterations against 109 and 70,000 (3: 101, 61,000).
NODE_CUT_ROUNDS = 2
#: A demand's open share within a level counts as fractional between this and 1 minus it.
FRACTIONAL = 1e-3
#: Branch on a demand's nearest sites (all closed | one open) where a level is fractional;
#: False: on single sites only (the method before; kept for tests and comparison).
BRANCH_ON_COVER = True


@dataclass
class SortedCosts:
    """Each demand's sites in order of cost: ``order[i, r]`` is the site at rank r (an index
    into ``sites``) and ``cost[i, r]`` its cost; ``weights`` per demand (all > 0)."""

    order: np.ndarray
    cost: np.ndarray
    weights: np.ndarray
    sites: np.ndarray  # the sites' indices in the full cost matrix

    @classmethod
    def of(cls, cost: np.ndarray, weights: np.ndarray) -> SortedCosts:
        order = np.argsort(cost, axis=1, kind="stable").astype(np.int32)
        sorted_cost = np.take_along_axis(cost, order, axis=1)
        return cls(order, sorted_cost, weights, np.arange(cost.shape[1]))

    def only(self, usable: np.ndarray) -> SortedCosts:
        """The same demands over the usable sites alone (renumbered 0 .. m' - 1)."""
        local = np.cumsum(usable) - 1
        keep = usable[self.order]
        m_left = int(usable.sum())
        order = local[self.order[keep].reshape(len(self.order), m_left)].astype(np.int32)
        cost = self.cost[keep].reshape(len(self.order), m_left)
        return SortedCosts(order, cost, self.weights, self.sites[usable])

    @cached_property
    def rank(self) -> np.ndarray:
        """``rank[i, j]``: the rank of site j in demand i's order (the inverse of ``order``)."""
        rank = np.empty_like(self.order)
        ranks = np.broadcast_to(np.arange(self.order.shape[1], dtype=np.int32), self.order.shape)
        np.put_along_axis(rank, self.order, ranks, axis=1)
        return rank

    def plan_cost(self, open_mask: np.ndarray) -> float:
        """Total weighted cost of sending every demand to its nearest open site."""
        first = np.argmax(open_mask[self.order], axis=1)
        return float((self.cost[np.arange(len(self.order)), first] * self.weights).sum())


class CutMaster:
    """The Benders master in one highspy model: min sum_i w_i θ_i, sum_j y_j = p, and cuts.

    The y are continuous; branch and bound changes their bounds and re-solves."""

    def __init__(
        self, sc: SortedCosts, p: int, lower: np.ndarray, threads: int | None, seed: int | None
    ) -> None:
        import highspy

        from optimize.solver import quiet_highs_banner

        quiet_highs_banner()
        self.sc, self.p = sc, p
        n, m = sc.cost.shape
        self.n, self.m = n, m
        h = self.h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        if threads is not None:
            h.setOptionValue("threads", int(threads))
        if seed is not None:
            h.setOptionValue("random_seed", int(seed))
        none = (np.array([], np.int32), np.array([], np.int32), np.array([], np.float64))
        # y_j: site j open (0..1); θ_i: the cost of demand i, at least its cheapest
        h.addCols(m, np.zeros(m), lower.astype(float), np.ones(m), 0, *none)
        h.addCols(n, sc.weights.astype(float), sc.cost[:, 0].copy(), np.full(n, np.inf), 0, *none)
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
        self.n_cuts = 0
        self.width = self.m  # how far along each demand's order the open share reaches 1
        # branching rows "some site of this set open" (sum_j y_j >= 1): their sites by key,
        # the row each has in the model now (purge may drop and shift them), the active keys
        self.cover_sites: dict[int, np.ndarray] = {}
        self.cover_row: dict[int, int] = {}
        self.active: frozenset[int] = frozenset()

    def add_cuts(self, y: np.ndarray, theta: np.ndarray | None) -> int:
        """Add the cut of every demand that the point (y, θ) violates (all when θ is None):
        at the level D where the open share, in the demand's order of cost, first reaches 1."""
        sc = self.sc
        rows = np.arange(self.n)[:, None]
        # only the sites open at y matter: each demand's, in its order of cost
        pos = np.flatnonzero(y > 0)
        rank = sc.rank[:, pos]
        by_rank = np.argsort(rank, axis=1)
        rank = np.take_along_axis(rank, by_rank, axis=1)
        ys = y[pos][by_rank]
        cost = sc.cost[rows, rank]
        # the level D where the open share first reaches 1 (sum y = p >= 1: always reached)
        k = np.argmax(np.cumsum(ys, axis=1) >= 1 - 1e-9, axis=1)
        d_star = cost[rows[:, 0], k]
        # the prefix of every demand's order up to that level (what split() looks at)
        self.width = int(rank[rows[:, 0], k].max()) + 1
        if theta is None:
            idx = np.arange(self.n)
        else:
            below = cost < d_star[:, None]
            rhs = d_star - (np.where(below, d_star[:, None] - cost, 0.0) * ys).sum(axis=1)
            hit = theta < rhs - CUT_TOLERANCE * np.maximum(1.0, np.abs(rhs))
            idx = np.flatnonzero(hit)
        if len(idx) == 0:
            return 0
        self.add_level_cuts(idx, d_star[idx])
        return len(idx)

    def add_level_cuts(self, demands: np.ndarray, levels: np.ndarray) -> None:
        """The cuts θ_i >= D - sum_{j: c_ij < D} (D - c_ij) y_j for these demands and levels."""
        sc, m = self.sc, self.m
        cost = sc.cost[demands]
        sub = cost < levels[:, None]
        per_row = sub.sum(axis=1)
        counts = per_row + 1
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int32)
        r, c = np.nonzero(sub)
        cols = np.empty(counts.sum(), dtype=np.int32)
        vals = np.empty(counts.sum())
        # each row: θ_i first, then its y_j with coefficient D - c_ij
        cols[starts] = (m + demands).astype(np.int32)
        vals[starts] = 1.0
        offset = np.arange(len(r)) - np.repeat(np.cumsum(np.r_[0, per_row[:-1]]), per_row)
        pos = starts[r] + 1 + offset
        cols[pos] = sc.order[demands[r], c]
        vals[pos] = levels[r] - cost[r, c]
        self.h.addRows(
            len(demands), levels, np.full(len(demands), np.inf), len(cols), starts, cols, vals
        )
        self.n_cuts += len(demands)

    def drop_sites(self, closed: np.ndarray) -> None:
        """Remove closed sites from the master for good (their columns, and their terms in
        the cuts, where they were 0 anyway); the basis stays, so the next solve is warm."""
        idx = np.flatnonzero(closed).astype(np.int32)
        if len(idx):
            self.h.deleteCols(len(idx), idx)
            self.sc = self.sc.only(~closed)
            self.m = self.m - len(idx)

    def purge(self, slack_share: float = 1e-3) -> int:
        """Drop the cuts (not the sum y = p row, nor an active branching row) that the last
        LP point leaves slack by more than this share of their right side: they cost every
        simplex step. Inactive branching rows (free) go too. Returns how many."""
        h = self.h
        solution = h.getSolution()
        lp = h.getLp()
        activity = np.asarray(solution.row_value)
        lower = np.asarray(lp.row_lower_)
        slack = activity - lower > slack_share * np.maximum(np.abs(lower), 1.0)
        slack[0] = False
        slack[[self.cover_row[k] for k in self.active]] = False
        idx = np.flatnonzero(slack).astype(np.int32)
        if len(idx):
            h.deleteRows(len(idx), idx)
            gone = set(idx.tolist())
            self.cover_row = {
                k: r - int(np.searchsorted(idx, r))
                for k, r in self.cover_row.items()
                if r not in gone
            }
        return len(idx)

    def new_cover(self, sites: np.ndarray) -> int:
        """A key for the branching row "some site of ``sites`` open" (not in the model yet)."""
        key = len(self.cover_sites)
        self.cover_sites[key] = np.asarray(sites, dtype=np.int32)
        return key

    def set_covers(self, keys: frozenset[int]) -> None:
        """Make exactly these branching rows active (sum >= 1); the others free."""
        h = self.h
        for k in keys:
            if k not in self.cover_row:
                sites = self.cover_sites[k]
                self.cover_row[k] = h.getNumRow()
                h.addRow(1.0, np.inf, len(sites), sites, np.ones(len(sites)))
        if self.cover_row:
            keys_now = list(self.cover_row)
            rows = np.array([self.cover_row[k] for k in keys_now], dtype=np.int32)
            low = np.array([1.0 if k in keys else -np.inf for k in keys_now])
            h.changeRowsBounds(len(rows), rows, low, np.full(len(rows), np.inf))
        self.active = keys

    def set_bounds(self, lower: np.ndarray, upper: np.ndarray) -> None:
        """The sites' bounds at a node."""
        idx = np.arange(self.m, dtype=np.int32)
        self.h.changeColsBounds(self.m, idx, lower.astype(float), upper.astype(float))

    def solve(
        self, stop_at: float, deadline: float | None, max_rounds: int | None = None
    ) -> tuple[str, float, np.ndarray]:
        """Solve the LP, cutting until no cut is violated or its value reaches ``stop_at``.

        Returns (state, value, reduced costs of y) with state "exact" (the LP optimum with
        every cut satisfied), "above" (value >= stop_at), "infeasible" or "time"; after
        ``max_rounds`` LP solves at a fractional point, "partial": that point, its value and
        reduced costs, of the LP with the cuts so far (a relaxation: a valid bound)."""
        import highspy

        h = self.h
        S = highspy.HighsModelStatus
        rounds = 0
        while True:
            rounds += 1
            if deadline is not None:
                left = deadline - time.perf_counter()
                if left <= 0:
                    return "time", -math.inf, np.zeros(self.m)
                # HiGHS's clock runs on across run() calls on one model: used so far + left
                h.setOptionValue("time_limit", float(h.getRunTime() + left))
            h.run()
            status = h.getModelStatus()
            if status == S.kInfeasible:
                return "infeasible", math.inf, np.zeros(self.m)
            if status != S.kOptimal:
                return "time", -math.inf, np.zeros(self.m)
            value = h.getInfo().objective_function_value
            solution = h.getSolution()
            x = np.asarray(solution.col_value)
            if value >= stop_at:
                return "above", value, np.zeros(self.m)
            if self.add_cuts(x[: self.m], x[self.m :]) == 0:
                self.y = x[: self.m]
                return "exact", value, np.asarray(solution.col_dual)[: self.m]
            if max_rounds is not None and rounds >= max_rounds:
                y = x[: self.m]
                if ((y > INTEGRAL) & (y < 1 - INTEGRAL)).any():
                    self.y = y
                    return "partial", value, np.asarray(solution.col_dual)[: self.m]


def solve_p_median_radius(
    cost: np.ndarray,
    weights: np.ndarray,
    p: int,
    fixed: Sequence[int] = (),
    gap_rel: float | None = None,
    deadline: Deadline = NO_DEADLINE,
    threads: int | None = None,
    seed: int | None = None,
) -> SearchOutcome:
    """Solve the p-median on a dense, finite cost matrix (demands x sites) by the run's
    ``deadline``; see the module."""
    return _RadiusSolve(cost, weights, p, fixed, gap_rel, deadline, threads, seed).run()


class _RadiusSolve:
    """One solve: the best plan so far, the best bound so far, and the steps in order."""

    def __init__(self, cost, weights, p, fixed, gap_rel, deadline: Deadline, threads, seed):
        self.t0 = time.perf_counter()
        self.deadline = deadline.at  # a time.perf_counter() reading, None = no limit
        self.gap_rel = gap_rel
        self.gap_target = OPTIMAL_GAP if gap_rel is None else max(gap_rel, OPTIMAL_GAP)
        keep = weights > 0
        self.sc = sc = SortedCosts.of(cost[keep], weights[keep])
        self.weighted = cost[keep] * sc.weights[:, None]
        self.n, self.m = sc.cost.shape
        self.p, self.threads, self.seed = p, threads, seed
        self.fixed = np.asarray(list(fixed), dtype=np.int64)
        self.lower = np.zeros(self.m)
        self.lower[self.fixed] = 1.0
        self.whole = bool(
            np.all(sc.weights == np.round(sc.weights)) and np.all(sc.cost == np.round(sc.cost))
        )
        self.best, self.best_open = math.inf, np.zeros(self.m, dtype=bool)
        self.bound = -math.inf
        self.messages: list[str] = []

    # --- bookkeeping ---------------------------------------------------------------------

    def firm(self, bound: float) -> float:
        """With whole costs and weights the optimum is whole: round a bound up."""
        return math.ceil(bound - 1e-6) if self.whole and math.isfinite(bound) else bound

    def target_of(self, best: float) -> float:
        """Only plans cheaper than this are sought once ``best`` is in hand."""
        if self.gap_rel is None:
            return best - max(OPTIMAL_GAP * abs(best), 1e-9)
        return best * (1 - self.gap_target)

    def proven(self) -> bool:
        return self.bound >= self.target_of(self.best)

    def offer(self, sites: np.ndarray, what: str) -> None:
        """Keep the plan opening ``sites`` (global indices) if it beats the best."""
        mask = np.zeros(self.m, dtype=bool)
        mask[sites] = True
        cost = self.sc.plan_cost(mask)
        if cost < self.best:
            self.best, self.best_open = cost, mask
            self.note(f"{what}: {cost:,.6g}")

    def note(self, text: str) -> None:
        self.messages.append(f"{text} ({time.perf_counter() - self.t0:.1f}s)")

    def seconds_left(self, share: float = 1.0) -> float | None:
        if self.deadline is None:
            return None
        return max(0.0, share * (self.deadline - time.perf_counter()))

    def outcome(self, finished: bool) -> SearchOutcome:
        return _outcome(self.best_open, self.best, self.bound, finished, self.t0, self.messages)

    def improve(self, start: np.ndarray, what: str) -> None:
        """Vertex substitution from ``start`` (global site indices), offered as a plan."""
        self.offer(vertex_substitution(self.weighted, start, self.fixed, 10 * self.p), what)

    # --- the steps -------------------------------------------------------------------------

    def run(self) -> SearchOutcome:
        p, m = self.p, self.m
        self.offer(good_open_sites(self.weighted, p, self.fixed), "greedy + vertex substitution")
        usable = np.ones(m, dtype=bool)
        kept = self.lower > 0
        if self.n * m >= LAGRANGE_FROM:
            usable, kept = self.lagrange()
            if self.proven():
                return self.outcome(True)
        # the LP bound by Benders cuts, over the sites still usable
        work = self.sc.only(usable)
        master = CutMaster(work, p, kept[usable].astype(float), self.threads, self.seed)
        master.add_cuts(self.best_open[usable].astype(float), None)
        master.add_cuts(np.full(work.cost.shape[1], p / work.cost.shape[1]), None)
        state, root, reduced = master.solve(math.inf, self.deadline)
        if state != "exact":
            self.note("the LP bound was not reached in time")
            return self.outcome(False)
        y_lp = master.y
        self.bound = max(self.bound, self.firm(root))
        self.note(f"LP bound {root:,.6g} by Benders cuts, {master.n_cuts} cuts")
        self.support_plans(work, y_lp, kept[usable])
        if self.proven():
            return self.outcome(True)
        # reduced-cost fixing at the root: sites in no better plan leave the master
        margin = self.target_of(self.best) - root
        closed = (y_lp < INTEGRAL) & (reduced > margin) & (kept[usable] < 1)
        keep_open = kept[usable] | ((y_lp > 1 - INTEGRAL) & (-reduced > margin))
        self.note(
            f"reduced costs closed {int(closed.sum())} and kept {int(keep_open.sum())} of "
            f"{len(y_lp)} sites"
        )
        master.drop_sites(closed)
        master.purge()
        # branch and bound on the sites
        tree = SiteTree(master, master.sc, self.target_of, self.firm, self.deadline)
        found, cost, tree_bound, finished = tree.search(
            self.best, keep_open[~closed].astype(float), np.ones(master.m)
        )
        if found is not None and cost < self.best:
            self.offer(master.sc.sites[found], "branch and bound")
        self.bound = max(self.bound, tree_bound)
        self.note(
            f"branch and bound: {tree.nodes} nodes ({tree.cover_splits} split on a demand's "
            f"nearest sites), {master.n_cuts} cuts, "
            f"{'finished' if finished else 'stopped at the time limit'}"
        )
        return self.outcome(finished)

    def lagrange(self) -> tuple[np.ndarray, np.ndarray]:
        """Large instances: the Lagrangian bound first (no LP), plans from its choices, and
        the sites it closes or keeps for good. Returns (usable, kept) site masks."""
        prices = self.weighted[:, self.best_open].min(axis=1)  # each demand's cost now
        share = self.seconds_left(LAGRANGE_TIME_SHARE)
        found = lagrange_bound(
            self.weighted,
            self.sc.order,
            self.p,
            self.fixed,
            upper=self.best,
            start_prices=prices,
            iterations=LAGRANGE_ITERATIONS,
            deadline=None if share is None else time.perf_counter() + share,
        )
        self.bound = max(self.bound, self.firm(found.value))
        self.note(f"Lagrangian bound {found.value:,.6g} after {found.iterations} iterations")
        self.improve(found.plan, "the Lagrangian choice + vertex substitution")
        often = np.flatnonzero(found.y_average >= SUPPORT_SHARE)
        if len(often) > self.p:
            inside = np.flatnonzero(np.isin(often, self.fixed))
            sub = good_open_sites(self.weighted[:, often], self.p, inside)
            self.improve(often[sub], "greedy + swaps over the sites it often chooses")
        closed, kept = lagrange_fixing(found, self.p, self.fixed, self.target_of(self.best))
        kept |= self.lower > 0
        self.note(
            f"the Lagrangian prices closed {int(closed.sum())} and kept {int(kept.sum())} sites"
        )
        return ~closed, kept

    def support_plans(self, work: SortedCosts, y_lp: np.ndarray, kept: np.ndarray) -> None:
        """Better plans: greedy + swaps from the LP's most open sites, and the best plan over
        the sites the LP opens at all (few: a small tree whose best is often the optimum)."""
        p = self.p
        top = work.sites[np.argsort(-y_lp)[:p]]
        self.offer(good_open_sites(self.weighted, p, self.fixed, initial=top), "the LP-guided plan")
        support = (y_lp > INTEGRAL) | (kept > 0)
        if not p < support.sum() < len(y_lp):
            return
        sub = work.only(support)
        sub_master = CutMaster(sub, p, kept[support].astype(float), self.threads, self.seed)
        sub_master.add_cuts(y_lp[support], None)
        share = self.seconds_left(SUPPORT_TIME_SHARE)
        sub_tree = SiteTree(
            sub_master,
            sub,
            self.target_of,
            self.firm,
            None if share is None else time.perf_counter() + share,
            node_limit=SUPPORT_NODES,
        )
        found, _, _, _ = sub_tree.search(
            self.best, kept[support].astype(float), np.ones(len(sub.sites))
        )
        if found is not None:
            self.offer(
                sub.sites[found],
                f"the best plan over the {int(support.sum())} sites the LP opens "
                f"({sub_tree.nodes} nodes)",
            )


class SiteTree:
    """Depth-first branch and bound over the sites' bounds of one ``CutMaster``.

    ``target_of(best)`` is the cost a plan must beat once ``best`` is in hand."""

    def __init__(
        self,
        master: CutMaster,
        sc: SortedCosts,
        target_of,
        firm,
        deadline: float | None,
        node_limit: int | None = None,
    ):
        self.master, self.sc = master, sc
        self.target_of, self.firm, self.deadline = target_of, firm, deadline
        self.node_limit = node_limit
        self.nodes = 0
        self.cover_splits = 0  # branchings on a demand's nearest sites

    def search(
        self, best: float, lower: np.ndarray, upper: np.ndarray
    ) -> tuple[np.ndarray | None, float, float, bool]:
        """Look for plans cheaper than the target.

        Returns (the best plan's local site indices or None, its cost, a bound on every
        plan, finished): the bound is the target when the tree is exhausted, else the least
        bound of the nodes left open."""
        master = self.master
        # nodes to explore: (sites' lower bounds, upper bounds, active covers, parent's bound)
        stack = [(lower, upper, frozenset(), -math.inf)]
        found = None
        while stack:
            lower, upper, covers, parent = stack.pop()
            target = self.target_of(best)
            if parent >= target:
                continue
            state = "time"
            out_of_nodes = self.node_limit is not None and self.nodes >= self.node_limit
            if not out_of_nodes and (self.deadline is None or time.perf_counter() < self.deadline):
                self.nodes += 1
                master.set_bounds(lower, upper)
                master.set_covers(covers)
                state, value, reduced = master.solve(target, self.deadline, NODE_CUT_ROUNDS)
            if state == "time":
                stack.append((lower, upper, covers, parent))
                least = min(e[3] for e in stack)
                return found, best, min(self.firm(least), best), False
            if state not in ("exact", "partial") or self.firm(value) >= target:
                continue
            # cuts left slack cost every later simplex step; those needed come back (a partial
            # node has cuts newer than its LP point: nothing to read their slack from)
            if state == "exact":
                master.purge()
            y = master.y
            fractional = np.flatnonzero((y > INTEGRAL) & (y < 1 - INTEGRAL))
            if len(fractional) == 0:  # a plan, and the master's value is its cost
                plan = y > 0.5
                cost = self.sc.plan_cost(plan)
                if cost < best:
                    best, found = cost, np.flatnonzero(plan)
                continue
            # sites fixed in this subtree by the node's reduced costs
            margin = target - value
            lower, upper = lower.copy(), upper.copy()
            upper[(y < INTEGRAL) & (reduced > margin) & (lower < 1)] = 0.0
            lower[(y > 1 - INTEGRAL) & (-reduced > margin) & (upper > 0)] = 1.0
            near = self.split(y) if BRANCH_ON_COVER else None
            if near is not None:
                # a demand's nearest sites: all closed (z_i^k = 1), or one of them open first
                self.cover_splits += 1
                if not lower[near].any():
                    closed_all = upper.copy()
                    closed_all[near] = 0.0
                    stack.append((lower, closed_all, covers, value))
                stack.append((lower, upper, covers | {master.new_cover(near)}, value))
                continue
            # branch on the most fractional site: open it first, then closed
            j = fractional[np.argmin(np.abs(y[fractional] - 0.5))]
            closed_j = upper.copy()
            closed_j[j] = 0.0
            open_j = lower.copy()
            open_j[j] = 1.0
            stack.append((lower, closed_j, covers, value))
            stack.append((open_j, upper, covers, value))
        return found, best, self.firm(self.target_of(best)), True

    def split(self, y: np.ndarray) -> np.ndarray | None:
        """The sites to branch on: demand i's sites within D_i^k, for the level whose open
        share s = sum_{c_ij <= D_i^k} y_j (that is 1 - z_i^k) maximises
        min(s, 1 - s) w_i sqrt(Δ_i^k) over the fractional ones; None when none is fractional.

        (min(s, 1 - s) alone, and (1 - s) w_i Δ_i^k, gave 3 to 30 times the nodes on pmed36;
        w_i Δ_i^k in place of its square root 133 nodes against 109.)"""
        sc = self.sc
        width = min(self.master.width, sc.cost.shape[1])
        share = np.cumsum(y[sc.order[:, :width]], axis=1)
        cost = sc.cost[:, :width]
        # the last rank of each distinct cost (a level), and the step to the next one
        step = np.diff(cost, axis=1)
        level = np.zeros(share.shape, dtype=bool)
        level[:, :-1] = step > 0
        delta = np.zeros(share.shape)
        delta[:, :-1] = step
        frac = level & (share > FRACTIONAL) & (share < 1 - FRACTIONAL)
        if not frac.any():
            return None
        worth = np.minimum(share, 1 - share) * np.sqrt(delta) * sc.weights[:, None]
        score = np.where(frac, worth, -1.0)
        i, r = np.unravel_index(int(np.argmax(score)), score.shape)
        return sc.order[i, : r + 1].copy()


def _outcome(
    best_open: np.ndarray, best: float, bound: float, finished: bool, t0: float, messages
) -> SearchOutcome:
    bound = min(bound, best)
    gap = (best - bound) / max(abs(best), 1e-9)
    if not finished:
        status = "stopped at time limit with best plan"
    elif gap <= OPTIMAL_GAP:
        status = "optimal"
    else:
        status = "feasible within gap"
    return SearchOutcome(
        np.flatnonzero(best_open), best, bound, status, time.perf_counter() - t0, messages
    )
