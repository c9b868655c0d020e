"""`civicalloc watch`: evaluate the history, the indicator rules and time to breach; store the
alerts beside the runs and push them to the bureaus that own them.

    civicalloc watch --history H.csv [--rules R.toml] [--since DATE] [--db URL]
                     [--series S.csv | --bundle DIR [--plan RUN]] [--bureau B] [--no-push]
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from scenarios.errors import user_errors, warn

console = Console(highlight=False, soft_wrap=True)


def _say(message: str) -> None:
    console.print(f"[dim]{escape(message)} …[/]")


def register(app: typer.Typer) -> None:
    """Add the watch command to the CLI."""

    @app.command("watch")
    def watch(
        history: Path = typer.Option(
            None, "--history", help="CSV with series_id, ds, y (weekly, monthly or yearly)."
        ),
        rules: Path = typer.Option(
            None, "--rules", help="Watch file (TOML): methods, [[rule]]s, [smtp], [push.B]."
        ),
        since: str = typer.Option(
            None, "--since", help="Judge periods from this date (default: the last year)."
        ),
        db: str = typer.Option(None, "--db", help="Store URL (default: $CIVICALLOC_DB)."),
        bundle: Path = typer.Option(
            None, "--bundle", help="City bundle: series table, and time to breach."
        ),
        series: Path = typer.Option(
            None, "--series", help="Series table (series_id, service, measure, facility_id)."
        ),
        plan: str = typer.Option(
            None,
            "--plan",
            help="Run (id or scenario) whose outreach plan sessions are checked "
            "against (default: the latest published run with one, else the latest).",
        ),
        bureau: str = typer.Option(None, "--bureau", help="Bureau of series with no service."),
        push: bool = typer.Option(True, "--push/--no-push", help="Push new alerts."),
        user: str = typer.Option(None, "--user", help="Who evaluates (for the audit log)."),
    ) -> None:
        """Flag what the past did not expect, rules broken and breaches ahead; store, push."""
        from scenarios.alerts.evaluate import watch_files
        from scenarios.alerts.push import push_alerts
        from scenarios.alerts.rules import read_watch_file
        from scenarios.alerts.store import list_alerts
        from scenarios.commands.scenarios import current_user
        from scenarios.show.alerts import alerts_table
        from scenarios.store import connect

        who = current_user(user)
        with user_errors():
            engine = connect(db)
            result = watch_files(
                engine,
                history,
                rules,
                since,
                bundle,
                series,
                bureau,
                who,
                progress=_say,
                plan=plan,
            )
        ev = result.evaluation
        for note in result.notes:
            console.print(f"[dim]note: {escape(note)}[/]")
        changed = list_alerts(engine, ids=ev.raised + ev.updated)
        if len(changed):
            console.print(alerts_table(changed, f"Alerts of evaluation {ev.evaluation_id}"))
        checked = ", ".join(f"{v} {k}" for k, v in result.checked.items())
        console.print(
            f"{len(ev.raised)} new, {len(ev.updated)} still open, {len(ev.resolved)} resolved, "
            f"{len(ev.over)} surveillance episode(s) already over (stored resolved) ({checked}); "
            "list them with `civicalloc alerts`"
        )
        if push and ev.raised:
            with user_errors():
                spec = read_watch_file(rules)
                sent = push_alerts(engine, list_alerts(engine, ids=ev.raised), spec, who)
            for line in sent.lines:
                console.print(escape(line))
            for line in sent.failures:
                warn(line)
            if sent.failures:
                raise typer.Exit(code=1)
