"""A road network for one mode, built from an extract's highways: a sparse graph of minutes.

Every OSM node a usable way passes through is a graph node (no simplification: snapping to
the nearest node is then as good as snapping to the nearest road). Each pair of consecutive
nodes is an edge whose minutes are its length in metres over the way's speed; one-way ways give
one direction only. Only the largest strongly connected component is kept (a car park whose
exit is mapped as one-way in, a footpath clipped by the extract's edge), and what was cut off
is reported, never dropped silently.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyproj
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from scipy.spatial import ConvexHull, cKDTree

from demand.errors import InputError
from supply.osm.read import Highways, read_highways
from supply.osm.speeds import speeds_for, way_direction, way_kmh


@dataclass(frozen=True)
class NetworkReport:
    """What went into a network and what was cut off (for the CLI and the snap notes)."""

    mode: str
    nodes: int
    edges: int
    km: float
    ways_used: int
    ways_closed: int  # highway ways the mode may not use (motorways on foot, footways by car)
    components_cut: int
    nodes_cut: int
    km_cut: float
    km_by_class: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The report in plain words, one line each."""
        out = [
            f"{self.mode} network: {self.nodes:,} nodes, {self.edges:,} edges, "
            f"{self.km:,.1f} km of road from {self.ways_used:,} ways "
            f"({self.ways_closed:,} highway ways are closed to {self.mode})"
        ]
        if self.components_cut:
            out.append(
                f"cut off (not reachable both ways from the main network): "
                f"{self.components_cut:,} pieces, {self.nodes_cut:,} nodes, "
                f"{self.km_cut:,.2f} km of road"
            )
        return out


@dataclass
class RoadNetwork:
    """The largest strongly connected network of one mode, in a projected CRS (metres).

    ``graph[i, j]`` is the minutes from node i to node j along one edge; ``xy`` the nodes'
    coordinates; ``osm_ids`` their OSM node ids; ``hull`` the extract's outline (all highway
    nodes, any mode) to tell a point outside the extract from one far from a road.
    """

    mode: str
    crs: pyproj.CRS
    xy: np.ndarray
    osm_ids: np.ndarray
    graph: sparse.csr_matrix
    hull: np.ndarray  # (k, 2) convex hull of the extract's highway nodes, metres
    report: NetworkReport
    source: Path | None = None
    _tree: cKDTree | None = field(default=None, repr=False)

    @property
    def tree(self) -> cKDTree:
        """KD-tree over the nodes, for snapping."""
        if self._tree is None:
            self._tree = cKDTree(self.xy)
        return self._tree

    def inside_extract(self, xy: np.ndarray, margin_m: float = 0.0) -> np.ndarray:
        """True where a point lies inside the extract's outline (grown by ``margin_m``)."""
        from shapely import Polygon, contains_xy

        outline = Polygon(self.hull).buffer(margin_m)
        return contains_xy(outline, xy[:, 0], xy[:, 1])


def utm_crs(lon: np.ndarray, lat: np.ndarray) -> pyproj.CRS:
    """The UTM zone of the points' centre."""
    from pyproj.aoi import AreaOfInterest
    from pyproj.database import query_utm_crs_info

    cx, cy = float(np.nanmedian(lon)), float(np.nanmedian(lat))
    info = query_utm_crs_info(datum_name="WGS 84", area_of_interest=AreaOfInterest(cx, cy, cx, cy))
    return pyproj.CRS.from_epsg(info[0].code)


def _edges_of(hw: Highways, mode: str, speeds: dict[str, float]):
    """Per-edge (from position, to position, km/h, direction) over the flat ref arrays."""
    kmh = np.full(len(hw.tags), np.nan)
    direction = np.zeros(len(hw.tags), dtype=np.int8)
    for i, tags in enumerate(hw.tags):  # one Python step per way, never per pair
        speed = way_kmh(mode, tags, speeds)
        if speed is not None:
            kmh[i] = speed
            direction[i] = way_direction(mode, tags)
    lengths = np.diff(hw.starts)
    way_of = np.repeat(np.arange(len(hw.tags)), lengths)
    pos = np.arange(len(hw.refs) - 1)
    same_way = way_of[:-1] == way_of[1:] if len(pos) else np.zeros(0, bool)
    valid = ~np.isnan(hw.lon)
    usable = same_way & valid[:-1] & valid[1:]
    usable &= ~np.isnan(kmh[way_of[:-1]]) if len(pos) else usable
    a = pos[usable]
    w = way_of[a]
    return a, a + 1, kmh[w], direction[w], w, np.isfinite(kmh).sum(), np.isnan(kmh).sum()


