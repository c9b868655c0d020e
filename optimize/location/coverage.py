"""Covering models: reach as much demand as possible with p sites (MCLP), or reach all demand
with as few sites as possible (LSCP). A demand is reached by a site within ``radius``."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import pulp

from demand.errors import InputError
from optimize import blocks as b
from optimize.deadline import Deadline
from optimize.location.base import LocationModel, nearest_open
from optimize.location.heuristic import good_covering_sites
from optimize.model import PlanModel, solve_plan
from optimize.result import PlanResult
from optimize.solver import OPTIMAL_GAP, SolverOptions, relative_gap


@dataclass(kw_only=True)
class _Covering(LocationModel):
    radius: float

    def _coverage_frame(self, open_ids: list[str], covered: pd.Series | None) -> pd.DataFrame:
        """[demand_id, weight, covered, site_id, cost]: each demand, its nearest open site."""
        near = nearest_open(self.costs, self.weights, open_ids).set_index("demand_id")
        frame = pd.DataFrame({"demand_id": self.weights.index, "weight": self.weights.to_numpy()})
        frame["site_id"] = frame["demand_id"].map(near["site_id"])
        frame["cost"] = frame["demand_id"].map(near["cost"])
        frame["covered"] = (frame["cost"] <= self.radius).fillna(False).astype(bool)
        return frame

    def _plans(self, opened: pd.Series | list[str]) -> dict[str, pd.DataFrame]:
        if isinstance(opened, pd.Series):
            opened = [s for s, v in opened.items() if (v.varValue or 0) > 0.5]
        open_ids = list(opened)
        coverage = self._coverage_frame(open_ids, None)
        assignment = coverage[coverage["covered"]].drop(columns="covered")
        return {
            "open_sites": self.open_sites_frame(open_ids, assignment),
            "coverage": coverage,
        }


@dataclass(kw_only=True)
class MCLP(_Covering):
    """Maximal covering: open p sites so that the most weight lies within ``radius`` of one.

    maximise   sum_i w_i z_i
    subject to z_i <= sum_{j: c_ij <= radius} y_j (covered only if an open site reaches it),
               0 <= z_i <= 1, sum_j y_j = p, y_j = 1 for fixed-open sites.

    method "compact" solves that model as written. "aggregated" (what "auto" picks) solves the
    same question on fewer rows -- see ``_solve_aggregated``.
    """

    title = "maximal covering"
    p: int
    method: str = "auto"

    def _solve(self, options: SolverOptions) -> PlanResult:
        self._check_p(self.p)
        if self.method not in ("auto", "compact", "aggregated"):
            raise InputError(f"method must be auto, compact or aggregated, got {self.method!r}")
        if self.method == "compact":
            return self._solve_compact(options)
        return self._solve_aggregated(options)

    def _solve_compact(self, options: SolverOptions) -> PlanResult:
        t0 = time.perf_counter()
        m = PlanModel(self.title, sense="max")
        m.started = t0
        within = self.costs[self.costs["cost"] <= self.radius]
        # decisions: which sites open; which demands count as covered
        opened = b.add_site_choice(m, self.sites, self.fixed_open)
        covered = pd.Series(
            m.variables("covered", len(self.weights), 0, 1), index=self.weights.index
        )
        # a demand is covered only if an open site lies within the radius
        b.covered_only_if_reached(m, within, covered, opened)
        # exactly p sites open
        b.open_exactly(m, opened, self.p)
        # most weight covered (persons)
        m.add_term(b.expression(covered.to_numpy(), self.weights.to_numpy()))
        result = solve_plan(m, lambda: self._plans(opened), options)
        return self._finish(result, "compact")

    def _solve_aggregated(self, options: SolverOptions) -> PlanResult:
        """The same optimum on fewer rows, started from a good plan.

        1. Demands within reach of a fixed-open site are covered whatever else opens, and
           demands no site reaches never are: both leave the model.
        2. Demands reached by exactly the same sites are one group, its weight their sum (on
           real blocks, neighbours share their sites: a large reduction).
        3. A good plan from greedy adding and swaps (``heuristic.good_covering_sites``).
        4. Stop if it is within the gap of the weight any plan could cover at most; else the
           LP bound; else the model on the groups, written as the weight left uncovered,

               minimise sum_g W_g u_g  s.t.  u_g + sum_{j reaches g} y_j >= 1,  sum_j y_j = p,

           asked only for plans better than the good one (``SolverOptions.cutoff``).
        """
        deadline = Deadline.after(options.time_limit_s)  # the LP and the MIP share it
        t0 = time.perf_counter()
        target = 1e-4 if options.gap_rel is None else options.gap_rel
        w = self.weights
        within = self.costs[
            (self.costs["cost"] <= self.radius) & self.costs["demand_id"].map(w).gt(0)
        ]
        always = set(within.loc[within["site_id"].isin(set(self.fixed_open)), "demand_id"])
        free = within[~within["demand_id"].isin(always)]
        rows = pd.Index(pd.unique(free["demand_id"]))
        reach = _reach_matrix(free, rows, self.sites)
        group, first = _same_rows(reach)
        group_weight = np.bincount(group, weights=w.reindex(rows).to_numpy(), minlength=len(first))
        group_reach = reach[first]
        sure = float(w.reindex(list(always)).sum())  # covered by the fixed-open sites
        coverable = sure + float(group_weight.sum())
        fixed = self.sites.get_indexer(list(self.fixed_open))
        open_idx = good_covering_sites(group_reach, group_weight, self.p, fixed)
        covered = _covered_weight(group_reach, group_weight, open_idx)
        best_ids = [str(self.sites[j]) for j in open_idx]
        messages = [
            f"aggregated: {len(rows)} demands in {len(first)} groups of identical reach "
            f"({len(always)} covered by fixed-open sites)",
            f"greedy + swaps cover {sure + covered:,.6g} of {coverable:,.6g} coverable",
        ]
        bound = coverable
        status, solver_seconds = "optimal", 0.0
        if relative_gap(sure + covered, bound) > target and len(first):
            model, opened, uncovered = self._group_model(group_reach, group_weight)
            model.started = t0
            # the LP bound first: often enough to stop
            for var in opened:
                var.cat = pulp.LpContinuous
            lp = solve_plan(model, dict, options, deadline=deadline)
            solver_seconds += lp.solve_seconds
            if lp.best_bound is not None and lp.status == "optimal":
                bound = min(bound, sure + group_weight.sum() - lp.best_bound)
                messages.append(f"LP bound {bound:,.6g}")
            if relative_gap(sure + covered, bound) > target:
                for var in opened:
                    var.cat = pulp.LpInteger
                uncovered_now = float(group_weight.sum()) - covered
                mip_options = replace(
                    options, cutoff=uncovered_now - max(1e-9 * uncovered_now, 1e-9)
                )
                mip = solve_plan(model, dict, mip_options, deadline=deadline, elastic=False)
                solver_seconds += mip.solve_seconds
                messages += mip.messages
                if mip.has_plan and mip.objective is not None:
                    open_idx = np.flatnonzero([(v.varValue or 0) > 0.5 for v in opened])
                    value = _covered_weight(group_reach, group_weight, open_idx)
                    if value > covered:
                        covered = value
                        best_ids = [str(self.sites[j]) for j in open_idx]
                        messages.append("the solver found a better plan than greedy + swaps")
                if mip.status == "infeasible":  # nothing better than the plan in hand
                    bound = sure + covered
                elif mip.best_bound is not None:
                    bound = min(bound, sure + group_weight.sum() - mip.best_bound)
                if mip.status in ("stopped at time limit with best plan", "no solution found"):
                    status = "stopped at time limit with best plan"
        objective = sure + covered
        bound = max(bound, objective)
        gap = relative_gap(objective, bound)
        if status == "optimal" and gap > OPTIMAL_GAP:
            status = "feasible within gap"
        result = PlanResult(
            model=self.title,
            status=status,
            objective=objective,
            best_bound=bound,
            gap=gap,
            build_seconds=time.perf_counter() - t0 - solver_seconds,
            solve_seconds=solver_seconds,
            solver=options.name,
            plans=self._plans(best_ids),
            messages=messages,
        )
        return self._finish(result, "aggregated")

    def _group_model(self, reach, weight: np.ndarray):
        """min weight left uncovered over the groups (see ``_solve_aggregated``)."""
        m = PlanModel(self.title)
        groups = pd.Index([f"g{k}" for k in range(reach.shape[0])])
        g_idx, s_idx = reach.nonzero()
        pairs = pd.DataFrame({"demand_id": groups[g_idx], "site_id": self.sites[s_idx]})
        # decisions: which sites open; which share of each group is left uncovered
        opened = b.add_site_choice(m, self.sites, self.fixed_open)
        weights = pd.Series(weight, index=groups)
        uncovered = b.add_unmet_demand(m, weights, 1.0, family="not covered")
        # each group reached by an open site, or counted uncovered (objective: its weight)
        b.cover_every_demand(m, pairs, groups, opened, uncovered)
        # exactly p sites open
        b.open_exactly(m, opened, self.p)
        return m, opened, uncovered

    def _finish(self, result: PlanResult, method: str) -> PlanResult:
        result.params = {
            "p": self.p,
            "radius": self.radius,
            "fixed_open": list(self.fixed_open),
            "method": method,
        }
        if result.has_plan:
            cov = result.plans["coverage"]
            out = cov[~cov["covered"] & (cov["weight"] > 0)]
            result.shortfall = pd.DataFrame(
                {
                    "constraint": "not covered",
                    "where": out["demand_id"].astype(str),
                    "amount": out["weight"].astype(float),
                }
            ).reset_index(drop=True)
        return result


def _reach_matrix(pairs: pd.DataFrame, rows: pd.Index, sites: pd.Index):
    """Sparse rows x sites matrix, 1 where a [demand_id, site_id] pair is within reach."""
    from scipy import sparse

    r = rows.get_indexer(pairs["demand_id"])
    c = sites.get_indexer(pairs["site_id"])
    return sparse.csr_matrix((np.ones(len(r)), (r, c)), shape=(len(rows), len(sites)), dtype=float)


def _same_rows(matrix) -> tuple[np.ndarray, np.ndarray]:
    """Group the rows of a sparse 0/1 matrix that reach exactly the same columns: the group of
    each row, and each group's first row."""
    matrix = matrix.tocsr()
    matrix.sort_indices()
    keys = [
        matrix.indices[matrix.indptr[i] : matrix.indptr[i + 1]].tobytes()
        for i in range(matrix.shape[0])
    ]
    group, _ = pd.factorize(pd.Series(keys, dtype=object))
    _, first = np.unique(group, return_index=True)
    return group, first


