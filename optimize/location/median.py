"""p-median (least total weighted travel) and p-center (least worst travel).

Both send every demand to its nearest open site. With ``k_nearest`` each demand first sees only
its k cheapest sites plus a "farther" share costed at the next-cheapest cost -- a lower bound,
so the model is a relaxation of the full one. If a demand ends up "farther", its k is widened
and the model re-solved (warm-started from the last plan); when no demand is "farther", the plan
is optimal for the full problem. The final plan is always evaluated on the full costs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
import pulp

from demand.errors import InputError
from optimize import blocks as b
from optimize.deadline import Deadline
from optimize.location.base import LocationModel, nearest_open
from optimize.location.center_search import solve_p_center_by_covering
from optimize.location.heuristic import good_open_sites
from optimize.location.radius import solve_p_median_radius
from optimize.model import PlanModel, solve_plan
from optimize.result import PlanResult, empty_shortfall
from optimize.solver import SolverOptions, prepare_highs, relative_gap

#: Factor by which a demand's k grows when its nearest open site lay beyond its k cheapest.
WIDEN = 4


@dataclass(kw_only=True)
class _NearestOpenSite(LocationModel):
    """Open p sites; every demand goes to its nearest open site (or is unmet, if penalised).

    p              sites to open in total, fixed-open ones included.
    k_nearest      speed only: start from each demand's k cheapest sites (exact, see module).
    max_cost       rule: no demand is served farther than this (minutes or metres).
    unmet_penalty  cost per unit of weight left unserved; None = everyone must be served
                   (infeasible then reports which demands could not be, in weight units).
    max_rounds     widening rounds before giving up on exactness (reported).
    """

    p: int
    k_nearest: int | None = None
    max_cost: float | None = None
    unmet_penalty: float | None = None
    max_rounds: int = 8

    worst_case = False  # p-center: minimise the worst cost instead of the total
    may_give: ClassVar[tuple[str, ...]] = ("serve once",)  # rules the elastic re-solve may relax

    def _solve(self, options: SolverOptions, deadline: Deadline | None = None) -> PlanResult:
        """The model over each demand's k cheapest sites, widened until exact; ``deadline``
        is the run's (None: ``options.time_limit_s`` from now)."""
        self._check_p(self.p)
        if deadline is None:  # every round takes what is left
            deadline = Deadline.after(options.time_limit_s)
        allowed = b.allowed_pairs(self.costs, max_cost=self.max_cost)
        rank = allowed.groupby("demand_id", sort=False).cumcount().to_numpy()
        fixed = allowed["site_id"].isin(set(self.fixed_open)).to_numpy()
        k = None if self.k_nearest is None else pd.Series(self.k_nearest, index=self.weights.index)
        messages: list[str] = []
        build = solve = 0.0
        self._farther_left = 0
        start = self._heuristic_start(allowed) if self.warm_start else None
        if start is not None:
            messages.append("warm start from a greedy + swap plan")
        for round_no in range(1, self.max_rounds + 1):
            t0 = time.perf_counter()
            if k is None:
                pairs, beyond = allowed, pd.Series(dtype=float)
            else:
                keep = (rank < allowed["demand_id"].map(k).to_numpy()) | fixed
                pairs = allowed[keep]
                beyond = allowed[~keep].groupby("demand_id", sort=False)["cost"].min()
            model, opened, far, unmet = self._formulate(pairs, beyond)
            if start is not None:
                self._set_start(start, opened, far, unmet)
            model.started = t0
            result = solve_plan(
                model,
                dict,
                options,
                deadline=deadline,
                may_give=list(self.may_give),
                elastic=options.cutoff is None,
                warm_start=start is not None,
            )
            build += result.build_seconds
            solve += result.solve_seconds
            if not result.has_plan and result.status != "infeasible":
                break
            farther = [
                d for d, v in far.items() if (v.varValue or 0) > 1e-6 and self.weights[d] > 0
            ]
            if not farther:
                break
            out_of_time = deadline.passed
            if round_no == self.max_rounds or out_of_time:
                self._farther_left = len(farther)
                messages.append(
                    f"{len(farther)} demand(s) still lie beyond their k cheapest sites; the plan "
                    "is evaluated on the full costs and the bound is a relaxation bound"
                )
                break
            k.loc[farther] *= WIDEN
            messages.append(f"round {round_no}: widened k for {len(farther)} demand(s)")
            if self.warm_start:
                start = {s for s, v in opened.items() if (v.varValue or 0) > 0.5}
        if k is not None:
            messages.append(f"k nearest per demand at the end: max {int(k.max())}")
        return self._finish(result, model, opened, unmet, allowed, build, solve, messages)

    #: Start the solver from a heuristic plan with every variable set.
    warm_start = True

    def _dense(self, pairs: pd.DataFrame, missing: float) -> np.ndarray:
        """demand x site matrix of ``pairs`` costs (weights order); ``missing`` elsewhere."""
        dense = np.full((len(self.weights), len(self.sites)), missing)
        rows = self.weights.index.get_indexer(pairs["demand_id"])
        cols = self.sites.get_indexer(pairs["site_id"])
        dense[rows, cols] = np.minimum(pairs["cost"].to_numpy(dtype=float), missing)
        return dense

    def _heuristic_start(self, allowed: pd.DataFrame) -> set[str] | None:
        if len(self.weights) * len(self.sites) > 3e7:
            return None
        top = float(allowed["cost"].max()) if len(allowed) else 1.0
        missing = self.unmet_penalty if self.unmet_penalty is not None else 1e3 * (top + 1.0)
        dense = self._dense(allowed, missing)
        w = self.weights.to_numpy(dtype=float)
        weighted = dense * (w > 0)[:, None] if self.worst_case else dense * w[:, None]
        fixed = self.sites.get_indexer(list(self.fixed_open))
        return {str(self.sites[j]) for j in good_open_sites(weighted, self.p, fixed)}

    def _set_start(self, open_ids: set[str], opened: pd.Series, far: pd.Series, unmet) -> None:
        """Give every variable its value in the plan 'open these sites, go to the nearest'."""
        for site, var in opened.items():
            var.setInitialValue(1.0 if site in open_ids else 0.0)
        x = self._x
        at_open = x["site_id"].isin(open_ids).to_numpy()
        chosen = np.zeros(len(x), dtype=bool)
        idx = np.flatnonzero(at_open)  # rows are sorted by demand, then cost
        chosen[idx[~x["demand_id"].iloc[idx].duplicated().to_numpy()]] = True
        for var, on in zip(x["var"], chosen, strict=True):
            var.setInitialValue(1.0 if on else 0.0)
        served = set(x.loc[chosen, "demand_id"])
        for d, var in far.items():
            var.setInitialValue(0.0 if d in served else 1.0)
        if unmet is not None:
            for d, var in unmet.items():
                var.setInitialValue(0.0 if d in served or d in far.index else 1.0)
        if self.worst_case:
            chosen_cost = x.loc[chosen].set_index("demand_id")["cost"]
            beyond = self._beyond
            costs = [
                float(chosen_cost[d]) if d in served else float(beyond.get(d, 0.0))
                for d, wd in self.weights.items()
                if wd > 0 and (d in served or d in far.index)
            ]
            self._worst.setInitialValue(max(costs, default=0.0))

    def _formulate(self, pairs: pd.DataFrame, beyond: pd.Series):
        m = PlanModel(self.title)
        w = self.weights
        # decisions: which sites open; what share of each demand goes to each allowed site
        opened = b.add_site_choice(m, self.sites, self.fixed_open)
        x = self._x = b.add_assignment(m, pairs)
        self._beyond = beyond
        far = pd.Series(m.variables("farther", len(beyond), 0, 1), index=beyond.index)
        unmet = b.add_unmet_demand(m, w, self.unmet_penalty, binary=self.worst_case)
        # every demand is served once: near, farther than its k cheapest sites, or unmet
        b.serve_once(m, x, w.index, [s for s in (far, unmet) if s is not None], weights=w)
        # only at open sites
        b.only_at_open_sites(m, x, opened)
        # exactly p sites open
        b.open_exactly(m, opened, self.p)
        if self.worst_case:
            # worst cost over demands >= each demand's cost (demands of weight 0 do not count)
            cost = b.sum_by(x[x["demand_id"].map(w).to_numpy() > 0], "demand_id", coef="cost")
            for d, v in far.items():
                if w[d] > 0:
                    cost.setdefault(d, pulp.LpAffineExpression())[v] = float(beyond[d])
            worst = self._worst = b.worst_of(m, cost, family="worst cost")
            m.add_term(b.expression([worst]))
        else:
            # total weighted cost: person-minutes (or person-metres)
            m.add_term(b.expression(x["var"], x["cost"] * x["demand_id"].map(w)))
            m.add_term(b.expression(far.to_numpy(), beyond * far.index.map(w)))
        return m, opened, far, unmet

    def _params(self) -> dict:
        """The settings a result records (JSON-ready)."""
        return {
            "p": self.p,
            "k_nearest": self.k_nearest,
            "max_cost": self.max_cost,
            "unmet_penalty": self.unmet_penalty,
            "fixed_open": list(self.fixed_open),
        }

    def _record_run(self, result, build, solve, messages) -> None:
        """Times, messages and settings onto the result."""
        result.build_seconds, result.solve_seconds = build, solve
        result.messages += messages
        result.params = self._params()

    def _finish(self, result, model, opened, unmet, allowed, build, solve, messages):
        self._record_run(result, build, solve, messages)
        usable = result.has_plan or (result.status == "infeasible" and not result.shortfall.empty)
        if not usable:
            return result
        open_ids = [s for s, v in opened.items() if (v.varValue or 0) > 0.5]
        left_out = set()
        if unmet is not None:
            left_out = {d for d, v in unmet.items() if (v.varValue or 0) > 0.5}
        assignment = nearest_open(
            allowed[~allowed["demand_id"].isin(left_out)], self.weights, open_ids
        )
        unserved = self.weights[~self.weights.index.isin(assignment["demand_id"])]
        result.plans = {
            "open_sites": self.open_sites_frame(open_ids, assignment),
            "assignment": assignment,
        }
        if result.status == "infeasible":
            return result
        # evaluate the plan on the full costs: the honest objective
        penalty = (self.unmet_penalty or 0.0) * float(unserved.sum())
        if self.worst_case:
            served = assignment[assignment["weight"] > 0]
            objective = (float(served["cost"].max()) if len(served) else 0.0) + penalty
        else:
            objective = float((assignment["cost"] * assignment["weight"]).sum()) + penalty
        if result.objective is not None and objective < result.objective - 1e-6 * max(
            1.0, abs(result.objective)
        ):
            result.messages.append("plan improved by sending each demand to its nearest open site")
        result.objective = objective
        if result.best_bound is not None:
            result.best_bound = min(result.best_bound, objective)
        result.gap = relative_gap(objective, result.best_bound)
        if result.status == "optimal" and result.gap and result.gap > 1e-6:
            result.status = "feasible within gap"
        positive = unserved[unserved > 0]
        result.shortfall = (
            pd.DataFrame(
                {
                    "constraint": "unmet demand",
                    "where": positive.index.astype(str),
                    "amount": positive.to_numpy(dtype=float),
                }
            )
            if len(positive)
            else empty_shortfall()
        )
        return result