def build_network(
    path: str | Path,
    mode: str,
    speeds: pd.DataFrame | None = None,
    crs: pyproj.CRS | str | None = None,
) -> RoadNetwork:
    """The ``mode`` network of the extract at ``path`` (see the module docstring).

    speeds: a user's table (mode, highway, kmh) over the defaults; crs: a projected CRS for
    the nodes (default: the extract's UTM zone). Raises InputError when the extract has no
    road the mode may use.
    """
    hw = read_highways(path)
    classes = speeds_for(mode, speeds)
    if not np.isfinite(hw.lon).any():
        raise InputError(
            f"{path}: the extract has no roads at all (no highway ways with "
            "locations); give an extract that covers the city's streets"
        )
    crs = utm_crs(hw.lon, hw.lat) if crs is None else pyproj.CRS.from_user_input(crs)
    if not crs.is_projected:
        raise InputError(f"the network needs a projected CRS in metres, got {crs.name}")
    to_metres = pyproj.Transformer.from_crs(4326, crs, always_xy=True)
    valid = np.isfinite(hw.lon)
    x = np.full(len(hw.refs), np.nan)
    y = np.full(len(hw.refs), np.nan)
    x[valid], y[valid] = to_metres.transform(hw.lon[valid], hw.lat[valid])
    hull_points = np.unique(np.column_stack([x[valid], y[valid]]), axis=0)
    hull = hull_points[ConvexHull(hull_points).vertices] if len(hull_points) >= 3 else hull_points

    a, b, kmh, direction, way, used, closed = _edges_of(hw, mode, classes)
    if len(a) == 0:
        raise InputError(
            f"{Path(path).name}: no roads for {mode} in this extract ({closed:,} highway ways, "
            f"none open to {mode}); use another mode or an extract that covers the streets"
        )
    metres = np.hypot(x[b] - x[a], y[b] - y[a])
    minutes = metres / (kmh * 1000.0 / 60.0)
    ids, node_of = np.unique(np.concatenate([hw.refs[a], hw.refs[b]]), return_inverse=True)
    u, v = node_of[: len(a)], node_of[len(a) :]
    node_xy = np.empty((len(ids), 2))
    node_xy[u] = np.column_stack([x[a], y[a]])
    node_xy[v] = np.column_stack([x[b], y[b]])
    fwd, back = direction >= 0, direction <= 0  # 1: along only; -1: against only; 0: both
    src = np.concatenate([u[fwd], v[back]])
    dst = np.concatenate([v[fwd], u[back]])
    cost = np.concatenate([minutes[fwd], minutes[back]])
    n = len(ids)

    labels = connected_components(
        sparse.csr_matrix((np.ones(len(src)), (src, dst)), shape=(n, n)),
        directed=True,
        connection="strong",
    )[1]
    sizes = np.bincount(labels)
    keep_label = int(np.argmax(sizes))
    keep = labels == keep_label
    both = keep[src] & keep[dst]
    km_all = _road_km(u, v, metres)
    kept_nodes = np.flatnonzero(keep)
    new_index = np.full(n, -1)
    new_index[kept_nodes] = np.arange(len(kept_nodes))
    s, d, c = new_index[src[both]], new_index[dst[both]], cost[both]
    graph = _min_csr(s, d, c, len(kept_nodes))
    kept_undirected = keep[u] & keep[v]
    km_kept = _road_km(u[kept_undirected], v[kept_undirected], metres[kept_undirected])
    by_class = (
        pd.Series(metres[kept_undirected] / 1000.0)
        .groupby(pd.Series([hw.tags[w]["highway"] for w in way[kept_undirected]]))
        .sum()
    )
    report = NetworkReport(
        mode=mode,
        nodes=len(kept_nodes),
        edges=graph.nnz,
        km=km_kept,
        ways_used=int(used),
        ways_closed=int(closed),
        components_cut=int(len(sizes) - 1),
        nodes_cut=int(n - len(kept_nodes)),
        km_cut=max(km_all - km_kept, 0.0),
        km_by_class={str(k): float(v) for k, v in by_class.items()},
    )
    return RoadNetwork(
        mode=mode,
        crs=crs,
        xy=node_xy[kept_nodes],
        osm_ids=ids[kept_nodes],
        graph=graph,
        hull=hull,
        report=report,
        source=Path(path),
    )


