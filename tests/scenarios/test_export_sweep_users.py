"""Exports suppress small cells; sweeps run locally and on a Dask cluster; users and audit."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from scenarios.cli import app
from scenarios.pipeline import run_scenario
from scenarios.spec import scenario_from_dict
from scenarios.store import audit_log, connect, list_runs
from scenarios.sweep import parse_vary, run_sweep, variants
from scenarios.users import add_user, authenticate, list_users, remove_user

runner = CliRunner()
SCENARIO = 'name = "tiny"\nowner = "education"\ncity = "sample:40:3"\n'


def test_run_export_and_compare_from_the_command_line(tmp_path):
    db = f"sqlite:///{tmp_path / 's.sqlite'}"
    (tmp_path / "a.toml").write_text(SCENARIO)
    (tmp_path / "b.toml").write_text(SCENARIO.replace('"tiny"', '"tiny b"')
                                     + "[rules]\nmax_travel_minutes = 10\n")  # fmt: skip
    result = runner.invoke(app, ["run", str(tmp_path / "a.toml"), str(tmp_path / "b.toml"),
                                 "--db", db, "--user", "ana"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "stored tiny" in result.output
    # each scenario's bar (scenarios.progress.share_bar) as it ended: what, the bar, the time;
    # a share done has no done/total to show
    assert re.search(r"^tiny b: done ━+ \d+:\d\d:\d\d$", result.output, re.M), result.output
    assert "/1.0" not in result.output
    out = tmp_path / "export"
    result = runner.invoke(app, ["export", "tiny", "--out", str(out), "--db", db, "--user", "ana"])
    assert result.exit_code == 0, result.output
    plan = pd.read_csv(out / "access_by_area.csv", dtype=str)
    persons = pd.to_numeric(plan["persons"], errors="coerce")
    assert not ((persons > 0) & (persons < 10)).any()  # no small cell leaks
    assert (plan["persons"] == "<10").any() or (persons.fillna(99) >= 10).all()
    assert (out / "kpis.csv").exists() and (out / "scenario.json").exists()
    columns = pd.read_csv(out / "columns.csv").set_index(["plan", "column"])
    assert columns.loc[("access_by_area", "persons"), "unit"] == "persons"
    assert columns.loc[("access_by_area", "access"), "label_zh"] == "可达性"
    result = runner.invoke(app, ["compare", "tiny", "tiny b", "--db", db, "--export",
                                 str(tmp_path / "c.xlsx")])  # fmt: skip
    assert result.exit_code == 0, result.output
    table = pd.read_excel(tmp_path / "c.xlsx")
    assert {"tiny", "tiny b", "Δ tiny b"} <= set(table.columns)
    actions = audit_log(connect(db))["action"].tolist()
    assert actions.count("run") == 2 and actions.count("export") == 2


def test_compare_of_unknown_run_is_one_line(tmp_path):
    db = f"sqlite:///{tmp_path / 's.sqlite'}"
    result = runner.invoke(app, ["compare", "nope", "nada", "--db", db])
    assert result.exit_code == 1
    assert "no stored run or scenario called 'nope'" in result.output
    assert "Traceback" not in result.output


def test_parse_vary():
    assert parse_vary("rules.max_travel_minutes=20,30,45") == (
        "rules.max_travel_minutes", [20, 30, 45])  # fmt: skip
    assert parse_vary("solver.name=cbc,highs")[1] == ["cbc", "highs"]


def test_sweep_in_local_processes(tmp_path):
    # the parent has solved with HiGHS before, as in the demo: workers must still solve
    # (forked workers of a demo parent found no solution at all; they are spawned now)
    run_scenario(scenario_from_dict({"name": "warm", "owner": "health", "city": "sample:40:3",
                                     "models": ["health.beds"],
                                     "solver": {"name": "highs"}}))  # fmt: skip
    base = scenario_from_dict({"name": "tiny", "owner": "health", "city": "sample:40:3",
                               "models": ["access", "health.beds"],
                               "solver": {"name": "highs", "time_limit_s": 10}})  # fmt: skip
    grid = variants(base, ["rules.max_travel_minutes=10,30", "rules.class_size_cap=40,45"])
    assert len(grid) == 4 and len({s.name for s in grid}) == 4
    records = list(run_sweep(grid, "ana", workers=2))
    assert sorted(r.scenario for r in records) == sorted(s.name for s in grid)
    for record in records:
        beds = [m for m in record.models if m.model == "health.beds"][0]
        assert beds.status == "optimal", (record.scenario, beds.status, beds.detail)
    key = ("health", "hospital beds: access Gini")
    gini = {r.scenario: r.kpis.set_index(["service", "kpi"]).loc[key, "value"] for r in records}
    assert (
        gini["tiny [max_travel_minutes=10, class_size_cap=40]"]
        != gini["tiny [max_travel_minutes=30, class_size_cap=40]"]
    )


@pytest.mark.slow
def test_sweep_on_a_dask_local_cluster(tmp_path):
    from dask.distributed import LocalCluster

    db = f"sqlite:///{tmp_path / 's.sqlite'}"
    (tmp_path / "a.toml").write_text(SCENARIO)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:  # fmt: skip
        result = runner.invoke(app, ["sweep", str(tmp_path / "a.toml"), "--vary",
                                     "rules.max_travel_minutes=15,30", "--scheduler",
                                     cluster.scheduler_address, "--db", db])  # fmt: skip
    assert result.exit_code == 0, result.output
    names = set(list_runs(connect(db))["scenario"])
    assert names == {"tiny [max_travel_minutes=15]", "tiny [max_travel_minutes=30]"}


def test_users_are_hashed_and_checked(tmp_path):
    engine = connect(f"sqlite:///{tmp_path / 's.sqlite'}")
    add_user(engine, "li.wei", "correct horse", "health")
    assert authenticate(engine, "li.wei", "correct horse") == "health"
    assert authenticate(engine, "li.wei", "wrong password") is None
    with engine.connect() as conn:
        stored = conn.exec_driver_sql("select password_hash from users").scalar()
    assert "correct horse" not in stored and stored.startswith("scrypt:")
    from demand.errors import InputError

    with pytest.raises(InputError, match="role 'police'"):
        add_user(engine, "x", "longenough", "police")
    with pytest.raises(InputError, match="already exists"):
        add_user(engine, "li.wei", "another one", "admin")
    remove_user(engine, "li.wei")
    assert list_users(engine).empty
    assert [a for a in audit_log(engine)["action"]] == ["user_remove", "user_add"]


def test_users_command(tmp_path):
    db = f"sqlite:///{tmp_path / 's.sqlite'}"
    result = runner.invoke(app, ["users", "add", "zhang", "--role", "education", "--db", db],
                           input="s3cret-pass\ns3cret-pass\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["users", "list", "--db", db])
    assert "zhang" in result.output and "education" in result.output


def test_a_scenarios_own_small_cell_threshold_holds_in_every_cli_output(tmp_path):
    import json

    from scenarios.records import RunRecord
    from scenarios.store import save_run

    db = f"sqlite:///{tmp_path / 's.sqlite'}"
    engine = connect(db)
    for name, pupils in (("strict a", 15.0), ("strict b", 400.0)):
        kpis = pd.DataFrame({"service": ["education"], "kpi": ["pupils without a seat"],
                             "value": [pupils], "unit": ["pupils"]})  # fmt: skip
        save_run(engine, RunRecord(
            scenario=name, owner="education", description="", inputs_fingerprint="f" * 64,
            scenario_json=json.dumps({"name": name, "rules": {"small_cell_threshold": 20}}),
            code_version="0", seconds=0.1, kpis=kpis, plans={}, models=[]))  # fmt: skip
    shown = runner.invoke(app, ["compare", "strict a", "strict b", "--db", db, "--user", "ana"])
    assert shown.exit_code == 0, shown.output
    assert "<20" in shown.output and "15" not in shown.output  # 15 pupils < the scenario's 20
    out = tmp_path / "out"
    runner.invoke(app, ["export", "strict a", "--out", str(out), "--db", db, "--threshold", "5"])
    assert pd.read_csv(out / "kpis.csv", dtype=str)["value"].tolist() == ["<20"]
    views = audit_log(engine)
    assert ((views["action"] == "view") & (views["detail"] == "compare")).any()
