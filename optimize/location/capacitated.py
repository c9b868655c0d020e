"""Capacitated p-median: open p sites, each demand wholly at one site, sites within capacity."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from optimize import blocks as b
from optimize.location.base import capacity_series
from optimize.location.median import _NearestOpenSite
from optimize.model import PlanModel
from optimize.result import PlanResult


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

    def _finish(self, result, model, opened, unmet, allowed, build, solve, messages) -> PlanResult:
        result.build_seconds, result.solve_seconds = build, solve
        result.messages += messages
        result.params = {
            "p": self.p,
            "k_nearest": self.k_nearest,
            "max_cost": self.max_cost,
            "unmet_penalty": self.unmet_penalty,
            "fixed_open": list(self.fixed_open),
            "total_capacity": float(self.capacity.sum()),
            "total_weight": float(self.weights.sum()),
        }
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
        return result
