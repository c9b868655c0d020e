"""Signed-in sessions of the app and sign-in throttling, both kept in the store.

**Sessions.** Signing in makes a random token; the browser keeps it in its (signed) session
cookie and the store keeps only its SHA-256 (`sessions` table). Every request looks the token up
and reads the user's role from `users` at that moment, so logging out (the row is deleted),
`civicalloc users remove` (the user's rows go with it), a password reset (the user's sessions are
ended) and a role change (read afresh) take effect on the next request. A session ends after
`IDLE` without a request, and `LIFETIME` after signing in, whichever comes first.

**Throttling.** Failed sign-ins are counted per user name (known or not, so locking says
nothing about who exists) and per address over `WINDOW`; `MAX_PER_USER` failures for one name
or `MAX_PER_ADDRESS` from one address lock further tries out until the oldest of them leaves
the window. The lock-out is written to the audit log (action `lockout`) when it starts.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from scenarios.store import log, login_failures, sessions, users

IDLE = timedelta(hours=4)
LIFETIME = timedelta(hours=12)
TOUCH_EVERY = timedelta(minutes=1)  # last_seen is written at most this often
WINDOW = timedelta(minutes=15)
MAX_PER_USER = 5
MAX_PER_ADDRESS = 20
KEEP_FAILURES = timedelta(days=1)


def _now() -> datetime:
    return datetime.now(UTC)


def _utc(moment: datetime) -> datetime:
    """Stored times as aware UTC (SQLite gives them back naive)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class SessionUser:
    """Who a live session belongs to, with the role the store gives them now."""

    username: str
    role: str


def start_session(engine: Engine, username: str, address: str = "") -> str:
    """A new session for `username`; returns the token the browser keeps (never stored)."""
    token = secrets.token_urlsafe(32)
    now = _now()
    with engine.begin() as conn:
        conn.execute(sessions.insert().values(token_hash=_hash(token), username=username,
                                              created_at=now, last_seen=now,
                                              address=address[:64]))  # fmt: skip
    return token


def session_user(engine: Engine, token: str | None) -> SessionUser | None:
    """The user of a live session (None when the token is unknown, ended or expired)."""
    if not token:
        return None
    key = _hash(token)
    query = (
        sa.select(sessions.c.created_at, sessions.c.last_seen, users.c.username, users.c.role)
        .join(users, users.c.username == sessions.c.username)
        .where(sessions.c.token_hash == key)
    )
    with engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        return None
    now = _now()
    if now - _utc(row.last_seen) > IDLE or now - _utc(row.created_at) > LIFETIME:
        end_session(engine, token)
        return None
    if now - _utc(row.last_seen) > TOUCH_EVERY:
        with engine.begin() as conn:
            conn.execute(
                sessions.update().where(sessions.c.token_hash == key).values(last_seen=now)
            )
    return SessionUser(row.username, row.role)


def end_session(engine: Engine, token: str | None) -> str | None:
    """End one session (logout); returns its user name, or None if it was not live."""
    if not token:
        return None
    key = _hash(token)
    with engine.begin() as conn:
        row = conn.execute(sa.select(sessions.c.username).where(sessions.c.token_hash == key))
        name = row.scalar()
        conn.execute(sessions.delete().where(sessions.c.token_hash == key))
    return name


def end_user_sessions(conn, username: str) -> int:
    """End every session of a user, inside the caller's transaction; returns how many."""
    return conn.execute(sessions.delete().where(sessions.c.username == username)).rowcount


def live_sessions(engine: Engine, username: str) -> int:
    """How many sessions a user has (for `users list` and tests)."""
    with engine.connect() as conn:
        query = sa.select(sa.func.count()).where(sessions.c.username == username)
        return int(conn.execute(query.select_from(sessions)).scalar() or 0)


@dataclass(frozen=True)
class Lockout:
    """Sign-in locked for a user name or an address until `until` (UTC)."""

    by: str  # "user" or "address"
    until: datetime

    def minutes_left(self, now: datetime | None = None) -> int:
        """Whole minutes until sign-in is allowed again (at least 1)."""
        left = (self.until - (now or _now())).total_seconds()
        return max(1, int(-(-left // 60)))


def lockout(engine: Engine, username: str, address: str) -> Lockout | None:
    """The lock on signing in as `username` from `address`, if either has failed too often."""
    since = _now() - WINDOW
    checks = (("user", login_failures.c.username == username, MAX_PER_USER),
              ("address", login_failures.c.address == address, MAX_PER_ADDRESS))  # fmt: skip
    with engine.connect() as conn:
        for by, which, limit in checks:
            query = (
                sa.select(login_failures.c.at)
                .where(which, login_failures.c.at >= since)
                .order_by(login_failures.c.at.desc())
                .limit(limit)
            )
            times = conn.execute(query).scalars().all()
            if len(times) >= limit:
                return Lockout(by, _utc(times[-1]) + WINDOW)
    return None


def record_failure(engine: Engine, username: str, address: str) -> Lockout | None:
    """Count a failed sign-in (audited); returns the lock-out it starts, if it starts one."""
    now = _now()
    with engine.begin() as conn:
        conn.execute(login_failures.insert().values(at=now, username=username[:80],
                                                    address=address[:64]))  # fmt: skip
        conn.execute(login_failures.delete().where(login_failures.c.at < now - KEEP_FAILURES))
        log(conn, username[:80] or "?", "login_failed", detail=address)
    lock = lockout(engine, username, address)
    if lock is not None:
        until = f"{lock.until:%Y-%m-%d %H:%M} UTC"
        log(engine, username[:80] or "?", "lockout", detail=f"{lock.by} locked until {until} "
            f"({address})")  # fmt: skip
    return lock


def clear_failures(engine: Engine, username: str) -> None:
    """Forget a user name's failed sign-ins after it signs in (its address keeps its count)."""
    with engine.begin() as conn:
        conn.execute(login_failures.delete().where(login_failures.c.username == username))
