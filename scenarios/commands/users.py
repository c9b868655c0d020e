"""`civicalloc users add|remove|role|password|list`: who may sign in to the app, as which bureau.

Passwords never go on the command line (it shows in `ps` and the shell history): they are read
from a hidden prompt (typed twice), from standard input with `--password-stdin`, or from the
environment variable named by `--password-env`.
"""

from __future__ import annotations

import os
import sys

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from scenarios.errors import InputError, user_errors

console = Console(highlight=False)
users_app = typer.Typer(help="Manage app users and their roles.", no_args_is_help=True)
STDIN_HELP = "Read the password from standard input (one line), e.g. from a secrets manager."
ENV_HELP = "Read the password from this environment variable."
DB_OPTION = typer.Option(None, "--db", help="Store URL (default: $CIVICALLOC_DB).")
STDIN_OPTION = typer.Option(False, "--password-stdin", help=STDIN_HELP)
ENV_OPTION = typer.Option(None, "--password-env", help=ENV_HELP)


def read_password(from_stdin: bool, env_var: str | None) -> str:
    """The new password: from stdin, from an environment variable, or a hidden prompt."""
    if from_stdin and env_var:
        raise InputError("give --password-stdin or --password-env, not both")
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise InputError("--password-stdin: standard input gave no password")
        return password
    if env_var:
        password = os.environ.get(env_var, "")
        if not password:
            raise InputError(f"--password-env {env_var}: that environment variable is not set")
        return password
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_app.command("add")
def add(
    username: str = typer.Argument(...),
    role: str = typer.Option(..., help="health, education, social_security or admin."),
    password_stdin: bool = STDIN_OPTION,
    password_env: str = ENV_OPTION,
    db: str = DB_OPTION,
) -> None:
    """Add a user (the password is stored only as a salted hash)."""
    from scenarios.store import connect
    from scenarios.users import add_user

    with user_errors():
        engine = connect(db)
        add_user(engine, username, read_password(password_stdin, password_env), role)
    console.print(f"added {escape(username)} ({escape(role)})")


@users_app.command("password")
def password(
    username: str = typer.Argument(...),
    password_stdin: bool = STDIN_OPTION,
    password_env: str = ENV_OPTION,
    db: str = DB_OPTION,
) -> None:
    """Set a new password for a user (their signed-in sessions end)."""
    from scenarios.store import connect
    from scenarios.users import set_password

    with user_errors():
        engine = connect(db)
        set_password(engine, username, read_password(password_stdin, password_env))
    console.print(f"new password for {escape(username)}; their sessions have ended")


@users_app.command("role")
def role_(
    username: str = typer.Argument(...),
    role: str = typer.Argument(..., help="health, education, social_security or admin."),
    db: str = DB_OPTION,
) -> None:
    """Give a user another role (applies to their open sessions at once)."""
    from scenarios.store import connect
    from scenarios.users import set_role

    with user_errors():
        set_role(connect(db), username, role)
    console.print(f"{escape(username)} is now {escape(role)}")


@users_app.command("remove")
def remove(username: str = typer.Argument(...), db: str = DB_OPTION) -> None:
    """Remove a user (their signed-in sessions end at once)."""
    from scenarios.store import connect
    from scenarios.users import remove_user

    with user_errors():
        remove_user(connect(db), username)
    console.print(f"removed {escape(username)}")


@users_app.command("list")
def list_(db: str = DB_OPTION) -> None:
    """List users and roles."""
    from scenarios.store import connect
    from scenarios.users import list_users

    with user_errors():
        frame = list_users(connect(db))
    t = Table("user", "role", "created (UTC)")
    for _, r in frame.iterrows():
        t.add_row(escape(r["username"]), r["role"], f"{r['created_at']:%Y-%m-%d %H:%M}")
    console.print(t)


def register(app: typer.Typer) -> None:
    """Add the users group to the CLI."""
    app.add_typer(users_app, name="users")
