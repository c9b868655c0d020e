"""`civicalloc teachers`: place subject teachers where the pupils will be."""

from __future__ import annotations

from pathlib import Path

import typer

from optimize.education.teacher_rules import TeacherRules
from scenarios.errors import user_errors
from scenarios.options import SOLVER, rules_options, solver_options, time_limit


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
        from demand.tables import ENROLMENT, read_table
        from optimize.education import place_city_teachers
        from optimize.education.levels import level_named
        from scenarios.show import console
        from scenarios.show.education import print_teachers

        with user_errors():
            options = solver_options(solver, time_limit_s)
            city = load_city(bundle)
            lvl = level_named(level)
            year = year or city.latest_year + 1
            pupils = None
            if enrolment is not None:
                frame = read_table(enrolment, ENROLMENT)
                if "year" in frame.columns:
                    frame = frame[frame["year"] == year]
                pupils = frame.set_index("school_id")["pupils"]
            result = place_city_teachers(city, lvl, year, pupils, rules, options)
        print_teachers(result, console, f"{lvl.name} teachers for {year}")
        if not result.has_plan:
            raise typer.Exit(code=2)
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            result.plans["postings"].to_csv(out, index=False)
            console.print(f"wrote {out}")
