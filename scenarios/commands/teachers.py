"""`civicalloc teachers`: place subject teachers where the pupils will be."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from demand.bundle import load_city
from demand.errors import InputError
from optimize.education import TeacherRules, allocate_teachers, education_inputs
from optimize.education.levels import level_named
from optimize.solver import SolverOptions
from scenarios.errors import user_errors

console = Console(highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add `teachers` to the CLI."""

    @app.command("teachers")
    def teachers(
        bundle: Path = typer.Argument(..., help="City bundle: a folder of files or one .gpkg."),
        level: str = typer.Option("primary", "--level", help="primary or middle."),
        year: int = typer.Option(None, "--year", help="Enrolment year (default: next year)."),
        enrolment: Path = typer.Option(
            None,
            "--enrolment",
            help="CSV school_id, pupils (e.g. a districts run's enrolment "
            "for one year); default: today's districts' children in --year.",
        ),  # fmt: skip
        ratio: float = typer.Option(None, "--pupils-per-teacher", help="Default: 19 / 13.5."),
        max_transfers: int = typer.Option(4, "--max-transfers", help="Per school, in and out."),
        solver: str = typer.Option("cbc", "--solver", help="cbc or highs."),
        time_limit: float = typer.Option(60.0, "--time-limit", help="Seconds."),
        out: Path = typer.Option(None, "--out", help="CSV of postings to write."),
    ) -> None:
        """Teachers by subject per school: meet pupil-teacher norms, move few, report shortage."""
        import pandas as pd

        with user_errors():
            city = load_city(bundle)
            lvl = level_named(level)
            year = year or city.latest_year + 1
            if enrolment is not None:
                if not enrolment.exists():
                    raise InputError(f"{enrolment}: enrolment file not found. Check the path.")
                frame = pd.read_csv(enrolment, dtype={"school_id": str})
                if not {"school_id", "pupils"} <= set(frame.columns):
                    raise InputError(f"{enrolment}: needs columns school_id, pupils")
                if "year" in frame.columns:
                    frame = frame[frame["year"] == year]
                pupils = frame.groupby("school_id")["pupils"].sum()
            else:
                inputs = education_inputs(city, lvl, [year])
                kids = inputs.pupils.assign(school_id=inputs.pupils["area_id"].map(inputs.today))
                pupils = kids.groupby("school_id")["pupils"].sum()
                pupils = pupils.reindex(inputs.schools["school_id"]).fillna(0.0)
            result = allocate_teachers(
                pupils,
                city.workforce,
                lvl,
                TeacherRules(pupils_per_teacher=ratio, max_transfers_per_school=max_transfers),
                SolverOptions(solver, time_limit_s=time_limit),
            )
        console.print(result.summary(), style="green" if result.has_plan else "yellow")
        if not result.has_plan:
            raise typer.Exit(code=2)
        subjects = result.plans["subjects"]
        table = Table(title=f"{lvl.name} teachers for {year}")
        for col in ("subject", "in post", "required", "city shortage", "moved", "short at schools"):
            table.add_column(col, justify="right")
        for rec in subjects.itertuples(index=False):
            table.add_row(
                rec.subject,
                f"{rec.teachers:,}",
                f"{rec.required:,.1f}",
                f"{rec.city_shortage:,.1f}",
                f"{rec.moved:,}",
                f"{rec.short:,.1f}",
            )
        console.print(table)
        for message in result.messages[1:]:
            console.print(f"  · {message}")
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            result.plans["postings"].to_csv(out, index=False)
            console.print(f"wrote {out}")
