"""What a brief may read: the stored runs a user's bureau may open, and in them only its service
lines (``scenarios.scope``, the rule the app applies), with the audit of every brief and refusal.

Nothing here needs the web app: the CLI passes the store and the user's role, the app's download
passes the signed-in user's.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy.engine import Engine

from demand.errors import InputError
from scenarios.scope import ADMIN, Scope
from scenarios.spec import BUREAUS, Scenario, scenario_from_dict
from scenarios.store import find_run, load_kpis, load_model_results, load_plans, log

SERVICES = ("health", "education", "social_security")
#: The service lines of each bureau in the access model, in the order a brief shows them.
LINES = {
    "health": ("hospital beds", "outpatient care"),
    "education": ("primary school", "middle school"),
    "social_security": ("social insurance",),
}
SCHOOL_LEVELS = ("primary", "middle")


class BriefRefused(InputError):
    """The user may not brief this run or bureau (or the run does not exist): one neutral line."""


@dataclass
class StoredRun:
    """One stored run as a brief reads it: its row, the reader's scope, and lazy KPIs and plans
    (only the reader's services)."""

    engine: Engine
    row: dict
    scope: Scope
    _plans: dict = field(default_factory=dict)

    @property
    def run_id(self) -> str:
        """The full run id."""
        return self.row["run_id"]

    @property
    def short(self) -> str:
        """The 8-character id the app and CLI show."""
        return self.run_id[:8]

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.row["scenario"]

    @functools.cached_property
    def scenario(self) -> Scenario:
        """The resolved scenario the run was made from (levers, rules, years)."""
        return scenario_from_dict(json.loads(self.row["scenario_json"]), self.name)

    @functools.cached_property
    def scenario_data(self) -> dict:
        """The scenario as stored (JSON), for levers the brief lists."""
        return json.loads(self.row["scenario_json"])

    @functools.cached_property
    def kpis(self) -> pd.DataFrame:
        """The KPIs of the reader's services: service, kpi, value, unit."""
        return self.scope.kpis(load_kpis(self.engine, self.run_id)).reset_index(drop=True)

    @functools.cached_property
    def models(self) -> pd.DataFrame:
        """Model outcomes of the reader's services (status, gap, has_plan, detail as a dict)."""
        frame = load_model_results(self.engine, self.run_id)
        service = frame["model"].map(model_service)
        keep = service.map(lambda s: s is None or self.scope.sees(s))
        frame = frame[keep].copy()
        frame["detail"] = frame["detail_json"].map(lambda t: json.loads(t or "{}"))
        return frame.reset_index(drop=True)

    @functools.cached_property
    def city(self):
        """The areas and data-quality report of the run's city (``dashboard.brief.city``,
        cached in the store by the bundle's content)."""
        from dashboard.brief.city import city_facts

        return city_facts(self.engine, self.scenario.city)

    @functools.cached_property
    def city_now(self):
        """The facilities the run's scenario sees in its city now (levers applied), and the
        inputs fingerprint that city gives (cached as `city`)."""
        from dashboard.brief.city import scenario_city

        return scenario_city(self.engine, self.row["scenario_json"])

    def kpi(self, service: str, name: str) -> tuple[float | None, str] | None:
        """(value, unit) of a KPI, or None when the run has no such KPI for the reader."""
        rows = self.kpis[(self.kpis["service"] == service) & (self.kpis["kpi"] == name)]
        if rows.empty:
            return None
        value = rows["value"].iloc[0]
        return (None if pd.isna(value) else float(value)), str(rows["unit"].iloc[0])

    def plan(self, name: str) -> pd.DataFrame | None:
        """The reader's part of a stored plan (None when absent or not theirs)."""
        if name not in self._plans:
            frames = load_plans(self.engine, self.run_id, [name])
            frame = frames.get(name)
            self._plans[name] = None if frame is None else self.scope.plan(name, frame)
        return self._plans[name]

    def model(self, name: str) -> dict | None:
        """The stored outcome of one model (None when the run did not run it)."""
        rows = self.models[self.models["model"] == name]
        return None if rows.empty else rows.iloc[0].to_dict()

    @property
    def planning_year(self) -> int:
        """The year the run plans for (base year + horizon)."""
        return self.scenario.base_year + self.scenario.horizon

    def services(self) -> list[str]:
        """The bureaus whose figures this run has for the reader, in the usual order."""
        present = set(self.kpis["service"]) | {
            s for s in self.models["model"].map(model_service) if s
        }  # fmt: skip
        return [s for s in SERVICES if s in present and self.scope.sees(s)]


def model_service(model: str) -> str | None:
    """The bureau a model belongs to (None for the shared ones: access, forecast)."""
    head = model.split(".")[0]
    return head if head in SERVICES else None


def role_of(engine: Engine, username: str) -> str | None:
    """The role of a user of the store (None when the name is not a user)."""
    import sqlalchemy as sa

    from scenarios.store import users

    with engine.connect() as conn:
        row = conn.execute(sa.select(users.c.role).where(users.c.username == username)).first()
    return None if row is None else row.role


def open_for_brief(
    engine: Engine, role: str, username: str, run_ref: str, against: str | None,
    bureau: str | None, detail: str,
) -> tuple[StoredRun, StoredRun | None, list[str]]:  # fmt: skip
    """The run (and the run compared against) a user of `role` may brief, and the bureaus the
    brief covers; refusals are audited and raised as BriefRefused.

    A bureau user briefs only their own bureau, from their own runs and the published baselines
    (``scenarios.scope``): asking for another bureau, or a run they may not open, is refused
    with the same neutral line as a run that does not exist. Admin briefs every bureau the run
    has, or the one asked for.
    """
    scope = Scope.of(role)
    if bureau is not None and bureau not in SERVICES:
        raise InputError(f"--bureau {bureau!r}: use one of {', '.join(SERVICES)}")
    if role not in BUREAUS:
        raise InputError(f"role {role!r} is unknown; use one of {', '.join(BUREAUS)}")
    if bureau is not None and not scope.sees(bureau):
        log(engine, username, "refused", None, str(run_ref)[:36],
            f"brief {detail}: bureau {bureau} asked by a {role} user")  # fmt: skip
        raise BriefRefused(f"as a {role} user you may brief only {role}, not {bureau}")
    rows = []
    for ref in [run_ref] + ([against] if against else []):
        try:
            rows.append(find_run(engine, ref, bureau=scope.bureau))
        except InputError as exc:
            log(engine, username, "refused", None, str(ref)[:36], f"brief {detail}")
            if scope.bureau is None:
                raise
            raise BriefRefused(f"no run or scenario {ref!r} that you may open") from exc
    run = StoredRun(engine, rows[0], scope)
    other = StoredRun(engine, rows[1], scope) if len(rows) > 1 else None
    bureaus = [bureau] if bureau else ([role] if role != ADMIN else run.services())
    if not bureaus:
        bureaus = [s for s in SERVICES if scope.sees(s)]
    return run, other, bureaus


def audit_brief(engine: Engine, username: str, run: StoredRun, other: StoredRun | None,
                bureaus: list[str], detail: str) -> None:  # fmt: skip
    """One audit line per run the brief was written from (action "brief")."""
    with engine.begin() as conn:
        for stored in [run] + ([other] if other else []):
            log(conn, username, "brief", stored.name, stored.run_id,
                f"{detail} ({', '.join(bureaus)})")  # fmt: skip
