"""`civicalloc city-from-osm`: a city bundle built from an OpenStreetMap extract (docs/osm.md)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from scenarios.errors import user_errors

console = Console(highlight=False, soft_wrap=True)


def parse_kind_of(values: list[str] | None) -> dict[str, str]:
    """--kind-of 'NAME=KIND' options as a dict (raises InputError when one has no '=')."""
    from demand.errors import InputError

    out = {}
    for value in values or []:
        name, sep, kind = value.rpartition("=")
        if not sep or not name.strip():
            raise InputError(f"--kind-of {value!r}: write NAME=KIND, e.g. 'Mehiläinen=hospital'")
        out[name.strip()] = kind.strip()
    return out


def build_city(
    extract: Path,
    out: Path,
    admin_level: int | None,
    hex_size: float,
    population: Path | None,
    year: int,
    mode: str,
    name: str | None,
    kind_of: dict[str, str],
) -> Path:
    """Build and write the bundle, print what was made and assumed; returns the bundle path."""
    from scenarios.show.osm import print_osm_city
    from supply.osm.city import build_osm_bundle

    with console.status(f"reading {extract.name} …"):
        built = build_osm_bundle(
            extract, out, admin_level, hex_size, population, year, mode, name, kind_of
        )
    print_osm_city(built, out, mode, console)
    return out


def register(app: typer.Typer) -> None:
    """Add the city-from-osm command to the CLI."""

    @app.command("city-from-osm")
    def city_from_osm_command(
        extract: Path = typer.Argument(..., help="OpenStreetMap extract (.osm.pbf)."),
        out: Path = typer.Option(..., "--out", help="Folder to write the bundle to."),
        admin_level: int = typer.Option(
            None, "--admin-level", help="Areas from boundaries at this OSM admin_level."
        ),
        hex_size: float = typer.Option(
            400.0, "--hex-size", help="Else hexagons this many metres across."
        ),
        population: Path = typer.Option(
            None, "--population", help="CSV area_id, persons (else estimated from buildings)."
        ),
        year: int = typer.Option(2025, "--year", help="Year of the population."),
        mode: str = typer.Option("drive", "--mode", help="Road times by drive, walk or bike."),
        name: str = typer.Option(None, "--name", help="Name of the city."),
        kind_of: list[str] = typer.Option(
            None, "--kind-of", help="NAME=KIND: read a facility as another kind (repeatable)."
        ),
    ) -> None:
        """A city bundle from an OSM extract: areas, facilities, capacity, population."""
        with user_errors():
            build_city(
                extract,
                out,
                admin_level,
                hex_size,
                population,
                year,
                mode,
                name,
                parse_kind_of(kind_of),
            )
