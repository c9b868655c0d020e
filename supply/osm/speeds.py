"""Speeds per mode and OSM highway class (km/h), and the tags that open or close a way to a mode.

The defaults live in ``speeds.csv`` beside this file (docs/osm.md prints them): urban travel
speeds, not limits, because a planner wants door-to-door minutes in ordinary traffic. A user
overrides any row with a small CSV of the same columns ``mode, highway, kmh``; a class absent
from the table is closed to that mode. For driving a way's ``maxspeed`` tag wins over its class.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pandas as pd

from demand.errors import InputError

MODES = ("drive", "walk", "bike")

#: Tag values that close a way to everyone / open it to a mode again.
CLOSED = {"no", "private"}
OPEN = {"yes", "designated", "permissive", "destination", "delivery", "customers"}
#: The mode-specific access keys, most specific last (a later one overrides an earlier one).
ACCESS_KEYS = {
    "drive": ("access", "vehicle", "motor_vehicle", "motorcar"),
    "walk": ("access", "foot"),
    "bike": ("access", "vehicle", "bicycle"),
}
#: Classes a bike may use only where the way says bicycle=yes (as OSMnx does).
BIKE_ONLY_WHEN_ALLOWED = {"footway", "pedestrian", "bridleway"}
#: maxspeed codes of the form 'XX:zone' (the OSM wiki's implicit limits), in km/h.
ZONE_KMH = {
    "urban": 50,
    "rural": 80,
    "motorway": 120,
    "trunk": 100,
    "living_street": 20,
    "walk": 6,
    "zone30": 30,
    "zone20": 20,
}


def default_speeds() -> pd.DataFrame:
    """The shipped defaults: columns mode, highway, kmh."""
    with resources.files(__package__).joinpath("speeds.csv").open(encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype={"mode": str, "highway": str, "kmh": float})


def read_speed_table(path: str | Path) -> pd.DataFrame:
    """A user's override table (mode, highway, kmh), checked row by row."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such speed table; give a CSV with mode, highway, kmh")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(
            f"{path.name}: cannot be read as CSV ({exc}); save it as UTF-8 CSV"
        ) from None
    missing = [c for c in ("mode", "highway", "kmh") if c not in frame.columns]
    if missing:
        raise InputError(
            f"{path.name}: missing column(s) {', '.join(missing)}; "
            "the speed table needs mode, highway, kmh"
        )
    for i, row in enumerate(frame.itertuples(index=False), start=2):
        if row.mode.strip() not in MODES:
            raise InputError(
                f"{path.name}, row {i}, column mode: {row.mode!r} is not one of {', '.join(MODES)}"
            )
        try:
            kmh = float(row.kmh)
        except ValueError:
            kmh = -1.0
        if not kmh > 0:
            raise InputError(
                f"{path.name}, row {i}, column kmh: {row.kmh!r} is not a speed > 0 "
                "km/h; leave a class out of the table to close it"
            )
    return frame.assign(
        mode=frame["mode"].str.strip(),
        highway=frame["highway"].str.strip(),
        kmh=frame["kmh"].astype(float),
    )


def speeds_for(mode: str, overrides: pd.DataFrame | None = None) -> dict[str, float]:
    """highway class -> km/h for one mode: the defaults with a user's rows laid over them."""
    if mode not in MODES:
        raise InputError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}")
    table = default_speeds()
    if overrides is not None and len(overrides):
        table = pd.concat([table, overrides[["mode", "highway", "kmh"]]], ignore_index=True)
        table = table.drop_duplicates(["mode", "highway"], keep="last")
    rows = table[table["mode"] == mode]
    return dict(zip(rows["highway"], rows["kmh"].astype(float), strict=True))


_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph)?\s*$")


def parse_maxspeed(value: str | None) -> float | None:
    """km/h from an OSM maxspeed value ('50', '30 mph', 'FI:urban', 'walk'); None if unclear.

    Several values ('50;30') take the lowest; 'none' and 'signals' say nothing usable.
    """
    if not value:
        return None
    speeds = []
    for part in value.split(";"):
        part = part.strip().lower()
        match = _NUMBER.match(part)
        if match:
            kmh = float(match.group(1)) * (1.609344 if match.group(2) == "mph" else 1.0)
            speeds.append(kmh)
        elif part == "walk":
            speeds.append(ZONE_KMH["walk"])
        elif ":" in part and part.split(":", 1)[1] in ZONE_KMH:
            speeds.append(ZONE_KMH[part.split(":", 1)[1]])
    speeds = [s for s in speeds if s > 0]
    return min(speeds) if speeds else None


def way_kmh(mode: str, tags: dict[str, str], speeds: dict[str, float]) -> float | None:
    """The speed of a way for ``mode`` in km/h, or None when the mode may not use it."""
    highway = tags.get("highway")
    if highway is None or tags.get("area") == "yes":
        return None
    allowed: bool | None = None
    for key in ACCESS_KEYS[mode]:
        value = tags.get(key)
        if value in CLOSED:
            allowed = False
        elif value in OPEN:
            allowed = True
    if allowed is False:
        return None
    if mode == "bike" and highway in BIKE_ONLY_WHEN_ALLOWED and allowed is not True:
        return None
    kmh = speeds.get(highway)
    if kmh is None:
        return None
    if mode == "drive":
        posted = parse_maxspeed(tags.get("maxspeed"))
        if posted is not None:
            kmh = posted
    return kmh


def way_direction(mode: str, tags: dict[str, str]) -> int:
    """1 along the way only, -1 against it only, 0 both ways (walking is always both ways)."""
    if mode == "walk":
        return 0
    if mode == "bike":
        if tags.get("oneway:bicycle") == "no" or tags.get("cycleway", "").startswith("opposite"):
            return 0
        value = tags.get("oneway:bicycle", tags.get("oneway"))
    else:
        value = tags.get("oneway")
    if value in ("yes", "true", "1"):
        return 1
    if value in ("-1", "reverse"):
        return -1
    if value in ("no", "false", "0"):
        return 0
    implied = tags.get("junction") in ("roundabout", "circular") or tags.get("highway") in (
        "motorway",
        "motorway_link",
    )
    return 1 if implied else 0  # a roundabout binds bikes too; no bike is on a motorway
