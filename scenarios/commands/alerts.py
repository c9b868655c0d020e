"""`civicalloc alerts`: list, export, acknowledge and resolve stored alerts.

civicalloc alerts [--state open|new|acknowledged|resolved|all] [--bureau B] [--export alerts.csv]
civicalloc alerts ack ID --note "..."
civicalloc alerts resolve ID --note "..."
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from scenarios.errors import user_errors

console = Console(highlight=False, soft_wrap=True)
alerts_app = typer.Typer(
    help="Stored alerts: list (default), export, acknowledge, resolve.",
    invoke_without_command=True,
)
DB = typer.Option(None, "--db", help="Store URL (default: $CIVICALLOC_DB).")
USER = typer.Option(None, "--user", help="Who acts (for the audit log).")


#: What `--state` takes: a state, or a name for several (without --state: "open").
STATE_CHOICES = {
    "open": ("new", "acknowledged"),  # the ones a bureau acts on
    "new": ("new",),
    "acknowledged": ("acknowledged",),
    "resolved": ("resolved",),
    "all": ("new", "acknowledged", "resolved"),
}


def _states(state: str) -> tuple[str, ...]:
    """The stored states `--state` names; InputError naming the choices otherwise."""
    from demand.errors import InputError

    if state not in STATE_CHOICES:
        raise InputError(
            f"--state {state!r}: use one of {', '.join(STATE_CHOICES)} (without --state: "
            "open, i.e. new and acknowledged)"
        )
    return STATE_CHOICES[state]


def hidden_line(frame, states: tuple[str, ...]) -> str:
    """What the list leaves out and how to see it ('' when nothing): the alerts of the bureau
    in other states, counted per state."""
    counts = frame.loc[~frame["state"].isin(states), "state"].value_counts()
    if counts.empty:
        return ""
    hidden = [s for s in STATE_CHOICES["all"] if s in counts.index]
    parts = ", ".join(f"{int(counts[s])} {s}" for s in hidden)
    options = ", ".join(f"--state {s}" for s in hidden)
    return f"{int(counts.sum())} more not listed ({parts}): see them with {options} or --state all"


@alerts_app.callback()
def list_(
    ctx: typer.Context,
    state: str = typer.Option(
        "open",
        "--state",
        help="open (new and acknowledged: the ones to act on), new, acknowledged, resolved or all.",
    ),
    bureau: str = typer.Option(None, "--bureau", help="health, education or social_security."),
    export: Path = typer.Option(None, "--export", help="Write them to this CSV (or .xlsx)."),
    db: str = DB,
) -> None:
    """List alerts (newest period first): the open ones (new and acknowledged) unless --state
    says otherwise, optionally of one bureau; says how many others there are."""
    if ctx.invoked_subcommand is not None:
        return
    from scenarios.alerts.export import write_alerts
    from scenarios.alerts.store import list_alerts
    from scenarios.out_paths import check_out_file
    from scenarios.show.alerts import alerts_table
    from scenarios.store import connect

    with user_errors():
        states = _states(state)
        check_out_file(export, "--export", (".csv", ".xlsx"))
        every = list_alerts(connect(db), bureau=bureau)
        frame = every[every["state"].isin(states)].reset_index(drop=True)
        if export is not None:
            write_alerts(frame, export)
    label = " + ".join(states) if state == "open" else state
    what = ", ".join(x for x in (label, bureau) if x)
    console.print(alerts_table(frame, f"Alerts ({what}): {len(frame)}"))
    if line := hidden_line(every, states):
        console.print(line)
    if export is not None:
        console.print(f"{len(frame)} alert(s) → {export}")


def _change(state: str, alert_id: int, note: str, db: str | None, user: str | None) -> None:
    """Acknowledge or resolve one alert with a note, and say so."""
    from scenarios.alerts import store as alert_store
    from scenarios.commands.scenarios import current_user
    from scenarios.store import connect

    change = alert_store.acknowledge if state == "acknowledged" else alert_store.resolve
    with user_errors():
        alert = change(connect(db), alert_id, note, current_user(user))
    console.print(f"alert {alert_id} {state}: {escape(alert['message'])}")


ID = typer.Argument(..., help="The alert's id (first column of the list).")


@alerts_app.command("ack")
def ack(
    alert_id: int = ID,
    note: str = typer.Option(..., "--note", help="What was done or why (audited)."),
    db: str = DB,
    user: str = USER,
) -> None:
    """Acknowledge an alert with a note."""
    _change("acknowledged", alert_id, note, db, user)


@alerts_app.command("resolve")
def resolve(
    alert_id: int = ID,
    note: str = typer.Option(..., "--note", help="How it was resolved (audited)."),
    db: str = DB,
    user: str = USER,
) -> None:
    """Resolve an alert with a note."""
    _change("resolved", alert_id, note, db, user)


@alerts_app.command("push")
def push(
    rules: Path = typer.Option(..., "--rules", help="Watch file with [smtp] and [push.B]."),
    state: str = typer.Option("new", "--state", help="Push alerts of this state."),
    bureau: str = typer.Option(None, "--bureau", help="Only this bureau's."),
    db: str = DB,
    user: str = USER,
) -> None:
    """Push stored alerts again (e.g. after the mail server refused them)."""
    from demand.errors import InputError
    from scenarios.alerts.push import push_alerts
    from scenarios.alerts.rules import read_watch_file
    from scenarios.alerts.store import list_alerts
    from scenarios.commands.scenarios import current_user
    from scenarios.errors import warn
    from scenarios.store import connect

    with user_errors():
        spec = read_watch_file(rules)
        if not spec.push:
            raise InputError(
                f"{rules.name}: no [push.BUREAU] table, so nowhere to send alerts; "
                "add one per bureau with email and/or webhook (docs/alerts.md)"
            )
        engine = connect(db)
        sent = push_alerts(engine, list_alerts(engine, state=state, bureau=bureau), spec,
                           current_user(user))  # fmt: skip
    for line in sent.lines or [f"nothing to push: no {state} alert of a bureau with a "
                               "[push.BUREAU] table"]:  # fmt: skip
        console.print(escape(line))
    for line in sent.failures:
        warn(line)
    if sent.failures:
        raise typer.Exit(code=1)


def register(app: typer.Typer) -> None:
    """Add the alerts group to the CLI."""
    app.add_typer(alerts_app, name="alerts")
