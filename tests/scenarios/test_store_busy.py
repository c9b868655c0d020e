"""A run that finishes while another process holds the store's write lock is never lost."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from scenarios.cli import app
from scenarios.runfile import SPILL_ENV, read_run_file
from scenarios.store import WAIT_ENV, connect, list_runs, load_kpis, save_run

SCENARIO = 'name = "quick"\nowner = "health"\ncity = "sample:40:3"\nmodels = ["access"]\n'
cli = CliRunner()


@contextlib.contextmanager
def write_lock(url: str) -> Iterator[threading.Event]:
    """Hold the store's write lock the way a long write by another process does, until the
    context ends or the yielded event is set."""
    connect(url).dispose()  # the schema exists: only the run's write can be blocked
    release = threading.Event()
    if url.startswith("sqlite"):
        conn = sqlite3.connect(sa.make_url(url).database, isolation_level=None,
                               check_same_thread=False)  # fmt: skip
        conn.execute("BEGIN IMMEDIATE")
        unlock = conn.close  # closing ends the transaction
    else:
        engine = sa.create_engine(url)
        conn = engine.connect()
        conn.execute(sa.text("LOCK TABLE runs IN EXCLUSIVE MODE"))
        unlock = conn.close
    holder = threading.Thread(target=lambda: (release.wait(), unlock()))
    holder.start()
    try:
        yield release
    finally:
        release.set()
        holder.join()


@pytest.fixture(scope="module")
def finished_run():
    from scenarios.pipeline import run_scenario
    from scenarios.spec import scenario_from_dict

    scenario = scenario_from_dict(
        {"name": "quick", "owner": "health", "city": "sample:40:3", "models": ["access"]}
    )
    return run_scenario(scenario, "alice")


def test_a_finished_run_waits_for_the_lock_then_is_stored(store_url, finished_run):
    engine = connect(store_url)
    said = []
    with write_lock(store_url) as release:
        threading.Timer(4.0, release.set).start()  # the other writer finishes after 4 s
        run_id = save_run(engine, finished_run, notify=said.append, wait_s=60)
    assert "the store is busy" in said[0] and "waits up to" in said[0]
    assert list(list_runs(engine)["run_id"]) == [run_id]


def test_a_run_that_cannot_be_stored_is_saved_and_imported_later(store_url, tmp_path):
    scenario = tmp_path / "s.toml"
    scenario.write_text(SCENARIO)
    spill = tmp_path / "unsaved"
    with write_lock(store_url):
        done = cli.invoke(app, ["run", str(scenario), "--db", store_url],
                          env={WAIT_ENV: "3", SPILL_ENV: str(spill), "COLUMNS": "300"})  # fmt: skip
    assert done.exit_code == 1, done.output
    files = list(spill.glob("*.civicrun"))
    assert len(files) == 1
    assert "the store is busy" in done.stderr
    assert f"civicalloc import-run {files[0]}" in done.stderr.replace("\n", "")
    assert list_runs(connect(store_url)).empty
    saved = read_run_file(files[0])

    imported = cli.invoke(app, ["import-run", str(files[0]), "--db", store_url])
    assert imported.exit_code == 0, imported.output
    engine = connect(store_url)
    runs = list_runs(engine)
    assert list(runs["run_id"]) == [saved.run_id] and bool(runs["complete"].iloc[0])
    kpis = load_kpis(engine, saved.run_id).set_index(["service", "kpi"])["value"]
    assert kpis.equals(saved.kpis.set_index(["service", "kpi"])["value"].loc[kpis.index])
    assert not files[0].exists()  # stored, so the file is removed


def test_import_run_refuses_what_is_not_a_run_file(tmp_path):
    bad = tmp_path / "x.civicrun"
    bad.write_text("not a zip")
    done = cli.invoke(app, ["import-run", str(bad), "--db", f"sqlite:///{tmp_path / 's.sqlite'}"])
    assert done.exit_code == 1 and "not a civicalloc run file" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
