"""The results store: runs, their plans and KPIs, users and the audit log, in one database.

SQLite by default (one file, nothing to install); PostgreSQL for a shared deployment
(`--db postgresql+psycopg://…` or the CIVICALLOC_DB environment variable). A run is written in
one transaction, so an interrupted write leaves nothing behind. A write that finds the store
locked by another writer waits (saying so) and retries; if the store stays unavailable, the
run is saved to a run file that `civicalloc import-run` stores later: a computed run is never
lost. The tables below are the current schema; `scenarios/store_schema.py` migrates older
stores.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from demand.errors import InputError
from scenarios.records import (  # noqa: F401 (ModelOutcome: the store's record, as before)
    ModelOutcome,
    RunRecord,
    frame_from_parquet,
    frame_to_parquet,
)
from scenarios.store_schema import ensure_schema

DEFAULT_DB = "sqlite:///civicalloc.sqlite"
ENV_DB = "CIVICALLOC_DB"
TEST_PAUSE_ENV = "CIVICALLOC_TEST_PAUSE_IN_WRITE"  # seconds to pause mid-transaction (tests)
TEST_FLAG_ENV = "CIVICALLOC_TEST_PAUSE_FLAG"  # file touched when the pause starts (tests)
WAIT_ENV = "CIVICALLOC_STORE_WAIT"  # seconds a finished run waits for a locked store
DEFAULT_WAIT_S = 300.0
FIRST_TRY_S = 2.0  # the first write attempt waits this long for a lock before saying so

metadata = sa.MetaData()

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("run_id", sa.String(36), primary_key=True),
    sa.Column("scenario", sa.String(200), nullable=False, index=True),
    sa.Column("owner", sa.String(40), nullable=False, index=True),
    sa.Column("description", sa.Text, nullable=False, default=""),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.String(80), nullable=False),
    sa.Column("seconds", sa.Float, nullable=False),
    sa.Column("inputs_fingerprint", sa.String(64), nullable=False),
    sa.Column("code_version", sa.String(80), nullable=False),
    sa.Column("scenario_json", sa.Text, nullable=False),
    # False when a model of the run found no plan (its KPIs and plans are missing): schema 2
    sa.Column("complete", sa.Boolean, nullable=False, server_default=sa.true()),
)
kpis = sa.Table(
    "kpis",
    metadata,
    sa.Column("run_id", sa.ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("service", sa.String(40), primary_key=True),
    sa.Column("kpi", sa.String(120), primary_key=True),
    sa.Column("value", sa.Float, nullable=True),
    sa.Column("unit", sa.String(40), nullable=False, default=""),
)
plans = sa.Table(
    "plans",
    metadata,
    sa.Column("run_id", sa.ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("name", sa.String(120), primary_key=True),
    sa.Column("n_rows", sa.Integer, nullable=False),
    sa.Column("spatial", sa.Boolean, nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),  # Parquet (GeoParquet if spatial)
)
model_results = sa.Table(
    "model_results",
    metadata,
    sa.Column("run_id", sa.ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("model", sa.String(80), primary_key=True),
    sa.Column("status", sa.String(80), nullable=False),
    sa.Column("objective", sa.Float, nullable=True),
    sa.Column("gap", sa.Float, nullable=True),
    sa.Column("build_seconds", sa.Float, nullable=True),
    sa.Column("solve_seconds", sa.Float, nullable=True),
    sa.Column("detail_json", sa.Text, nullable=False, default="{}"),
    sa.Column("has_plan", sa.Boolean, nullable=False, server_default=sa.true()),  # schema 2
)
users = sa.Table(
    "users",
    metadata,
    sa.Column("username", sa.String(80), primary_key=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("role", sa.String(40), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
# Baseline runs admin has published: every bureau may open them (its own service lines only).
published_runs = sa.Table(
    "published_runs",
    metadata,
    sa.Column("run_id", sa.ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("published_by", sa.String(80), nullable=False),
    sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
)
# Signed-in sessions of the app, kept here so that logout, removal and role change act at once
# (scenarios/sessions.py). Only a hash of the session's secret is stored.
sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column(
        "username", sa.ForeignKey("users.username", ondelete="CASCADE"), nullable=False, index=True
    ),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
    sa.Column("address", sa.String(64), nullable=False, default=""),
)
# Failed sign-ins, per user name and per address, for throttling (scenarios/sessions.py).
login_failures = sa.Table(
    "login_failures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("username", sa.String(80), nullable=False, index=True),
    sa.Column("address", sa.String(64), nullable=False, index=True),
)
audit = sa.Table(
    "audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("username", sa.String(80), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("scenario", sa.String(200), nullable=True),
    sa.Column("run_id", sa.String(36), nullable=True),
    sa.Column("detail", sa.Text, nullable=False, default=""),
)


# Alerts (issue #16): what watch raised, its state, who owns it; schema 4 (store_schema.py).
alerts = sa.Table(
    "alerts",
    metadata,
    sa.Column("alert_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String(400), nullable=False, unique=True),  # the same alert, re-raised
    sa.Column("bureau", sa.String(40), nullable=False, index=True),
    sa.Column("kind", sa.String(20), nullable=False),  # surveillance / breach / rule
    sa.Column("subject", sa.String(200), nullable=False),  # series_id or metric
    sa.Column("facility_id", sa.String(80), nullable=True),
    sa.Column("area_id", sa.String(80), nullable=True),
    sa.Column("ds", sa.DateTime, nullable=True),  # the period observed, or of the breach
    sa.Column("observed", sa.Float, nullable=True),
    sa.Column("expected", sa.Float, nullable=True),
    sa.Column("threshold", sa.Float, nullable=True),
    sa.Column("score", sa.Float, nullable=True),
    sa.Column("unit", sa.String(40), nullable=False, default=""),
    sa.Column("method", sa.String(80), nullable=False),
    sa.Column("severity", sa.String(20), nullable=False),
    sa.Column("state", sa.String(20), nullable=False, index=True),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("note", sa.Text, nullable=False, default=""),
    sa.Column("run_id", sa.String(36), nullable=True),
    sa.Column("detail_json", sa.Text, nullable=False, default="{}"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_by", sa.String(80), nullable=False),
    sa.Column("evaluation_id", sa.Integer, nullable=True),
)
alert_evaluations = sa.Table(
    "alert_evaluations",
    metadata,
    sa.Column("evaluation_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("username", sa.String(80), nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("summary_json", sa.Text, nullable=False, default="{}"),
)


def db_url(url: str | None = None) -> str:
    """The database URL: the argument, else $CIVICALLOC_DB, else civicalloc.sqlite here."""
    url = url or os.environ.get(ENV_DB) or DEFAULT_DB
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def connect(url: str | None = None) -> Engine:
    """An engine on the store, its tables created (or an older store migrated) if needed."""
    url = db_url(url)
    try:
        if url.startswith("sqlite"):
            path = sa.make_url(url).database
            if path and path != ":memory:" and not os.path.isdir(os.path.dirname(path) or "."):
                raise InputError(f"--db {url!r}: folder {os.path.dirname(path)!r} does not exist")
            if path and os.path.isdir(path):
                raise InputError(f"--db {url!r}: {path!r} is a folder, not a database file")
            # a generous busy timeout: a long write elsewhere makes us wait, not fail
            engine = sa.create_engine(url, connect_args={"timeout": 30})

            @sa.event.listens_for(engine, "connect")
            def _fk_on(dbapi_conn, _record):  # SQLite enforces foreign keys only when asked
                dbapi_conn.execute("PRAGMA foreign_keys=ON")

        else:
            engine = sa.create_engine(url)
        ensure_schema(engine, metadata)
    except sa.exc.ArgumentError as exc:
        raise InputError(f"--db {url!r}: not a database URL ({exc})") from None
    except (sa.exc.NoSuchModuleError, ModuleNotFoundError) as exc:
        raise InputError(f"--db {url!r}: unsupported database ({exc}); use sqlite:///FILE or "
                         "postgresql://USER@HOST/DB") from None  # fmt: skip
    except sa.exc.DBAPIError as exc:
        raise InputError(f"cannot open the store {_safe(url)}: {_first_line(exc.orig)}") from None
    return engine


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return repr(sa.make_url(url).render_as_string(hide_password=True))
    except sa.exc.ArgumentError:
        return repr(url)


def _first_line(error: BaseException | None) -> str:
    text = str(error or "").strip()
    return text.splitlines()[0] if text else type(error).__name__


class RunNotStored(InputError):
    """A finished run the store could not take; it was saved to ``path`` instead."""

    def __init__(self, message: str, path: Path) -> None:
        super().__init__(message)
        self.path = path


def _is_lock_wait(exc: sa.exc.DBAPIError) -> bool:
    """True for errors that waiting may cure: a locked store, a lost or refused connection."""
    if isinstance(exc, sa.exc.OperationalError):
        return True
    code = getattr(exc.orig, "sqlstate", None) or ""
    return code.startswith(("08", "40", "55P03", "57P"))  # connection, rollback, lock, admin


def save_run(
    engine: Engine,
    record: RunRecord,
    *,
    notify: Callable[[str], None] | None = None,
    wait_s: float | None = None,
) -> str:
    """Store a run in one transaction and return its id; never lose it.

    If the store is locked (another process writing) or unreachable, wait and retry for up to
    ``wait_s`` seconds ($CIVICALLOC_STORE_WAIT, default 300), telling ``notify`` why. If it
    still cannot be written, save the run to a run file (``runfile.spill_dir()``) and raise
    ``RunNotStored`` naming the file and the command that stores it later.
    """
    notify = notify or (lambda message: None)
    wait_s = float(os.environ.get(WAIT_ENV, DEFAULT_WAIT_S)) if wait_s is None else wait_s
    started = time.monotonic()
    attempt, told = 0, False
    while True:
        attempt += 1
        left = wait_s - (time.monotonic() - started)
        try:
            patience = FIRST_TRY_S if attempt == 1 else 30.0
            _write_run(engine, record, lock_wait_s=max(0.1, min(left, patience)))
            if told:
                notify(f"the store is free again: run {record.run_id[:8]} stored")
            return record.run_id
        except sa.exc.IntegrityError as exc:
            if _stored_already(engine, record.run_id):
                return record.run_id
            reason = _first_line(exc.orig)
        except sa.exc.DBAPIError as exc:
            reason = _first_line(exc.orig)
            left = wait_s - (time.monotonic() - started)
            if _is_lock_wait(exc) and left > 0:
                if not told:
                    notify(f"the store is busy or unreachable ({reason}); run "
                           f"{record.scenario!r} is computed and waits up to {left:.0f} s "
                           "more to be stored")  # fmt: skip
                    told = True
                time.sleep(min(1.0, left))
                continue
        from scenarios.runfile import spill_run

        path = spill_run(record)
        raise RunNotStored(
            f"could not store run {record.scenario!r} ({reason}; waited "
            f"{time.monotonic() - started:.0f} s); it is saved in {path}: store it later with "
            f"`civicalloc import-run {path}`",
            path,
        )


def _stored_already(engine: Engine, run_id: str) -> bool:
    try:
        with engine.connect() as conn:
            found = conn.execute(sa.select(runs.c.run_id).where(runs.c.run_id == run_id))
            return found.first() is not None
    except sa.exc.DBAPIError:
        return False


def _write_run(engine: Engine, record: RunRecord, lock_wait_s: float) -> None:
    """One attempt at the run's transaction, waiting at most ``lock_wait_s`` for locks."""
    pause = float(os.environ.get(TEST_PAUSE_ENV, "0") or 0)
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(lock_wait_s * 1000)}")
        elif conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = {int(lock_wait_s * 1000)}")
        conn.execute(
            runs.insert().values(
                run_id=record.run_id,
                scenario=record.scenario,
                owner=record.owner,
                description=record.description,
                created_at=record.created_at,
                created_by=record.created_by,
                seconds=record.seconds,
                inputs_fingerprint=record.inputs_fingerprint,
                code_version=record.code_version,
                scenario_json=record.scenario_json,
                complete=record.complete,
            )
        )
        if pause:  # lets a test kill the process mid-transaction
            flag = os.environ.get(TEST_FLAG_ENV)
            if flag:
                open(flag, "w").close()
            time.sleep(pause)
        if len(record.kpis):
            rows = record.kpis.assign(run_id=record.run_id)[
                ["run_id", "service", "kpi", "value", "unit"]
            ]
            rows = rows.astype(object).where(rows.notna(), None)
            conn.execute(kpis.insert(), rows.to_dict("records"))
        for name, frame in record.plans.items():
            content, spatial = frame_to_parquet(frame)
            conn.execute(
                plans.insert().values(
                    run_id=record.run_id,
                    name=name,
                    n_rows=len(frame),
                    spatial=spatial,
                    content=content,
                )
            )
        for m in record.models:
            conn.execute(
                model_results.insert().values(
                    run_id=record.run_id,
                    model=m.model,
                    status=m.status,
                    objective=m.objective,
                    gap=m.gap,
                    build_seconds=m.build_seconds,
                    solve_seconds=m.solve_seconds,
                    detail_json=json.dumps(m.detail, default=str),
                    has_plan=m.has_plan,
                )
            )
        missing = ", ".join(m.model for m in record.models_without_plan)
        log(conn, record.created_by, "run", record.scenario, record.run_id,
            f"{len(record.plans)} plans, {len(record.kpis)} KPIs"
            + (f"; incomplete, no plan from {missing}" if missing else ""))  # fmt: skip


