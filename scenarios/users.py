"""Users of the app: a bureau role each, passwords stored only as salted scrypt hashes.

Removing a user, resetting a password or changing a role acts on signed-in sessions at once
(`scenarios.sessions`): removal and a new password end the user's sessions, and the role is
read from this table on every request.
"""

from __future__ import annotations

import functools
import secrets
from datetime import UTC, datetime

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from werkzeug.security import check_password_hash, generate_password_hash

from demand.errors import InputError
from scenarios.spec import BUREAUS
from scenarios.store import log, users

MIN_PASSWORD_LENGTH = 8


def _check_role(role: str) -> None:
    if role not in BUREAUS:
        raise InputError(f"role {role!r} is unknown; use one of {', '.join(BUREAUS)}")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")


def add_user(engine: Engine, username: str, password: str, role: str, by: str = "cli") -> None:
    """Create a user with a role (health, education, social_security, admin)."""
    _check_role(role)
    _check_password(password)
    if not username or not username.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise InputError(f"user name {username!r}: use letters, digits, '.', '_' or '-'")
    with engine.begin() as conn:
        exists = conn.execute(sa.select(users.c.username).where(users.c.username == username))
        if exists.first() is not None:
            raise InputError(f"user {username!r} already exists; remove it first to replace it")
        conn.execute(users.insert().values(
            username=username, password_hash=generate_password_hash(password), role=role,
            created_at=datetime.now(UTC),
        ))  # fmt: skip
        log(conn, by, "user_add", detail=f"{username} ({role})")


def _change(engine: Engine, username: str, values: dict, action: str, detail: str,
            by: str, end_sessions: bool) -> None:  # fmt: skip
    from scenarios.sessions import end_user_sessions

    with engine.begin() as conn:
        done = conn.execute(users.update().where(users.c.username == username).values(**values))
        if not done.rowcount:
            raise InputError(f"no user {username!r}; see `civicalloc users list`")
        ended = end_user_sessions(conn, username) if end_sessions else 0
        log(conn, by, action, detail=f"{detail}; {ended} session(s) ended" if end_sessions
            else detail)  # fmt: skip


def set_role(engine: Engine, username: str, role: str, by: str = "cli") -> None:
    """Give a user another role; their open sessions see only the new role's data at once."""
    _check_role(role)
    _change(engine, username, {"role": role}, "user_role", f"{username} → {role}", by, False)


def set_password(engine: Engine, username: str, password: str, by: str = "cli") -> None:
    """Replace a user's password and end their sessions."""
    _check_password(password)
    _change(engine, username, {"password_hash": generate_password_hash(password)},
            "user_password", username, by, True)  # fmt: skip


def remove_user(engine: Engine, username: str, by: str = "cli") -> None:
    """Delete a user and end their sessions."""
    from scenarios.sessions import end_user_sessions

    with engine.begin() as conn:
        ended = end_user_sessions(conn, username)
        gone = conn.execute(users.delete().where(users.c.username == username)).rowcount
        if not gone:
            raise InputError(f"no user {username!r}; see `civicalloc users list`")
        log(conn, by, "user_remove", detail=f"{username}; {ended} session(s) ended")


def list_users(engine: Engine) -> pd.DataFrame:
    """User names, roles and creation times (never the hashes)."""
    q = sa.select(users.c.username, users.c.role, users.c.created_at).order_by(users.c.username)
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(q).mappings().all(), columns=["username", "role",
                                                                        "created_at"])  # fmt: skip


@functools.cache
def dummy_hash() -> str:
    """A hash of a random password, checked for unknown user names so that a wrong name costs
    the same scrypt work as a wrong password (no user enumeration by timing)."""
    return generate_password_hash(secrets.token_urlsafe(16))


def authenticate(engine: Engine, username: str, password: str) -> str | None:
    """The user's role if the password is right, else None, in the same time either way."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.username == username)).mappings().first()
    stored = row["password_hash"] if row is not None else dummy_hash()
    right = check_password_hash(stored, password)  # hmac.compare_digest inside
    return row["role"] if row is not None and right else None
