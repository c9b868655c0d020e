"""`civicalloc districts`: redraw school attendance districts of a city bundle.

Reads the bundle, runs ``optimize.education.redistrict_city`` and prints before / after figures
and the schools under most pressure; ``--out`` writes the new district map (GeoPackage with
layers ``districts``, ``today`` and ``units``, or GeoJSON of the districts) with the per-unit
assignment and per-school enrolment as CSV files next to it.
"""

from __future__ import annotations

from pathlib import Path

import typer

from demand.errors import InputError
from optimize.education.district_rules import DistrictRules
from scenarios.errors import user_errors
from scenarios.options import SOLVER, gap, rules_options, solver_options, time_limit
from scenarios.out_paths import check_out_file


def parse_years(text: str | None) -> list[int] | None:
    """'2026-2030' or '2026,2028' as a list of years (None when not given)."""
    if not text:
        return None
    hint = f"--years {text!r}: give a range like 2026-2030 or a list 2026,2028"
    low, dash, high = text.partition("-")
    try:
        if dash:
            first, last = int(low), int(high)
        else:
            years = [int(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise InputError(hint) from None
    if dash:
        if last < first:
            raise InputError(f"--years {text}: the range runs backwards; write {last}-{first}")
        years = list(range(first, last + 1))
    if not years:
        raise InputError(hint)
    return years


def parse_new_schools(specs: list[str]):
    """'N1:A0123:1620' (school id, area id, seats) per new school."""
    rows = []
    for spec in specs:
        parts = spec.split(":")
        if len(parts) != 3:
            raise InputError(f"--new-school {spec!r}: write SCHOOL_ID:AREA_ID:SEATS")
        try:
            rows.append((parts[0], parts[1], float(parts[2])))
        except ValueError:
            raise InputError(f"--new-school {spec!r}: seats must be a number") from None
    if not rows:
        return None
    import pandas as pd

    return pd.DataFrame(rows, columns=["school_id", "area_id", "seats"])


def register(app: typer.Typer) -> None:
    """Add `districts` to the CLI."""

    @app.command("districts")
    @rules_options(DistrictRules)
    def districts(
        rules: DistrictRules,
        bundle: Path = typer.Argument(..., help="City bundle: a folder of files or one .gpkg."),
        level: str = typer.Option("primary", "--level", help="primary (ages 6-11) or middle."),
        years: str = typer.Option(None, "--years", help="e.g. 2025-2030 (default: +5 years)."),
        plan_year: int = typer.Option(None, "--plan-year", help="Default: peak pressure."),
        close: list[str] = typer.Option([], "--close", help="School id to close (repeat)."),
        new_school: list[str] = typer.Option([], "--new-school", help="ID:AREA_ID:SEATS."),
        keep_together: list[str] = typer.Option(
            [], "--keep-together", help="Area ids that share a school: A1,A2 (repeat)."
        ),
        today: Path = typer.Option(
            None, "--today", help="CSV area_id, school_id (default: nearest school)."
        ),  # fmt: skip
        crossing_file: Path = typer.Option(
            None, "--crossing-file", help="CSV area_id, neighbour_id: ferries, bridges."
        ),
        solver: str = SOLVER,
        time_limit_s: float = time_limit(60.0),
        gap_rel: float = gap(None),
        out: Path = typer.Option(None, "--out", help="Map to write: .gpkg or .geojson."),
    ) -> None:
        """Redraw school attendance districts: capacity, travel, contiguity, few moves."""
        from demand.bundle import load_city
        from demand.checks import require_years
        from demand.tables import TODAY_DISTRICTS, WATER_CROSSINGS, read_table
        from optimize.education import redistrict_city
        from scenarios.plan_files import MAP_SUFFIXES, write_districts
        from scenarios.show import console
        from scenarios.show.education import print_redistricting

        with user_errors():
            check_out_file(out, "--out", MAP_SUFFIXES)
            options = solver_options(solver, time_limit_s, gap_rel=gap_rel)
            years_asked = parse_years(years)
            districts_today = None  # read before the bundle: a bad file fails fast
            if today is not None:
                districts_today = read_table(today, TODAY_DISTRICTS).set_index("area_id")
            city = load_city(bundle)
            if years_asked is not None or plan_year is not None:
                first = int(city.population["year"].min())
                asked = (years_asked or []) + ([plan_year] if plan_year is not None else [])
                require_years(asked, first, city.latest_year, "--years/--plan-year")
            groups = [[a.strip() for a in g.split(",") if a.strip()] for g in keep_together]
            plan = redistrict_city(
                city,
                level,
                years=years_asked,
                plan_year=plan_year,
                rules=rules,
                closed=close,
                new_schools=parse_new_schools(new_school),
                keep_together=groups,
                today=None if districts_today is None else districts_today["school_id"],
                options=options,
                crossings=None
                if crossing_file is None
                else read_table(crossing_file, WATER_CROSSINGS),  # fmt: skip
            )
            print_redistricting(plan, console)
            if out is not None and plan.has_plan:
                for path in write_districts(plan, out):
                    console.print(f"wrote {path}")
        if not plan.has_plan:
            raise typer.Exit(code=2)
