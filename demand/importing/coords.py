"""Chinese web-map coordinates (GCJ-02, BD-09) to WGS-84 and back.

Points picked on Amap/Gaode, Tencent or Google China maps are in GCJ-02, the state's
obfuscated datum; points from Baidu maps are in BD-09, Baidu's further offset of GCJ-02. Both
differ from WGS-84 by 100-700 m in a city, so a school picked on Amap lands in the next
neighbourhood if read as WGS-84.

The transforms are the published ones used across open-source GIS (eviltransform, gcoord,
coordtransform, PostGIS extensions):
- WGS-84 → GCJ-02: the Krasovsky-1940 ellipsoid polynomial (a = 6378245 m), which reproduces the
  official offsets to about 0.5 m (the algorithm is the published approximation of a secret
  one; e.g. Beijing (39.90734 N, 116.39089 E): formula and a map API differ by 0.6 m);
- GCJ-02 → BD-09: Baidu's published formula (rotation and scale about the origin, + 0.0065°,
  0.006°), exact to about 1e-6° (0.1 m) against Baidu's own conversion;
- the inverses (GCJ-02 → WGS-84, BD-09 → GCJ-02) by fixed-point iteration of the forward
  formula until it reproduces the input to 1e-9° (about 0.1 mm), not by the one-step
  approximations that are off by up to 1-2 m.
So a converted point is within about 1 m of its WGS-84 position. Outside China (the usual
bounding box 72.004-137.8347 E, 0.8293-55.8271 N) GCJ-02 equals WGS-84, as the maps do.
"""

from __future__ import annotations

import numpy as np

from demand.errors import InputError

SYSTEMS = ("wgs84", "gcj02", "bd09")
#: Other spellings a mapping file may use, lower-cased.
ALIASES = {
    "wgs84": "wgs84", "wgs-84": "wgs84", "epsg:4326": "wgs84", "4326": "wgs84", "gps": "wgs84",
    "gcj02": "gcj02", "gcj-02": "gcj02", "gcj": "gcj02", "amap": "gcj02", "gaode": "gcj02",
    "高德": "gcj02", "火星坐标": "gcj02", "tencent": "gcj02", "腾讯": "gcj02",
    "bd09": "bd09", "bd-09": "bd09", "bd09ll": "bd09", "baidu": "bd09", "百度": "bd09",
}  # fmt: skip

_A = 6378245.0  # Krasovsky 1940 semi-major axis, metres
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = np.pi * 3000.0 / 180.0
_TOLERANCE_DEG = 1e-9
_MAX_ITERATIONS = 50


def system_name(text: str) -> str:
    """The canonical name ('wgs84', 'gcj02', 'bd09') of a coordinate system as users write it."""
    key = str(text).strip().lower()
    if key not in ALIASES:
        raise InputError(
            f"unknown coordinate system {text!r}; use wgs84, gcj02 (Amap/Gaode, Tencent) or "
            "bd09 (Baidu)"
        )
    return ALIASES[key]


def in_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """True where the GCJ-02 offset applies (the bounding box the published transform uses)."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    return (lon >= 72.004) & (lon <= 137.8347) & (lat >= 0.8293) & (lat <= 55.8271)


def _offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = lon - 105.0, lat - 35.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    d_lat += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    d_lat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    d_lat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    d_lon += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    d_lon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    d_lon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    rad = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * np.cos(rad) * np.pi)
    inside = in_china(lon, lat)
    return np.where(inside, d_lon, 0.0), np.where(inside, d_lat, 0.0)


def wgs84_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 longitude and latitude (degrees) of WGS-84 points."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    d_lon, d_lat = _offset(lon, lat)
    return lon + d_lon, lat + d_lat


def gcj02_to_bd09(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 longitude and latitude of GCJ-02 points (Baidu's published formula)."""
    x, y = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _invert(forward, lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """The point that `forward` maps onto (lon, lat), by fixed-point iteration."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    x, y = lon.copy(), lat.copy()
    for _ in range(_MAX_ITERATIONS):
        fx, fy = forward(x, y)
        ex, ey = fx - lon, fy - lat
        x, y = x - ex, y - ey
        if np.nanmax(np.abs(np.concatenate([np.ravel(ex), np.ravel(ey)])), initial=0.0) < (
            _TOLERANCE_DEG
        ):
            break
    return x, y


def gcj02_to_wgs84(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """WGS-84 longitude and latitude of GCJ-02 points (iterated inverse, to 1e-9°)."""
    return _invert(wgs84_to_gcj02, lon, lat)


def bd09_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 longitude and latitude of BD-09 points (iterated inverse of Baidu's formula)."""
    return _invert(gcj02_to_bd09, lon, lat)


def to_wgs84(lon, lat, system: str) -> tuple[np.ndarray, np.ndarray]:
    """WGS-84 longitude and latitude of points given in `system` (wgs84, gcj02 or bd09)."""
    system = system_name(system)
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if system == "bd09":
        lon, lat = bd09_to_gcj02(lon, lat)
        system = "gcj02"
    if system == "gcj02":
        return gcj02_to_wgs84(lon, lat)
    return lon, lat


def from_wgs84(lon, lat, system: str) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude in `system` of WGS-84 points (to make test data, or export)."""
    system = system_name(system)
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if system == "wgs84":
        return lon, lat
    lon, lat = wgs84_to_gcj02(lon, lat)
    return (lon, lat) if system == "gcj02" else gcj02_to_bd09(lon, lat)
