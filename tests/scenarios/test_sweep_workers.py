"""Sweeps survive a lost worker, and their workers do not outlive the sweep."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil
from typer.testing import CliRunner

from scenarios.cli import app
from scenarios.store import connect, list_runs
from scenarios.sweep import TEST_KILL_ENV

SCENARIO = 'name = "q"\nowner = "health"\ncity = "sample:40:3"\nmodels = ["access"]\n'


def test_a_killed_worker_costs_only_its_own_variant(tmp_path):
    """A worker SIGKILLed in '=15' twice and in '=20' once: '=20' runs again and is stored,
    '=15' is reported as failed, and '=30' is stored untouched."""
    (tmp_path / "q.toml").write_text(SCENARIO)
    kills = tmp_path / "kills"
    kills.mkdir()
    for i, where in enumerate(["minutes=15]", "minutes=15]", "minutes=20]"]):
        (kills / str(i)).write_text(where)
    db = f"sqlite:///{tmp_path / 's.sqlite'}"
    done = CliRunner().invoke(
        app,
        ["sweep", str(tmp_path / "q.toml"), "--vary", "rules.max_travel_minutes=15,20,30",
         "--workers", "2", "--db", db],
        env={TEST_KILL_ENV: str(kills), "COLUMNS": "300"},
    )  # fmt: skip
    assert done.exit_code == 1, done.output
    assert "Traceback" not in done.output and "BrokenProcessPool" not in done.output
    stored = set(list_runs(connect(db))["scenario"])
    assert stored == {"q [max_travel_minutes=20]", "q [max_travel_minutes=30]"}
    assert "running 'q [max_travel_minutes=20]' again" in done.stderr.replace("\n", "")
    out = done.stdout.replace("\n", "")
    assert "not stored 'q [max_travel_minutes=15]'" in out and "SIGKILL" in out
    assert not list(kills.iterdir())


def test_workers_and_resource_tracker_die_with_the_sweep(tmp_path):
    (tmp_path / "q.toml").write_text(SCENARIO)
    proc = subprocess.Popen(
        [sys.executable, "-m", "scenarios.cli", "sweep", str(tmp_path / "q.toml"), "--vary",
         "rules.max_travel_minutes=15,20,30,40", "--workers", "2",
         "--db", f"sqlite:///{tmp_path / 's.sqlite'}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    parent = psutil.Process(proc.pid)
    deadline = time.time() + 120
    while True:  # until both workers are up (and the resource tracker beside them)
        children = parent.children(recursive=True)
        workers = [c for c in children if "spawn_main" in " ".join(c.cmdline())]
        if len(workers) >= 2:
            break
        assert proc.poll() is None and time.time() < deadline
        time.sleep(0.2)
    assert any("resource_tracker" in " ".join(c.cmdline()) for c in children)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    gone, alive = psutil.wait_procs(children, timeout=15)
    assert not alive, [" ".join(p.cmdline()) for p in alive]
