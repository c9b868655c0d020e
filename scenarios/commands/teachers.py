"""`civicalloc teachers`: place subject teachers where the pupils will be."""

from __future__ import annotations

from pathlib import Path

import typer

from optimize.education.teacher_rules import TeacherRules
from scenarios.errors import user_errors
from scenarios.options import SOLVER, rules_options, solver_options, time_limit
from scenarios.out_paths import check_out_file


def register(app: typer.Typer) -> None:
    """Add `teachers` to the CLI."""

    @app.command("teachers")
    @rules_options(TeacherRules)
    def teachers(
        rules: TeacherRules,
        bundle: Path = typer.Argument(..., help="City bundle: a folder of files or one .gpkg."),
        level: str = typer.Option("primary", "--level", help="primary or middle."),
        year: int = typer.Option(None, "--year", help="Enrolment year (default: next year)."),
        enrolment: Path = typer.Option(
            None,
            "--enrolment",
            help="CSV school_id, pupils[, year] (e.g. a districts run's enrolment); default: "
            "today's districts' children in --year.",
        ),  # fmt: skip
        solver: str = SOLVER,
        time_limit_s: float = time_limit(60.0),
        out: Path = typer.Option(None, "--out", help="CSV of postings to write."),
    ) -> None:
        """Teachers by subject per school: meet pupil-teacher norms, move few, report shortage."""
        from demand.bundle import load_city
        from demand.checks import require_known, require_years
        from demand.errors import InputError
        from demand.tables import ENROLMENT, read_table
        from optimize.education import place_city_teachers
        from optimize.education.levels import level_named
        from scenarios.show import console
        from scenarios.show.education import print_teachers
        from scenarios.spreadsheet import write_csv

        with user_errors():
            check_out_file(out, "--out", (".csv",))
            options = solver_options(solver, time_limit_s)
            lvl = level_named(level)
            frame = None if enrolment is None else read_table(enrolment, ENROLMENT)  # fail fast
            city = load_city(bundle)
            year = year or city.latest_year + 1
            first = int(city.population["year"].min())
            require_years([year], first, city.latest_year, "--year")
            pupils = None
            if frame is not None:
                schools = city.facilities_of(lvl.kind)["facility_id"]
                require_known(frame, "school_id", schools, enrolment.name, lvl.kind)
                if "year" in frame.columns:
                    frame = frame[frame["year"] == year]
                    if frame.empty:
                        raise InputError(f"{enrolment.name}: no rows for {year}; give --year "
                                         "one of its years")  # fmt: skip
                pupils = frame.set_index("school_id")["pupils"]
            result = place_city_teachers(city, lvl, year, pupils, rules, options)
        print_teachers(result, console, f"{lvl.name} teachers for {year}")
        if not result.has_plan:
            raise typer.Exit(code=2)
        if out is not None:
            write_csv(result.plans["postings"], out)
            console.print(f"wrote {out}")
