"""Surveillance alerts come as episodes: consecutive flagged periods of a series (at most one
unflagged period between them), every method's flags of them in one alert with its peak."""

from __future__ import annotations

import pandas as pd

from scenarios.alerts.evaluate import EPISODE_GAP, _episode_alert, alert_episodes

MONTHS = pd.date_range("2024-01-01", "2025-12-01", freq="MS")


def _hit(ds: str, detector: str, observed: float, expected: float, threshold: float) -> dict:
    method = {"farrington": "Farrington flexible", "cusum": "CUSUM"}[detector]
    return {
        "series_id": "S1:caseload:pension", "ds": pd.Timestamp(ds), "observed": observed,
        "expected": expected, "threshold": threshold, "score": 1.5, "alarm": True,
        "method": method, "limit": "99.5% limit" if detector == "farrington" else "CUSUM limit",
        "rule": f"rule of {method}", "note": "", "detector": detector,
        "bureau": "social_security", "measure": "caseload:pension", "unit": "cases",
        "facility_id": "S1", "area_id": "A1",
    }  # fmt: skip


def _trace() -> dict:
    ds = [f"{d:%Y-%m-%d}" for d in MONTHS]
    return {"ds": ds, "observed": [0.0] * len(ds), "expected": [0.0] * len(ds),
            "threshold": [0.0] * len(ds), "alarm": [False] * len(ds)}  # fmt: skip


def test_flags_one_period_apart_are_one_episode_and_methods_are_merged():
    assert EPISODE_GAP == 1
    hits = pd.DataFrame(
        [
            _hit("2025-01-01", "farrington", 150, 100, 140),
            _hit("2025-02-01", "farrington", 190, 100, 140),  # the peak: 1.9 x expected
            _hit("2025-02-01", "cusum", 190, 105, 130),
            _hit("2025-04-01", "cusum", 150, 105, 130),  # March quiet: still the same episode
            _hit("2025-07-01", "farrington", 145, 100, 140),  # May, June quiet: a new one
            _hit("2025-10-01", "farrington", 8, 3, 7),  # small counts
        ]
    )
    episodes = alert_episodes(hits, {"S1:caseload:pension": pd.Index(MONTHS)})
    assert [len(e) for e in episodes] == [4, 1, 1]
    order = {"farrington": 0, "cusum": 1}
    traces = {("S1:caseload:pension", d): _trace() for d in order}
    first = _episode_alert(episodes[0], order, traces, pd.Index(MONTHS), [])
    assert first["key"] == "surveillance|S1:caseload:pension|2025-01-01"
    assert first["ds"] == pd.Timestamp("2025-02-01")
    assert (first["observed"], first["expected"], first["threshold"]) == (190, 100, 140)
    assert first["method"] == "Farrington flexible + CUSUM"
    # the most any period went past a limit: (190 - 105) / (130 - 105) = 3.4 margins
    assert first["severity"] == "critical"
    assert first["message"] == (
        "caseload:pension at S1, 2025-01-01 to 2025-04-01 (3 periods flagged), peak "
        "2025-02-01: 190 vs expected 100, above the 99.5% limit 140 (Farrington flexible); "
        "also flagged by CUSUM"
    )
    detail = first["detail"]
    assert (detail["first_ds"], detail["last_ds"], detail["periods"]) == (
        "2025-01-01", "2025-04-01", 3,
    )  # fmt: skip
    assert len(detail["points"]) == 4
    assert [d for d, a in zip(detail["trace"]["ds"], detail["trace"]["alarm"], strict=True)
            if a] == ["2025-01-01", "2025-02-01", "2025-04-01"]  # fmt: skip
    single = _episode_alert(episodes[1], order, traces, pd.Index(MONTHS), [])
    assert single["message"].startswith("caseload:pension at S1, 2025-07-01: 145 vs expected")
    assert single["severity"] == "warning"  # (145 - 100) / (140 - 100) = 1.1 margins
    small = _episode_alert(episodes[2], order, traces, pd.Index(MONTHS), [])
    assert "<10 vs expected <10, above the 99.5% limit <10" in small["message"]