def log(conn_or_engine, username: str, action: str, scenario: str | None = None,
        run_id: str | None = None, detail: str = "") -> None:  # fmt: skip
    """Add a line to the audit log (who, when, what, which scenario / run)."""
    stmt = audit.insert().values(
        at=datetime.now(UTC),
        username=username,
        action=action,
        scenario=scenario,
        run_id=run_id,
        detail=detail,
    )
    if isinstance(conn_or_engine, Engine):
        with conn_or_engine.begin() as conn:
            conn.execute(stmt)
    else:
        conn_or_engine.execute(stmt)


def list_runs(engine: Engine, owner: str | None = None, bureau: str | None = None) -> pd.DataFrame:
    """Stored runs, newest first, with `published` (True for baselines every bureau may read).

    `owner`: only that bureau's own runs. `bureau`: the runs that bureau may open (its own and
    the published ones; None: all, as for admin).
    """
    published = sa.exists().where(published_runs.c.run_id == runs.c.run_id)
    query = sa.select(
        runs.c.run_id, runs.c.scenario, runs.c.owner, runs.c.created_at, runs.c.created_by,
        runs.c.seconds, runs.c.inputs_fingerprint, runs.c.code_version, runs.c.complete,
        published.label("published"),
    ).order_by(runs.c.created_at.desc())  # fmt: skip
    if owner is not None:
        query = query.where(runs.c.owner == owner)
    if bureau is not None:
        query = query.where(readable_by(bureau))
    with engine.connect() as conn:
        frame = pd.DataFrame(
            conn.execute(query).mappings().all(), columns=list(query.selected_columns.keys())
        )
    return frame.astype({"published": bool})


