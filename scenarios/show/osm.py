"""What city-from-osm prints: what was built, what is an estimate, what is assumed."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console


def print_osm_city(built, out: Path, mode: str, console: Console) -> None:
    """Areas, facilities by kind, residents (flagged when estimated), assumed capacities."""
    people = int(built.population["persons"].sum())
    estimate = built.population_source == "estimate"
    flag = " (an ESTIMATE from residential buildings)" if estimate else ""
    console.print(f"areas: {len(built.areas):,} from {built.area_source}")
    kinds = built.facilities["kind"].value_counts()
    console.print("facilities: " + ", ".join(f"{n} {k}" for k, n in kinds.items()))
    console.print(f"population: {people:,} residents{flag}")
    console.print(
        f"capacity and staff ASSUMED (OSM has no figure) for {len(built.assumed)} of "
        f"{len(built.facilities)} facilities: defaults in docs/osm.md, listed in bundle.toml"
    )
    for note in built.notes:
        console.print(f"note: {note}")
    console.print(
        f"wrote {out} (road times by {mode}; map data © OpenStreetMap contributors, ODbL)"
    )
