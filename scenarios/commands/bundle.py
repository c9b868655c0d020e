"""`civicalloc validate`, `sample-city` and `data-docs`: checking and writing city bundles."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from scenarios.errors import user_errors
from scenarios.out_paths import check_out_file, check_out_folder

console = Console(highlight=False, soft_wrap=True)
STYLE = {"error": "bold red", "warning": "yellow", "notice": "cyan"}


def register(app: typer.Typer) -> None:
    """Add the bundle commands to the CLI."""

    @app.command("validate")
    def validate(
        path: Path = typer.Argument(..., help="City bundle: a folder of files or one .gpkg."),
        summary: bool = typer.Option(False, help="Also print the city summary when valid."),
        report_dir: Path = typer.Option(
            None, "--report", help="Write the data-quality report (HTML + JSON) to this folder."
        ),
    ) -> None:
        """Check a city bundle: errors exit with code 1, warnings with 0."""
        from demand.bundle import check_bundle
        from scenarios.summary import print_city_summary

        with user_errors():
            city, report = check_bundle(path)
            if report_dir is not None:
                from demand.bundle.read import read_raw_tables
                from scenarios.quality_report import write_quality_report

                written = write_quality_report(report, report_dir, title=str(path),
                                               tables=read_raw_tables(path)[0])  # fmt: skip
                console.print(f"data-quality report: {written[0]} ({written[2].name})")
        for problem in sorted(report.problems, key=lambda p: p.severity != "error"):
            console.print(problem.line(), style=STYLE[problem.severity])
        n_err, n_warn = len(report.errors), len(report.warnings)
        if n_err:
            console.print(f"{path}: {n_err} error(s), {n_warn} warning(s) — not usable yet.")
            raise typer.Exit(code=1)
        console.print(f"{path}: valid ({n_warn} warning(s)).", style="green")
        if summary and city is not None:
            print_city_summary(city, console)

    @app.command("sample-city")
    def sample_city(
        out: Path = typer.Option(..., "--out", help="Folder (or .gpkg file) to write."),
        areas: int = typer.Option(300, "--areas", min=20, max=20_000, help="Number of areas."),
        seed: int = typer.Option(7, "--seed", help="Random seed; same seed, same city."),
    ) -> None:
        """Write the sample city as a bundle (the format to follow for your own city)."""
        from demand.bundle import make_sample_city, write_bundle

        with user_errors():
            if out.suffix == ".gpkg":
                check_out_file(out, "--out", (".gpkg",))
            else:
                check_out_folder(out)
            city = make_sample_city(n_areas=areas, seed=seed)
            path = write_bundle(city, out, fmt="gpkg" if out.suffix == ".gpkg" else "folder")
        console.print(
            f"wrote {city.name}: {len(city.areas)} areas, {len(city.facilities)} facilities, "
            f"{city.history['series_id'].nunique()} history series → {path}"
        )

    @app.command("data-docs")
    def data_docs(
        out: Path = typer.Option(Path("docs/data.md"), "--out", help="Markdown file to write."),
    ) -> None:
        """Write the data reference generated from the schemas."""
        from demand.bundle.docs import data_reference

        with user_errors():
            check_out_file(out, "--out", (".md",))
            out.write_text(data_reference(), encoding="utf-8")
        console.print(f"wrote {out}")