def readable_by(bureau: str):
    """SQL condition: a run the bureau may open (its own, or published by admin)."""
    published = sa.exists().where(published_runs.c.run_id == runs.c.run_id)
    return sa.or_(runs.c.owner == bureau, published)


RUN_ID_TEXT = re.compile(r"[0-9a-fA-F-]{1,36}")


class RunNotFound(InputError):
    """No run matches, or none the asking bureau may open: the same answer for both."""


def find_run(engine: Engine, ref: str, bureau: str | None = None) -> dict:
    """The run whose id is `ref`, else the latest run of the scenario named exactly `ref`, else
    the one run whose id starts with `ref`; with `bureau`, only among the runs it may open.

    `ref` is compared as plain text (no wildcards). A run the bureau may not open is answered
    exactly as a run that does not exist (RunNotFound), so ids and names cannot be probed. A
    scenario's name wins over an id prefix: "b" is the scenario b, not any run id starting so.
    """
    ref = str(ref or "")
    scope = [readable_by(bureau)] if bureau is not None else []
    found: list = []
    with engine.connect() as conn:
        if ref:
            q = sa.select(runs).where(runs.c.run_id == ref, *scope)
            found = conn.execute(q).mappings().all()
        if not found and ref:
            q = sa.select(runs).where(runs.c.scenario == ref, *scope)
            found = conn.execute(q.order_by(runs.c.created_at.desc()).limit(1)).mappings().all()
        if not found and RUN_ID_TEXT.fullmatch(ref):
            prefix = sa.func.substr(runs.c.run_id, 1, len(ref)) == ref
            found = conn.execute(sa.select(runs).where(prefix, *scope).limit(2)).mappings().all()
    if not found:
        if bureau is not None:
            raise RunNotFound(f"no run or scenario {ref!r} that you may open")
        raise RunNotFound(f"no stored run or scenario called {ref!r}; see `civicalloc runs`")
    if len(found) > 1:
        raise InputError(f"{ref!r} matches more than one run; give more of the run id")
    return dict(found[0])


