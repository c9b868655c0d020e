"""`civicalloc demo`: forecast → optimise → compare → dashboard on the sample city."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from scenarios.errors import InputError, user_errors
from scenarios.out_paths import check_out_folder


def register(app: typer.Typer) -> None:
    """Add the demo command to the CLI."""

    @app.command("demo")
    def demo(
        bundle: Path = typer.Option(None, help="City bundle (default: the sample city)."),
        city: str = typer.Option(
            "sample", "--city", help="sample, or helsinki: real streets from OpenStreetMap."
        ),
        out: Path = typer.Option(Path("build/demo"), help="Folder for the demo's outputs."),
        no_serve: bool = typer.Option(False, "--no-serve", help="Do not start the dashboard."),
    ) -> None:
        """Run the main job on the sample city (or BUNDLE) and print what it finds."""
        from scenarios.demo import run_demo

        with user_errors():
            check_out_folder(out)
            console = Console(highlight=False)
            if not console.is_terminal:  # logs and CI: wide enough for the comparison tables
                console = Console(highlight=False, width=160)
            if city == "helsinki" and bundle is None:
                from scenarios.demo_helsinki import ensure_helsinki_bundle

                bundle = ensure_helsinki_bundle(console)
            elif city not in ("sample", "helsinki"):
                raise InputError(f"--city {city!r}: use sample or helsinki")
            run_demo(bundle, out, serve=not no_serve, console=console)