def _road_km(u: np.ndarray, v: np.ndarray, metres: np.ndarray) -> float:
    """Kilometres of road over undirected node pairs (each street segment once)."""
    if len(u) == 0:
        return 0.0
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    key = lo.astype(np.int64) * (int(max(hi.max(), 0)) + 1) + hi
    _, first = np.unique(key, return_index=True)
    return float(metres[first].sum() / 1000.0)


def _min_csr(src: np.ndarray, dst: np.ndarray, cost: np.ndarray, n: int) -> sparse.csr_matrix:
    """A CSR matrix keeping the fastest of parallel edges (csgraph would otherwise add them).

    A zero-minute edge (two nodes at one spot) becomes 1e-9 so that it stays an edge.
    """
    order = np.lexsort((cost, dst, src))
    src, dst, cost = src[order], dst[order], cost[order]
    first = np.ones(len(src), dtype=bool)
    first[1:] = (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])
    return sparse.csr_matrix(
        (np.maximum(cost[first], 1e-9), (src[first], dst[first])), shape=(n, n)
    )


def network_from_edges(
    xy: np.ndarray,
    src: np.ndarray,
    dst: np.ndarray,
    minutes: np.ndarray,
    crs: pyproj.CRS | str,
    mode: str = "drive",
) -> RoadNetwork:
    """A RoadNetwork from arrays (directed edges), for synthetic grids and tests.

    Keeps the largest strongly connected component like ``build_network``.
    """
    n = len(xy)
    labels = connected_components(
        sparse.csr_matrix((np.ones(len(src)), (src, dst)), shape=(n, n)),
        directed=True,
        connection="strong",
    )[1]
    sizes = np.bincount(labels)
    keep = labels == int(np.argmax(sizes))
    new_index = np.full(n, -1)
    new_index[np.flatnonzero(keep)] = np.arange(int(keep.sum()))
    both = keep[src] & keep[dst]
    graph = _min_csr(new_index[src[both]], new_index[dst[both]], minutes[both], int(keep.sum()))
    hull = xy[ConvexHull(xy).vertices] if n >= 3 else xy
    report = NetworkReport(
        mode=mode,
        nodes=int(keep.sum()),
        edges=graph.nnz,
        km=float("nan"),
        ways_used=0,
        ways_closed=0,
        components_cut=int(len(sizes) - 1),
        nodes_cut=int(n - keep.sum()),
        km_cut=float("nan"),
    )
    return RoadNetwork(
        mode=mode,
        crs=pyproj.CRS.from_user_input(crs),
        xy=xy[keep],
        osm_ids=np.flatnonzero(keep),
        graph=graph,
        hull=hull,
        report=report,
    )


@functools.lru_cache(maxsize=6)
def _cached(path: str, _mtime: float, mode: str, speeds: str | None, _smtime: float) -> RoadNetwork:
    from supply.osm.speeds import read_speed_table

    table = read_speed_table(speeds) if speeds else None
    return build_network(path, mode, table)


def cached_network(path: str, mode: str, speeds: str | None = None) -> RoadNetwork:
    """``build_network`` once per extract, mode and speed table (rebuilt when a file changes)."""
    from supply.osm.read import check_extract

    p = check_extract(path).resolve()
    s_mtime = Path(speeds).stat().st_mtime if speeds and Path(speeds).exists() else 0.0
    return _cached(str(p), p.stat().st_mtime, mode, speeds, s_mtime)
