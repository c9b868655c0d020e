"""The alert store: alerts beside the runs, in the same database, with their state and owner.

An alert is keyed by what it is about (``key``: kind, subject, period, method), so evaluating
the same history again updates the alert rather than raising it twice, and keeps its state.
States: ``new`` -> ``acknowledged`` (with a note) -> ``resolved``; a breach or rule alert that
a later evaluation no longer finds is resolved by that evaluation, and raised again as new if
it comes back. Every change is a line in the audit log. One evaluation is one transaction.

``open_alerts(engine, bureau)`` is the query other parts (decision briefs, the app) use.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from demand.errors import InputError
from scenarios.spec import BUREAUS as ROLES
from scenarios.store import alert_evaluations, alerts, log

__all__ = [
    "ALERT_COLUMNS",
    "EXPORT_COLUMNS",
    "KINDS",
    "SEVERITIES",
    "STATES",
    "Evaluation",
    "acknowledge",
    "get_alert",
    "list_alerts",
    "open_alerts",
    "resolve",
    "store_evaluation",
]

STATES = ("new", "acknowledged", "resolved")
BUREAUS = tuple(role for role in ROLES if role != "admin")  # who owns alerts
OPEN_STATES = ("new", "acknowledged")
KINDS = ("surveillance", "breach", "rule")
SEVERITIES = ("info", "warning", "critical")
#: What an evaluation hands the store: one row per alert found (``key`` identifies it).
ALERT_COLUMNS = [
    "key", "bureau", "kind", "subject", "facility_id", "area_id", "ds", "observed", "expected",
    "threshold", "score", "unit", "method", "severity", "message", "run_id", "detail",
]  # fmt: skip
#: The documented columns of `civicalloc alerts --export` (docs/alerts.md).
EXPORT_COLUMNS = [
    "alert_id", "bureau", "kind", "series_id or metric", "ds", "observed", "expected",
    "threshold", "score", "method", "severity", "state", "message",
]  # fmt: skip
#: Kinds whose alerts a later evaluation resolves when it no longer finds them.
RESOLVABLE = ("breach", "rule")
#: How the note of a surveillance episode stored resolved because it is over begins.
OVER = "episode over:"


@dataclass
class Evaluation:
    """What one evaluation did to the store."""

    evaluation_id: int
    raised: list[int] = field(default_factory=list)  # new alerts (and ones raised again)
    updated: list[int] = field(default_factory=list)  # already open, figures refreshed
    resolved: list[int] = field(default_factory=list)  # no longer found, or episodes now over
    over: list[int] = field(default_factory=list)  # surveillance episodes found already over
    checked: dict = field(default_factory=dict)


def _clean(value):
    if value is None:
        return None
    if isinstance(value, float | np.floating):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.to_pydatetime()
    if value is pd.NaT:
        return None
    return value


def store_evaluation(
    engine: Engine,
    found: pd.DataFrame,
    source: str,
    username: str = "cli",
    scope: Iterable[tuple[str, str]] = (),
    checked: dict | None = None,
) -> Evaluation:
    """Store one evaluation's alerts in one transaction and return what changed.

    ``found`` has ``ALERT_COLUMNS``. ``scope`` lists (kind, key prefix) pairs this evaluation
    looked at completely: open alerts of a resolvable kind under such a prefix that ``found``
    no longer has are resolved (a breach no longer forecast, a rule no longer broken).
    """
    missing = [c for c in ALERT_COLUMNS if c not in found.columns]
    if missing:
        raise ValueError(f"alerts frame lacks {missing}")
    now = datetime.now(UTC)
    with engine.begin() as conn:
        eid = conn.execute(
            alert_evaluations.insert().values(
                at=now,
                username=username,
                source=source,
                summary_json=json.dumps(checked or {}, default=str),
            )  # fmt: skip
        ).inserted_primary_key[0]
        result = Evaluation(int(eid), checked=dict(checked or {}))
        keys = list(found["key"])
        existing = {}
        for chunk in range(0, len(keys), 500):
            part = keys[chunk : chunk + 500]
            q = sa.select(alerts.c.alert_id, alerts.c.key, alerts.c.state, alerts.c.note).where(
                alerts.c.key.in_(part)
            )
            existing.update({r.key: r for r in conn.execute(q)})
        for row in found.to_dict("records"):
            values = {c: _clean(row[c]) for c in ALERT_COLUMNS if c not in ("detail", "key")}
            values["detail_json"] = json.dumps(row.get("detail") or {}, default=str)
            values.update(updated_at=now, updated_by=username, evaluation_id=int(eid))
            old = existing.get(row["key"])
            over = (row.get("detail") or {}).get("over") or ""
            if over:  # a surveillance episode that has ended: history, stored resolved
                _store_over(conn, old, row, values, over, now, username, result)
            elif old is None:
                new_id = conn.execute(
                    alerts.insert().values(
                        key=row["key"], state="new", note="", created_at=now, **values
                    )
                ).inserted_primary_key[0]
                result.raised.append(int(new_id))
                log(conn, username, "alert_raise", detail=_audit_text(new_id, row))
            elif old.state == "resolved" and (
                row["kind"] in RESOLVABLE or str(old.note).startswith(OVER)
            ):
                conn.execute(
                    alerts.update().where(alerts.c.alert_id == old.alert_id)
                    .values(state="new", **values)
                )  # fmt: skip
                result.raised.append(int(old.alert_id))
                log(
                    conn, username, "alert_raise", detail="again: " + _audit_text(old.alert_id, row)
                )
            else:
                conn.execute(
                    alerts.update().where(alerts.c.alert_id == old.alert_id).values(**values)
                )
                result.updated.append(int(old.alert_id))
        seen = set(keys)
        for kind, prefix in scope:
            if kind not in RESOLVABLE:
                continue
            q = sa.select(alerts.c.alert_id, alerts.c.key).where(
                alerts.c.kind == kind,
                alerts.c.state.in_(OPEN_STATES),
                alerts.c.key.startswith(prefix, autoescape=True),
            )
            for r in conn.execute(q).all():
                if r.key in seen:
                    continue
                conn.execute(
                    alerts.update().where(alerts.c.alert_id == r.alert_id).values(
                        state="resolved", updated_at=now, updated_by=username,
                        note="no longer found by the evaluation of " + source,
                    )
                )  # fmt: skip
                result.resolved.append(int(r.alert_id))
                log(conn, username, "alert_resolve", detail=f"alert {r.alert_id}: no longer found")
        conn.execute(
            alert_evaluations.update()
            .where(alert_evaluations.c.evaluation_id == eid)
            .values(summary_json=json.dumps({
                **(checked or {}), "raised": len(result.raised), "updated": len(result.updated),
                "resolved": len(result.resolved), "over": len(result.over)}, default=str))
        )  # fmt: skip
    return result


def _store_over(conn, old, row, values, over, now, username, result: Evaluation) -> None:
    """Store an episode that is over as resolved (new, or an open one now over); one already
    resolved only gets its figures refreshed."""
    if old is None:
        new_id = conn.execute(
            alerts.insert().values(
                key=row["key"], state="resolved", note=over, created_at=now, **values
            )
        ).inserted_primary_key[0]
        result.over.append(int(new_id))
        log(conn, username, "alert_resolve", detail=f"{_audit_text(new_id, row)}; {over}")
    elif old.state in OPEN_STATES:
        conn.execute(
            alerts.update().where(alerts.c.alert_id == old.alert_id)
            .values(state="resolved", note=over, **values)
        )  # fmt: skip
        result.resolved.append(int(old.alert_id))
        log(conn, username, "alert_resolve", detail=f"alert {old.alert_id}: {over}")
    else:
        conn.execute(alerts.update().where(alerts.c.alert_id == old.alert_id).values(**values))


def _audit_text(alert_id, row: dict) -> str:
    return f"alert {alert_id} ({row['bureau']}, {row['kind']}, {row['subject']}): {row['method']}"


def list_alerts(
    engine: Engine,
    state: str | None = None,
    bureau: str | None = None,
    ids: Iterable[int] | None = None,
) -> pd.DataFrame:
    """Alerts, newest period first, optionally of one state and one bureau (or by id)."""
    if state is not None and state not in STATES:
        raise InputError(f"--state {state!r}: use one of {', '.join(STATES)}")
    if bureau is not None and bureau not in BUREAUS:
        raise InputError(f"--bureau {bureau!r}: use one of {', '.join(BUREAUS)}")
    q = sa.select(alerts)
    if state is not None:
        q = q.where(alerts.c.state == state)
    if bureau is not None:
        q = q.where(alerts.c.bureau == bureau)
    if ids is not None:
        q = q.where(alerts.c.alert_id.in_([int(i) for i in ids]))
    q = q.order_by(alerts.c.ds.desc(), alerts.c.alert_id.desc())
    with engine.connect() as conn:
        rows = conn.execute(q).mappings().all()
    frame = pd.DataFrame(rows, columns=[c.name for c in alerts.columns])
    frame["ds"] = pd.to_datetime(frame["ds"])
    return frame


def open_alerts(engine: Engine, bureau: str | None = None) -> pd.DataFrame:
    """Alerts not yet resolved (new or acknowledged) of one bureau (all: None), newest first.
    The query decision briefs and the app use."""
    frame = list_alerts(engine, bureau=bureau)
    return frame[frame["state"].isin(OPEN_STATES)].reset_index(drop=True)


def get_alert(engine: Engine, alert_id: int, bureau: str | None = None) -> dict:
    """One alert by id; another bureau's alert reads exactly like a missing one."""
    q = sa.select(alerts).where(alerts.c.alert_id == int(alert_id))
    if bureau is not None:
        q = q.where(alerts.c.bureau == bureau)
    with engine.connect() as conn:
        row = conn.execute(q).mappings().first()
    if row is None:
        raise InputError(f"no alert {alert_id}; see `civicalloc alerts` for the ids")
    return dict(row)


