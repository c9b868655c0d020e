"""Floating-catchment accessibility: how much supply each area can reach, net of competition.

Inputs are plain pandas objects:
- ``demand``: Series indexed by area_id, persons (or need units) living in each area;
- ``supply``: Series indexed by facility_id, capacity (beds, seats, cases per year...);
- ``travel``: long frame ``[area_id, facility_id, minutes]``; pairs not listed are unreachable.

Links to areas or facilities missing from ``demand`` / ``supply`` are ignored (a travel frame
usually covers every facility kind). Results are Series indexed like ``demand``; an area that
reaches no facility gets 0. Access from 2SFCA is supply per unit of demand (e.g. beds per person).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from demand.errors import InputError
from optimize.metrics.weights import WeightFn, gaussian_weight, gravity_weight, step_weight

#: Luo & Qi (2009) stepped weights for a 30-minute catchment (also PySAL access's default).
DEFAULT_STEPS: dict[float, float] = {10: 1.0, 20: 0.68, 30: 0.22}


@dataclass(frozen=True)
class _Links:
    """Travel links as integer positions into the demand and supply vectors."""

    area: np.ndarray  # position of the link's area in demand.index
    facility: np.ndarray  # position of the link's facility in supply.index
    minutes: np.ndarray
    n_areas: int
    n_facilities: int


def _links(
    demand_index: pd.Index,
    supply_index: pd.Index,
    travel: pd.DataFrame,
    max_minutes: float | None,
) -> _Links:
    for col in ("area_id", "facility_id", "minutes"):
        if col not in travel.columns:
            raise ValueError(f"travel frame needs column {col!r}; it has {list(travel.columns)}")
    if not demand_index.is_unique or not supply_index.is_unique:
        raise ValueError("demand and supply must be indexed by unique area_id / facility_id")
    area = demand_index.get_indexer(travel["area_id"])
    facility = supply_index.get_indexer(travel["facility_id"])
    minutes = travel["minutes"].to_numpy(dtype=float)
    keep = (area >= 0) & (facility >= 0)
    if max_minutes is not None:
        keep &= minutes <= max_minutes
    return _Links(area[keep], facility[keep], minutes[keep], len(demand_index), len(supply_index))


def _floating_catchment(
    demand: pd.Series,
    supply: pd.Series,
    travel: pd.DataFrame,
    max_minutes: float | None,
    weight: WeightFn | None,
) -> pd.Series:
    """Generic 2SFCA: R_j = S_j / sum_i w_ij D_i, A_i = sum_j w_ij R_j (w used in both steps)."""
    links = _links(demand.index, supply.index, travel, max_minutes)
    w = np.ones(len(links.minutes)) if weight is None else weight(links.minutes)
    d = demand.to_numpy(dtype=float)
    s = supply.to_numpy(dtype=float)
    # step 1: demand each facility faces inside its catchment
    faced = np.bincount(links.facility, weights=w * d[links.area], minlength=links.n_facilities)
    # supply-to-demand ratio per facility; a facility nobody can reach serves nobody
    ratio = np.divide(s, faced, out=np.zeros_like(s), where=faced > 0)
    # step 2: each area sums the ratios of the facilities it can reach
    access = np.bincount(links.area, weights=w * ratio[links.facility], minlength=links.n_areas)
    return pd.Series(access, index=demand.index, name="access")


def two_step_fca(
    demand: pd.Series, supply: pd.Series, travel: pd.DataFrame, max_minutes: float
) -> pd.Series:
    """Two-step floating catchment area (Luo & Wang 2003): supply per person within reach.

    Every facility within ``max_minutes`` counts fully. Equals PySAL
    ``Access.two_stage_fca(max_cost=max_minutes)``.
    """
    return _floating_catchment(demand, supply, travel, max_minutes, None)


def enhanced_two_step_fca(
    demand: pd.Series,
    supply: pd.Series,
    travel: pd.DataFrame,
    steps: Mapping[float, float] | None = None,
    sigma_minutes: float | None = None,
    max_minutes: float | None = None,
) -> pd.Series:
    """Enhanced 2SFCA: nearer facilities count more, by stepped or Gaussian decay.

    Give ``steps`` ({minutes: weight}, default Luo & Qi 10/20/30 = 1/0.68/0.22) or
    ``sigma_minutes`` for Gaussian decay (then ``max_minutes`` caps the catchment).
    Equals PySAL ``Access.enhanced_two_stage_fca(weight_fn=..., max_cost=...)``.
    """
    if steps is not None and sigma_minutes is not None:
        raise ValueError("give either steps or sigma_minutes, not both")
    weight = (
        gaussian_weight(sigma_minutes)
        if sigma_minutes is not None
        else step_weight(DEFAULT_STEPS if steps is None else steps)
    )
    return _floating_catchment(demand, supply, travel, max_minutes, weight)


def gravity_access(
    demand: pd.Series,
    supply: pd.Series,
    travel: pd.DataFrame,
    scale_minutes: float = 1.0,
    alpha: float = -1.0,
    min_minutes: float = 1.0,
    max_minutes: float | None = None,
) -> pd.Series:
    """Gravity access with competition (Joseph & Bantock 1982; Wang 2012).

    A_i = sum_j S_j f(t_ij) / V_j with V_j = sum_k D_k f(t_kj) and
    f(t) = (max(t, min_minutes) / scale_minutes) ** alpha: the 2SFCA with a power decay and
    no hard edge unless ``max_minutes`` is given. Units as 2SFCA (supply per person).
    """
    weight = gravity_weight(scale_minutes, alpha, min_minutes)
    return _floating_catchment(demand, supply, travel, max_minutes, weight)


def supply_potential(
    areas: pd.Index,
    supply: pd.Series,
    travel: pd.DataFrame,
    weight: WeightFn | None = None,
    max_minutes: float | None = None,
) -> pd.Series:
    """Hansen potential: decay-weighted supply within reach of each area, no competition.

    Equals PySAL ``Access.weighted_catchment``. Units: supply (e.g. beds) within reach.
    """
    links = _links(pd.Index(areas), supply.index, travel, max_minutes)
    w = np.ones(len(links.minutes)) if weight is None else weight(links.minutes)
    s = supply.to_numpy(dtype=float)
    total = np.bincount(links.area, weights=w * s[links.facility], minlength=links.n_areas)
    return pd.Series(total, index=pd.Index(areas), name="supply_within_reach")


def nearest_minutes(areas: pd.Index, facilities: pd.Index, travel: pd.DataFrame) -> pd.Series:
    """Minutes from each area to its nearest facility among ``facilities``.

    ``inf`` when the travel frame lists none (beyond its cutoff).
    """
    links = _links(pd.Index(areas), pd.Index(facilities), travel, None)
    best = np.full(links.n_areas, np.inf)
    np.minimum.at(best, links.area, links.minutes)
    return pd.Series(best, index=pd.Index(areas), name="nearest_minutes")


def coverage_within(
    areas: pd.Index, supply: pd.Series, travel: pd.DataFrame, threshold_minutes: float
) -> pd.Series:
    """True where an area reaches at least one facility with supply > 0 within the threshold."""
    open_facilities = supply.index[supply.to_numpy(dtype=float) > 0]
    best = nearest_minutes(areas, open_facilities, travel)
    return (best <= threshold_minutes).rename("covered")


def supply_to_need_ratio(
    need: pd.Series,
    supply: pd.Series,
    facility_area: pd.Series,
    area_group: pd.Series | None = None,
) -> pd.Series:
    """Supply located in each area (or group of areas, e.g. district) divided by its need.

    ``facility_area`` maps facility_id -> area_id; ``area_group`` optionally maps
    area_id -> group (district). NaN where need is 0. Units: supply per need unit.
    """
    located = supply.groupby(facility_area.reindex(supply.index)).sum()
    if area_group is not None:
        located = located.groupby(area_group.reindex(located.index)).sum()
        need = need.groupby(area_group.reindex(need.index)).sum()
    located = located.reindex(need.index, fill_value=0.0)
    ratio = located / need.where(need > 0)
    return ratio.rename("supply_to_need")


#: The access measures ``access_by_method`` knows.
ACCESS_METHODS = ("2sfca", "e2sfca", "gravity", "coverage")


def access_by_method(
    method: str,
    demand: pd.Series,
    supply: pd.Series,
    travel: pd.DataFrame,
    threshold: float | None = None,
    **decay: object,
) -> pd.DataFrame:
    """Access per area by one of ``ACCESS_METHODS``: [area_id, persons, access, nearest_minutes].

    demand: area_id -> persons; supply: facility_id -> capacity; travel: long minutes.
    threshold (minutes): the catchment of 2sfca and coverage (default 30); caps e2sfca and
    gravity. decay: the distance-decay settings of e2sfca (``steps`` or ``sigma_minutes``) or
    gravity (``alpha``). Coverage's access is 1 for an area within reach of supply, else 0.
    """
    out = pd.DataFrame({"persons": demand})
    catchment = 30.0 if threshold is None else threshold
    if method == "2sfca":
        out["access"] = two_step_fca(demand, supply, travel, catchment)
    elif method == "e2sfca":
        out["access"] = enhanced_two_step_fca(
            demand, supply, travel, max_minutes=threshold, **decay
        )
    elif method == "gravity":
        out["access"] = gravity_access(demand, supply, travel, max_minutes=threshold, **decay)
    elif method == "coverage":
        out["access"] = coverage_within(demand.index, supply, travel, catchment).astype(float)
    else:
        raise InputError(f"--method {method!r} is not one of {', '.join(ACCESS_METHODS)}.")
    out["nearest_minutes"] = nearest_minutes(demand.index, supply.index[supply > 0], travel)
    return out.rename_axis("area_id").reset_index()
