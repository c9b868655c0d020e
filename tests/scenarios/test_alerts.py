"""Alerts through the CLI: watch stores what it finds (SQLite and PostgreSQL), a bureau lists
its own, ack is audited, the export has the documented columns with small counts hidden, rules
run on stored runs, bad input is one line and keeps what is stored, pushes reach local servers."""

from __future__ import annotations

import http.server
import json
import socket
import threading

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from scenarios.alerts.store import EXPORT_COLUMNS, list_alerts, open_alerts
from scenarios.cli import app
from scenarios.store import RunRecord, audit_log, connect, save_run

runner = CliRunner()
STEP_AT = pd.Timestamp("2025-09-01")


def _series(sid: str, level: float, seed: int, step: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ds = pd.date_range("2018-01-01", "2025-12-01", freq="MS")
    t = (ds - ds[0]).days.to_numpy() / 365.25
    mu = level * (1 + 0.2 * np.cos(2 * np.pi * t))
    mu = np.where(ds >= STEP_AT, mu * (1 + step), mu)
    return pd.DataFrame({"series_id": sid, "ds": ds, "y": rng.poisson(mu).astype(float)})


@pytest.fixture
def files(tmp_path):
    """A history with a surge at one centre and one hospital, a quiet clinic with small
    counts that jump to 9, and its series table."""
    small = _series("C01:visits:rare", 1.5, 3)
    small.loc[small["ds"] == "2025-11-01", "y"] = 9.0  # a spike of a small count
    history = pd.concat(
        [
            _series("S01:caseload:pension", 400, 1, step=0.6),
            _series("H01:admissions:paediatrics", 200, 2, step=0.7),
            _series("S02:caseload:pension", 400, 4),
            small,
        ]
    )
    history_path = tmp_path / "history.csv"
    history.to_csv(history_path, index=False, date_format="%Y-%m-%d")
    series = pd.DataFrame(
        {
            "series_id": ["S01:caseload:pension", "H01:admissions:paediatrics",
                          "S02:caseload:pension", "C01:visits:rare"],
            "service": ["social_security", "health", "social_security", "health"],
            "measure": ["caseload:pension", "admissions:paediatrics", "caseload:pension",
                        "outpatient_visits:rare"],
            "facility_id": ["S01", "H01", "S02", "C01"],
            "area_id": ["A1", "A2", "A3", "A4"],
        }
    )  # fmt: skip
    series_path = tmp_path / "series.csv"
    series.to_csv(series_path, index=False)
    return history_path, series_path


def _watch(url, files, *extra):
    history, series = files
    args = ["watch", "--history", str(history), "--series", str(series), "--db", url]
    return runner.invoke(app, [*args, "--since", "2025-06-01", "--user", "analyst", *extra])


def test_watch_stores_alerts_a_bureau_sees_its_own_and_ack_is_audited(store_url, files, tmp_path):
    result = _watch(store_url, files)
    assert result.exit_code == 0, result.output
    engine = connect(store_url)
    found = list_alerts(engine)
    surged = set(found["subject"])
    assert {"S01:caseload:pension", "H01:admissions:paediatrics"} <= surged
    assert "S02:caseload:pension" not in surged  # the quiet centre raises nothing
    s01 = found[found["subject"] == "S01:caseload:pension"]
    assert len(s01) == 1, s01["message"].tolist()  # the step: one episode, every method in it
    first = s01.iloc[0]
    episode = json.loads(first["detail_json"])
    assert pd.Timestamp(episode["first_ds"]) >= STEP_AT and first["bureau"] == "social_security"
    assert episode["periods"] >= 2 and episode["first_ds"] < episode["last_ds"]
    assert first["ds"] == pd.Timestamp(episode["peak_ds"])
    assert first["observed"] > first["threshold"] > first["expected"]
    assert "vs expected" in first["message"] and "limit" in first["message"]
    assert f"{episode['first_ds']} to {episode['last_ds']}" in first["message"]
    assert all(m in first["message"] for m in first["method"].split(" + "))
    # watching the same history again raises nothing new and keeps the states; nor does a
    # later --since that starts inside the episode (it continues the stored one)
    again = _watch(store_url, files)
    assert again.exit_code == 0 and "0 new" in again.output
    later = _watch(store_url, files, "--since", "2025-11-01")
    assert later.exit_code == 0 and "0 new" in later.output, later.output
    assert len(list_alerts(engine)) == len(found)
    kept = json.loads(list_alerts(engine, ids=[first["alert_id"]])["detail_json"].iloc[0])
    assert kept["first_ds"] == episode["first_ds"]
    # a bureau lists its own
    out = runner.invoke(app, ["alerts", "--bureau", "health", "--db", store_url])
    assert out.exit_code == 0 and "H01" in out.output and "S01" not in out.output
    # ack with a note: state, note and the audit log
    aid = int(first["alert_id"])
    out = runner.invoke(app, ["alerts", "ack", str(aid), "--note", "extra counter opened",
                              "--db", store_url, "--user", "duty"])  # fmt: skip
    assert out.exit_code == 0, out.output
    acked = list_alerts(engine, state="acknowledged")
    assert list(acked["alert_id"]) == [aid] and acked["note"].iloc[0] == "extra counter opened"
    assert aid not in set(list_alerts(engine, state="new")["alert_id"])
    assert aid in set(open_alerts(engine, "social_security")["alert_id"])
    log = audit_log(engine)
    line = log[log["action"] == "alert_ack"].iloc[0]
    assert line["username"] == "duty" and "extra counter opened" in line["detail"]
    assert (log["action"] == "alert_raise").sum() == len(found)
    # the export: documented columns, the small count shown as <10
    path = tmp_path / "alerts.csv"
    out = runner.invoke(app, ["alerts", "--export", str(path), "--db", store_url])
    assert out.exit_code == 0, out.output
    exported = pd.read_csv(path, dtype=str)
    assert list(exported.columns) == EXPORT_COLUMNS
    rare = exported[exported["series or metric" if False else "series_id or metric"]
                    == "C01:visits:rare"]  # fmt: skip
    assert len(rare) and (rare["observed"] == "<10").all()
    assert "9 vs" not in " ".join(rare["message"]) and "<10 vs" in " ".join(rare["message"])


def _rule_alert(n: int, bureau: str = "health") -> dict:
    return {
        "key": f"rule|test|{n}", "bureau": bureau, "kind": "rule", "subject": f"metric {n}",
        "facility_id": None, "area_id": None, "ds": pd.Timestamp("2025-12-01"),
        "observed": 0.1, "expected": None, "threshold": 0.05, "score": None, "unit": "share",
        "method": "rule", "severity": "warning", "message": f"rule broken {n}", "run_id": None,
        "detail": {},
    }  # fmt: skip


def test_alerts_lists_the_open_ones_by_default_and_says_what_it_left_out(tmp_path):
    from scenarios.alerts.store import ALERT_COLUMNS, acknowledge, resolve, store_evaluation

    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    engine = connect(url)
    rows = [_rule_alert(n) for n in range(5)] + [_rule_alert(5, "education")]
    store_evaluation(engine, pd.DataFrame(rows, columns=ALERT_COLUMNS), "test")
    ids = dict(zip(list_alerts(engine)["subject"], list_alerts(engine)["alert_id"], strict=True))
    acknowledge(engine, ids["metric 1"], "looked at it")
    for n in (2, 3):
        resolve(engine, ids[f"metric {n}"], "fixed")

    def listed(*args):
        out = runner.invoke(app, ["alerts", *args, "--db", url], terminal_width=200)
        assert out.exit_code == 0, out.output
        return out.output, {n for n in range(6) if f"rule broken {n}" in out.output}

    text, shown = listed()  # new and acknowledged: the ones to act on
    assert shown == {0, 1, 4, 5}
    assert "Alerts (new + acknowledged): 4" in text
    assert "2 more not listed (2 resolved): see them with --state resolved or --state all" in text
    text, shown = listed("--state", "all")
    assert shown == set(range(6)) and "Alerts (all): 6" in text and "not listed" not in text
    text, shown = listed("--state", "resolved")
    assert shown == {2, 3}
    assert "4 more not listed (3 new, 1 acknowledged): see them with --state new, --state " in text
    text, shown = listed("--state", "open", "--bureau", "health")  # the default, by its name
    assert shown == {0, 1, 4} and "Alerts (new + acknowledged, health): 3" in text
    assert "2 more not listed (2 resolved)" in text  # the other bureau's are not counted
    # the export writes what is listed
    path = tmp_path / "open.csv"
    text, shown = listed("--export", str(path))
    assert sorted(pd.read_csv(path)["message"]) == [f"rule broken {n}" for n in (0, 1, 4, 5)]
    out = runner.invoke(app, ["alerts", "--state", "closed", "--db", url])
    assert out.exit_code == 1 and "Traceback" not in out.output
    assert out.output.strip().splitlines() == [
        "error: --state 'closed': use one of open, new, acknowledged, resolved, all (without "
        "--state: open, i.e. new and acknowledged)"
    ]


def test_rules_on_a_stored_run_and_unknown_metric(store_url, tmp_path):
    engine = connect(store_url)
    kpis = pd.DataFrame(
        [("health", "hospital: share beyond 30 min", 0.08, "share"),
         ("health", "hospital: access Gini", 0.21, "index 0–1"),
         ("education", "primary school: share beyond 30 min", 0.01, "share")],
        columns=["service", "kpi", "value", "unit"],
    )  # fmt: skip
    record = RunRecord(
        scenario="today", owner="health", description="", scenario_json="{}",
        inputs_fingerprint="f" * 64, code_version="test", seconds=1.0, kpis=kpis, plans={},
        models=[],
    )  # fmt: skip
    save_run(engine, record)
    rules = tmp_path / "rules.toml"
    rules.write_text(
        '[[rule]]\nname = "far from hospital care"\nmetric = "share beyond 30 min"\n'
        'comparison = ">"\nthreshold = 0.05\nservice = "health"\nseverity = "critical"\n\n'
        '[[rule]]\nmetric = "access Gini"\ncomparison = ">"\nthreshold = 0.3\n'
        'service = "health"\n',
        encoding="utf-8",
    )
    out = runner.invoke(app, ["watch", "--rules", str(rules), "--db", store_url])
    assert out.exit_code == 0, out.output
    found = list_alerts(engine)
    assert list(found["subject"]) == ["hospital: share beyond 30 min"]
    row = found.iloc[0]
    assert row["kind"] == "rule" and row["severity"] == "critical" and row["bureau"] == "health"
    assert row["observed"] == pytest.approx(0.08) and row["threshold"] == 0.05
    assert row["run_id"] == record.run_id and "far from hospital care" in row["message"]
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rule]]\nmetric = "share beyond 40 min"\ncomparison = ">"\n'
                   'threshold = 0.05\nservice = "health"\n', encoding="utf-8")  # fmt: skip
    out = runner.invoke(app, ["watch", "--rules", str(bad), "--db", store_url])
    assert out.exit_code == 1
    assert "bad.toml, rule 1" in out.output and "'share beyond 40 min' is unknown" in out.output
    assert "Traceback" not in out.output and len(list_alerts(engine)) == 1


