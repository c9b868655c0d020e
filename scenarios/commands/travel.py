"""`civicalloc travel`: minutes from areas to facilities over an OpenStreetMap extract's roads.

Writes the travel table (area_id, facility_id, minutes; docs/data.md) and, beside it, the snap
notes (one row per area and facility: how its point was chosen and how far it is from a road).
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from scenarios.errors import user_errors

console = Console(highlight=False, soft_wrap=True)


def notes_path(out: Path) -> Path:
    """Where the snap notes of a travel table go: T.snap.csv beside T.csv."""
    return out.with_name(out.stem + ".snap.csv")


def register(app: typer.Typer) -> None:
    """Add the travel command to the CLI."""

    @app.command("travel")
    def travel(
        osm: Path = typer.Option(..., "--osm", help="OpenStreetMap extract (.osm.pbf)."),
        mode: str = typer.Option("drive", "--mode", help="drive, walk or bike."),
        areas: Path = typer.Option(..., "--areas", help="Areas: GeoJSON/GPKG with area_id."),
        facilities: Path = typer.Option(
            ..., "--facilities", help="Facilities: GeoJSON/GPKG with facility_id, or CSV lon/lat."
        ),
        out: Path = typer.Option(..., "--out", help="CSV to write: area_id, facility_id, minutes."),
        cutoff: float = typer.Option(60.0, "--cutoff", help="Leave out pairs beyond MIN minutes."),
        speeds: Path = typer.Option(
            None, "--speeds", help="CSV mode, highway, kmh over the default speeds."
        ),
        snap_cap: float = typer.Option(
            1000.0, "--snap-cap", help="Farthest a point may be from a road, metres."
        ),
        area_point: str = typer.Option(
            "residents", "--area-point", help="residents (from buildings), inside or centroid."
        ),
    ) -> None:
        """Road minutes (drive, walk or bike) from each area to each facility, within a cutoff."""
        from demand.errors import InputError
        from scenarios.progress import count_bar
        from supply.osm import road_travel_times
        from supply.osm.places import read_places
        from supply.osm.speeds import MODES, read_speed_table

        with user_errors():
            if mode not in MODES:
                raise InputError(f"--mode {mode!r} is not one of {', '.join(MODES)}")
            if cutoff <= 0:
                raise InputError(f"--cutoff must be > 0 minutes, got {cutoff:g}")
            table = read_speed_table(speeds) if speeds is not None else None
            area_frame = read_places(areas, "area_id")
            facility_frame = read_places(facilities, "facility_id")
            with count_bar(console) as bar:
                tasks: dict[str, int] = {}

                def progress(stage: str, done: int, total: int) -> None:
                    if stage not in tasks:
                        tasks[stage] = bar.add_task(stage, total=total)
                    bar.update(tasks[stage], completed=done, total=total)

                result = road_travel_times(
                    osm,
                    area_frame,
                    facility_frame,
                    mode=mode,
                    cutoff_minutes=cutoff,
                    speeds=table,
                    snap_cap_m=snap_cap,
                    area_point=area_point,
                    progress=progress,
                    sources=(areas.name, facilities.name),
                )
            out.parent.mkdir(parents=True, exist_ok=True)
            result.travel.to_csv(out, index=False)
            result.notes.to_csv(notes_path(out), index=False)
        for line in result.network.report.lines():
            console.print(line)
        for line in result.warnings:
            console.print(f"[yellow]warning:[/] {line}")
        reached = result.travel["area_id"].nunique()
        console.print(
            f"{len(result.travel):,} pairs within {cutoff:g} min by {mode}: {reached:,} of "
            f"{len(area_frame):,} areas reach a facility → {out} (snap notes: {notes_path(out)})"
        )
