"""Which units (area polygons) are neighbours: they share a stretch of boundary.

Found with the spatial index: polygons grown by ``tolerance_m`` that intersect are candidates,
and a pair is kept when at least ``min_shared_m`` metres of one's boundary lie within the
tolerance of the other. Touching at a single corner does not make neighbours (a district joined
only at a corner is not one piece on the map), while small digitising gaps are bridged.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely


def unit_neighbours(
    units: gpd.GeoDataFrame,
    id_column: str = "area_id",
    tolerance_m: float = 0.5,
    min_shared_m: float = 2.0,
) -> pd.DataFrame:
    """Neighbouring pairs [area_id, neighbour_id], both directions, sorted.

    units: polygons in a projected CRS in metres. tolerance_m bridges slivers and gaps;
    min_shared_m is the shortest shared boundary (metres) that counts as adjacency.
    """
    geoms = units.geometry.to_numpy()
    grown = shapely.buffer(geoms, tolerance_m)
    left, right = units.sindex.query(grown, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    shared = shapely.length(shapely.intersection(shapely.boundary(geoms[left]), grown[right]))
    touching = shared >= max(min_shared_m, 4 * tolerance_m)
    left, right = left[touching], right[touching]
    ids = units[id_column].to_numpy()
    a = np.concatenate([ids[left], ids[right]])
    b = np.concatenate([ids[right], ids[left]])
    out = pd.DataFrame({"area_id": a, "neighbour_id": b})
    return out.sort_values(["area_id", "neighbour_id"], kind="stable").reset_index(drop=True)
