"""A hand-drawn town written as a real .osm.pbf (through libosmium), in metres on UTM 35N.

A river runs east-west between y=300 and y=700. The north road (y=700) is one-way eastbound;
a two-way bypass (y=1000, maxspeed 50) and two links at x=0 and x=2000 bring cars back west.
The south road (y=300) is two-way. Cars cross the river only on the bridge at x=2000 (a primary
road); people on foot also have a footbridge at x=200. A one-way spur south from (1000, 300)
is a dead end, so the network's main component cuts it off.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyproj
import pytest

CRS = "EPSG:32635"
ORIGIN = (385_000.0, 6_672_000.0)
_to_lonlat = pyproj.Transformer.from_crs(CRS, 4326, always_xy=True)


def lonlat(x: float, y: float) -> tuple[float, float]:
    """Town metres -> (lon, lat)."""
    lon, lat = _to_lonlat.transform(ORIGIN[0] + x, ORIGIN[1] + y)
    return float(lon), float(lat)


def utm(x: float, y: float) -> tuple[float, float]:
    """Town metres -> UTM 35N metres."""
    return ORIGIN[0] + x, ORIGIN[1] + y


def write_extract(path: Path, nodes: dict[int, tuple[float, float]], ways: list[tuple]) -> Path:
    """Write nodes {id: (x, y) or (x, y, tags), town metres} and ways [(id, [node ids], tags)]
    as .osm.pbf."""
    import osmium

    with osmium.SimpleWriter(str(path), overwrite=True) as writer:
        for nid, spec in sorted(nodes.items()):
            x, y, tags = spec if len(spec) == 3 else (*spec, {})
            writer.add_node(osmium.osm.mutable.Node(id=nid, location=lonlat(x, y), tags=tags))
        for wid, refs, tags in ways:
            writer.add_way(osmium.osm.mutable.Way(id=wid, nodes=refs, tags=tags))
    return path


def _line(first_id: int, xs, ys) -> dict[int, tuple[float, float]]:
    return {first_id + i: (float(x), float(y)) for i, (x, y) in enumerate(zip(xs, ys, strict=True))}


def river_town(path: Path) -> Path:
    """Write the town of the module docstring; returns the path."""
    xs = np.arange(0, 2001, 200)
    north = _line(100, xs, np.full(len(xs), 700.0))  # ids 100..110
    south = _line(200, xs, np.full(len(xs), 300.0))  # ids 200..210
    bypass = _line(300, xs, np.full(len(xs), 1000.0))  # ids 300..310
    nodes = {**north, **south, **bypass, 401: (2000.0, 500.0), 501: (1000.0, 100.0)}
    ways = [
        (1, sorted(north), {"highway": "residential", "oneway": "yes", "name": "North Road"}),
        (2, sorted(south), {"highway": "residential", "name": "South Road"}),
        (3, sorted(bypass), {"highway": "tertiary", "maxspeed": "50", "name": "Bypass"}),
        (4, [100, 300], {"highway": "residential"}),
        (5, [110, 310], {"highway": "residential"}),
        (6, [110, 401, 210], {"highway": "primary", "bridge": "yes", "name": "Bridge"}),
        (7, [101, 201], {"highway": "footway", "bridge": "yes", "name": "Footbridge"}),
        (8, [205, 501], {"highway": "service", "oneway": "yes", "name": "Spur"}),
    ]
    return write_extract(path, nodes, ways)


class _Kit:
    CRS = CRS
    utm = staticmethod(utm)
    lonlat = staticmethod(lonlat)
    write_extract = staticmethod(write_extract)
    river_town = staticmethod(river_town)


@pytest.fixture(scope="session")
def osm_kit():
    """The hand-drawn-extract helpers of this module, for tests (they cannot import conftest)."""
    return _Kit


@pytest.fixture(scope="session")
def town(tmp_path_factory):
    """The river town of the module docstring, as a .osm.pbf."""
    return river_town(tmp_path_factory.mktemp("osm") / "town.osm.pbf")