def publish_run(engine: Engine, run_id: str, username: str, publish: bool = True) -> None:
    """Publish a run as a baseline every bureau may open (its own service lines), or withdraw
    it (`publish=False`); audited."""
    with engine.begin() as conn:
        row = conn.execute(sa.select(runs.c.scenario).where(runs.c.run_id == run_id)).first()
        if row is None:
            raise RunNotFound(f"no stored run {run_id!r}")
        conn.execute(published_runs.delete().where(published_runs.c.run_id == run_id))
        if publish:
            conn.execute(published_runs.insert().values(
                run_id=run_id, published_by=username, published_at=datetime.now(UTC)))  # fmt: skip
        log(conn, username, "publish" if publish else "unpublish", row.scenario, run_id)


def load_kpis(engine: Engine, run_id: str) -> pd.DataFrame:
    """KPIs of one run: service, kpi, value, unit."""
    q = sa.select(kpis.c.service, kpis.c.kpi, kpis.c.value, kpis.c.unit).where(
        kpis.c.run_id == run_id
    )
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(q).mappings().all(), columns=["service", "kpi", "value",
                                                                        "unit"])  # fmt: skip


def load_plans(engine: Engine, run_id: str, names: list[str] | None = None) -> dict:
    """Plans of one run by name (GeoDataFrames for spatial ones)."""
    q = sa.select(plans).where(plans.c.run_id == run_id)
    if names is not None:
        q = q.where(plans.c.name.in_(names))
    with engine.connect() as conn:
        rows = conn.execute(q).mappings().all()
    return {r["name"]: frame_from_parquet(r["content"], r["spatial"]) for r in rows}


