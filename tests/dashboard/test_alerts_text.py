"""Time-to-breach alerts on the Alerts page read in their own words in English and Chinese:
a centre's specialist sessions say sessions, visits and the plan, not the generic breach."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from scenarios.alerts.breach import OutreachPlan, _session_alerts, sessions_against_plan
from scenarios.alerts.store import ALERT_COLUMNS, list_alerts, store_evaluation
from scenarios.store import alerts

RUN_ID = "5e55107a" + "0" * 24
LIST = "..alerts-table.children...alerts-map.figure...alerts-pick.options...alerts-pick.value.."


def _session_alert() -> dict:
    """The alert `watch` raises for C9 (the worked example of test_alerts_sessions): 50 visits a
    week growing to 54 in 2027 against 3 paediatrics sessions of 15 (45 visits, limit 52.5),
    and a cardiology line passing too."""
    served = pd.DataFrame(
        [("A", "paediatrics", "C9", 40.0), ("B", "paediatrics", "C9", 10.0),
         ("A", "cardiology", "C9", 48.0)],
        columns=["area_id", "specialty", "centre_id", "visits_per_week"],
    )  # fmt: skip
    served["from_area"] = served["area_id"]
    schedule = pd.DataFrame({"hospital_id": "H1", "centre_id": ["C9", "C9"],
                             "specialty": ["paediatrics", "cardiology"],
                             "sessions": [3.0, 3.0], "visit_capacity": [45.0, 45.0]})  # fmt: skip
    plan = OutreachPlan(RUN_ID, "today", schedule, served)
    growth = pd.DataFrame(
        [(a, s, 2025 + h, 1 + 0.05 * h if a == "A" else 1.0)
         for a in ("A", "B") for s in ("paediatrics", "cardiology") for h in range(1, 4)],
        columns=["area_id", "specialty", "year", "factor"],
    )  # fmt: skip
    sessions = sessions_against_plan(plan, growth, {1: 0.02}, 2025)
    (alert,) = _session_alerts(sessions, plan, {"C9": "A"}, {"C9": "Riverside"}, [])
    return alert


def _listed(http, served, lang: str) -> str:
    http.client.get(f"/lang/{lang}")
    shown = http.callback(LIST, [("alerts-state", "value", "open"), ("alerts-done", "children",
                                                                      None)],
                          state=[("alerts-pick", "value", None)])  # fmt: skip
    assert shown.status_code == 200
    return json.dumps(shown.get_json()["response"], ensure_ascii=False)


@pytest.fixture
def stored_breach(served):
    """The sessions alert in the app's store for one test, then gone (the store is shared by
    the session's tests: the Alerts page test opens the newest health alert and expects a
    series)."""
    store_evaluation(served.engine, pd.DataFrame([_session_alert()], columns=ALERT_COLUMNS),
                     "t", "seed")  # fmt: skip
    yield
    with served.engine.begin() as conn:
        conn.execute(alerts.delete().where(alerts.c.key == "breach|sessions|C9"))


def test_a_sessions_breach_reads_as_sessions_in_english_and_chinese(http, served, stored_breach):
    stored = list_alerts(served.engine)
    assert (stored["key"] == "breach|sessions|C9").sum() == 1
    http.sign_in("hui")  # health: the bureau that owns it
    english = _listed(http, served, "en")
    assert (
        "Centre C9 Riverside needs more paediatrics sessions than planned from 2027 (probability "
        "0.97 by 2028): 54 visits a week for the 45 its 3 session(s) hold: 4 needed (plan 'today'"
        " 5e55107a); also over within 3 years: cardiology"
    ) in english
    chinese = _listed(http, served, "zh")
    assert (
        "社区卫生服务中心 C9 从 2027 年起所需的 paediatrics 专科出诊超过计划（2028 年前发生的"
        "概率 0.97）：每周就诊 54 人次，计划的 3 次出诊可接待 45 人次，需要 4 次（方案“today” "
        "5e55107a）；另有专科：cardiology"
    ) in chinese
    assert "超过容量" not in chinese  # not the generic breach sentence
    assert "needs more" not in chinese and "社区卫生服务中心 C9" not in english


def test_each_breach_kind_has_its_own_chinese_sentence(served):
    from dashboard.pages.alerts import alert_text

    def row(kind, subject, ds, observed, threshold, unit, **detail):
        return {"key": f"breach|{kind}|F1", "kind": "breach", "subject": subject,
                "facility_id": "F1", "ds": pd.Timestamp(ds), "observed": observed,
                "threshold": threshold, "unit": unit, "run_id": None, "message": "english",
                "detail_json": json.dumps({"by_ds": "2028-01-01", "probability": 0.91,
                                           **detail})}  # fmt: skip

    school = row("school", "F1:grade_3", "2027-01-01", 123.0, 120.0, "pupils", grades="3, 4")
    assert alert_text(school, "zh") == (
        "学校 F1：预计 2027 年3年级学生 123 人，超过学位 120 个（2028 年前发生的概率 0.91）；"
        "将超额的年级：3, 4"
    )
    ward = row(
        "ward",
        "F1:admissions:surgery",
        "2027-03-01",
        41.26,
        40.0,
        "occupied beds",
        department="surgery",
        others=["icu"],
    )
    assert alert_text(ward, "zh") == (
        "医院 F1 surgery病房预计 2027-03 超过目标占用率：占用床位 41 张，目标 40.0 张"
        "（2028-01 前发生的概率 0.91）；另有科室：icu"
    )
    centre = row("centre", "F1", "2026-11-01", 14.0, 12.0, "caseworkers")
    assert alert_text(centre, "zh") == (
        "服务中心 F1 预计 2026-11 需要的工作人员超过现有人数：需要 14 人，现有 12 人"
        "（2028-01 前发生的概率 0.91）"
    )
    assert alert_text(centre, "en") == "english"  # English: the stored message
    # an alert stored before its sentence's fields existed keeps the general sentence
    old = row(
        "sessions",
        "C1:cardiology",
        "2027-01-01",
        54.0,
        52.5,
        "visits",
        specialty="cardiology",
        sessions=3.0,
        sessions_needed=4,
        plan="today",
    )
    assert "需求 54 超过容量 52（" in alert_text(old, "zh")
