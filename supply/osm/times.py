"""Minutes from areas to facilities over a road network: snap, then many-to-many Dijkstra.

Each point is snapped to its nearest network node; the off-network leg (the walk from the
point to that node) is straight-line metres at walking speed. A point farther than the snap cap
from any node is not joined: it gets no travel rows, and its snap note says why. Shortest
times run with ``scipy.sparse.csgraph.dijkstra`` from whichever side has fewer distinct nodes
(facilities on the reversed graph, or areas on the forward graph), in batches that bound
memory, pruned at the cutoff: only pairs within it are ever materialised.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse.csgraph import dijkstra

from demand.errors import InputError
from supply.osm.network import RoadNetwork

#: Walking speed of the off-network leg, km/h (as supply.travel.SPEED_KMH['walk']).
WALK_KMH = 4.5
#: Farthest a point may be from the network and still be joined to it, metres.
SNAP_CAP_M = 1000.0
#: Memory for one batch of Dijkstra rows (float64), bytes.
BATCH_BYTES = 64 * 2**20

SNAP_COLUMNS = ["id", "role", "point", "snap_metres", "snap_minutes", "node", "status"]
TRAVEL_COLUMNS = ["area_id", "facility_id", "minutes"]


@dataclass
class Snapped:
    """Points joined to a network: node index (-1 if not joined), metres, walk minutes, status."""

    ids: np.ndarray
    node: np.ndarray
    metres: np.ndarray
    minutes: np.ndarray
    status: np.ndarray  # 'ok', 'beyond cap' or 'outside extract'

    @property
    def ok(self) -> np.ndarray:
        """True where the point is joined to the network."""
        return self.status == "ok"


def snap(
    network: RoadNetwork,
    xy: np.ndarray,
    ids,
    cap_m: float = SNAP_CAP_M,
    walk_kmh: float = WALK_KMH,
) -> Snapped:
    """Join each point to its nearest node within ``cap_m`` metres (see the module docstring)."""
    if cap_m <= 0:
        raise InputError(f"the snap cap must be > 0 metres, got {cap_m:g}")
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    ids = np.asarray(ids, dtype=object)
    if len(xy) == 0:
        empty = np.zeros(0)
        return Snapped(ids, empty.astype(int), empty, empty, empty.astype(object))
    metres, node = network.tree.query(xy)
    inside = network.inside_extract(xy, margin_m=cap_m)
    status = np.where(~inside, "outside extract", np.where(metres > cap_m, "beyond cap", "ok"))
    status = status.astype(object)
    node = np.where(status == "ok", node, -1)
    return Snapped(ids, node, metres, metres / (walk_kmh * 1000.0 / 60.0), status)


def snap_notes(snapped: Snapped, role: str, points: np.ndarray | None = None) -> pd.DataFrame:
    """One row per point: id, role (area/facility), how its point was chosen, snap distance."""
    return pd.DataFrame(
        {
            "id": snapped.ids,
            "role": role,
            "point": points if points is not None else "given",
            "snap_metres": np.round(snapped.metres, 1),
            "snap_minutes": np.round(snapped.minutes, 2),
            "node": snapped.node,
            "status": snapped.status,
        }
    )[SNAP_COLUMNS]


def _batches(n_sources: int, n_nodes: int) -> int:
    return int(max(1, min(n_sources, BATCH_BYTES // max(8 * n_nodes, 1))))


def times_between(
    network: RoadNetwork,
    origins: Snapped,
    destinations: Snapped,
    cutoff_minutes: float,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Long frame origin, destination, minutes for every pair within ``cutoff_minutes``.

    minutes = origin's walk leg + network minutes + destination's walk leg. Points that are
    not joined get no rows. ``progress(done, total)`` is called after each batch.
    """
    if cutoff_minutes <= 0:
        raise InputError(f"the cutoff must be > 0 minutes, got {cutoff_minutes:g}")
    o_ok, d_ok = np.flatnonzero(origins.ok), np.flatnonzero(destinations.ok)
    empty = pd.DataFrame(
        {
            "origin": pd.Series(dtype=object),
            "destination": pd.Series(dtype=object),
            "minutes": pd.Series(dtype=float),
        }
    )
    if len(o_ok) == 0 or len(d_ok) == 0:
        return empty
    o_nodes, o_pos = np.unique(origins.node[o_ok], return_inverse=True)
    d_nodes, d_pos = np.unique(destinations.node[d_ok], return_inverse=True)
    # run from the side with fewer distinct nodes; on the reversed graph when from destinations
    from_dest = len(d_nodes) < len(o_nodes)
    graph = network.graph.T.tocsr() if from_dest else network.graph
    sources, targets = (d_nodes, o_nodes) if from_dest else (o_nodes, d_nodes)
    s_pos, t_pos = (d_pos, o_pos) if from_dest else (o_pos, d_pos)
    s_walk = (destinations if from_dest else origins).minutes[d_ok if from_dest else o_ok]
    t_walk = (origins if from_dest else destinations).minutes[o_ok if from_dest else d_ok]
    s_index, t_index = (d_ok, o_ok) if from_dest else (o_ok, d_ok)
    # sources sharing a node share a Dijkstra row: order the points by their node
    order = np.argsort(s_pos, kind="stable")
    bounds = np.searchsorted(s_pos[order], np.arange(len(sources) + 1))
    batch = _batches(len(sources), network.graph.shape[0])
    parts_s, parts_t, parts_m = [], [], []
    for lo in range(0, len(sources), batch):
        hi = min(lo + batch, len(sources))
        limit = cutoff_minutes - float(t_walk.min())
        dist = dijkstra(graph, directed=True, indices=sources[lo:hi], limit=max(limit, 0.0))
        at_targets = dist[:, targets]  # (batch nodes, target nodes)
        members = order[bounds[lo] : bounds[hi]]  # source points of this batch
        # (source points, target points) in one array: walk + network + walk
        total = s_walk[members, None] + at_targets[s_pos[members] - lo][:, t_pos] + t_walk[None, :]
        i, j = np.nonzero(total <= cutoff_minutes)
        parts_s.append(s_index[members[i]])
        parts_t.append(t_index[j])
        parts_m.append(total[i, j])
        if progress is not None:
            progress(hi, len(sources))
    s_all, t_all = np.concatenate(parts_s), np.concatenate(parts_t)
    o_all, d_all = (t_all, s_all) if from_dest else (s_all, t_all)
    out = pd.DataFrame(
        {
            "origin": origins.ids[o_all],
            "destination": destinations.ids[d_all],
            "minutes": np.concatenate(parts_m),
        }
    )
    return out if len(out) else empty
