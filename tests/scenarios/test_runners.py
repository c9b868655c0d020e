"""Every model a scenario can list runs on a small city, and its plans survive the store."""

from __future__ import annotations

import re

import geopandas as gpd
import pytest

from scenarios.pipeline import run_scenario
from scenarios.spec import MODEL_NAMES, scenario_from_dict
from scenarios.store import connect, load_model_results, load_plans, save_run

PLAIN_STATUSES = {"optimal", "feasible within gap", "stopped at time limit with best plan",
                  "infeasible", "computed"}  # fmt: skip


@pytest.fixture(scope="module")
def full_run():
    models = list(MODEL_NAMES)
    scenario = scenario_from_dict({
        "name": "all models", "owner": "admin", "city": "sample:60:3", "models": models,
        "solver": {"name": "highs", "time_limit_s": 10}, "budgets": {"new_beds": 20},
    })  # fmt: skip
    return scenario, run_scenario(scenario, "tester")


def test_every_model_reports_a_plain_status(full_run):
    scenario, record = full_run
    assert [m.model for m in record.models] == scenario.models
    for m in record.models:
        assert m.status in PLAIN_STATUSES, (m.model, m.status)
    services = set(record.kpis["service"])
    assert services == {"population", "health", "education", "social_security"}


def test_plans_round_trip_through_the_store(full_run, tmp_path):
    _, record = full_run
    engine = connect(f"sqlite:///{tmp_path / 's.sqlite'}")
    run_id = save_run(engine, record)
    plans = load_plans(engine, run_id)
    assert set(plans) == set(record.plans)
    districts = plans["districts_primary"]
    assert isinstance(districts, gpd.GeoDataFrame) and districts.crs is not None
    # every district on the stored map is one connected piece
    assert (districts.geometry.geom_type == "Polygon").all()
    assert len(load_model_results(engine, run_id)) == len(record.models)


def test_levers_move_the_kpis_they_should():
    base = {"name": "b", "owner": "health", "city": "sample:60:3", "models": ["health.beds"],
            "solver": {"name": "highs", "time_limit_s": 10}}  # fmt: skip
    without = run_scenario(scenario_from_dict(base)).kpis.set_index("kpi")["value"]
    funded = run_scenario(scenario_from_dict({**base, "budgets": {"new_beds": 200}}))
    funded = funded.kpis.set_index("kpi")["value"]
    key = "patients turned away a year, planned beds"
    assert funded[key] < without[key]


def test_class_size_cap_shrinks_seats_for_every_model():
    base = {"name": "c", "owner": "education", "city": "sample:60:3", "models": ["access"]}
    full = run_scenario(scenario_from_dict(base)).kpis.set_index("kpi")["value"]
    capped = run_scenario(scenario_from_dict({**base, "rules": {"class_size_cap": 40}}))
    capped = capped.kpis.set_index("kpi")["value"]
    key = "primary school: effective capacity"
    assert capped[key] == pytest.approx(full[key] * 40 / 45, rel=0.01)
    middle = "middle school: effective capacity"
    assert capped[middle] == pytest.approx(full[middle] * 40 / 50, rel=0.01)


def test_every_plan_column_is_described_with_unit_and_labels(full_run):
    from demand.bundle.outputs import UNITS, plan_schema

    _, record = full_run
    for name, frame in record.plans.items():
        schema = plan_schema(name)
        assert schema is not None, f"plan {name} has no schema in demand/bundle/outputs.py"
        for column in frame.columns:
            col = schema.column(str(column))
            assert col is not None, f"{name}.{column} is not described"
            assert col.unit in UNITS and col.meaning and col.en and col.zh


def test_every_plan_belongs_to_a_service_a_bureau_can_be_scoped_to(full_run):
    from scenarios.scope import BY_ROW, Scope, plan_service

    _, record = full_run
    services = {name: plan_service(name) for name in record.plans}
    assert {n: s for n, s in services.items() if s is None} == {}  # else only admin sees it
    assert {n for n, s in services.items() if s == BY_ROW} == {"access_by_area"}
    health = Scope.of("health").plans(record.plans)
    assert all(services[n] in ("health", "population", BY_ROW) for n in health)
    assert set(health["access_by_area"]["service"]) == {"health"}
    assert {n for n, s in services.items() if s == "education"} <= set(record.plans) - set(health)


def test_every_kpi_name_unit_and_column_label_shown_has_both_languages(full_run):
    from dashboard.i18n import has_unit, kpi_name, plan_title, unit_title
    from demand.bundle.outputs import column_label
    from scenarios.privacy import plan_units

    _, record = full_run
    ascii_words = re.compile(r"[A-Za-z]{3,}")  # English left in a zh-CN text
    allowed = {"Gini"}  # a name, in Chinese texts too
    untranslated = [k for k in record.kpis["kpi"]
                    if set(ascii_words.findall(kpi_name(k, "zh"))) - allowed]  # fmt: skip
    assert untranslated == []
    units = set(record.kpis["unit"])
    for name, frame in record.plans.items():
        for unit in plan_units(name, frame).values():
            units |= {unit} if isinstance(unit, str) else set(unit)
    units.discard("")
    bad_units = [u for u in units if not has_unit(u) or ascii_words.search(unit_title(u, "zh"))]
    assert sorted(bad_units) == []
    models = re.compile(r"(SeasonalNaive|AutoETS|AutoTheta|AutoARIMA|Ensemble|Naive)")
    labels = [(n, c, column_label(n, str(c), "zh")) for n, f in record.plans.items()
              for c in f.columns]  # fmt: skip
    left = [(n, c) for n, c, zh in labels if ascii_words.search(models.sub("", zh)) or zh == c]
    assert left == []
    titles = {n: plan_title(n, "zh") for n in record.plans}
    assert [n for n, zh in titles.items() if zh == n or ascii_words.search(zh)] == []
