"""Travel time from each area to each facility, as a long sparse frame of minutes.

Three doors in, one frame out: ``[area_id, facility_id, minutes]`` listing only pairs within a
cutoff (a 5,000-area city never materialises all 2.5 million pairs):

- ``travel_times_from_geometry``: straight-line distance x circuity / speed of a mode;
- ``travel_times_from_matrix``: a matrix the user brings (long or wide), checked;
- ``travel_times_over_network``: shortest paths over a road network given as an edge list.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from demand.checks import (
    require_columns,
    require_ids,
    require_known,
    require_numbers,
    require_unique,
)
from demand.errors import InputError
from demand.geo import inside_points, metric_crs

#: Door-to-door speeds in a Chinese city, km/h. Walk 4.5 and bike 12 are typical adult
#: speeds; 25 km/h is the usual planning figure for car and bus in urban traffic
#: (bus in-vehicle; add waiting time with ``access_minutes`` if it matters).
SPEED_KMH: dict[str, float] = {"walk": 4.5, "bike": 12.0, "bus": 25.0, "drive": 25.0}

#: Ratio of network distance to straight-line distance in a gridded city.
DEFAULT_CIRCUITY = 1.3

TRAVEL_COLUMNS = ["area_id", "facility_id", "minutes"]


def _metres_per_minute(mode: str, speed_kmh: float | None) -> float:
    if speed_kmh is None:
        if mode not in SPEED_KMH:
            raise InputError(f"unknown travel mode {mode!r}; use one of {', '.join(SPEED_KMH)}")
        speed_kmh = SPEED_KMH[mode]
    if speed_kmh <= 0:
        raise InputError(f"speed must be > 0 km/h, got {speed_kmh}")
    return speed_kmh * 1000.0 / 60.0


def _projected(frame: gpd.GeoDataFrame, crs) -> gpd.GeoDataFrame:
    if frame.crs is None or crs is None:
        return frame  # frames built in code without a CRS: taken to share one metric CRS
    return frame if frame.crs == crs else frame.to_crs(crs)


def area_points(areas: gpd.GeoDataFrame, where: str = "inside") -> np.ndarray:
    """(n, 2) coordinates in metres of a point of each area.

    ``inside`` (default): the centroid when it lies in the area, else a point on the surface
    of its largest part (crescents, islands: ``demand.geo.inside_points``); ``centroid``: the
    centroid wherever it falls; ``representative``: GEOS's point on surface.
    """
    if where == "inside":
        pts = inside_points(areas.geometry)
    elif where == "centroid":
        pts = areas.geometry.centroid
    elif where == "representative":
        pts = areas.geometry.representative_point()
    else:
        raise InputError(
            f"area point must be 'inside', 'centroid' or 'representative', got {where!r}"
        )
    return np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])


def _facility_points(facilities: gpd.GeoDataFrame, source: str = "facilities") -> np.ndarray:
    geom = facilities.geometry
    bad = (geom.isna() | geom.is_empty).to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{source}, row {row + 2}, column geometry: facility "
            f"{facilities['facility_id'].iloc[row]!r} has no location. Give it a point."
        )
    pts = geom.representative_point()  # a point stays itself; polygons get an inside point
    return np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])


def travel_times_from_geometry(
    areas: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    mode: str = "bus",
    cutoff_minutes: float = 60.0,
    circuity: float = DEFAULT_CIRCUITY,
    speed_kmh: float | None = None,
    access_minutes: float = 0.0,
    area_point: str = "inside",
) -> pd.DataFrame:
    """Minutes from each area to each facility within ``cutoff_minutes``, from geometry.

    minutes = access_minutes + straight-line metres x circuity / (speed in metres per minute),
    measured from a point inside the area (see ``area_points``) to the facility point in a
    projected CRS (a geographic CRS is projected to its UTM zone). Pairs are found with a
    KD-tree ball query, so only pairs inside the cutoff are ever built.
    """
    if circuity < 1:
        raise InputError(
            f"circuity is network / straight-line distance and must be >= 1, got {circuity}"
        )
    per_minute = _metres_per_minute(mode, speed_kmh)
    crs = metric_crs(areas)
    a_xy = area_points(_projected(areas, crs), area_point)
    f_xy = _facility_points(_projected(facilities, crs))
    if len(a_xy) == 0 or len(f_xy) == 0:
        return pd.DataFrame(
            {c: pd.Series(dtype=float if c == "minutes" else object) for c in TRAVEL_COLUMNS}
        )
    radius = max(cutoff_minutes - access_minutes, 0.0) * per_minute / circuity
    hits = cKDTree(f_xy).query_ball_point(a_xy, r=radius)
    counts = np.fromiter((len(h) for h in hits), dtype=np.int64, count=len(hits))
    ai = np.repeat(np.arange(len(a_xy)), counts)
    fi = np.fromiter((j for h in hits for j in h), dtype=np.int64, count=int(counts.sum()))
    metres = np.hypot(*(a_xy[ai] - f_xy[fi]).T)
    minutes = access_minutes + metres * circuity / per_minute
    out = pd.DataFrame(
        {
            "area_id": areas["area_id"].to_numpy()[ai],
            "facility_id": facilities["facility_id"].to_numpy()[fi],
            "minutes": minutes,
        }
    )
    return out.sort_values(["area_id", "minutes"], kind="stable").reset_index(drop=True)


def _wide_to_long(
    matrix: pd.DataFrame,
    area_ids: pd.Index | None,
    facility_ids: pd.Index | None,
    source: str,
    row_offset: int,
) -> pd.DataFrame:
    """A wide matrix (area_id + one column per facility) checked cell by cell, then made long."""
    ids = require_ids(matrix, "area_id", source, row_offset=row_offset)
    wide = matrix.assign(area_id=ids)
    require_unique(wide, ["area_id"], source, row_offset=row_offset)
    if area_ids is not None:
        require_known(wide, "area_id", area_ids, source, "area", row_offset=row_offset)
    facilities = [str(c).strip() for c in matrix.columns if c != "area_id"]
    if facility_ids is not None:
        unknown = [f for f in facilities if f not in set(facility_ids)]
        if unknown:
            raise InputError(
                f"{source}, header: column {unknown[0]!r} is not a known facility "
                f"({len(unknown)} such column(s)). Name columns by facility_id."
            )
    pieces = []
    for column, facility in zip(matrix.columns.drop("area_id"), facilities, strict=True):
        raw = matrix[column]
        given = (raw.notna() & (raw.astype(str).str.strip() != "")).to_numpy()
        values = pd.to_numeric(raw.where(given), errors="coerce").to_numpy(dtype=float)
        bad = given & ~(np.isfinite(values) & (values >= 0))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"{source}, row {i + row_offset}, column {facility}: {raw.iloc[i]!r} is not a "
                "number of minutes >= 0. Fill in minutes or leave the cell blank (unreachable)."
            )
        pieces.append(
            pd.DataFrame(
                {
                    "area_id": ids[given].to_numpy(),
                    "facility_id": facility,
                    "minutes": values[given],
                }
            )
        )
    if not pieces:
        return pd.DataFrame({"area_id": [], "facility_id": [], "minutes": []})
    return pd.concat(pieces, ignore_index=True)


def travel_times_from_matrix(
    matrix: pd.DataFrame,
    area_ids: pd.Index | None = None,
    facility_ids: pd.Index | None = None,
    cutoff_minutes: float | None = None,
    source: str = "travel matrix",
    row_offset: int = 2,
) -> pd.DataFrame:
    """A user-supplied matrix checked and turned into the long travel frame.

    Long form has columns area_id, facility_id, minutes; wide form has an ``area_id`` column
    and one column per facility_id (blank = unreachable). Ids, when given, must be known.
    Pairs beyond ``cutoff_minutes`` are left out (that is the meaning of a cutoff).
    """
    wide = "minutes" not in matrix.columns and "facility_id" not in matrix.columns
    if wide and "area_id" in matrix.columns:
        if len(matrix.columns) < 2:
            raise InputError(
                f"{source}: only an area_id column; give area_id, facility_id, minutes (long) or "
                "area_id and one column of minutes per facility (wide)"
            )
        frame = _wide_to_long(matrix, area_ids, facility_ids, source, row_offset)
        if cutoff_minutes is not None:
            frame = frame[frame["minutes"] <= cutoff_minutes].reset_index(drop=True)
        return frame
    require_columns(matrix, TRAVEL_COLUMNS, source)
    frame = pd.DataFrame(
        {
            "area_id": require_ids(matrix, "area_id", source, row_offset=row_offset),
            "facility_id": require_ids(matrix, "facility_id", source, row_offset=row_offset),
            "minutes": require_numbers(matrix, "minutes", source, row_offset=row_offset),
        }
    ).reset_index(drop=True)
    require_unique(frame, ["area_id", "facility_id"], source, row_offset=row_offset)
    if area_ids is not None:
        require_known(frame, "area_id", area_ids, source, "area", row_offset=row_offset)
    if facility_ids is not None:
        require_known(frame, "facility_id", facility_ids, source, "facility", row_offset=row_offset)
    if cutoff_minutes is not None:
        frame = frame[frame["minutes"] <= cutoff_minutes].reset_index(drop=True)
    return frame


def travel_times_over_network(
    edges: pd.DataFrame,
    nodes: pd.DataFrame,
    areas: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    cutoff_minutes: float = 60.0,
    connector_speed_kmh: float = SPEED_KMH["walk"],
    circuity: float = DEFAULT_CIRCUITY,
    area_point: str = "inside",
    batch_size: int = 64,
) -> pd.DataFrame:
    """Shortest-path minutes over a road network, within ``cutoff_minutes``.

    ``edges``: [from_node, to_node, minutes] (+ optional boolean ``oneway``; two-way when
    absent). ``nodes``: [node_id, x, y] in the areas' projected CRS (metres). Each area point
    and facility is snapped to its nearest node; the walk to and from the node is added at
    ``connector_speed_kmh`` with the circuity factor. Dijkstra runs from the facilities'
    nodes on the reversed graph with ``limit=cutoff``, in batches, so memory stays at
    batch_size x n_nodes.
    """
    require_columns(edges, ["from_node", "to_node", "minutes"], "road edges")
    require_columns(nodes, ["node_id", "x", "y"], "road nodes")
    node_ids = require_ids(nodes, "node_id", "road nodes", row_offset=0)
    require_unique(nodes.assign(node_id=node_ids), ["node_id"], "road nodes", row_offset=0)
    index = pd.Index(node_ids)
    edge_frame = pd.DataFrame(
        {
            "from_node": require_ids(edges, "from_node", "road edges", row_offset=0),
            "to_node": require_ids(edges, "to_node", "road edges", row_offset=0),
            "minutes": require_numbers(edges, "minutes", "road edges", row_offset=0),
        }
    )
    require_known(edge_frame, "from_node", index, "road edges", "node", row_offset=0)
    require_known(edge_frame, "to_node", index, "road edges", "node", row_offset=0)
    oneway = (
        edges["oneway"].astype(bool).to_numpy()
        if "oneway" in edges.columns
        else np.zeros(len(edges), dtype=bool)
    )
    u = index.get_indexer(edge_frame["from_node"])
    v = index.get_indexer(edge_frame["to_node"])
    w = edge_frame["minutes"].to_numpy()
    two = ~oneway
    src = np.concatenate([u, v[two]])
    dst = np.concatenate([v, u[two]])
    cost = np.concatenate([w, w[two]])
    # keep the fastest of parallel edges; csgraph would otherwise add them up
    best = pd.DataFrame({"s": src, "d": dst, "c": cost}).groupby(["s", "d"], sort=False)["c"].min()
    s_idx = best.index.get_level_values(0).to_numpy()
    d_idx = best.index.get_level_values(1).to_numpy()
    # a zero-minute edge must stay an edge, not an absent entry
    weights = np.maximum(best.to_numpy(), 1e-9)
    n = len(index)
    # reversed graph: distance from a facility's node on it = distance to that node on roads
    reverse = sparse.csr_matrix((weights, (d_idx, s_idx)), shape=(n, n))

    xy = nodes[["x", "y"]].to_numpy(dtype=float)
    tree = cKDTree(xy)
    per_minute = _metres_per_minute("walk", connector_speed_kmh)
    crs = metric_crs(areas)
    a_dist, a_node = tree.query(area_points(_projected(areas, crs), area_point))
    f_dist, f_node = tree.query(_facility_points(_projected(facilities, crs)))
    a_walk = a_dist * circuity / per_minute
    f_walk = f_dist * circuity / per_minute

    area_ids = areas["area_id"].to_numpy()
    fac_ids = facilities["facility_id"].to_numpy()
    pieces = []
    order = np.argsort(f_node, kind="stable")
    start_nodes, first = np.unique(f_node[order], return_index=True)
    groups = np.split(order, first[1:])
    for lo in range(0, len(start_nodes), batch_size):
        batch = start_nodes[lo : lo + batch_size]
        dist = dijkstra(reverse, directed=True, indices=batch, limit=cutoff_minutes)
        at_areas = dist[:, a_node]  # (batch, n_areas): node-to-node minutes
        for k, members in enumerate(groups[lo : lo + batch_size]):
            for f in members:
                total = a_walk + at_areas[k] + f_walk[f]
                hit = np.flatnonzero(total <= cutoff_minutes)
                if hit.size:
                    pieces.append(
                        pd.DataFrame(
                            {
                                "area_id": area_ids[hit],
                                "facility_id": fac_ids[f],
                                "minutes": total[hit],
                            }
                        )
                    )
    if not pieces:
        return pd.DataFrame(
            {c: pd.Series(dtype=float if c == "minutes" else object) for c in TRAVEL_COLUMNS}
        )
    out = pd.concat(pieces, ignore_index=True)
    return out.sort_values(["area_id", "minutes"], kind="stable").reset_index(drop=True)


def city_travel_times(
    city,
    facilities: gpd.GeoDataFrame | None = None,
    mode: str = "bus",
    cutoff_minutes: float = 60.0,
    origins: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Minutes from the city's areas (or ``origins``: area_id + geometry) to ``facilities``.

    Over the roads of the OSM extract the bundle names in bundle.toml ``[travel]`` (every
    model of a run then uses road times, in the bundle's mode); else the bundle's own travel
    table when it covers every one of those facilities; else from geometry by ``mode``.
    """
    facilities = city.facilities if facilities is None else facilities
    roads = road_source(city)
    if roads is not None:
        from supply.osm.travel import bundle_road_times

        return bundle_road_times(roads, city.areas if origins is None else origins, facilities,
                                 cutoff_minutes)  # fmt: skip
    if origins is not None:
        return travel_times_from_geometry(origins, facilities, mode, cutoff_minutes)
    ids = set(facilities["facility_id"])
    if len(city.travel):
        given = city.travel[city.travel["facility_id"].isin(ids)]
        if set(given["facility_id"]) == ids:
            return travel_times_from_matrix(given, source="travel")
    return travel_times_from_geometry(city.areas, facilities, mode, cutoff_minutes)


