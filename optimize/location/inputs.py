"""The doors into a location model: checked long costs and weights from a matrix, a long frame or
geometry. Row numbers in errors count a header as row 1 (as in a CSV file)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from demand.checks import require_columns, require_ids, require_numbers, require_unique
from demand.errors import InputError

if TYPE_CHECKING:  # maps are a door in; geopandas is imported only when one is used
    import geopandas as gpd

COST_COLUMNS = ["demand_id", "site_id", "cost"]


def check_costs(costs: pd.DataFrame, source: str = "costs", row_offset: int = 2) -> pd.DataFrame:
    """[demand_id, site_id, cost] with string ids, finite costs >= 0 and one row per pair."""
    require_columns(costs, COST_COLUMNS, source)
    out = pd.DataFrame(
        {
            "demand_id": _repeated_ids(costs, "demand_id", source, row_offset),
            "site_id": _repeated_ids(costs, "site_id", source, row_offset),
            "cost": require_numbers(costs, "cost", source, row_offset=row_offset),
        }
    )
    require_unique(out, ["demand_id", "site_id"], source, row_offset=row_offset)
    return out.reset_index(drop=True)


def _repeated_ids(costs: pd.DataFrame, column: str, source: str, row_offset: int) -> pd.Series:
    """``require_ids`` for a column whose ids repeat (each demand has a row per site): each
    distinct id is stripped once (pmed36's 640,000 rows: 0.5 s -> 0.03 s). Columns of mixed
    types, and any blank id, take ``require_ids`` itself (its message names the row)."""
    values = costs[column]
    if not (pd.api.types.is_string_dtype(values) or pd.api.types.is_integer_dtype(values)):
        return require_ids(costs, column, source, row_offset=row_offset)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    stripped = pd.Series(uniques).astype("string").str.strip()
    if (codes < 0).any() or (stripped.isna() | (stripped == "")).any():
        return require_ids(costs, column, source, row_offset=row_offset)
    return pd.Series(stripped.to_numpy(dtype=object)[codes], index=costs.index, dtype=object)


def check_weights(
    weights: pd.DataFrame | pd.Series | None,
    demand_ids: Sequence[str],
    source: str = "weights",
    row_offset: int = 2,
) -> pd.Series:
    """demand_id -> weight (e.g. persons), >= 0. None = every demand weighs 1.

    Demands that appear in the costs but not in the weights are an error (never dropped quietly);
    weighted demands with no cost rows are kept: they cannot be served and show as unmet.
    """
    known = pd.Index(pd.unique(np.asarray(demand_ids, dtype=object)))
    if weights is None:
        return pd.Series(1.0, index=known, name="weight")
    if isinstance(weights, pd.Series):
        weights = pd.DataFrame({"demand_id": weights.index, "weight": weights.to_numpy()})
    require_columns(weights, ["demand_id", "weight"], source)
    frame = pd.DataFrame(
        {
            "demand_id": require_ids(weights, "demand_id", source, row_offset=row_offset),
            "weight": require_numbers(weights, "weight", source, row_offset=row_offset),
        }
    )
    require_unique(frame, ["demand_id"], source, row_offset=row_offset)
    series = frame.set_index("demand_id")["weight"]
    missing = known.difference(series.index)
    if len(missing):
        raise InputError(
            f"{source}: no weight for demand {missing[0]!r} ({len(missing)} demand(s) in the "
            "costs have none). Add a row demand_id, weight for each."
        )
    return series.rename("weight")


def check_capacity(
    capacity: pd.DataFrame | pd.Series, source: str = "capacity", row_offset: int = 2
) -> pd.Series:
    """site_id -> capacity (same units as the weights), >= 0."""
    if isinstance(capacity, pd.Series):
        capacity = pd.DataFrame({"site_id": capacity.index, "capacity": capacity.to_numpy()})
    require_columns(capacity, ["site_id", "capacity"], source)
    frame = pd.DataFrame(
        {
            "site_id": require_ids(capacity, "site_id", source, row_offset=row_offset),
            "capacity": require_numbers(capacity, "capacity", source, row_offset=row_offset),
        }
    )
    require_unique(frame, ["site_id"], source, row_offset=row_offset)
    return frame.set_index("site_id")["capacity"]


def costs_from_matrix(
    matrix: np.ndarray | pd.DataFrame,
    demand_ids: Sequence[str] | None = None,
    site_ids: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Long costs from a demand x site matrix (a DataFrame's index/columns give the ids).

    NaN or inf entries mean "cannot be served there" and are left out.
    """
    if isinstance(matrix, pd.DataFrame):
        demand_ids = demand_ids or [str(i) for i in matrix.index]
        site_ids = site_ids or [str(c) for c in matrix.columns]
        matrix = matrix.to_numpy(dtype=float)
    values = np.asarray(matrix, dtype=float)
    if values.ndim != 2:
        raise InputError(f"cost matrix must be 2-D (demand x site), got shape {values.shape}")
    n, m = values.shape
    demand_ids = [str(d) for d in (demand_ids or range(n))]
    site_ids = [str(s) for s in (site_ids or range(m))]
    if len(demand_ids) != n or len(site_ids) != m:
        raise InputError(
            f"cost matrix is {n} x {m} but {len(demand_ids)} demand ids and {len(site_ids)} "
            "site ids were given"
        )
    if (values < 0).any():
        i, j = np.argwhere(values < 0)[0]
        raise InputError(
            f"cost matrix, demand {demand_ids[i]!r}, site {site_ids[j]!r}: cost {values[i, j]:g} "
            "is negative. Costs are travel minutes or metres, >= 0."
        )
    ok = np.isfinite(values)
    di, sj = np.nonzero(ok)
    return pd.DataFrame(
        {
            "demand_id": np.asarray(demand_ids, dtype=object)[di],
            "site_id": np.asarray(site_ids, dtype=object)[sj],
            "cost": values[di, sj],
        }
    )


def costs_from_geometry(
    demand: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    demand_id_col: str,
    site_id_col: str,
    speed_kmh: float | None = None,
) -> pd.DataFrame:
    """Straight-line cost between points inside demand and site geometries, all pairs.

    Metres in the demand frame's metric CRS (a geographic CRS, or one in feet, is projected to
    its UTM zone; sites are reprojected to match; ``demand.geo`` has the inside points); minutes
    when ``speed_kmh`` is given. For road-network or circuity-adjusted minutes compute travel
    with ``supply.travel`` and use ``from_costs``.
    """
    from demand.geo import inside_points, to_metric  # geopandas: only for this door

    demand = to_metric(demand)
    crs = demand.crs
    if crs is not None and sites.crs is not None and sites.crs != crs:
        sites = sites.to_crs(crs)
    a = inside_points(demand.geometry)
    b = inside_points(sites.geometry)
    a_xy = np.column_stack([a.x.to_numpy(), a.y.to_numpy()])
    b_xy = np.column_stack([b.x.to_numpy(), b.y.to_numpy()])
    metres = np.hypot(a_xy[:, None, 0] - b_xy[None, :, 0], a_xy[:, None, 1] - b_xy[None, :, 1])
    cost = metres if speed_kmh is None else metres / (speed_kmh * 1000.0 / 60.0)
    return costs_from_matrix(
        cost,
        [str(v) for v in demand[demand_id_col]],
        [str(v) for v in sites[site_id_col]],
    )
