"""The results store, on SQLite and PostgreSQL: runs stored whole or not at all, determinism."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pandas as pd
import pytest
import sqlalchemy as sa

from demand.errors import InputError
from scenarios.compare import compare_runs
from scenarios.pipeline import run_scenario
from scenarios.spec import scenario_from_dict
from scenarios.store import (
    TEST_FLAG_ENV,
    TEST_PAUSE_ENV,
    audit_log,
    connect,
    delete_run,
    find_run,
    list_runs,
    load_kpis,
    load_plans,
    save_run,
)


def small(name: str = "small today", **extra) -> object:
    return scenario_from_dict({"name": name, "owner": "health", "city": "sample:40:3", **extra})


def test_run_is_stored_with_everything(store_url):
    engine = connect(store_url)
    record = run_scenario(small(), "alice")
    run_id = save_run(engine, record)
    run = find_run(engine, "small today")
    assert run["run_id"] == run_id and run["created_by"] == "alice"
    assert len(run["inputs_fingerprint"]) == 64 and run["code_version"].startswith("0.")
    assert '"max_travel_minutes": 30.0' in run["scenario_json"]
    kpis = load_kpis(engine, run_id)
    assert len(kpis) == len(record.kpis) and set(kpis["service"]) == {
        "health", "education", "social_security"}  # fmt: skip
    plans = load_plans(engine, run_id)
    pd.testing.assert_frame_equal(plans["access_by_area"], record.plans["access_by_area"])
    log = audit_log(engine)
    assert (log["action"] == "run").sum() == 1 and log["username"].iloc[0] == "alice"


def test_same_scenario_same_data_same_plan(store_url):
    engine = connect(store_url)
    first = save_run(engine, run_scenario(small(), "a"))
    second = save_run(engine, run_scenario(small(), "a"))
    a, b = load_plans(engine, first), load_plans(engine, second)
    assert a.keys() == b.keys()
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])
    runs = list_runs(engine).set_index("run_id")
    assert runs.loc[first, "inputs_fingerprint"] == runs.loc[second, "inputs_fingerprint"]


def test_compare_shows_the_difference_a_lever_makes(store_url):
    engine = connect(store_url)
    save_run(engine, run_scenario(small("base"), "a"))
    more = {"facilities": [{"action": "resize", "facility_id": "H001",
                            "capacity": {"beds:icu": 500}}]}  # fmt: skip
    save_run(engine, run_scenario(small("more beds", **more), "a"))
    table = compare_runs(engine, ["base", "more beds"]).set_index(["service", "kpi"])
    beds = table.loc[("health", "hospital beds: effective capacity")]
    assert beds["Δ more beds"] > 300  # 500 ICU beds at 85% occupancy, minus those it had
    assert table.loc[("health", "hospital beds: mean access"), "Δ more beds"] > 0
    assert table.loc[("education", "primary school: effective capacity"), "Δ more beds"] == 0


def test_delete_removes_everything_and_is_audited(store_url):
    engine = connect(store_url)
    run_id = save_run(engine, run_scenario(small(), "a"))
    delete_run(engine, run_id, "bob")
    assert list_runs(engine).empty
    with engine.connect() as conn:
        for table in ("kpis", "plans", "model_results"):
            assert conn.execute(sa.text(f"select count(*) from {table}")).scalar() == 0
    assert audit_log(engine)["action"].iloc[0] == "delete"


def test_killed_midway_leaves_no_partial_result(store_url, tmp_path):
    scenario = tmp_path / "s.toml"
    scenario.write_text('name = "killed"\nowner = "health"\ncity = "sample:40:3"\n')
    flag = tmp_path / "in-transaction"
    env = {**os.environ, TEST_PAUSE_ENV: "60", TEST_FLAG_ENV: str(flag)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "scenarios.cli", "run", str(scenario), "--db", store_url],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.time() + 120
    while not flag.exists():
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.time() < deadline, "the run never reached its write"
        time.sleep(0.1)
    proc.kill()  # SIGKILL inside the transaction: the run row is already inserted
    proc.wait()
    engine = connect(store_url)
    assert list_runs(engine).empty
    with engine.connect() as conn:
        for table in ("kpis", "plans", "model_results", "audit"):
            assert conn.execute(sa.text(f"select count(*) from {table}")).scalar() == 0


def test_other_bureau_is_refused(store_url):
    engine = connect(store_url)
    save_run(engine, run_scenario(small(), "a"))
    with pytest.raises(InputError, match="that you may open") as refused:
        find_run(engine, "small today", bureau="education")
    assert "health" not in str(refused.value)  # the owner is not named
    assert list_runs(engine, owner="education").empty
    assert list_runs(engine, bureau="education").empty


def test_a_run_with_a_model_without_plan_is_stored_as_incomplete(store_url):
    from scenarios.store import ModelOutcome, load_model_results

    engine = connect(store_url)
    record = run_scenario(small("short of time", models=["access"]), "a")
    record.models.append(ModelOutcome("education.districts", "no solution found", has_plan=False))
    run_id = save_run(engine, record)
    assert not record.complete
    assert not bool(list_runs(engine).set_index("run_id").loc[run_id, "complete"])
    results = load_model_results(engine, run_id).set_index("model")["has_plan"]
    assert bool(results["access"]) and not bool(results["education.districts"])
    assert "incomplete, no plan from education.districts" in audit_log(engine)["detail"].iloc[0]


def test_compare_says_which_runs_are_incomplete(store_url):
    from typer.testing import CliRunner

    from scenarios.cli import app
    from scenarios.store import ModelOutcome

    engine = connect(store_url)
    save_run(engine, run_scenario(small("whole", models=["access"]), "a"))
    record = run_scenario(small("short of time", models=["access"]), "a")
    record.models.append(ModelOutcome("education.districts", "no solution found", has_plan=False))
    save_run(engine, record)
    result = CliRunner().invoke(app, ["compare", "whole", "short of time", "--db", store_url])
    assert result.exit_code == 0, result.output
    assert "run 'short of time' is incomplete" in result.stderr
    assert "'whole'" not in result.stderr
