"""Sessions, sign-in throttling, users and run look-ups in the store (SQLite and PostgreSQL),
and the commands that manage them."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

import scenarios.users as users_module
from scenarios import sessions
from scenarios.cli import app
from scenarios.store import (
    RunNotFound,
    RunRecord,
    audit_log,
    connect,
    find_run,
    list_runs,
    publish_run,
    save_run,
)
from scenarios.store import sessions as sessions_table
from scenarios.users import add_user, authenticate, remove_user, set_password, set_role

runner = CliRunner()
PASSWORD = "correct-horse-1"


def record(scenario: str, owner: str) -> RunRecord:
    """A small stored run (one KPI) of a bureau."""
    return RunRecord(
        scenario=scenario, owner=owner, description="", scenario_json="{}",
        inputs_fingerprint="f", code_version="t", seconds=0.1,
        kpis=pd.DataFrame({"service": [owner], "kpi": ["k"], "value": [1.0],
                           "unit": ["persons"]}),
        plans={}, models=[],
    )  # fmt: skip


def test_logout_removal_password_and_role_act_on_live_sessions(store_url):
    engine = connect(store_url)
    add_user(engine, "hui", PASSWORD, "health")
    token = sessions.start_session(engine, "hui", "10.0.0.1")
    assert sessions.session_user(engine, token) == sessions.SessionUser("hui", "health")
    with engine.connect() as conn:  # only a hash of the token is stored
        stored = conn.execute(sa.select(sessions_table.c.token_hash)).scalars().all()
    assert token not in stored and len(stored) == 1
    set_role(engine, "hui", "education")
    assert sessions.session_user(engine, token).role == "education"  # at once
    assert sessions.end_session(engine, token) == "hui"
    assert sessions.session_user(engine, token) is None  # logged out: the cookie is dead
    token = sessions.start_session(engine, "hui")
    set_password(engine, "hui", "another-pass-2")
    assert sessions.session_user(engine, token) is None
    token = sessions.start_session(engine, "hui")
    remove_user(engine, "hui")
    assert sessions.session_user(engine, token) is None
    assert sessions.live_sessions(engine, "hui") == 0
    actions = audit_log(engine)["action"].tolist()
    assert {"user_role", "user_password", "user_remove"} <= set(actions)


def test_sessions_end_when_idle_or_too_old(store_url):
    engine = connect(store_url)
    add_user(engine, "ana", PASSWORD, "admin")
    idle, old = sessions.start_session(engine, "ana"), sessions.start_session(engine, "ana")
    now = datetime.now(UTC)
    with engine.begin() as conn:
        hashes = {t: sessions._hash(t) for t in (idle, old)}
        conn.execute(
            sessions_table.update()
            .where(sessions_table.c.token_hash == hashes[idle])
            .values(last_seen=now - sessions.IDLE - timedelta(minutes=1))
        )
        conn.execute(
            sessions_table.update()
            .where(sessions_table.c.token_hash == hashes[old])
            .values(created_at=now - sessions.LIFETIME - timedelta(minutes=1))
        )
    assert sessions.session_user(engine, idle) is None
    assert sessions.session_user(engine, old) is None
    assert sessions.live_sessions(engine, "ana") == 0


def test_failed_sign_ins_lock_a_name_and_an_address_and_are_audited(store_url):
    engine = connect(store_url)
    for _ in range(sessions.MAX_PER_USER):
        assert sessions.lockout(engine, "hui", "10.0.0.1") is None
        lock = sessions.record_failure(engine, "hui", "10.0.0.1")
    assert lock is not None and lock.by == "user"
    assert sessions.lockout(engine, "hui", "10.9.9.9") is not None  # the name, from anywhere
    assert sessions.lockout(engine, "nobody-else", "10.0.0.1") is None  # the address: not yet
    for i in range(sessions.MAX_PER_ADDRESS - sessions.MAX_PER_USER):
        sessions.record_failure(engine, f"guess{i}", "10.0.0.1")
    assert sessions.lockout(engine, "nobody-else", "10.0.0.1").by == "address"
    assert sessions.lockout(engine, "nobody-else", "10.0.0.2") is None
    log = audit_log(engine)
    lockouts = log[log["action"] == "lockout"]
    assert len(lockouts) == 2  # one per lock, when it starts
    assert (log["action"] == "login_failed").sum() == sessions.MAX_PER_ADDRESS
    sessions.clear_failures(engine, "hui")
    assert sessions.lockout(engine, "hui", "10.9.9.9") is None


def test_an_unknown_name_costs_the_same_password_check(tmp_path, monkeypatch):
    engine = connect(f"sqlite:///{tmp_path / 's.sqlite'}")
    add_user(engine, "hui", PASSWORD, "health")
    checked = []
    real = users_module.check_password_hash

    def spy(stored: str, password: str) -> bool:
        checked.append(stored.split("$")[0])  # method and cost, e.g. scrypt:32768:8:1
        return real(stored, password)

    monkeypatch.setattr(users_module, "check_password_hash", spy)
    assert authenticate(engine, "nobody", PASSWORD) is None
    assert authenticate(engine, "hui", "wrong-password") is None
    assert authenticate(engine, "hui", PASSWORD) == "health"
    assert len(checked) == 3 and len(set(checked)) == 1  # same scrypt work every time


def test_runs_are_found_by_exact_text_and_only_among_those_a_bureau_may_open(store_url):
    engine = connect(store_url)
    health = save_run(engine, record("wider reach", "health"))
    education = save_run(engine, record("short trips", "education"))
    baseline = save_run(engine, record("today", "admin"))
    assert find_run(engine, health[:8])["run_id"] == health  # the short id shown everywhere
    assert find_run(engine, "short trips")["run_id"] == education
    for probe in ("%", "_", "%-%", education[:8], "short trips", "today", "____%"):
        with pytest.raises(RunNotFound) as refused:
            find_run(engine, probe, bureau="health")
        assert "education" not in str(refused.value) and "admin" not in str(refused.value)
    publish_run(engine, baseline, "ana")
    assert find_run(engine, "today", bureau="health")["run_id"] == baseline
    visible = list_runs(engine, bureau="health").set_index("run_id")["published"].to_dict()
    assert visible == {health: False, baseline: True}
    publish_run(engine, baseline, "ana", publish=False)
    with pytest.raises(RunNotFound):
        find_run(engine, baseline, bureau="health")
    assert {"publish", "unpublish"} <= set(audit_log(engine)["action"])


def test_users_add_never_takes_the_password_on_the_command_line(tmp_path, monkeypatch):
    db = f"sqlite:///{tmp_path / 's.sqlite'}"
    result = runner.invoke(app, ["users", "add", "a1", "--role", "health", "--password",
                                 "visible-in-ps", "--db", db])  # fmt: skip
    assert result.exit_code != 0  # no such option
    result = runner.invoke(app, ["users", "add", "a1", "--role", "health", "--db", db],
                           input="typed-twice-1\ntyped-twice-1\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "typed-twice-1" not in result.output
    result = runner.invoke(app, ["users", "add", "a2", "--role", "education", "--password-stdin",
                                 "--db", db], input="from-a-pipe-2\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    monkeypatch.setenv("NEW_PW", "from-the-env-3")
    result = runner.invoke(app, ["users", "add", "a3", "--role", "admin", "--password-env",
                                 "NEW_PW", "--db", db])  # fmt: skip
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["users", "add", "a4", "--role", "admin", "--password-env",
                                 "UNSET_PW", "--db", db])  # fmt: skip
    assert result.exit_code == 1 and "UNSET_PW" in result.output
    engine = connect(db)
    assert authenticate(engine, "a1", "typed-twice-1") == "health"
    assert authenticate(engine, "a2", "from-a-pipe-2") == "education"
    assert authenticate(engine, "a3", "from-the-env-3") == "admin"
    result = runner.invoke(app, ["users", "role", "a1", "social_security", "--db", db])
    assert result.exit_code == 0 and authenticate(engine, "a1", "typed-twice-1") == (
        "social_security")  # fmt: skip


def test_stored_names_print_intact_with_their_brackets(tmp_path):
    db = f"sqlite:///{tmp_path / 's.sqlite'}"
    engine = connect(db)
    name = "today [max_travel_minutes=20, new_beds=0]"
    other = "today [bold]x[/bold]"
    save_run(engine, record(name, "admin"))
    save_run(engine, record(other, "admin"))
    wide = {"COLUMNS": "200"}
    result = runner.invoke(app, ["runs", "--db", db], env=wide)
    assert name in result.output and other in result.output, result.output
    result = runner.invoke(app, ["compare", name, other, "--db", db], env=wide)
    assert result.exit_code == 0, result.output
    assert name in result.output and f"Δ {other}" in result.output
    result = runner.invoke(app, ["publish", name, "--db", db, "--user", "ana"], env=wide)
    assert result.exit_code == 0 and name in result.output
    result = runner.invoke(app, ["export", "no [such] run", "--out", str(tmp_path / "o"),
                                 "--db", db], env=wide)  # fmt: skip
    assert result.exit_code == 1 and "no [such] run" in result.output


def test_a_scenario_name_wins_over_a_run_id_that_starts_the_same(tmp_path):
    engine = connect(f"sqlite:///{tmp_path / 's.sqlite'}")
    named = save_run(engine, record("b", "health"))
    other = save_run(engine, dataclasses.replace(record("x", "health"), run_id="b" + "0" * 35))
    assert find_run(engine, "b")["run_id"] == named  # the scenario b, not the run id b000…
    assert find_run(engine, "b000")["run_id"] == other
