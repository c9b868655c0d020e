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


def land_pieces(unit_ids: pd.Index, links: pd.DataFrame) -> pd.Series:
    """area_id -> number of its piece of land: units joined through ``links`` [area_id,
    neighbour_id] share a number (connected components; 0 is the piece with most units)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    pos = pd.Series(np.arange(len(unit_ids)), index=unit_ids)
    known = links["area_id"].isin(pos.index) & links["neighbour_id"].isin(pos.index)
    a = pos[links.loc[known, "area_id"]].to_numpy()
    b = pos[links.loc[known, "neighbour_id"]].to_numpy()
    n = len(unit_ids)
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    sizes = np.bincount(labels)
    rank = np.empty(len(sizes), dtype=np.int64)
    rank[np.lexsort((np.arange(len(sizes)), -sizes))] = np.arange(len(sizes))
    return pd.Series(rank[labels], index=unit_ids, name="piece")


def nearest_crossings(
    units: gpd.GeoDataFrame,
    links: pd.DataFrame,
    max_gap_m: float | None = None,
    id_column: str = "area_id",
) -> pd.DataFrame:
    """Water crossings that join the pieces of land: [area_id, neighbour_id, gap_m].

    Borůvka's way: each piece is joined to the nearest unit of another piece by the shortest
    gap between their polygons (metres), pieces so joined merge, and again until one piece is
    left or no gap within ``max_gap_m`` remains. The result is the shortest set of crossings
    that joins everything it can (a minimum spanning forest over the pieces).
    """
    ids = units[id_column].to_numpy()
    geoms = units.geometry.to_numpy()
    piece = land_pieces(pd.Index(ids), links).to_numpy()
    rows: list[tuple[str, str, float]] = []
    tree = shapely.STRtree(geoms)
    while len(set(piece)) > 1:
        best: dict[int, tuple[float, int, int]] = {}
        for c in sorted(set(piece)):
            inside = np.flatnonzero(piece == c)
            hull = shapely.union_all(geoms[inside])
            found = _nearest_outside(tree, geoms, hull, piece, c)
            if found is None:
                continue
            gap, j = found
            if max_gap_m is not None and gap > max_gap_m:
                continue
            near_i = inside[int(np.argmin(shapely.distance(geoms[inside], geoms[j])))]
            key = (round(gap, 6), int(min(near_i, j)), int(max(near_i, j)))
            if c not in best or key < best[c]:
                best[c] = key
        if not best:
            break
        for gap, i, j in sorted(set(best.values())):
            if piece[i] == piece[j]:
                continue
            rows.append((ids[i], ids[j], float(gap)))
            old, new = piece[j], piece[i]
            piece[piece == old] = new
    out = pd.DataFrame(rows, columns=["area_id", "neighbour_id", "gap_m"])
    return out.sort_values(["gap_m", "area_id"], kind="stable").reset_index(drop=True)


def _nearest_outside(tree, geoms, hull, piece, c) -> tuple[float, int] | None:
    """(gap in metres, index) of the unit nearest to ``hull`` that is not in piece ``c``."""
    for radius in (1_000.0, 10_000.0, 100_000.0, None):
        if radius is None:
            candidates = np.arange(len(geoms))
        else:
            candidates = tree.query(hull, predicate="dwithin", distance=radius)
        candidates = candidates[piece[candidates] != c]
        if len(candidates):
            gaps = shapely.distance(geoms[candidates], hull)
            k = int(np.lexsort((candidates, gaps))[0])
            return float(gaps[k]), int(candidates[k])
    return None
