"""Residents per building, estimated from OSM footprints and levels (an estimate, flagged so).

persons = footprint m² x levels x residential share / floor m² per person. Buildings tagged
as homes count in full; ``building=yes`` (no type given, most of OSM) counts with
``UNTYPED_RESIDENTIAL_SHARE``; every other type (office, school, church…) counts nothing.
Levels come from ``building:levels``, else ``height`` / 3 m, else ``DEFAULT_LEVELS``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

#: Building types taken as homes.
RESIDENTIAL = {
    "residential",
    "apartments",
    "house",
    "detached",
    "semidetached_house",
    "terrace",
    "dormitory",
    "bungalow",
    "farm",
    "cabin",
    "static_caravan",
    "houseboat",
}
#: Share of an untyped building's floor area taken as homes (mixed use in a city centre).
UNTYPED_RESIDENTIAL_SHARE = 0.5
#: Floor area per resident, m² (Finland 41, China 40, EU median about 40).
FLOOR_M2_PER_PERSON = 40.0
#: Levels of a building that says nothing about its height.
DEFAULT_LEVELS = 2.0
LEVEL_HEIGHT_M = 3.0


def _number(values: pd.Series) -> np.ndarray:
    text = values.astype("string").str.extract(r"^\s*(\d+(?:\.\d+)?)", expand=False)
    return pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)


def building_levels(buildings: pd.DataFrame) -> np.ndarray:
    """Levels above ground per building (see the module docstring)."""
    n = len(buildings)
    levels = (
        _number(buildings["building:levels"])
        if "building:levels" in buildings
        else np.full(n, np.nan)
    )
    if "height" in buildings:
        from_height = np.floor(_number(buildings["height"]) / LEVEL_HEIGHT_M)
        levels = np.where(np.isnan(levels), from_height, levels)
    levels = np.where(np.isnan(levels) | (levels < 1), DEFAULT_LEVELS, levels)
    return levels


def residential_share(buildings: pd.DataFrame) -> np.ndarray:
    """1 for homes, UNTYPED_RESIDENTIAL_SHARE for building=yes, 0 otherwise."""
    kind = buildings["building"].astype("string").fillna("yes").str.lower()
    return np.where(
        kind.isin(RESIDENTIAL), 1.0, np.where(kind == "yes", UNTYPED_RESIDENTIAL_SHARE, 0.0)
    )


def estimated_residents(buildings: gpd.GeoDataFrame) -> np.ndarray:
    """Estimated residents of each building (``buildings`` in a projected CRS, metres)."""
    if len(buildings) == 0:
        return np.zeros(0)
    footprint = buildings.geometry.area.to_numpy()
    return (
        footprint
        * building_levels(buildings)
        * residential_share(buildings)
        / (FLOOR_M2_PER_PERSON)
    )