def test_a_rule_broken_by_several_runs_is_one_alert_carried_by_the_worst(tmp_path):
    engine = connect(f"sqlite:///{tmp_path / 'r.sqlite'}")
    ids = {}
    for name, value in (("today", 0.08), ("new hospital", 0.06), ("online", 0.03)):
        kpis = pd.DataFrame([("health", "hospital: share beyond 30 min", value, "share")],
                            columns=["service", "kpi", "value", "unit"])  # fmt: skip
        record = RunRecord(
            scenario=name, owner="health", description="", scenario_json="{}",
            inputs_fingerprint="f" * 64, code_version="test", seconds=1.0, kpis=kpis, plans={},
            models=[],
        )  # fmt: skip
        save_run(engine, record)
        ids[name] = record.run_id
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rule]]\nname = "far"\nmetric = "share beyond 30 min"\ncomparison = ">"\n'
                     'threshold = 0.05\nservice = "health"\n', encoding="utf-8")  # fmt: skip
    out = runner.invoke(
        app, ["watch", "--rules", str(rules), "--db", f"sqlite:///{tmp_path / 'r.sqlite'}"]
    )
    assert out.exit_code == 0, out.output
    found = list_alerts(engine)
    assert len(found) == 1  # 'online' (0.03) does not break it; the other two are one alert
    row = found.iloc[0]
    assert row["run_id"] == ids["today"] and row["observed"] == pytest.approx(0.08)
    assert row["message"].endswith("also broken in 1 other run(s): 'new hospital' 0.06")


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (lambda h: h.assign(y=h["y"].where(h.index != 5, -2)), r"row 7, column y .*negative"),
        (lambda h: pd.concat([h, h.iloc[[3]]]), "twice"),
        (lambda h: h.drop(index=20), "gap in a monthly series"),
    ],
)
def test_bad_history_is_one_line_and_stored_alerts_are_kept(tmp_path, files, mutate, expected):
    url = f"sqlite:///{tmp_path / 's.sqlite'}"
    assert _watch(url, files).exit_code == 0
    before = len(list_alerts(connect(url)))
    history, series = files
    bad = tmp_path / "bad.csv"
    frame = pd.read_csv(history).reset_index(drop=True)
    mutate(frame).to_csv(bad, index=False)
    out = runner.invoke(app, ["watch", "--history", str(bad), "--series", str(series),
                              "--db", url])  # fmt: skip
    assert out.exit_code == 1 and "Traceback" not in out.output
    lines = [x for x in out.output.splitlines() if x.strip()]
    assert lines[0].startswith("error:") and "bad.csv" in out.output
    assert pd.Series(out.output).str.contains(expected, regex=True).all()
    assert len(list_alerts(connect(url))) == before


