"""Road travel times from an OSM extract: the `travel` table and its snap notes in one call."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from demand.errors import InputError
from supply.osm.buildings import estimated_residents
from supply.osm.network import RoadNetwork, build_network
from supply.osm.points import area_start_points
from supply.osm.read import read_features
from supply.osm.times import SNAP_CAP_M, TRAVEL_COLUMNS, WALK_KMH, snap, snap_notes, times_between

Progress = Callable[[str, int, int], None]  # stage, done, total


@dataclass
class RoadTravel:
    """Minutes over roads (``travel``: area_id, facility_id, minutes), how each point was joined
    (``notes``: id, role, point, snap_metres, snap_minutes, node, status) and what the network
    left out (``warnings``, one line each)."""

    travel: pd.DataFrame
    notes: pd.DataFrame
    network: RoadNetwork
    warnings: list[str] = field(default_factory=list)

    def describe(self) -> dict:
        """What a stored run records about its travel times."""
        net = self.network
        return {
            "source": "roads",
            "osm": str(net.source.name if net.source else ""),
            "mode": net.mode,
            "nodes": net.report.nodes,
            "edges": net.report.edges,
            "pieces_cut_off": net.report.components_cut,
            "points_not_joined": int((self.notes["status"] != "ok").sum()),
            "pairs": len(self.travel),
        }


def home_points(path: str | Path, crs) -> gpd.GeoDataFrame:
    """Estimated residents per building of an extract, as points in ``crs`` (cached)."""
    p = Path(path).resolve()
    stat = p.stat()
    return _home_points(str(p), stat.st_mtime, str(crs)).copy()


@functools.lru_cache(maxsize=4)
def _home_points(path: str, _mtime: float, crs: str) -> gpd.GeoDataFrame:
    features = read_features(path)
    if not features.buildings:
        return gpd.GeoDataFrame({"residents": []}, geometry=[], crs=crs)
    frame = gpd.GeoDataFrame(features.buildings, crs=4326).to_crs(crs)
    return gpd.GeoDataFrame(
        {"residents": estimated_residents(frame)},
        geometry=frame.geometry.representative_point().to_numpy(),
        crs=crs,
    )


def _outside_line(ids: np.ndarray, role: str, path: Path, source: str) -> str:
    shown = ", ".join(map(str, ids[:5])) + (" …" if len(ids) > 5 else "")
    return (
        f"{source}: {len(ids)} {role}(s) lie outside the OSM extract {path.name} ({shown}); "
        f"use an extract that covers them, or leave them out"
    )


def _unjoined_line(ids: np.ndarray, role: str, cap_m: float, source: str) -> str:
    shown = ", ".join(map(str, ids[:5])) + (" …" if len(ids) > 5 else "")
    return (
        f"{source}: {len(ids)} {role}(s) have no road within {cap_m:g} m ({shown}); they get "
        f"no travel times (see the snap notes): check their location or raise --snap-cap"
    )


def road_travel_times(
    osm: str | Path,
    areas: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    mode: str = "drive",
    cutoff_minutes: float = 60.0,
    speeds: pd.DataFrame | None = None,
    snap_cap_m: float = SNAP_CAP_M,
    area_point: str = "residents",
    network: RoadNetwork | None = None,
    progress: Progress | None = None,
    sources: tuple[str, str] = ("areas", "facilities"),
) -> RoadTravel:
    """Minutes from each area to each facility over the extract's roads for ``mode``.

    area_point: 'residents' (resident-weighted homes from the extract's buildings, else a
    point inside), 'inside' (shapely's representative point) or 'centroid'. Raises InputError
    for a bad extract, no roads for the mode, or areas/facilities outside the extract; points
    with no road within ``snap_cap_m`` are kept in the notes and named in ``warnings``.
    """
    report = progress or (lambda stage, done, total: None)
    if area_point not in ("residents", "inside", "centroid"):
        raise InputError(f"area point must be residents, inside or centroid, got {area_point!r}")
    for frame, column, source in (
        (areas, "area_id", sources[0]),
        (facilities, "facility_id", sources[1]),
    ):
        if column not in frame.columns:
            raise InputError(f"{source}: no {column} column; name each row by {column}")
        if frame.crs is None:
            raise InputError(f"{source}: no CRS; save the file with its coordinate system")
    report("reading roads", 0, 1)
    net = network if network is not None else build_network(osm, mode, speeds)
    report("reading roads", 1, 1)
    areas_m = areas.to_crs(net.crs)
    facilities_m = facilities.to_crs(net.crs)
    if area_point == "centroid":
        c = areas_m.geometry.centroid
        a_xy, how = np.column_stack([c.x, c.y]), np.full(len(areas_m), "centroid", dtype=object)
    else:
        homes = home_points(osm, net.crs) if area_point == "residents" else None
        a_xy, how = area_start_points(areas_m, homes)
    f_geom = facilities_m.geometry
    bad = (f_geom.isna() | f_geom.is_empty).to_numpy()
    if bad.any():
        raise InputError(
            f"{sources[1]}: facility {facilities_m['facility_id'].iloc[int(np.flatnonzero(bad)[0])]!r} "  # noqa: E501
            "has no location; give it a point"
        )
    f_pts = f_geom.representative_point()
    f_xy = np.column_stack([f_pts.x.to_numpy(), f_pts.y.to_numpy()])
    a_snap = snap(net, a_xy, areas_m["area_id"].astype(str).to_numpy(), snap_cap_m, WALK_KMH)
    f_snap = snap(
        net, f_xy, facilities_m["facility_id"].astype(str).to_numpy(), snap_cap_m, WALK_KMH
    )
    path = Path(osm)
    for snapped, role, source in ((a_snap, "area", sources[0]), (f_snap, "facility", sources[1])):
        outside = snapped.ids[snapped.status == "outside extract"]
        if len(outside):
            raise InputError(_outside_line(outside, role, path, source))
    warnings = [
        _unjoined_line(s.ids[s.status == "beyond cap"], role, snap_cap_m, source)
        for s, role, source in ((a_snap, "area", sources[0]), (f_snap, "facility", sources[1]))
        if (s.status == "beyond cap").any()
    ]
    pairs = times_between(
        net,
        a_snap,
        f_snap,
        cutoff_minutes,
        progress=lambda done, total: report("shortest times", done, total),
    )
    travel = (
        pairs.rename(columns={"origin": "area_id", "destination": "facility_id"})[TRAVEL_COLUMNS]
        .sort_values(["area_id", "minutes", "facility_id"], kind="stable")
        .reset_index(drop=True)
    )
    notes = pd.concat(
        [snap_notes(a_snap, "area", how), snap_notes(f_snap, "facility", None)],
        ignore_index=True,
    )
    return RoadTravel(travel=travel, notes=notes, network=net, warnings=warnings)


def describe_extract(path: str | Path) -> dict:
    """File name, size and SHA-256 of an extract: which roads a stored run used."""
    import hashlib

    from supply.osm.read import check_extract

    p = check_extract(path)
    digest = hashlib.sha256()
    with p.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return {"osm": p.name, "osm_bytes": p.stat().st_size, "osm_sha256": digest.hexdigest()}


def bundle_road_travel(
    roads: dict, origins: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame, cutoff_minutes: float
) -> RoadTravel:
    """Road travel over the extract a bundle names (``supply.travel.road_source``)."""
    from supply.osm.network import cached_network
    from supply.osm.speeds import MODES

    mode = str(roads["mode"])
    if mode not in MODES:
        raise InputError(f"bundle.toml [travel] mode: {mode!r} is not one of {', '.join(MODES)}")
    speeds = str(roads["speeds"]) if roads.get("speeds") else None
    net = cached_network(str(roads["osm"]), mode, speeds)
    return road_travel_times(
        roads["osm"],
        origins,
        facilities,
        mode=mode,
        cutoff_minutes=cutoff_minutes,
        snap_cap_m=float(roads.get("snap_cap_m", SNAP_CAP_M)),
        network=net,
        sources=("areas", "facilities"),
    )


def bundle_road_times(
    roads: dict, origins: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame, cutoff_minutes: float
) -> pd.DataFrame:
    """The travel table over the roads a bundle names."""
    return bundle_road_travel(roads, origins, facilities, cutoff_minutes).travel


def bundle_snap_warnings(roads: dict, areas: gpd.GeoDataFrame, facilities) -> list[str]:
    """The lines naming a bundle's areas and facilities with no road within the snap cap
    (snapping only: the shortest times are cut off at once)."""
    return bundle_road_travel(roads, areas, facilities, 1e-9).warnings