def road_source(city) -> dict | None:
    """The bundle's ``[travel]`` table when it names an OSM extract, its paths resolved.

    ``osm`` (path, relative to the bundle folder), ``mode`` (drive, walk or bike; default
    drive), optional ``speeds`` (CSV over the default speeds) and ``snap_cap_m``.
    """
    table = (getattr(city, "meta", None) or {}).get("travel")
    if not isinstance(table, dict) or not table.get("osm"):
        return None
    base = city.source if city.source is not None and city.source.is_dir() else None
    resolved = dict(table)
    for key in ("osm", "speeds"):
        if table.get(key):
            path = Path(str(table[key]))
            resolved[key] = path if path.is_absolute() or base is None else base / path
    resolved.setdefault("mode", "drive")
    return resolved


def travel_source(city) -> dict:
    """What a run's travel times come from, for the stored record: roads (extract, mode, and a
    line per kind of point with no road within the snap cap), table or geometry."""
    roads = road_source(city)
    if roads is not None:
        from supply.osm.travel import bundle_snap_warnings, describe_extract

        return {"source": "roads", "mode": roads["mode"], **describe_extract(roads["osm"]),
                "not_joined": bundle_snap_warnings(roads, city.areas, city.facilities)}  # fmt: skip
    if len(city.travel):
        return {"source": "bundle travel table"}
    return {"source": "straight line", "circuity": DEFAULT_CIRCUITY}
