"""How much the roads differ from straight lines: road minutes against the straight-line
estimate (straight-line metres at the mode's planning speed, ``supply.travel.SPEED_KMH``)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from supply.osm.network import cached_network
from supply.osm.points import area_start_points
from supply.osm.travel import home_points, road_travel_times

#: Road time at least this many times the straight-line estimate counts as a detour.
DETOUR_RATIO = 1.2


def detour_shares(
    osm: str | Path,
    areas: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    modes: tuple[str, ...] = ("drive", "walk", "bike"),
    cutoff_minutes: float = 120.0,
) -> pd.DataFrame:
    """Per mode: pairs compared, share with road time >= 1.2 x the straight-line estimate,
    median ratio, the straight-line speed used (km/h) and points not joined to the roads.

    Both times start from the same points (the residents' centre of each area); pairs less
    than half a minute apart in a straight line are left out (they say nothing of detours).
    """
    from supply.travel import SPEED_KMH

    rows = []
    for mode in modes:
        net = cached_network(str(osm), mode)
        result = road_travel_times(
            osm, areas, facilities, mode=mode, cutoff_minutes=cutoff_minutes, network=net
        )
        areas_m = areas.to_crs(net.crs).reset_index(drop=True)
        a_xy, _ = area_start_points(areas_m, home_points(osm, net.crs))
        a_row = pd.Index(areas_m["area_id"]).get_indexer(result.travel["area_id"])
        f_pts = facilities.to_crs(net.crs).set_index("facility_id").geometry
        f_pts = f_pts.representative_point().reindex(result.travel["facility_id"])
        metres = np.hypot(a_xy[a_row, 0] - f_pts.x.to_numpy(), a_xy[a_row, 1] - f_pts.y.to_numpy())
        straight = metres / (SPEED_KMH[mode] * 1000.0 / 60.0)
        keep = straight > 0.5
        ratio = result.travel["minutes"].to_numpy()[keep] / straight[keep]
        rows.append(
            {
                "mode": mode,
                "pairs": int(keep.sum()),
                "share_detour": float((ratio >= DETOUR_RATIO).mean()) if keep.any() else 0.0,
                "median_ratio": float(np.median(ratio)) if keep.any() else float("nan"),
                "straight_kmh": SPEED_KMH[mode],
                "not_joined": int((result.notes["status"] != "ok").sum()),
            }
        )
    return pd.DataFrame(rows)
