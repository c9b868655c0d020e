"""`civicalloc users add|remove|list`: who may log in to the app, with which bureau role."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from scenarios.errors import user_errors

console = Console(highlight=False)
users_app = typer.Typer(help="Manage app users and their roles.", no_args_is_help=True)


@users_app.command("add")
def add(
    username: str = typer.Argument(...),
    role: str = typer.Option(..., help="health, education, social_security or admin."),
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True),
    db: str = typer.Option(None, "--db", help="Store URL."),
) -> None:
    """Add a user (the password is stored only as a salted hash)."""
    from scenarios.store import connect
    from scenarios.users import add_user

    with user_errors():
        add_user(connect(db), username, password, role)
    console.print(f"added {username} ({role})")


@users_app.command("remove")
def remove(username: str = typer.Argument(...), db: str = typer.Option(None, "--db")) -> None:
    """Remove a user."""
    from scenarios.store import connect
    from scenarios.users import remove_user

    with user_errors():
        remove_user(connect(db), username)
    console.print(f"removed {username}")


@users_app.command("list")
def list_(db: str = typer.Option(None, "--db")) -> None:
    """List users and roles."""
    from scenarios.store import connect
    from scenarios.users import list_users

    with user_errors():
        frame = list_users(connect(db))
    t = Table("user", "role", "created (UTC)")
    for _, r in frame.iterrows():
        t.add_row(r["username"], r["role"], f"{r['created_at']:%Y-%m-%d %H:%M}")
    console.print(t)


def register(app: typer.Typer) -> None:
    """Add the users group to the CLI."""
    app.add_typer(users_app, name="users")
