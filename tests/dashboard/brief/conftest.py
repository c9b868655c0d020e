"""A store of real runs of the 60-area sample city for the brief tests, and an independent reader
of a brief's figure sources: every number a brief shows is checked against the store here, by
code that does not share the brief's.

Runs (each solved for real, once per session): "today" (admin, every model, published), "more
beds" (health: new beds and a small hospital opened), "classes of 35" (education, small-count
threshold 1,000, so that many counts of people are hidden) and "no districts" (education: that
run as the store keeps a run whose districts model found no plan — no KPIs or plans from it,
marked incomplete).
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

EXAMPLES = Path(__file__).resolve().parents[3] / "scenarios" / "examples"
PASSWORD = "correct-horse-1"
USERS = {"ana": "admin", "hui": "health", "jiao": "education", "she": "social_security"}
THRESHOLD_35 = 1000


@dataclass
class BriefStore:
    """The seeded store: its URL, engine and run ids by scenario name."""

    url: str
    engine: object
    runs: dict[str, str]


def _records():
    from scenarios.pipeline import run_scenario
    from scenarios.spec import load_scenario, with_changes
    from scenarios.store import ModelOutcome

    today = with_changes(load_scenario(EXAMPLES / "today.toml"),
                         {"city": "sample:60", "solver.time_limit_s": 10})  # fmt: skip
    beds = with_changes(today, {
        "name": "more beds", "owner": "health", "budgets.new_beds": 60,
        "models": ["access", "forecast", "health.outreach", "health.beds"],
        "facilities": [{"action": "open", "facility_id": "H901", "kind": "hospital",
                        "name": "Xincheng Hospital", "area_id": "A0042",
                        "capacity": {"beds:paediatrics": 30, "beds:icu": 8}}]})  # fmt: skip
    classes = with_changes(today, {
        "name": "classes of 35", "owner": "education", "rules.class_size_cap": 35,
        "rules.small_cell_threshold": THRESHOLD_35,
        "models": ["access", "forecast", "education.districts", "education.teachers"]})  # fmt: skip
    records = {s.name: run_scenario(s, "seed") for s in (today, beds, classes)}
    # The same education run as the store keeps it when the districts model finds no plan: the
    # runner returns no KPIs or plans for it (nor for teachers, who need districts).
    done = records["classes of 35"]
    dropped = done.kpis["kpi"].str.match(r"(primary|middle): ")
    records["no districts"] = dataclasses.replace(
        done, scenario="no districts", run_id=f"{done.run_id[:-4]}dead",
        kpis=done.kpis[~dropped].reset_index(drop=True),
        plans={k: v for k, v in done.plans.items()
               if not k.startswith(("district", "enrolment_p", "enrolment_m", "teacher"))},
        models=[m for m in done.models if not m.model.startswith("education.")] + [
            ModelOutcome("education.districts", "no solution found", has_plan=False),
            ModelOutcome("education.teachers", "no district plan", has_plan=False)],
    )  # fmt: skip
    return records


@pytest.fixture(scope="session")
def brief_records():
    """The runs, computed once per session (not yet stored)."""
    return _records()


def seed(url: str, records: dict) -> BriefStore:
    """Store the runs, publish today, add one user per role."""
    from scenarios.store import connect, publish_run, save_run
    from scenarios.users import add_user

    engine = connect(url)
    runs = {name: save_run(engine, record) for name, record in records.items()}
    publish_run(engine, runs["today"], "ana")
    for user, role in USERS.items():
        add_user(engine, user, PASSWORD, role)
    return BriefStore(url, engine, runs)


@pytest.fixture(scope="session")
def brief_store(brief_records, tmp_path_factory) -> BriefStore:
    """A SQLite store with the runs."""
    folder = tmp_path_factory.mktemp("brief-store")
    return seed(f"sqlite:///{folder / 'store.sqlite'}", brief_records)


@pytest.fixture
def fresh_brief_store(brief_records, tmp_path) -> BriefStore:
    """A new SQLite store with the runs (nothing cached in it yet)."""
    return seed(f"sqlite:///{tmp_path / 'fresh.sqlite'}", brief_records)


# --- reading a figure's source back from the store ----------------------------------------------


def _run_id(engine, ref: str) -> str:
    import sqlalchemy as sa

    from scenarios.store import runs

    with engine.connect() as conn:
        found = conn.execute(sa.select(runs.c.run_id).where(runs.c.run_id.startswith(ref))).all()
    assert len(found) == 1, f"source names run {ref!r}: {len(found)} runs match"
    return found[0].run_id


def _filtered(frame: pd.DataFrame, filters: str) -> pd.DataFrame:
    for part in filter(None, filters.split(";")):
        col, op, value = re.match(r"(.+?)(!=|<=|>=|=|<|>)(.*)", part).groups()
        if col.endswith("@year"):
            series = pd.to_datetime(frame[col[:-5]]).dt.year
        elif col == "unmet_need":
            series = _unmet(frame)
        else:
            series = frame[col]
        try:
            value, series = float(value), pd.to_numeric(series)
        except ValueError:
            pass
        frame = frame[
            {
                "=": series == value,
                "!=": series != value,
                "<": series < value,
                ">": series > value,
                "<=": series <= value,
                ">=": series >= value,
            }[op]
        ]
    return frame  # fmt: skip


def _unmet(frame: pd.DataFrame) -> pd.Series:
    """need × max(0, 1 − access): need beyond the capacity within reach (missing access: 0)."""
    return frame["need"] * (1 - frame["access"]).clip(lower=0).fillna(0)


_READ: dict = {}


def _once(*key_and_call):
    """Read from the store once per test session (stored runs never change)."""
    *key, call = key_and_call
    key = tuple(str(k) for k in key)
    if key not in _READ:
        _READ[key] = call()
    return _READ[key]


def stored_value(engine, source: str, figures: dict[str, str]):
    """The value a figure's source names, read from the store (figures: key -> source)."""
    from scenarios import store

    def load_kpis(engine, run_id):
        return _once(engine.url, "kpis", run_id, lambda: store.load_kpis(engine, run_id))

    def load_plans(engine, run_id, names):
        return {
            n: _once(
                engine.url, "plan", run_id, n, lambda n=n: store.load_plans(engine, run_id, [n])[n]
            )
            for n in names
        }

    def load_model_results(engine, run_id):
        return _once(engine.url, "models", run_id, lambda: store.load_model_results(engine, run_id))

    find_run = store.find_run

    kind, *rest = source.split("|")
    if kind == "kpi":
        run, service, kpi = rest
        rows = load_kpis(engine, _run_id(engine, run)).query("service == @service and kpi == @kpi")
        assert len(rows) == 1, source
        return rows["value"].iloc[0]
    if kind == "kpiname":
        run, service, kpi = rest
        assert stored_value(engine, f"kpi|{run}|{service}|{kpi}", figures) is not None
        return float(re.search(r"\d+", kpi).group())
    if kind == "column":
        run, plan, column = rest
        frame = load_plans(engine, _run_id(engine, run), [plan])[plan]
        assert column in frame.columns, source
        return float(re.search(r"-(\d+)$", column).group(1))
    if kind == "plan":
        run, plan, agg, column, filters = rest
        frame = _filtered(load_plans(engine, _run_id(engine, run), [plan])[plan], filters)
        if agg == "count":
            return float(len(frame))
        values = _unmet(frame) if column == "unmet_need" else frame[column]
        if agg == "nunique":
            return float(values.nunique())
        return float(getattr(pd.to_numeric(values), agg)())
    if kind == "scenario":
        run, path = rest
        data = json.loads(find_run(engine, _run_id(engine, run))["scenario_json"])
        for key in path.split("."):
            data = data[int(key)] if isinstance(data, list) else data[key]
        return data
    if kind == "model":
        run, model, field = rest
        rows = load_model_results(engine, _run_id(engine, run)).set_index("model")
        if field.startswith("detail."):
            data = json.loads(rows.loc[model, "detail_json"])
            for key in field.split(".")[1:]:
                data = data[key]
            return data
        value = rows.loc[model, field]
        return None if value is None or pd.isna(value) else float(value)
    if kind == "calc":
        op, a, b = rest
        a, b = (stored_value(engine, figures[k], figures) for k in (a, b))
        if a is None or b is None:
            return None
        return {"diff": b - a, "drop": 1 - b / a if a else None, "ratio": a / b if b else None,
                "pp": 100 * (b - a), "sum": a + b}[op]  # fmt: skip
    if kind == "quality":
        from scenarios.quality_report import city_quality

        city, path = rest
        data = _once("quality", city, lambda: city_quality(city))
        for key in path.split("."):
            data = data[int(key)] if isinstance(data, list) else data[key]
        return data
    if kind == "alert":
        import sqlalchemy as sa

        alert_id, field = rest
        with engine.connect() as conn:
            row = conn.execute(sa.text(f"SELECT {field} FROM alerts WHERE alert_id = :i"),
                               {"i": int(alert_id)}).one()  # fmt: skip
        return row[0]
    raise AssertionError(f"unknown source {source!r}")


