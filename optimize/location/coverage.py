"""Covering models: reach as much demand as possible with p sites (MCLP), or reach all demand
with as few sites as possible (LSCP). A demand is reached by a site within ``radius``."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pandas as pd

from optimize import blocks as b
from optimize.location.base import LocationModel, nearest_open
from optimize.model import PlanModel, solve_plan
from optimize.result import PlanResult
from optimize.solver import SolverOptions


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

    def _plans(self, opened: pd.Series) -> dict[str, pd.DataFrame]:
        open_ids = [s for s, v in opened.items() if (v.varValue or 0) > 0.5]
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
    """

    title = "maximal covering"
    p: int

    def _solve(self, options: SolverOptions) -> PlanResult:
        self._check_p(self.p)
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
        result.params = {"p": self.p, "radius": self.radius, "fixed_open": list(self.fixed_open)}
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
