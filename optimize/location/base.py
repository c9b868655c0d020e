"""What every location model shares: the three doors, checked inputs, and the plan frames."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Self

import numpy as np
import pandas as pd

from demand.errors import InputError
from optimize.location.inputs import (
    check_capacity,
    check_costs,
    check_weights,
    costs_from_geometry,
    costs_from_matrix,
)
from optimize.result import PlanResult
from optimize.solver import SolverOptions

if TYPE_CHECKING:  # maps are a door in; geopandas is imported only when one is used
    import geopandas as gpd


@dataclass(kw_only=True)
class LocationModel:
    """Demands, candidate sites and the cost between them; subclasses add the question asked.

    costs       [demand_id, site_id, cost]: minutes or metres; a missing pair = cannot serve.
    weights     demand_id -> weight (persons, visits); None = 1 each.
    fixed_open  sites that are open already (existing facilities) and stay open.
    """

    title: ClassVar[str] = "location model"

    costs: pd.DataFrame
    weights: pd.Series | pd.DataFrame | None = None
    fixed_open: Sequence[str] = ()
    result_: PlanResult | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.costs.attrs.get("checked"):
            self.costs = check_costs(self.costs, source="costs", row_offset=0)
            self.costs.attrs["checked"] = True
        cost_demands = pd.unique(self.costs["demand_id"])
        self.weights = check_weights(self.weights, cost_demands, row_offset=0)
        self.sites = pd.Index(pd.unique(self.costs["site_id"]), name="site_id")
        self.fixed_open = tuple(dict.fromkeys(str(s) for s in self.fixed_open))
        unknown = [s for s in self.fixed_open if s not in self.sites]
        if unknown:
            raise InputError(
                f"fixed sites {unknown[:5]} are not candidate sites in the costs; give them cost "
                "rows or drop them from the fixed list"
            )

    # --- doors --------------------------------------------------------------------------------

    @classmethod
    def from_costs(
        cls, costs: pd.DataFrame, weights: pd.Series | pd.DataFrame | None = None, **settings: Any
    ) -> Self:
        """Door for a long cost frame [demand_id, site_id, cost] (only allowed pairs)."""
        return cls(costs=costs, weights=weights, **settings)

    @classmethod
    def from_cost_matrix(
        cls,
        cost_matrix: np.ndarray | pd.DataFrame,
        weights: Sequence[float] | pd.Series | None = None,
        demand_ids: Sequence[str] | None = None,
        site_ids: Sequence[str] | None = None,
        **settings: Any,
    ) -> Self:
        """Door for a demand x site matrix (NaN/inf = cannot serve); weights in row order."""
        costs = costs_from_matrix(cost_matrix, demand_ids, site_ids)
        if weights is not None and not isinstance(weights, pd.Series):
            ids = demand_ids or (
                [str(i) for i in cost_matrix.index]
                if isinstance(cost_matrix, pd.DataFrame)
                else [str(i) for i in range(len(cost_matrix))]
            )
            weights = pd.Series(np.asarray(weights, dtype=float), index=[str(i) for i in ids])
        return cls(costs=costs, weights=weights, **settings)

    @classmethod
    def from_geodataframe(
        cls,
        demand: gpd.GeoDataFrame,
        sites: gpd.GeoDataFrame,
        weight_col: str | None = None,
        demand_id_col: str = "area_id",
        site_id_col: str = "site_id",
        speed_kmh: float | None = None,
        **settings: Any,
    ) -> Self:
        """Door for maps: straight-line metres between centroids (minutes given ``speed_kmh``).

        Capacity, when the model takes it, may be a column name of ``sites``.
        """
        costs = costs_from_geometry(demand, sites, demand_id_col, site_id_col, speed_kmh)
        weights = None
        if weight_col is not None:
            weights = pd.Series(
                demand[weight_col].to_numpy(dtype=float),
                index=[str(v) for v in demand[demand_id_col]],
            )
        if isinstance(settings.get("capacity"), str):
            col = settings["capacity"]
            settings["capacity"] = pd.Series(
                sites[col].to_numpy(dtype=float), index=[str(v) for v in sites[site_id_col]]
            )
        return cls(costs=costs, weights=weights, **settings)

    # --- solving ------------------------------------------------------------------------------

    def solve(self, options: SolverOptions | None = None) -> PlanResult:
        """Build and solve; the result is also kept as ``result_``."""
        self.result_ = self._solve(options or SolverOptions())
        return self.result_

    def _solve(self, options: SolverOptions) -> PlanResult:
        raise NotImplementedError

    def _check_p(self, p: int) -> None:
        if p < 1 or p > len(self.sites):
            raise InputError(
                f"p must be between 1 and the {len(self.sites)} candidate sites, got {p}"
            )
        if len(self.fixed_open) > p:
            raise InputError(
                f"{len(self.fixed_open)} sites are fixed open but only p={p} may open; raise p"
            )

    # --- plan frames --------------------------------------------------------------------------

    def open_sites_frame(self, open_ids: Sequence[str], assignment: pd.DataFrame) -> pd.DataFrame:
        """[site_id, fixed, demands, weight_served]: one row per open site."""
        served = assignment.groupby("site_id")["weight"].agg(["size", "sum"])
        frame = pd.DataFrame({"site_id": list(open_ids)})
        frame["fixed"] = frame["site_id"].isin(self.fixed_open)
        frame["demands"] = frame["site_id"].map(served["size"]).fillna(0).astype(int)
        frame["weight_served"] = frame["site_id"].map(served["sum"]).fillna(0.0)
        return frame.sort_values("site_id", kind="stable").reset_index(drop=True)


def nearest_open(costs: pd.DataFrame, weights: pd.Series, open_ids: Sequence[str]) -> pd.DataFrame:
    """Each demand to its cheapest open site: [demand_id, site_id, cost, weight].

    Demands with no cost row to any open site are left out (they are unmet).
    """
    reach = costs[costs["site_id"].isin(set(open_ids))]
    best = reach.loc[reach.groupby("demand_id", sort=False)["cost"].idxmin()]
    best = best.assign(weight=best["demand_id"].map(weights).to_numpy())
    return (
        best[["demand_id", "site_id", "cost", "weight"]]
        .sort_values("demand_id", kind="stable")
        .reset_index(drop=True)
    )


def capacity_series(capacity: pd.Series | pd.DataFrame) -> pd.Series:
    """site_id -> capacity, checked."""
    return check_capacity(capacity, row_offset=0)
