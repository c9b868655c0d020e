"""Capacitated p-median: open p sites, each demand wholly at one site, sites within capacity."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from optimize import blocks as b
from optimize.deadline import Deadline
from optimize.location.base import capacity_series
from optimize.location.heuristic import assign_within_capacity, good_open_sites
from optimize.location.median import _NearestOpenSite
from optimize.location.radius import solve_p_median_radius
from optimize.model import PlanModel
from optimize.result import PlanResult
from optimize.solver import SolverOptions, prepare_highs, relative_gap


@dataclass(kw_only=True)
class CapacitatedPMedian(_NearestOpenSite):
    """Open p sites minimising total weighted cost, single-source, within site capacities.

    minimise   sum_ij w_i c_ij x_ij  (+ unmet_penalty * unmet weight)
    subject to sum_j x_ij = 1, x_ij binary (each demand served once, whole, at one site)
               x_ij <= y_j (only at open sites); sum_i w_i x_ij <= cap_j y_j (within capacity)
               sum_j y_j = p; y_j = 1 for fixed-open sites.
    capacity: site_id -> capacity in weight units (persons, beds); sites without a row are
    unlimited. Infeasible (too little capacity) re-solves with capacity elastic: the shortfall
    says how much capacity each site lacked.
    """

    title = "capacitated p-median"
    may_give = ("capacity",)

    capacity: pd.Series | pd.DataFrame

    warm_start = False  # the greedy start ignores capacity

    def __post_init__(self) -> None:
        super().__post_init__()
        self.capacity = capacity_series(self.capacity)
        self._farther_left = 0

    def _solve(self, options: SolverOptions) -> PlanResult:
        """First a quick plan (greedy sites, regret assignment, shifts); the solver is then
        asked only for plans cheaper than it, and the better of the two is returned."""
        self._check_p(self.p)
        self._gap_target = 1e-4 if options.gap_rel is None else options.gap_rel
        deadline = Deadline.after(options.time_limit_s)  # the bound and the solve share it
        t0 = time.perf_counter()
        self._floor, median_sites = self._uncapacitated_bound(options, deadline)
        floor_seconds = time.perf_counter() - t0
        t1 = time.perf_counter()
        self._quick = self._quick_plan([median_sites] if median_sites is not None else [])
        build = time.perf_counter() - t1
        target = 1e-4 if options.gap_rel is None else options.gap_rel
        if self._quick is not None and self._floor is not None:
            if relative_gap(self._quick[2], self._floor) <= target:
                # the quick plan is already within the gap of a proven bound: no MIP needed
                result = PlanResult(
                    model=self.title, status="no solution found", solver=options.name
                )
                result.messages.append("the p-median LP bound proves the quick plan good enough")
                result = self._finish(result, None, None, None, None, build, floor_seconds, [])
                return result
        if self._quick is not None:
            options = replace(options, cutoff=self._quick[2] * (1 - 1e-9))
        result = super()._solve(options, deadline)
        result.build_seconds += build
        result.solve_seconds += floor_seconds
        return result

    def _uncapacitated_bound(
        self, options: SolverOptions, deadline: Deadline
    ) -> tuple[float | None, np.ndarray | None]:
        """A p-median bound (the LP's, or on large instances the Lagrangian one; HiGHS) -- no
        capacitated plan costs less -- and a good p-median plan's sites (a good start for a
        capacitated plan)."""
        complete = len(self.costs) == len(self.weights) * len(self.sites)
        if not (complete and options.name == "highs" and self.max_cost is None):
            return None, None
        cost = self._dense(self.costs, missing=np.inf)
        w = self.weights.to_numpy(dtype=float)
        fixed = self.sites.get_indexer(list(self.fixed_open))
        prepare_highs(options.threads)
        out = solve_p_median_radius(cost, w, self.p, fixed, gap_rel=1.0, deadline=deadline)
        bound = out.bound if np.isfinite(out.bound) and out.bound > 0 else None
        return bound, out.open_sites if len(out.open_sites) == self.p else None

    def _quick_plan(
        self, site_sets: list[np.ndarray]
    ) -> tuple[list[str], pd.DataFrame, float] | None:
        """(open site ids, assignment, cost) of the best heuristic plan, or None if none fits.

        Sites: greedy + swaps on the uncapacitated costs, and each of ``site_sets``; demands are
        then assigned within capacity (regret order, then shifts)."""
        if len(self.weights) * len(self.sites) > 3e7:
            return None
        allowed = (
            self.costs if self.max_cost is None else self.costs[self.costs["cost"] <= self.max_cost]
        )
        cost = self._dense(allowed, missing=np.inf)
        w = self.weights.to_numpy(dtype=float)
        cap = self.capacity.reindex(self.sites).fillna(np.inf).to_numpy(dtype=float)
        top = float(allowed["cost"].max()) if len(allowed) else 1.0
        weighted = np.where(np.isfinite(cost), cost, 1e3 * (top + 1.0)) * w[:, None]
        fixed = self.sites.get_indexer(list(self.fixed_open))
        best = None
        for open_idx in [good_open_sites(weighted, self.p, fixed), *site_sets]:
            choice = assign_within_capacity(cost[:, open_idx], w, cap[open_idx])
            if choice is None:
                continue
            value = float((cost[np.arange(len(w)), open_idx[choice]] * w).sum())
            if best is None or value < best[0]:
                best = (value, open_idx, choice)
        if best is None:
            return None
        _, open_idx, choice = best
        site_idx = open_idx[choice]
        assignment = pd.DataFrame(
            {
                "demand_id": self.weights.index,
                "site_id": self.sites[site_idx].astype(str),
                "cost": cost[np.arange(len(w)), site_idx],
                "weight": w,
            }
        )
        value = float((assignment["cost"] * assignment["weight"]).sum())
        return [str(self.sites[j]) for j in open_idx], assignment, value

    def _formulate(self, pairs: pd.DataFrame, beyond: pd.Series):
        m = PlanModel(self.title)
        w = self.weights
        # decisions: which sites open; which single site serves each demand
        opened = b.add_site_choice(m, self.sites, self.fixed_open)
        x = b.add_assignment(m, pairs, binary=True)
        x["load"] = x["demand_id"].map(w).to_numpy()
        far = pd.Series(m.variables("farther", len(beyond), 0, 1), index=beyond.index)
        unmet = b.add_unmet_demand(m, w, self.unmet_penalty, binary=True)
        # every demand is served once: at one of its k cheapest sites, farther, or unmet
        b.serve_once(m, x, w.index, [s for s in (far, unmet) if s is not None], weights=w)
        # only at open sites
        b.only_at_open_sites(m, x, opened)
        # load at each open site within its capacity (closed sites take nothing)
        b.within_capacity(m, x, "load", self.capacity, opened)
        # exactly p sites open
        b.open_exactly(m, opened, self.p)
        # total weighted cost
        m.add_term(b.expression(x["var"], x["cost"] * x["load"]))
        m.add_term(b.expression(far.to_numpy(), beyond * far.index.map(w)))
        self._x = x
        return m, opened, far, unmet

    def _params(self) -> dict:
        return {
            **super()._params(),
            "total_capacity": float(self.capacity.sum()),
            "total_weight": float(self.weights.sum()),
        }

    def _finish(self, result, model, opened, unmet, allowed, build, solve, messages) -> PlanResult:
        self._record_run(result, build, solve, messages)
        quick = getattr(self, "_quick", None)
        worse = result.has_plan and (
            self._farther_left or (quick is not None and result.objective >= quick[2])
        )
        if quick is not None and (not result.has_plan or worse):
            # nothing beat the quick plan: proven best if the solver finished, else best so far
            open_ids, assignment, value = quick
            if result.status == "infeasible" and not worse:
                result.status, result.best_bound = "optimal", value
            else:
                result.status = "stopped at time limit with best plan"
            result.objective = value
            result.best_bound = min(result.best_bound, value) if result.best_bound else None
            sites = self.open_sites_frame(open_ids, assignment)
            sites["capacity"] = sites["site_id"].map(self.capacity)
            result.plans = {"open_sites": sites, "assignment": assignment}
            result.messages.append("the quick plan stands: the solver found nothing cheaper")
            return self._with_floor(result)
        usable = result.has_plan or (result.status == "infeasible" and not result.shortfall.empty)
        if not usable:
            return result
        x = self._x
        chosen = x[[(v.varValue or 0) > 0.5 for v in x["var"]]]
        assignment = chosen[["demand_id", "site_id", "cost", "load"]].rename(
            columns={"load": "weight"}
        )
        open_ids = [s for s, v in opened.items() if (v.varValue or 0) > 0.5]
        sites = self.open_sites_frame(open_ids, assignment)
        sites["capacity"] = sites["site_id"].map(self.capacity)
        result.plans = {"open_sites": sites, "assignment": assignment.reset_index(drop=True)}
        return self._with_floor(result)

    def _with_floor(self, result: PlanResult) -> PlanResult:
        """Raise the bound to the p-median LP bound when that is higher; restate the status."""
        floor = getattr(self, "_floor", None)
        if result.objective is None:
            return result
        if floor is not None and (result.best_bound is None or floor > result.best_bound):
            result.best_bound = min(floor, result.objective)
            result.messages.append("bound: the uncapacitated p-median LP bound")
        result.gap = relative_gap(result.objective, result.best_bound)
        target = self._gap_target
        if result.gap is not None and result.status != "optimal" and result.gap <= target:
            result.status = "optimal" if result.gap <= 1e-6 else "feasible within gap"
        return result
