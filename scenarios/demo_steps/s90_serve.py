"""Demo step (last): serve the dashboard on http://127.0.0.1:8050 and print a demo login.

The store is the one earlier steps used (ctx.state['store_url']), else $CIVICALLOC_DB, else
<out>/civicalloc.sqlite. If it holds no runs yet, the bundled example scenarios are run into it;
a demo admin and one user per bureau are added if missing. Blocks until Ctrl-C.
"""

from __future__ import annotations

import os
from pathlib import Path

ORDER = 90
TITLE = "The dashboard"
HOST, PORT = "127.0.0.1", 8050
DEMO_PASSWORD = "civicalloc-demo"
DEMO_USERS = {"demo": "admin", "health": "health", "education": "education",
              "social": "social_security"}  # fmt: skip
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def store_url(ctx) -> str:
    """Where the demo's runs are kept."""
    url = ctx.state.get("store_url") or os.environ.get("CIVICALLOC_DB")
    return url or f"sqlite:///{(ctx.out_dir / 'civicalloc.sqlite').resolve()}"


def seed_store(url: str, console) -> None:
    """Run the bundled examples into an empty store and add the demo users."""
    from demand.errors import InputError
    from scenarios.pipeline import run_scenario
    from scenarios.spec import load_scenario
    from scenarios.store import connect, list_runs, save_run
    from scenarios.users import add_user, list_users

    engine = connect(url)
    if not len(list_runs(engine)):
        for path in sorted(EXAMPLES.glob("*.toml")):
            scenario = load_scenario(path)
            try:
                record = run_scenario(scenario, "demo")
            except InputError as exc:  # one broken example should not keep the app from serving
                console.print(f"[yellow]not stored:[/] {path.name}: {exc}")
                continue
            save_run(engine, record)
            console.print(
                f"stored run of {scenario.name!r} ({scenario.owner}, {record.seconds:.1f} s)"
            )
    known = set(list_users(engine)["username"])
    for name, role in DEMO_USERS.items():
        if name not in known:
            add_user(engine, name, DEMO_PASSWORD, role, by="demo")


def run(ctx) -> None:
    """Serve the app with waitress until Ctrl-C (nothing when the demo runs with --no-serve)."""
    if not ctx.serve:
        return
    import waitress

    from dashboard.app import create_app

    url = store_url(ctx)
    seed_store(url, ctx.console)
    app = create_app(url)
    ctx.console.print(
        f"[bold]Dashboard:[/] http://{HOST}:{PORT}  —  log in as [bold]demo[/] / "
        f"[bold]{DEMO_PASSWORD}[/] (admin), or health / education / social with the same "
        f"password. Store: {url}. Ctrl-C stops it."
    )
    try:
        waitress.serve(app.server, host=HOST, port=PORT, threads=8)
    except KeyboardInterrupt:
        ctx.console.print("dashboard stopped")
