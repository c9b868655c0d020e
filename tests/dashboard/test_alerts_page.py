"""The Alerts page in Debian's chromium: a health user sees health alerts only, with the map and
the series plot, and acknowledges one; the store and the audit log show it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from scenarios.alerts.store import ALERT_COLUMNS, list_alerts, store_evaluation
from scenarios.store import audit_log

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def _browser_helpers():
    """sign_in, wait_for and wait_text of the dashboard's browser tests (one copy of them)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_browser", Path(__file__).with_name(
        "test_browser.py"))  # fmt: skip
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.sign_in, module.wait_for, module.wait_text


def _alert(key, bureau, subject, fid, lon, lat, message, observed=412.0, usual=(301.0, 371.0)):
    ds = pd.date_range("2024-01-01", periods=24, freq="MS")
    expected, limit = usual
    trace = {
        "ds": [f"{d:%Y-%m-%d}" for d in ds],
        "observed": [expected] * 22 + [observed, observed],
        "expected": [None] * 12 + [expected] * 12,
        "threshold": [None] * 12 + [limit] * 12,
        "alarm": [False] * 22 + [True, True],
    }
    return {
        "key": key, "bureau": bureau, "kind": "surveillance", "subject": subject,
        "facility_id": fid, "area_id": None, "ds": ds[-1], "observed": observed,
        "expected": expected, "threshold": limit, "score": 1.6, "unit": "admissions",
        "method": "Farrington flexible", "severity": "warning", "message": message,
        "run_id": None,
        "detail": {"trace": trace, "lon": lon, "lat": lat, "limit": "99.5% limit"},
    }  # fmt: skip


@pytest.fixture(scope="module")
def seeded(served):
    found = pd.DataFrame(
        [
            _alert("t|h1", "health", "H1:admissions:paediatrics", "H1", 116.3, 39.9,
                   "admissions:paediatrics at H1: 412 vs expected 301, above the 99.5% limit 371"),
            _alert("t|h2", "health", "H2:admissions:icu", "H2", 116.4, 39.95,
                   "admissions:icu at H2: 99 vs expected 60, above the 99.5% limit 90"),
            _alert("t|h3", "health", "H3:admissions:burns", "H3", 116.38, 39.97,
                   "admissions:burns at H3: <10 vs expected <10, above the 99.5% limit <10",
                   observed=9.0, usual=(2.0, 7.0)),  # a small count: "<10" everywhere
            _alert("t|s1", "social_security", "S1:caseload:pension", "S1", 116.35, 39.92,
                   "caseload:pension at S1: SECRET-SHEBAO 2,908 vs expected 1,774"),
        ],
        columns=ALERT_COLUMNS,
    )  # fmt: skip
    store_evaluation(served.engine, found, "test", "seed")
    return list_alerts(served.engine)


def test_health_user_sees_health_alerts_only_and_acknowledges_one(browser, served, seeded):
    from selenium.webdriver.common.by import By

    sign_in, wait_for, wait_text = _browser_helpers()
    sign_in(browser, served, "hui", lang="en")
    browser.get(f"{served.url}/alerts")
    wait_for(browser, "#alerts-list td")
    text = browser.find_element(By.ID, "alerts-list").text
    assert "H1:" in text or "admissions:paediatrics" in text
    assert "SECRET-SHEBAO" not in browser.page_source  # another bureau's alert: nowhere
    assert "<10 vs expected <10" in text and " 9 vs" not in text
    wait_for(browser, "#alerts-map .scattergeo path.point", count=3)
    wait_for(browser, "#alerts-plot .scatterlayer .trace", count=4)  # band x2, counts, flags
    browser.save_screenshot(str(ARTIFACTS / "7-alerts.png"))
    health = seeded[seeded["bureau"] == "health"]
    target = int(health.sort_values("alert_id").iloc[0]["alert_id"])
    # choose the alert, write a note, acknowledge
    browser.find_element(By.CSS_SELECTOR, "#alerts-pick input").send_keys(f"#{target}")
    from selenium.webdriver.common.keys import Keys

    browser.find_element(By.CSS_SELECTOR, "#alerts-pick input").send_keys(Keys.ENTER)
    browser.find_element(By.ID, "alerts-note").send_keys("ward opened 6 extra beds")
    browser.find_element(By.ID, "alerts-ack").click()
    wait_text(browser, "#alerts-done", f"Alert {target} acknowledged")
    row = list_alerts(served.engine, ids=[target]).iloc[0]
    assert row["state"] == "acknowledged" and row["note"] == "ward opened 6 extra beds"
    log = audit_log(served.engine)
    line = log[(log["action"] == "alert_ack") & log["detail"].str.contains(f"alert {target} ")]
    assert len(line) == 1 and line.iloc[0]["username"] == "hui"
    assert ((log["action"] == "view") & (log["detail"] == "alerts page")).any()
    # in Chinese the alerts read in Chinese, small counts still hidden
    browser.get(f"{served.url}/lang/zh?next=/alerts")
    wait_text(browser, "#alerts-list", "实际 412，预期 301")
    assert "实际 <10，预期 <10" in browser.find_element(By.ID, "alerts-list").text
    assert "SECRET-SHEBAO" not in browser.page_source
    # the social-security alert is untouched and was never offered
    other = seeded[seeded["bureau"] == "social_security"].iloc[0]
    assert list_alerts(served.engine, ids=[int(other["alert_id"])]).iloc[0]["state"] == "new"
