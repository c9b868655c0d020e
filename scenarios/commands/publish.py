"""`civicalloc publish RUN [--withdraw]`: make a run a baseline every bureau may open.

A published run is listed for every bureau, which sees only its own service lines in it (the
KPIs, plans and maps of its service; `scenarios.scope`). Publishing and withdrawing are audited.
"""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape

from scenarios.errors import user_errors

console = Console(highlight=False)


def register(app: typer.Typer) -> None:
    """Add the publish command to the CLI."""

    @app.command("publish")
    def publish(
        run: str = typer.Argument(..., help="Run id (or prefix) or scenario name."),
        withdraw: bool = typer.Option(False, "--withdraw", help="Stop publishing it."),
        db: str = typer.Option(None, "--db", help="Store URL (default: $CIVICALLOC_DB)."),
        user: str = typer.Option(None, "--user", help="Who publishes it (for the audit log)."),
    ) -> None:
        """Publish a run as a baseline every bureau may read (its own service lines only)."""
        from scenarios.commands.scenarios import current_user
        from scenarios.store import connect, find_run, publish_run

        with user_errors():
            engine = connect(db)
            found = find_run(engine, run)
            publish_run(engine, found["run_id"], current_user(user), publish=not withdraw)
        what = "withdrawn" if withdraw else "published for every bureau"
        console.print(f"run {found['run_id'][:8]} ({escape(found['scenario'])}) {what}")