def _change(
    engine: Engine, alert_id: int, state: str, note: str, username: str, bureau: str | None
) -> dict:
    if not note or not note.strip():
        raise InputError("--note is empty; say what was done or why (it goes in the audit log)")
    alert = get_alert(engine, alert_id, bureau)
    if alert["state"] == "resolved" and state == "acknowledged":
        raise InputError(f"alert {alert_id} is resolved already; nothing to acknowledge")
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            alerts.update().where(alerts.c.alert_id == int(alert_id))
            .values(state=state, note=note.strip(), updated_at=now, updated_by=username)
        )  # fmt: skip
        action = "alert_ack" if state == "acknowledged" else "alert_resolve"
        log(conn, username, action, detail=f"alert {alert_id} ({alert['bureau']}): {note.strip()}")
    return get_alert(engine, alert_id)


def acknowledge(
    engine: Engine, alert_id: int, note: str, username: str = "cli", bureau: str | None = None
) -> dict:
    """Mark an alert acknowledged with a note (who and when go in the audit log). ``bureau``
    limits it to that bureau's alerts (the app passes the user's)."""
    return _change(engine, alert_id, "acknowledged", note, username, bureau)


def resolve(
    engine: Engine, alert_id: int, note: str, username: str = "cli", bureau: str | None = None
) -> dict:
    """Mark an alert resolved with a note (audited)."""
    return _change(engine, alert_id, "resolved", note, username, bureau)


def export_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Alerts in the documented export columns (``EXPORT_COLUMNS``)."""
    out = frame.rename(columns={"subject": "series_id or metric"})
    out["ds"] = pd.to_datetime(out["ds"]).dt.strftime("%Y-%m-%d")
    return out[EXPORT_COLUMNS]