def test_an_episode_that_continues_a_stored_one_keeps_its_key_and_start():
    order = {"farrington": 0, "cusum": 1, "Farrington flexible": 0, "CUSUM": 1}
    traces = {("S1:caseload:pension", d): _trace() for d in ("farrington", "cusum")}
    earlier = alert_episodes(
        pd.DataFrame([_hit("2025-01-01", "farrington", 150, 100, 140),
                      _hit("2025-02-01", "farrington", 190, 100, 140)]),
        {"S1:caseload:pension": pd.Index(MONTHS)},
    )  # fmt: skip
    stored = _episode_alert(earlier[0], order, traces, pd.Index(MONTHS), [])
    stored = [{"key": stored["key"], **stored["detail"]}]
    now = alert_episodes(
        pd.DataFrame([_hit("2025-04-01", "cusum", 160, 105, 130)]),  # judged from March on
        {"S1:caseload:pension": pd.Index(MONTHS)},
    )
    out = _episode_alert(now[0], order, traces, pd.Index(MONTHS), stored)
    assert out["key"] == "surveillance|S1:caseload:pension|2025-01-01"
    assert out["detail"]["first_ds"] == "2025-01-01" and out["detail"]["periods"] == 3
    assert out["ds"] == pd.Timestamp("2025-02-01") and out["observed"] == 190  # stored peak
    assert out["method"] == "Farrington flexible + CUSUM"
    far = alert_episodes(
        pd.DataFrame([_hit("2025-05-01", "cusum", 160, 105, 130)]),  # 2 quiet months: new
        {"S1:caseload:pension": pd.Index(MONTHS)},
    )
    apart = _episode_alert(far[0], order, traces, pd.Index(MONTHS), stored)
    assert apart["key"] == "surveillance|S1:caseload:pension|2025-05-01"


def test_an_episode_over_is_stored_resolved_and_raised_again_if_it_resumes(tmp_path):
    """Three quiet judged periods after its last flag: the episode is history (stored resolved,
    not raised, audited); a flag right after it raises the same alert again."""
    from scenarios.alerts.store import ALERT_COLUMNS, list_alerts, store_evaluation
    from scenarios.store import audit_log, connect

    engine = connect(f"sqlite:///{tmp_path / 'a.sqlite'}")
    order = {"farrington": 0, "cusum": 1, "Farrington flexible": 0, "CUSUM": 1}
    traces = {("S1:caseload:pension", d): _trace() for d in ("farrington", "cusum")}
    dates = pd.Index(MONTHS)
    hits = pd.DataFrame([_hit("2025-05-01", "farrington", 150, 100, 140)])
    (ep,) = alert_episodes(hits, {"S1:caseload:pension": dates})
    still = _episode_alert(ep, order, traces, dates, [], pd.Timestamp("2025-07-01"))
    assert still["detail"]["over"] == ""  # 2 quiet months: not over yet
    over = _episode_alert(ep, order, traces, dates, [], pd.Timestamp("2025-08-01"))
    assert over["detail"]["over"].startswith("episode over: the 3 periods judged after 2025-05")
    ev = store_evaluation(engine, pd.DataFrame([over], columns=ALERT_COLUMNS), "h")
    assert ev.raised == [] and len(ev.over) == 1
    stored = list_alerts(engine)
    assert list(stored["state"]) == ["resolved"] and stored["note"].iloc[0].startswith("episode")
    log = audit_log(engine)
    assert (log["action"] == "alert_resolve").sum() == 1 and "alert_raise" not in set(log["action"])
    # judged again, still over: nothing changes
    again = store_evaluation(engine, pd.DataFrame([over], columns=ALERT_COLUMNS), "h")
    assert again.raised == again.over == again.resolved == []
    # the series alarms again a month after the episode (within the gap): raised again
    resumed = pd.DataFrame([_hit("2025-05-01", "farrington", 150, 100, 140),
                            _hit("2025-07-01", "farrington", 160, 100, 140)])  # fmt: skip
    (ep2,) = alert_episodes(resumed, {"S1:caseload:pension": dates})
    stored_eps = [{"key": over["key"], **over["detail"]}]
    back = _episode_alert(ep2, order, traces, dates, stored_eps, pd.Timestamp("2025-08-01"))
    assert back["key"] == over["key"] and back["detail"]["over"] == ""
    ev = store_evaluation(engine, pd.DataFrame([back], columns=ALERT_COLUMNS), "h")
    assert ev.raised == [int(stored["alert_id"].iloc[0])]
    assert list(list_alerts(engine)["state"]) == ["new"]