NUMBER = re.compile(r"([+−±-]?)(\d[\d,]*(?:\.\d+)?)")


def check_figure(text: str, value, unit: str, source: str, threshold: int) -> None:
    """Assert that `text`, as a brief shows it, is `value` (the stored value) in `unit`: to the
    digits shown, "<threshold" only for a count of people below it, "—" only when missing."""
    from scenarios.privacy import counts_people

    if value is None or (isinstance(value, float) and math.isnan(value)):
        assert text == "—", (text, source)
        return
    value = float(value)
    if text.startswith("<"):
        hidden_at = int(NUMBER.search(text).group(2).replace(",", ""))
        assert hidden_at == threshold, (text, source)
        derived = source.startswith("calc|")
        assert derived or (counts_people(unit) and 0 < abs(value) < threshold), (text, source)
        return
    found = NUMBER.search(text)
    assert found, (text, source)
    sign, digits = found.groups()
    shown = float(digits.replace(",", "")) * (-1 if sign in ("−", "-") else 1)
    if sign == "±":
        shown = 0.0
    expected = value * 100 if "%" in text else value
    places = len(digits.split(".")[1]) if "." in digits else 0
    tolerance = 0.5 * 10**-places + 1e-9
    if source.startswith("calc|diff") and counts_people(unit):
        tolerance = 1.0  # the difference of the two whole numbers shown
    if counts_people(unit) and 0 < abs(value) < threshold and not source.startswith("calc|"):
        raise AssertionError(f"a count of people below {threshold} is shown: {text} ({source})")
    assert abs(shown - expected) <= tolerance, (text, value, source)


