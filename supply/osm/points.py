"""Where an area starts its trips: the residents' centre where buildings tell, else inside it.

With building data, an area's point is the resident-weighted mean of its homes (weights from
``supply.osm.buildings``); when that mean falls outside the area (a crescent), the home nearest
to it. Without homes in the area, shapely's representative point (always inside). Point
geometries are taken as given.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd


def area_start_points(
    areas: gpd.GeoDataFrame, homes: gpd.GeoDataFrame | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(n, 2) coordinates and how each was chosen ('residents', 'inside', 'given').

    ``homes``: points with a ``residents`` column, in the areas' CRS (may be None).
    """
    geom = areas.geometry
    is_point = (geom.geom_type == "Point").to_numpy()
    inside = geom.representative_point()
    xy = np.column_stack([inside.x.to_numpy(), inside.y.to_numpy()])
    how = np.where(is_point, "given", "inside").astype(object)
    if homes is None or len(homes) == 0:
        return xy, how
    homes = homes[homes["residents"] > 0]
    polygons = gpd.GeoDataFrame(
        {"row": np.arange(len(areas))}, geometry=geom.to_numpy(), crs=areas.crs
    )[~is_point]
    joined = gpd.sjoin(
        gpd.GeoDataFrame(
            {"w": homes["residents"].to_numpy()}, geometry=homes.geometry.to_numpy(), crs=homes.crs
        ),
        polygons,
        predicate="within",
        how="inner",
    )
    if len(joined) == 0:
        return xy, how
    hx, hy, w = joined.geometry.x.to_numpy(), joined.geometry.y.to_numpy(), joined["w"].to_numpy()
    frame = pd.DataFrame({"row": joined["row"].to_numpy(), "wx": hx * w, "wy": hy * w, "w": w})
    sums = frame.groupby("row")[["wx", "wy", "w"]].sum()
    rows = sums.index.to_numpy()
    mean = np.column_stack([sums["wx"] / sums["w"], sums["wy"] / sums["w"]])
    import shapely

    ok = shapely.contains_xy(geom.to_numpy()[rows], mean[:, 0], mean[:, 1])
    # a mean outside its area: the area's home nearest to that mean
    for k in np.flatnonzero(~ok):
        mine = joined["row"].to_numpy() == rows[k]
        d = np.hypot(hx[mine] - mean[k, 0], hy[mine] - mean[k, 1])
        mean[k] = (hx[mine][np.argmin(d)], hy[mine][np.argmin(d)])
    xy[rows] = mean
    how[rows] = "residents"
    return xy, how
