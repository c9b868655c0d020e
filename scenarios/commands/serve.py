"""`civicalloc serve`: the dashboard over a results store, behind the waitress WSGI server."""

from __future__ import annotations

import typer
from rich.console import Console

from scenarios.errors import user_errors

console = Console(highlight=False)


def register(app: typer.Typer) -> None:
    """Add the serve command to the CLI."""

    @app.command("serve")
    def serve(
        host: str = typer.Option("127.0.0.1", help="Address to listen on (0.0.0.0: all)."),
        port: int = typer.Option(8050, help="Port to listen on."),
        db: str = typer.Option(None, "--db", help="Store URL (default: $CIVICALLOC_DB)."),
        threads: int = typer.Option(8, help="Worker threads of the WSGI server."),
    ) -> None:
        """Serve the dashboard (maps, forecasts, plans, compare, what-if) with waitress."""
        import waitress

        # The dashboard is the last stage; it is imported only when serving.
        from dashboard.app import create_app
        from scenarios.store import connect, db_url
        from scenarios.users import list_users

        with user_errors():
            url = db_url(db)
            if not len(list_users(connect(url))):
                console.print(
                    "[yellow]no users yet:[/] add one with `civicalloc users add NAME --role admin`"
                )
            app = create_app(url)
        console.print(f"dashboard on http://{host}:{port} (store {url}); Ctrl-C stops it")
        try:
            waitress.serve(app.server, host=host, port=port, threads=threads)
        except KeyboardInterrupt:
            console.print("stopped")