@dataclass
class Tracer:
    """Checks a brief's figures against the store (as a fixture: helpers of a conftest cannot
    be imported under pytest's importlib mode)."""

    engine: object

    def check(self, figures: list[tuple[str, str, str, str]], threshold: int) -> int:
        """Check (key, text, source, unit) figures; return how many were checked."""
        sources = {key: source for key, _, source, _ in figures}
        for key, text, source, unit in figures:
            assert key in sources
            check_figure(text, stored_value(self.engine, source, sources), unit, source, threshold)
        return len(figures)


@pytest.fixture
def tracer(brief_store) -> Tracer:
    """A checker of figures against the seeded store."""
    return Tracer(brief_store.engine)


PG_ENV = "CIVICALLOC_TEST_PG"


@pytest.fixture(scope="session")
def pg_brief_store(brief_records) -> BriefStore:
    """The same runs in a fresh PostgreSQL database (CI provides one; skipped elsewhere)."""
    import os
    import uuid

    import sqlalchemy as sa

    admin = os.environ.get(PG_ENV)
    if not admin:
        if os.environ.get("CI"):
            pytest.fail(f"CI must provide PostgreSQL in ${PG_ENV} (see .ci/run)")
        pytest.skip(f"no PostgreSQL: set {PG_ENV}")
    name = f"civicalloc_brief_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    url = sa.make_url(admin).set(database=name).render_as_string(hide_password=False)
    return seed(url, brief_records)
