"""The store's schema version and its migrations: how a store made by any earlier civicalloc
is brought up to date, safely when several processes open it at once.

Version 1 is the schema before versioning (runs, kpis, plans, model_results, users, audit; no
``schema_version`` table). Each later version is one ``Migration`` in ``MIGRATIONS``.

To change the schema:
1. change or add the ``sa.Table`` in ``scenarios/store.py`` (the current schema: a new store is
   created from it directly);
2. append a ``Migration`` here with the next version number, saying why, whose ``upgrade``
   brings a store of the previous version to this one: ``create_tables(...)`` for new tables,
   ``add_column(...)`` for new columns, plain SQL for anything else. Upgrades run in one
   transaction, in order, and must be idempotent (the helpers are);
3. add a test that a store of the previous version opens and keeps its runs
   (tests/scenarios/test_store_schema.py shows how).

Creation and migration run under a lock (SQLite: ``BEGIN IMMEDIATE``, the database's write
lock; PostgreSQL: a transaction-level advisory lock), so processes opening a new or old store
at the same moment wait for each other instead of failing with "table already exists".
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from demand.errors import InputError

#: Key of the PostgreSQL advisory lock held while the schema is created or migrated.
PG_SCHEMA_LOCK = 0x63697663  # "civc"

schema_version = sa.Table(
    "schema_version",
    sa.MetaData(),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
)


@dataclass(frozen=True)
class Migration:
    """One step of the schema: the version it brings a store to, why, and how."""

    version: int
    description: str
    upgrade: Callable[[Connection, sa.MetaData], None]


def create_tables(*names: str) -> Callable[[Connection, sa.MetaData], None]:
    """An upgrade that creates the named tables (as now defined) where missing."""

    def upgrade(conn: Connection, metadata: sa.MetaData) -> None:
        metadata.create_all(conn, tables=[metadata.tables[n] for n in names], checkfirst=True)

    return upgrade


def add_column(table: str, column: sa.Column) -> Callable[[Connection, sa.MetaData], None]:
    """An upgrade that adds ``column`` to ``table`` where the table exists without it.

    Give the column a ``server_default`` when it is NOT NULL: existing rows need a value.
    """

    def upgrade(conn: Connection, metadata: sa.MetaData) -> None:
        inspector = sa.inspect(conn)
        if not inspector.has_table(table):
            return  # created later from its current definition, column included
        if column.name in {c["name"] for c in inspector.get_columns(table)}:
            return
        ddl = sa.schema.CreateColumn(column).compile(dialect=conn.dialect)
        conn.execute(sa.text(f'ALTER TABLE "{table}" ADD COLUMN {ddl}'))

    return upgrade


def _both(*steps: Callable[[Connection, sa.MetaData], None]) -> Callable:
    def upgrade(conn: Connection, metadata: sa.MetaData) -> None:
        for step in steps:
            step(conn, metadata)

    return upgrade


MIGRATIONS: list[Migration] = [
    Migration(
        2,
        "runs.complete and model_results.has_plan: a run where a model found no plan is "
        "stored, and marked incomplete, instead of silently lacking that model's results",
        _both(
            add_column(
                "runs", sa.Column("complete", sa.Boolean, nullable=False, server_default=sa.true())
            ),
            add_column(
                "model_results",
                sa.Column("has_plan", sa.Boolean, nullable=False, server_default=sa.true()),
            ),
        ),  # fmt: skip
    ),
    Migration(
        3,
        "published_runs, sessions and login_failures: baselines every bureau may read, app "
        "sessions that logout, removal and role changes end at once, sign-in throttling",
        create_tables("published_runs", "sessions", "login_failures"),
    ),
    Migration(
        4,
        "alerts and alert_evaluations: what `civicalloc watch` raised (surveillance, time to "
        "breach, indicator rules), each alert's state and owner bureau",
        create_tables("alerts", "alert_evaluations"),
    ),
]

#: The schema version this code writes.
SCHEMA_VERSION = MIGRATIONS[-1].version if MIGRATIONS else 1


def stored_version(conn: Connection) -> int | None:
    """The store's schema version: None for an empty database, 1 for a pre-versioning store."""
    inspector = sa.inspect(conn)
    if inspector.has_table("schema_version"):
        found = conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar()
        return int(found) if found is not None else 1
    return 1 if inspector.has_table("runs") else None


@contextlib.contextmanager
def _schema_lock(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that no other process can enter until it commits."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock, taken before any read
        elif conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_SCHEMA_LOCK})
        yield conn
        conn.commit()


def ensure_schema(engine: Engine, metadata: sa.MetaData) -> int:
    """Create the store's tables, or migrate an older store, to ``SCHEMA_VERSION``.

    Safe when several processes call it on the same store at once. Returns the version the
    store had before (None for a new store).
    """
    with engine.connect() as conn:
        if stored_version(conn) == SCHEMA_VERSION:  # the usual case: no lock needed
            return SCHEMA_VERSION
    with _schema_lock(engine) as conn:
        before = stored_version(conn)  # again, under the lock: another process may have won
        if before is not None and before > SCHEMA_VERSION:
            raise InputError(
                f"the store has schema version {before}, newer than this civicalloc's "
                f"({SCHEMA_VERSION}); upgrade civicalloc to use it"
            )
        if before == SCHEMA_VERSION:
            return before
        now = datetime.now(UTC)
        if before is not None:
            for step in MIGRATIONS:
                if step.version > before:
                    step.upgrade(conn, metadata)
        metadata.create_all(conn, checkfirst=True)
        schema_version.create(conn, checkfirst=True)
        if before is None:
            rows = [{"version": SCHEMA_VERSION, "applied_at": now, "description": "new store"}]
        else:
            rows = [{"version": m.version, "applied_at": now, "description": m.description}
                    for m in MIGRATIONS if m.version > before]  # fmt: skip
        conn.execute(schema_version.insert(), rows)
    return before
