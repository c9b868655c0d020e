"""Demo step (last): serve the dashboard on http://127.0.0.1:8050 and print a demo login.

The store is the one the scenarios step used (ctx.state['store_url']), else the default store
($CIVICALLOC_DB or ./civicalloc.sqlite). If it holds no runs yet, the bundled example scenarios
are run into it; the demo users of scenarios/demo_users.py are added if missing. Blocks until
Ctrl-C.
"""

from __future__ import annotations

ORDER = 90
TITLE = "The dashboard"
HOST, PORT = "127.0.0.1", 8050


def store_url(ctx) -> str:
    """Where the demo's runs are kept: the store the scenarios step used, else the default."""
    from scenarios.store import db_url

    return ctx.state.get("store_url") or db_url(None)


def seed_store(url: str, console) -> None:
    """Run the bundled examples into an empty store and add the demo users."""
    from scenarios.demo_steps.s80_scenarios import store_examples
    from scenarios.demo_users import ensure_demo_users
    from scenarios.store import connect, list_runs

    engine = connect(url)
    if not len(list_runs(engine)):
        store_examples(engine, console)
    ensure_demo_users(engine)


def run(ctx) -> None:
    """Serve the app with waitress until Ctrl-C (nothing when the demo runs with --no-serve)."""
    if not ctx.serve:
        return
    import waitress

    from dashboard.app import create_app
    from scenarios.demo_users import DEMO_PASSWORD, DEMO_USERS

    url = store_url(ctx)
    seed_store(url, ctx.console)
    app = create_app(url)
    others = ", ".join(name for name, role in DEMO_USERS.items() if role != "admin")
    ctx.console.print(
        f"[bold]Dashboard:[/] http://{HOST}:{PORT}  —  log in as [bold]admin[/] / "
        f"[bold]{DEMO_PASSWORD}[/] (sees every bureau), or {others} with the same password. "
        f"Store: {url}. Ctrl-C stops it."
    )
    try:
        waitress.serve(app.server, host=HOST, port=PORT, threads=8)
    except KeyboardInterrupt:
        ctx.console.print("dashboard stopped")
