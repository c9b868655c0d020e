"""Geometry in units every stage can trust: a metric CRS, and a point inside each area.

Real bundles come in any CRS. A projected CRS is not always in metres (US State Plane systems
measure in US survey feet), and reading feet as metres made a 598 km² city 6,443 km² and every
travel time 3.28x too long. Every metric computation goes through ``metric_crs``: a CRS whose
unit is the metre is kept, anything else (degrees, feet, ...) is replaced by the local UTM zone.

Areas are measured from a point inside them (``inside_points``): the centroid when it lies in
the polygon (the usual case, and what a planner expects), else a point on the surface of the
area's largest part, so a crescent or an area made of islands is never reached at a point in
the water or in its neighbour.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS


def crs_unit(crs: CRS | str | None) -> str:
    """Name of the unit of a CRS's first axis ('metre', 'US survey foot', 'degree', ...)."""
    if crs is None:
        return ""
    crs = CRS.from_user_input(crs)
    axes = crs.axis_info
    return axes[0].unit_name if axes else ""


def is_metric(crs: CRS | str | None) -> bool:
    """True for a projected CRS whose coordinates are metres."""
    if crs is None:
        return False
    crs = CRS.from_user_input(crs)
    if not crs.is_projected:
        return False
    axes = crs.axis_info
    return bool(axes) and all(abs(a.unit_conversion_factor - 1.0) < 1e-12 for a in axes[:2])


def metric_crs(frame: gpd.GeoDataFrame | gpd.GeoSeries) -> CRS | None:
    """The CRS to measure `frame` in: its own when it is projected in metres, else its UTM zone.

    None when the frame has no CRS (frames built in code: taken to be in metres already).
    """
    if frame.crs is None:
        return None
    if is_metric(frame.crs):
        return frame.crs
    return frame.estimate_utm_crs()


def to_metric(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """`frame` in its metric CRS (unchanged when it already is, or has no CRS)."""
    target = metric_crs(frame)
    if target is None or frame.crs == target:
        return frame
    return frame.to_crs(target)


def reprojection_notice(crs: CRS, target: CRS) -> str:
    """Why a CRS was replaced, in words, for the validation report."""
    unit = crs_unit(crs) or "unknown units"
    kind = "geographic" if crs.is_geographic else "projected"
    label = crs.to_string()
    return (
        f"{kind} CRS {label} measures in {unit}; projected to {target.name} "
        f"({target.to_string()}) so distances and areas are in metres"
    )


def inside_points(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    """A point inside each polygon: its centroid if that lies inside, else a surface point.

    For a multipolygon whose centroid falls outside every part (islands, a split area), the
    point is on the surface of its largest part. Points stay themselves.
    """
    values = np.asarray(geoms.values, dtype=object)
    centroids = shapely.centroid(values)
    ok = shapely.covers(values, centroids) | shapely.is_empty(values)
    out = centroids.copy()
    for i in np.flatnonzero(~ok):
        geom = values[i]
        if geom is None:
            continue
        parts = list(getattr(geom, "geoms", [geom]))
        largest = max(parts, key=lambda g: g.area)
        out[i] = shapely.point_on_surface(largest)
    return gpd.GeoSeries(out, index=geoms.index, crs=geoms.crs)