def _covered_weight(reach, weight: np.ndarray, open_idx: np.ndarray) -> float:
    hit = np.asarray(reach[:, open_idx].sum(axis=1)).ravel() > 0
    return float(weight[hit].sum())


@dataclass(kw_only=True)
class LSCP(_Covering):
    """Set covering: the fewest sites so that every demand lies within ``radius`` of one.

    minimise   sum_j y_j  (+ uncovered_penalty * uncovered weight)
    subject to sum_{j: c_ij <= radius} y_j >= 1 for every demand (of positive weight),
               y_j = 1 for fixed-open sites.
    A demand no site can reach makes it infeasible; the elastic re-solve names those demands.
    """

    title = "set covering"
    uncovered_penalty: float | None = None

    def _solve(self, options: SolverOptions) -> PlanResult:
        t0 = time.perf_counter()
        m = PlanModel(self.title)
        m.started = t0
        within = self.costs[self.costs["cost"] <= self.radius]
        must = self.weights[self.weights > 0]
        # decisions: which sites open
        opened = b.add_site_choice(m, self.sites, self.fixed_open)
        uncovered = b.add_unmet_demand(m, must, self.uncovered_penalty, family="not covered")
        # every demand within the radius of an open site (or counted uncovered)
        b.cover_every_demand(m, within, must.index, opened, uncovered)
        # fewest sites
        m.add_term(b.expression(opened.to_numpy()))
        result = solve_plan(m, lambda: self._plans(opened), options, may_give=["coverage"])
        result.params = {
            "radius": self.radius,
            "fixed_open": list(self.fixed_open),
            "uncovered_penalty": self.uncovered_penalty,
        }
        return result