# -- pushes to servers this test starts on 127.0.0.1 ---------------------------------------


class _Hook(http.server.BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def local_servers():
    """An SMTP server (aiosmtpd) and a webhook receiver, both on 127.0.0.1."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    mails = []

    class Keep(Message):
        def handle_message(self, message):
            mails.append(message)

    smtp_port = _free_port()
    controller = Controller(Keep(), hostname="127.0.0.1", port=smtp_port)
    controller.start()
    _Hook.received = []
    hook = http.server.HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=hook.serve_forever, daemon=True)
    thread.start()
    try:
        yield smtp_port, f"http://127.0.0.1:{hook.server_port}/hook", mails
    finally:
        controller.stop()
        hook.shutdown()


def _push_rules(path, smtp_port: int, hook: str):
    path.write_text(
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\ntls = "none"\n'
        'sender = "civicalloc@city.test"\n\n'
        '[push.social_security]\nemail = ["duty@shebao.city.test"]\n\n'
        f'[push.health]\nwebhook = "{hook}"\nemail = ["duty@health.city.test"]\n',
        encoding="utf-8",
    )
    return path


def test_pushes_reach_local_smtp_and_webhook(tmp_path, files, local_servers):
    smtp_port, hook, mails = local_servers
    url = f"sqlite:///{tmp_path / 's.sqlite'}"
    rules = _push_rules(tmp_path / "push.toml", smtp_port, hook)
    out = _watch(url, files, "--rules", str(rules))
    assert out.exit_code == 0, out.output
    to = sorted(m["To"] for m in mails)
    assert to == ["duty@health.city.test", "duty@shebao.city.test"]
    shebao = next(m for m in mails if m["To"] == "duty@shebao.city.test")
    body = shebao.get_payload()
    assert "S01" in body and "H01" not in body  # a bureau gets its own alerts only
    health = next(m for m in mails if m["To"] == "duty@health.city.test").get_payload()
    assert "<10 vs expected" in health and " 9 vs" not in health  # small count suppressed
    assert len(_Hook.received) == 1 and _Hook.received[0]["bureau"] == "health"
    items = _Hook.received[0]["alerts"]
    assert {a["subject"] for a in items} >= {"H01:admissions:paediatrics"}
    rare = [a for a in items if a["subject"] == "C01:visits:rare"]
    assert rare and rare[0]["observed"] == "<10"
    log = audit_log(connect(url))
    assert (log["action"] == "alert_push").sum() == 3


def test_refusing_smtp_server_is_one_line_and_alerts_stay(tmp_path, files, local_servers):
    url = f"sqlite:///{tmp_path / 's.sqlite'}"
    rules = _push_rules(tmp_path / "push.toml", _free_port(), "http://127.0.0.1:9/none")
    out = _watch(url, files, "--rules", str(rules))
    assert out.exit_code == 1 and "Traceback" not in out.output
    assert "push.toml, [smtp] host '127.0.0.1' port" in out.output
    assert "are stored" in out.output
    engine = connect(url)
    assert len(list_alerts(engine)) > 0
    with engine.connect() as conn:
        failed = conn.execute(
            sa.text("select count(*) from audit where action = 'alert_push_failed'")
        ).scalar()
    assert failed >= 2
    # once the server is there, the stored alerts are pushed again
    smtp_port, hook, mails = local_servers
    good = _push_rules(tmp_path / "good.toml", smtp_port, hook)
    out = runner.invoke(app, ["alerts", "push", "--rules", str(good), "--db", url])
    assert out.exit_code == 0, out.output
    assert sorted(m["To"] for m in mails) == ["duty@health.city.test", "duty@shebao.city.test"]


def test_the_sample_watch_file_reads():
    from pathlib import Path

    from scenarios.alerts.rules import read_watch_file

    spec = read_watch_file(
        Path(__file__).resolve().parents[2] / "scenarios/alerts/sample_watch.toml"
    )
    assert spec.methods == ("farrington", "cusum") and len(spec.rules) == 6
    assert {r.service for r in spec.rules} == {"health", "social_security", "education"}


def test_an_evaluations_alerts_join_typed_and_as_before():
    """A breach part has no expected count (all None): the joined frame keeps the typed columns
    as pandas' concat gave them (float, dates), with no FutureWarning about all-NA columns."""
    import warnings

    from scenarios.alerts.evaluate import ALERT_DTYPES, joined_alerts
    from scenarios.alerts.store import ALERT_COLUMNS

    counted = {
        **_rule_alert(0),
        "kind": "surveillance",
        "expected": 210.0,
        "score": 1.4,
        "area_id": "A1",
    }
    breach = {**_rule_alert(1), "kind": "breach", "expected": None, "score": 0.9, "run_id": "r1"}
    parts = [pd.DataFrame([counted], columns=ALERT_COLUMNS),
             pd.DataFrame([breach], columns=ALERT_COLUMNS),
             pd.DataFrame(columns=ALERT_COLUMNS)]  # fmt: skip
    parts[1].attrs["schools"] = pd.DataFrame({"a": [1]})  # a breach part carries frames
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        joined = joined_alerts(parts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        before = pd.concat([p for p in parts if len(p)], ignore_index=True)
    pd.testing.assert_frame_equal(joined, before)
    assert {c: str(joined[c].dtype) for c in ALERT_DTYPES} == ALERT_DTYPES
    assert joined_alerts([parts[2]]).columns.tolist() == ALERT_COLUMNS


@pytest.mark.slow
@pytest.mark.filterwarnings("error::FutureWarning:scenarios.alerts")
def test_watch_on_a_bundle_gives_time_to_breach(small_bundle_dir, tmp_path):
    """watch --bundle: schools, wards and centres checked against their capacity; every breach
    is need above capacity after the history ends, with a probability, owned by its bureau."""
    url = f"sqlite:///{tmp_path / 's.sqlite'}"
    out = runner.invoke(app, ["watch", "--bundle", str(small_bundle_dir), "--since", "2025-12-01",
                              "--db", url, "--no-push"])  # fmt: skip
    assert out.exit_code == 0, out.output
    assert "breach checks" in out.output and "Traceback" not in out.output
    found = list_alerts(connect(url))
    breach = found[found["kind"] == "breach"]
    assert len(breach), out.output
    owner = {"School": "education", "Ward": "health", "Centre": "social_security"}
    for r in breach.to_dict("records"):
        assert r["bureau"] == owner[r["message"].split()[0]] and r["facility_id"] in r["message"]
        assert r["observed"] > r["threshold"] > 0 and 0 <= r["score"] <= 1
        assert r["ds"] > pd.Timestamp("2025-12-01")
