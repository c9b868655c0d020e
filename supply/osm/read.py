"""Reading an OpenStreetMap extract (.osm.pbf) offline with pyosmium (libosmium).

One streaming pass per question: the highways (for every mode's network at once), or the
features a city is made of (amenities, buildings, administrative boundaries). libosmium filters
by key in C++ and keeps node locations in its own index, so only the ways we use reach Python.
Why pyosmium and not pyrosm: ARCHITECTURE-NOTES.md.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from demand.errors import InputError

#: The tags of a highway way that decide who may use it, how fast and in which direction.
ROUTING_KEYS = (
    "highway",
    "maxspeed",
    "oneway",
    "oneway:bicycle",
    "junction",
    "access",
    "vehicle",
    "motor_vehicle",
    "motorcar",
    "foot",
    "bicycle",
    "cycleway",
    "area",
    "name",
)

#: Attribution every map and file derived from an extract must carry (ODbL).
ATTRIBUTION = "© OpenStreetMap contributors (ODbL)"


@dataclass(frozen=True)
class Highways:
    """Every highway way of an extract: tags, and node references with their locations.

    ``refs[starts[i]:starts[i+1]]`` are way i's OSM node ids in order; ``lon``/``lat`` are
    aligned with ``refs`` (NaN where the node lies outside a clipped extract).
    """

    path: Path
    tags: list[dict[str, str]]
    way_ids: np.ndarray
    refs: np.ndarray
    starts: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    bbox: tuple[float, float, float, float] | None  # header box: min lon, min lat, max lon, max lat


def _osmium():
    import osmium  # imported here: the CLI starts without it

    return osmium


def check_extract(path: str | Path) -> Path:
    """The path of a readable .osm.pbf, or an InputError saying what is wrong with it."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such OSM extract; give the path of an .osm.pbf file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder; give the path of an .osm.pbf file")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty; download the extract again")
    return path


def _corrupt(path: Path, exc: Exception) -> InputError:
    return InputError(
        f"{path}: not a readable OSM extract ({exc}); give an .osm.pbf file, e.g. from a "
        "Geofabrik or BBBike download, and download it again if it was cut short"
    )


def header_bbox(path: Path) -> tuple[float, float, float, float] | None:
    """The bounding box the extract's header declares (lon/lat), or None."""
    osmium = _osmium()
    try:
        reader = osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING)
        box = reader.header().box()
        reader.close()
    except RuntimeError as exc:
        raise _corrupt(path, exc) from None
    if not box.valid():
        return None
    return (box.bottom_left.lon, box.bottom_left.lat, box.top_right.lon, box.top_right.lat)


@functools.lru_cache(maxsize=4)
def _read_highways(path: str, _mtime: float, _size: int) -> Highways:
    osmium = _osmium()
    p = Path(path)
    bbox = header_bbox(p)
    tags: list[dict[str, str]] = []
    way_ids: list[int] = []
    refs: list[int] = []
    lon: list[float] = []
    lat: list[float] = []
    starts = [0]
    processor = (
        osmium.FileProcessor(path, osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    try:
        for way in processor:
            if not way.is_way():
                continue
            tags.append({k: way.tags[k] for k in ROUTING_KEYS if k in way.tags})
            way_ids.append(way.id)
            for node in way.nodes:
                loc = node.location
                refs.append(node.ref)
                if loc.valid():
                    lon.append(loc.lon)
                    lat.append(loc.lat)
                else:  # the node lies outside a clipped extract
                    lon.append(np.nan)
                    lat.append(np.nan)
            starts.append(len(refs))
    except RuntimeError as exc:
        raise _corrupt(p, exc) from None
    return Highways(
        path=p,
        tags=tags,
        way_ids=np.asarray(way_ids, dtype=np.int64),
        refs=np.asarray(refs, dtype=np.int64),
        starts=np.asarray(starts, dtype=np.int64),
        lon=np.asarray(lon, dtype=float),
        lat=np.asarray(lat, dtype=float),
        bbox=bbox,
    )


def read_highways(path: str | Path) -> Highways:
    """Every way with a highway tag (cached per file and modification time)."""
    p = check_extract(path).resolve()
    stat = os.stat(p)
    return _read_highways(str(p), stat.st_mtime, stat.st_size)


@dataclass(frozen=True)
class Features:
    """What a city is made of, from one pass over an extract; geometries in lon/lat (EPSG:4326).

    ``amenities``: one dict per tagged object (points for nodes, polygons for areas) with
    ``osm_id`` ('n123', 'w45', 'r6'), ``geometry`` and the object's tags; ``buildings``: same
    for every building; ``boundaries``: administrative areas with their ``admin_level``.
    """

    amenities: list[dict]
    buildings: list[dict]
    boundaries: list[dict]


AMENITY_KEYS = ("amenity", "healthcare", "social_facility")


def read_features(path: str | Path) -> Features:
    """Amenities, buildings and administrative boundaries of an extract (one streaming pass)."""
    osmium = _osmium()
    p = check_extract(path)
    wkb = osmium.geom.WKBFactory()
    amenities: list[dict] = []
    buildings: list[dict] = []
    boundaries: list[dict] = []
    processor = (
        osmium.FileProcessor(str(p))
        .with_locations()
        .with_areas(osmium.filter.KeyFilter("building", "amenity", "boundary"))
        .with_filter(osmium.filter.KeyFilter("building", "amenity", "boundary", *AMENITY_KEYS))
    )
    try:
        for obj in processor:
            geometry = None
            if obj.is_node():
                if not obj.location.valid():
                    continue
                geometry = shapely.Point(obj.location.lon, obj.location.lat)
                osm_id = f"n{obj.id}"
            elif obj.is_area():
                try:
                    geometry = shapely.from_wkb(bytes.fromhex(wkb.create_multipolygon(obj)))
                except RuntimeError:  # a broken multipolygon: OSM has some; skip the shape
                    continue
                osm_id = f"{'w' if obj.from_way() else 'r'}{obj.orig_id()}"
            else:
                continue
            tags = dict(obj.tags)
            row = {"osm_id": osm_id, "geometry": geometry, **tags}
            if "building" in tags and obj.is_area():
                buildings.append(row)
            if tags.get("boundary") == "administrative" and obj.is_area():
                boundaries.append(row)
            if any(k in tags for k in AMENITY_KEYS):
                amenities.append(row)
    except RuntimeError as exc:
        raise _corrupt(p, exc) from None
    return Features(amenities=amenities, buildings=buildings, boundaries=boundaries)
