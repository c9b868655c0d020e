"""`civicalloc serve`: the dashboard over a results store, behind the waitress WSGI server."""

from __future__ import annotations

import os

import typer
from rich.console import Console

from scenarios.errors import user_errors

console = Console(highlight=False)


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def deployment_warnings(host: str, secure_cookies: bool | None) -> list[str]:
    """What an operator should still set before others use this server."""
    from dashboard.app import SECRET_ENV, SECURE_ENV

    notes = []
    if not os.environ.get(SECRET_ENV):
        notes.append(f"${SECRET_ENV} is not set: a random key signs the cookies, so everyone is "
                     "signed out when the server restarts")  # fmt: skip
    secure = secure_cookies if secure_cookies is not None else (
        os.environ.get(SECURE_ENV, "").lower() in ("1", "true", "yes", "on"))  # fmt: skip
    if host not in LOOPBACK and not secure:
        notes.append(f"listening on {host} without --secure-cookies: put TLS (a reverse proxy) "
                     "in front and set it, or passwords and sessions cross the network in "
                     "clear")  # fmt: skip
    return notes


def register(app: typer.Typer) -> None:
    """Add the serve command to the CLI."""

    @app.command("serve")
    def serve(
        host: str = typer.Option("127.0.0.1", help="Address to listen on (0.0.0.0: all)."),
        port: int = typer.Option(8050, help="Port to listen on."),
        db: str = typer.Option(None, "--db", help="Store URL (default: $CIVICALLOC_DB)."),
        threads: int = typer.Option(8, help="Worker threads of the WSGI server."),
        secure_cookies: bool = typer.Option(
            None,
            "--secure-cookies/--no-secure-cookies",
            help="Send the session cookie over HTTPS only, with HSTS (default: "
            "$CIVICALLOC_SECURE_COOKIES). Set it whenever TLS is in front.",
        ),
        trusted_proxies: int = typer.Option(
            None,
            help="Reverse proxies in front whose X-Forwarded-For/-Proto to believe "
            "(default: $CIVICALLOC_TRUSTED_PROXIES, else 0).",
        ),
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
            app = create_app(url, secure_cookies=secure_cookies, trusted_proxies=trusted_proxies)
        for warning in deployment_warnings(host, secure_cookies):
            console.print(f"[yellow]note:[/] {warning}")
        console.print(f"dashboard on http://{host}:{port} (store {url}); Ctrl-C stops it")
        try:
            # ident="": no Server header naming the server software
            waitress.serve(app.server, host=host, port=port, threads=threads, ident="")
        except KeyboardInterrupt:
            console.print("stopped")