@dataclass(kw_only=True)
class PMedian(_NearestOpenSite):
    """Open p sites so that the total weighted cost to the nearest open site is least.

    minimise   sum_ij w_i c_ij x_ij
    subject to sum_j x_ij = 1 (each demand served once), x_ij <= y_j (only at open sites),
               sum_j y_j = p, y_j = 1 for fixed-open sites.

    method: "compact" solves the model above (any solver); "radius" solves the radius
    (covering) formulation by Benders cuts and branch and bound in HiGHS (``radius.py``);
    "auto" takes "radius" with HiGHS when every demand-site cost is known and there is no
    max_cost or unmet_penalty, else "compact".
    """

    title = "p-median"

    method: str = "auto"

    def _solve(self, options: SolverOptions) -> PlanResult:
        if self._fast_method(options, "radius"):
            return self._solve_fast(options)
        return super()._solve(options)

    def _fast_method(self, options: SolverOptions, name: str) -> bool:
        """True when the model's own method ``name`` is to be used (see the class docstring)."""
        if self.method not in ("auto", "compact", name):
            raise InputError(f"method must be auto, compact or {name}, got {self.method!r}")
        if self.method == "compact":
            return False
        why = self._fast_method_blocked(options)
        if self.method == name and why:
            raise InputError(f"method={name!r} {why}; use method='compact'")
        return not why

    def _fast_method_blocked(self, options: SolverOptions) -> str | None:
        """Why the fast method cannot run here, or None."""
        if options.name != "highs":
            return "needs solver highs"
        if self.max_cost is not None or self.unmet_penalty is not None:
            return "takes no max_cost or unmet_penalty"
        if len(self.costs) != len(self.weights) * len(self.sites):
            return "needs every demand-site cost"
        return None

    def _solve_fast(self, options: SolverOptions) -> PlanResult:
        self._check_p(self.p)
        deadline = Deadline.after(options.time_limit_s)
        t0 = time.perf_counter()
        cost = self._dense(self.costs, missing=np.inf)
        w = self.weights.to_numpy(dtype=float)
        fixed = self.sites.get_indexer(list(self.fixed_open))
        prepare_highs(options.threads)
        build = time.perf_counter() - t0
        out = solve_p_median_radius(
            cost,
            w,
            self.p,
            fixed,
            options.gap_rel,
            deadline,
            options.threads,
            options.seed,
        )
        open_ids = [str(self.sites[j]) for j in out.open_sites]
        return self._fast_result(out, open_ids, self.costs, build, "radius")

    def _fast_result(
        self, out, open_ids: list[str], costs: pd.DataFrame, build: float, method: str
    ) -> PlanResult:
        """A PlanResult from a fast method's outcome, the plans on the allowed ``costs``."""
        assignment = nearest_open(costs, self.weights, open_ids)
        served = assignment[assignment["weight"] > 0]
        if self.worst_case:
            objective = float(served["cost"].max()) if len(served) else 0.0
        else:
            objective = float((assignment["cost"] * assignment["weight"]).sum())
        bound = None if not np.isfinite(out.bound) else min(out.bound, objective)
        return PlanResult(
            model=self.title,
            status=out.status,
            objective=objective,
            best_bound=bound,
            gap=relative_gap(objective, bound),
            build_seconds=build,
            solve_seconds=out.seconds,
            solver="highs",
            plans={
                "open_sites": self.open_sites_frame(open_ids, assignment),
                "assignment": assignment,
            },
            messages=list(out.messages),
            params={**self._params(), "method": method},
        )


