"""Users of the app: a bureau role each, passwords stored only as salted scrypt hashes."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from werkzeug.security import check_password_hash, generate_password_hash

from demand.errors import InputError
from scenarios.spec import BUREAUS
from scenarios.store import log, users

MIN_PASSWORD_LENGTH = 8


def add_user(engine: Engine, username: str, password: str, role: str, by: str = "cli") -> None:
    """Create a user with a role (health, education, social_security, admin)."""
    if role not in BUREAUS:
        raise InputError(f"role {role!r} is unknown; use one of {', '.join(BUREAUS)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
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


def remove_user(engine: Engine, username: str, by: str = "cli") -> None:
    """Delete a user."""
    with engine.begin() as conn:
        gone = conn.execute(users.delete().where(users.c.username == username)).rowcount
        if not gone:
            raise InputError(f"no user {username!r}; see `civicalloc users list`")
        log(conn, by, "user_remove", detail=username)


def list_users(engine: Engine) -> pd.DataFrame:
    """User names, roles and creation times (never the hashes)."""
    q = sa.select(users.c.username, users.c.role, users.c.created_at).order_by(users.c.username)
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(q).mappings().all(), columns=["username", "role",
                                                                        "created_at"])  # fmt: skip


def authenticate(engine: Engine, username: str, password: str) -> str | None:
    """The user's role if the password is right, else None."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.username == username)).mappings().first()
    if row is None or not check_password_hash(row["password_hash"], password):
        return None
    return row["role"]