def load_model_results(engine: Engine, run_id: str) -> pd.DataFrame:
    """Solver outcomes of one run's models."""
    q = sa.select(model_results).where(model_results.c.run_id == run_id)
    with engine.connect() as conn:
        return pd.DataFrame(
            conn.execute(q).mappings().all(), columns=list(q.selected_columns.keys())
        )


def delete_run(engine: Engine, run_id: str, username: str) -> None:
    """Remove a run and everything stored with it, and log who did."""
    with engine.begin() as conn:
        row = conn.execute(sa.select(runs.c.scenario).where(runs.c.run_id == run_id)).first()
        if row is None:
            raise InputError(f"no stored run {run_id!r}")
        for table in (kpis, plans, model_results, published_runs):
            conn.execute(table.delete().where(table.c.run_id == run_id))
        conn.execute(runs.delete().where(runs.c.run_id == run_id))
        log(conn, username, "delete", row.scenario, run_id)


def audit_log(engine: Engine, limit: int = 200) -> pd.DataFrame:
    """The latest audit lines, newest first."""
    q = sa.select(audit).order_by(audit.c.id.desc()).limit(limit)
    with engine.connect() as conn:
        return pd.DataFrame(
            conn.execute(q).mappings().all(), columns=list(q.selected_columns.keys())
        )
