"""`civicalloc import` and `messy-city`: a bureau's own files to a checked city bundle."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from scenarios.errors import user_errors

console = Console(highlight=False, soft_wrap=True)
STYLE = {"error": "bold red", "warning": "yellow", "notice": "cyan"}


def print_problems(report) -> None:
    """Every problem of a report, one line each: errors, then warnings, then notices."""
    order = {"error": 0, "warning": 1, "notice": 2}
    for problem in sorted(report.problems, key=lambda p: order[p.severity]):
        console.print(problem.line(), style=STYLE[problem.severity], markup=False)


def register(app: typer.Typer) -> None:
    """Add the import commands to the CLI."""

    @app.command("import")
    def import_(
        mapping: Path = typer.Argument(
            ..., help="Mapping file (TOML): which file feeds which table."
        ),
        out: Path = typer.Option(..., "--out", help="Folder of the city bundle to write."),
        report: Path = typer.Option(
            None, "--report", help="Folder for the data-quality report (default: OUT/quality)."
        ),
    ) -> None:
        """Import spreadsheets, CSVs and shapefiles into a checked city bundle, with a report."""
        from demand.importing.run import import_city
        from scenarios.progress import count_bar
        from scenarios.quality_report import write_quality_report

        with user_errors():
            with count_bar(console, transient=True) as bar:
                task = bar.add_task("import", total=100)

                def show(message: str, done: float) -> None:
                    bar.update(task, completed=round(done * 100), description=message)

                result = import_city(mapping, out, show)
            print_problems(result.report)
            target = report or (
                out / "quality" if result.out else out.parent / f"{out.name}-quality"
            )
            paths = write_quality_report(
                result.report,
                target,
                result.city,
                result.log,
                tables=result.tables or None,
                title=str(mapping),
            )
        n_err, n_warn = len(result.report.errors), len(result.report.warnings)
        if n_err:
            console.print(
                f"{mapping}: {n_err} error(s), {n_warn} warning(s) — no bundle written; fix the "
                f"lines above (report: {paths[0]})"
            )
            raise typer.Exit(code=1)
        city = result.city
        console.print(
            f"wrote {out}: {len(city.areas)} areas, {len(city.facilities)} facilities, "
            f"{len(city.population):,} population rows ({n_warn} warning(s)); report {paths[0]}",
            style="green",
        )

    @app.command("messy-city")
    def messy_city(
        out: Path = typer.Option(..., "--out", help="Folder for the departmental files."),
        areas: int = typer.Option(300, "--areas", min=20, help="Number of areas."),
        seed: int = typer.Option(7, "--seed", help="Random seed of the sample city."),
        city_dir: str = typer.Option(
            "../city", "--city-dir", help="Bundle folder the scenario file points to."
        ),
    ) -> None:
        """Write the sample city as a bureau's messy files, with mapping.toml and scenario.toml."""
        from demand.bundle import make_sample_city
        from demand.importing.fixture import write_messy_city

        with user_errors():
            city = make_sample_city(n_areas=areas, seed=seed)
            write_messy_city(city, out, city_dir)
        files = sorted(p.name for p in out.iterdir())
        console.print(f"wrote {len(files)} files to {out}: " + ", ".join(files))