@dataclass(kw_only=True)
class PCenter(PMedian):
    """Open p sites so that the worst cost any demand (of positive weight) has is least.

    minimise W  subject to  W >= sum_j c_ij x_ij for every demand, plus the p-median rules.

    method: "compact" solves the model above (any solver); "covering" binary-searches the
    sorted costs, each radius a set-covering question (``center_search.py``, HiGHS); "auto"
    takes "covering" with HiGHS when there is no unmet_penalty and every demand of positive
    weight can be reached, else "compact".
    """

    title = "p-center"
    worst_case = True

    def _solve(self, options: SolverOptions) -> PlanResult:
        if self._fast_method(options, "covering"):
            return self._solve_fast(options)
        return _NearestOpenSite._solve(self, options)

    def _fast_method_blocked(self, options: SolverOptions) -> str | None:
        if options.name != "highs":
            return "needs solver highs"
        if self.unmet_penalty is not None:
            return "takes no unmet_penalty"
        allowed = b.allowed_pairs(self.costs, max_cost=self.max_cost)
        must = self.weights[self.weights > 0].index
        if not must.isin(allowed["demand_id"]).all():
            return "needs a site within reach of every demand"
        return None

    def _solve_fast(self, options: SolverOptions) -> PlanResult:
        self._check_p(self.p)
        deadline = Deadline.after(options.time_limit_s)
        t0 = time.perf_counter()
        allowed = b.allowed_pairs(self.costs, max_cost=self.max_cost)
        cost = self._dense(allowed, missing=np.inf)[self.weights.to_numpy() > 0]
        fixed = self.sites.get_indexer(list(self.fixed_open))
        prepare_highs(options.threads)
        build = time.perf_counter() - t0
        out = solve_p_center_by_covering(
            cost,
            self.p,
            fixed,
            deadline,
            options.threads,
            options.seed,
        )
        if out.status == "infeasible":  # the plain model says which demands, and how much
            return _NearestOpenSite._solve(self, options, deadline)
        open_ids = [str(self.sites[j]) for j in out.open_sites]
        return self._fast_result(out, open_ids, allowed, build, "covering")
