"""The dashboard in a real browser (headless Debian chromium): what an analyst does with it.

Screenshots of every page go to tests/artifacts/.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

WAIT_S = 30
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def _by():
    from selenium.webdriver.common.by import By

    return By


def wait_for(driver, css: str, timeout: float = WAIT_S, count: int = 1):
    """Wait until at least `count` elements match `css`; return them."""
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(
        lambda d: (
            (found := d.find_elements(_by().CSS_SELECTOR, css)) and len(found) >= count and found
        )  # fmt: skip
    )


def wait_text(driver, css: str, text: str, timeout: float = WAIT_S) -> None:
    """Wait until the element matching `css` shows `text`."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(
        lambda d: any(text in e.text for e in d.find_elements(_by().CSS_SELECTOR, css))
    )


def sign_in(driver, served, user: str, lang: str = "zh") -> None:
    """Sign out whoever is signed in, choose the language, sign in as `user`."""
    url = served.url
    driver.get(f"{url}/login")
    driver.delete_all_cookies()  # whoever was signed in: a new browser session
    driver.get(f"{url}/lang/{lang}?next=/login")
    driver.find_element(_by().ID, "login-username").send_keys(user)
    driver.find_element(_by().ID, "login-password").send_keys(served.password)
    driver.find_element(_by().ID, "login-submit").click()
    wait_for(driver, "#who")


def external_requests(driver) -> list[str]:
    """Browser log lines about requests that tried to leave the machine."""
    return [
        e["message"]
        for e in driver.get_log("browser")
        if "cdn.plot.ly" in e["message"] or "ERR_NAME_NOT_RESOLVED" in e["message"]
    ]


def test_every_page_opens_with_maps_drawn_from_the_city_itself(browser, served):
    sign_in(browser, served, "ana")
    assert "ana" in browser.find_element(_by().ID, "who").text
    # Where are we short: one polygon per area of the 60-area city, facilities as markers.
    wait_for(browser, "#short-map path.choroplethlocation", count=60)
    wait_for(browser, "#short-map .scattergeo path.point")
    wait_for(browser, "#short-kpis-table td")
    browser.save_screenshot(str(ARTIFACTS / "1-where-are-we-short.png"))

    browser.find_element(_by().ID, "nav-nav_forecasts").click()
    wait_for(browser, "#fc-graph .scatterlayer .trace", count=4)  # 2 bands, history, forecast
    wait_text(browser, "#fc-verdict", "季节性朴素法")
    wait_for(browser, "#fc-skill-table td")
    wait_for(browser, "#fc-pyramid .bars path", count=10)
    assert "*" in browser.find_element(_by().ID, "fc-pyramid-note").text  # the * explained
    browser.save_screenshot(str(ARTIFACTS / "2-how-sure-are-the-forecasts.png"))

    browser.find_element(_by().ID, "nav-nav_plans").click()
    wait_for(browser, "#plans-table td")
    wait_for(browser, "#plans-map path.choroplethlocation", count=60)
    assert "/export/" in browser.find_element(_by().ID, "plans-download").get_attribute("href")
    browser.save_screenshot(str(ARTIFACTS / "3-plans.png"))

    browser.find_element(_by().ID, "nav-nav_compare").click()
    wait_for(browser, "#compare-maps path.choroplethlocation", count=120)
    wait_for(browser, "#compare-diff-map path.choroplethlocation", count=60)
    browser.save_screenshot(str(ARTIFACTS / "4-compare-scenarios.png"))

    browser.find_element(_by().ID, "nav-nav_whatif").click()
    wait_for(browser, "#whatif-run")
    browser.save_screenshot(str(ARTIFACTS / "5-run-a-what-if.png"))
    assert external_requests(browser) == []


def test_picking_two_scenarios_shows_their_kpi_difference(browser, served):
    from selenium.webdriver.common.keys import Keys

    from dashboard.i18n import fmt, kpi_name, t
    from scenarios.compare import compare_runs
    from scenarios.privacy import suppress_kpis

    sign_in(browser, served, "ana")
    browser.get(f"{served.url}/compare")
    wait_for(browser, "#compare-runs .Select-value")
    for cross in browser.find_elements(_by().CSS_SELECTOR, "#compare-runs .Select-value-icon")[
        ::-1
    ]:
        cross.click()
    box = browser.find_element(_by().CSS_SELECTOR, "#compare-runs input")
    for name in ("today", "short trips"):
        box.send_keys(name)
        box.send_keys(Keys.ENTER)
    browser.find_element(
        _by().XPATH, "//div[@id='compare-service']//label[contains(., '教育')]"
    ).click()
    wait_text(browser, "#compare-kpis th", "Δ short trips")

    # The largest difference the store knows of, written as the page should write it.
    frame = compare_runs(served.engine, [served.runs["today"], served.runs["short trips"]])
    frame = frame[frame["service"] == "education"].reset_index(drop=True)
    delta = next(c for c in frame.columns if c.startswith("Δ"))
    row = frame.loc[frame[delta].abs().idxmax()]
    assert row[delta] != 0, "seeded scenarios must differ"
    shown = suppress_kpis(row.to_frame().T, value_columns=[delta]).iloc[0]
    expected = fmt(shown[delta], row["unit"], "zh")

    cells = None
    for tr in browser.find_elements(_by().CSS_SELECTOR, "#compare-kpis tr"):
        texts = [td.text for td in tr.find_elements(_by().TAG_NAME, "td")]
        if texts[:2] == [t("education", "zh"), kpi_name(row["kpi"], "zh")]:
            cells = texts
    assert cells is not None, f"no row for {row['kpi']}"
    assert cells[-1] == expected
    wait_for(browser, "#compare-diff-map path.choroplethlocation", count=60)


def test_a_what_if_runs_in_the_background_and_appears_in_compare(browser, served):
    import json

    from selenium.webdriver.common.keys import Keys

    from scenarios.store import find_run, list_runs

    sign_in(browser, served, "jiao")  # education bureau
    browser.get(f"{served.url}/whatif?run={served.runs['short trips']}")
    wait_for(browser, "#whatif-name")
    from selenium.webdriver.support.ui import WebDriverWait

    name_box = browser.find_element(_by().ID, "whatif-name")
    WebDriverWait(browser, WAIT_S).until(lambda d: name_box.get_attribute("value"))
    name_box.send_keys(Keys.CONTROL, "a")
    name_box.send_keys("jiao what-if")
    travel = browser.find_element(_by().ID, "whatif-max-travel")
    assert travel.get_attribute("value") == "15"  # the starting run's lever
    travel.send_keys(Keys.CONTROL, "a")
    travel.send_keys("25")
    browser.find_element(_by().ID, "whatif-run").click()
    outcome = wait_for(browser, "#whatif-done, #whatif-error", timeout=60)
    assert outcome[0].get_attribute("id") == "whatif-done", outcome[0].text
    assert browser.find_element(_by().ID, "whatif-progress").get_attribute("value") == "100"
    browser.save_screenshot(str(ARTIFACTS / "6-what-if-done.png"))

    runs = list_runs(served.engine, owner="education")
    new = runs[runs["scenario"] == "jiao what-if"]
    assert len(new) == 1 and new["created_by"].iloc[0] == "jiao"
    stored = find_run(served.engine, new["run_id"].iloc[0])
    assert json.loads(stored["scenario_json"])["rules"]["max_travel_minutes"] == 25

    browser.find_element(_by().ID, "whatif-compare-link").click()
    wait_text(browser, "#compare-runs", "jiao what-if")
    wait_for(browser, "#compare-maps path.choroplethlocation", count=120)
    wait_text(browser, "#compare-kpis th", "Δ jiao what-if")


def test_switching_language_relabels_the_app(browser, served):
    sign_in(browser, served, "hui", lang="zh")  # health bureau
    wait_text(browser, "#nav-nav_short", "哪里短缺？")
    browser.find_element(_by().ID, "lang-en").click()
    wait_text(browser, "#nav-nav_short", "Where are we short?")
    wait_text(browser, "#who", "Health")
    wait_for(browser, "#short-map path.choroplethlocation", count=60)
    browser.save_screenshot(str(ARTIFACTS / "7-english.png"))
    browser.find_element(_by().ID, "lang-zh").click()
    wait_text(browser, "#nav-nav_short", "哪里短缺？")


def test_health_user_is_refused_an_education_run_by_url(browser, served):
    from scenarios.store import audit_log

    education_run = served.runs["short trips"]
    sign_in(browser, served, "hui")  # health bureau
    browser.get(f"{served.url}/plans?run={education_run}")
    wait_for(browser, "#refused-notice")
    assert browser.find_elements(_by().CSS_SELECTOR, "#plans-table td") == []
    browser.save_screenshot(str(ARTIFACTS / "8-refused.png"))

    browser.get(f"{served.url}/compare?runs={served.runs['wider reach']},{education_run}")
    wait_for(browser, "#refused-notice")
    assert browser.find_elements(_by().CSS_SELECTOR, "#compare-maps path") == []

    browser.get(f"{served.url}/export/{education_run}/access_by_area.csv")
    body = browser.find_element(_by().TAG_NAME, "body").text
    assert "没有可查看的运行结果" in body  # the same answer as for a run that does not exist
    assert "education" not in body and "教育" not in body  # no owner named

    log = audit_log(served.engine)
    refused = log.loc[(log["username"] == "hui") & (log["action"] == "refused"), "detail"]
    for attempt in ("view plans", "view compare", "export access_by_area.csv"):
        assert refused.str.startswith(attempt).any(), f"{attempt} not in the audit log"


def test_data_page_shows_the_quality_report_of_the_city_in_use(browser, served):
    sign_in(browser, served, "hui", lang="zh")
    browser.find_element(_by().ID, "nav-nav_data").click()
    wait_text(browser, "h2", "数据质量")
    wait_for(browser, "#data-scores td")
    cells = [c.text for c in browser.find_elements(_by().CSS_SELECTOR, "#data-scores td")]
    assert "areas" in cells and "60" in cells  # the 60-area city of the health run
    wait_text(browser, "#data-crs", "UTM")
    wait_text(browser, "#data-state", "可用")
    browser.save_screenshot(str(ARTIFACTS / "6-data-quality.png"))
    sign_in(browser, served, "hui", lang="en")
    browser.get(f"{served.url}/data")
    wait_text(browser, "#data-state", "usable")
    assert external_requests(browser) == []


def test_logging_out_ends_the_session_even_for_a_copied_cookie(browser, served):
    sign_in(browser, served, "hui")
    wait_for(browser, "#short-map path.choroplethlocation", count=60)
    copied = browser.get_cookie("civicalloc")
    browser.find_element(_by().ID, "logout").click()
    wait_for(browser, "#login-username")
    browser.add_cookie({"name": copied["name"], "value": copied["value"], "path": "/"})
    browser.get(f"{served.url}/plans")
    wait_for(browser, "#login-username")  # the old cookie opens nothing
    assert "/login" in browser.current_url


def test_a_name_with_html_is_shown_as_text_and_a_short_id_opens_it(browser, served):
    import dataclasses

    from scenarios.store import RunRecord, find_run, load_kpis, load_plans, save_run

    name = '<b>bold</b><a href="http://evil.example/">link</a>'
    base = find_run(served.engine, served.runs["wider reach"])
    run_id = save_run(served.engine, dataclasses.replace(
        RunRecord(scenario=name, owner="health", description="",
                  scenario_json=base["scenario_json"], inputs_fingerprint="f", code_version="t",
                  seconds=0.1, kpis=load_kpis(served.engine, base["run_id"]),
                  plans=load_plans(served.engine, base["run_id"]), models=[])))  # fmt: skip
    sign_in(browser, served, "hui")
    browser.get(f"{served.url}/plans?run={run_id[:8]}")  # the 8-character id shown everywhere
    wait_for(browser, "#plans-table td")
    wait_for(browser, "#plans-map path.choroplethlocation", count=60)
    title = browser.find_element(_by().CSS_SELECTOR, "#plans-map .gtitle")
    assert title.text.startswith(name)  # the tags as text, not bold and a live link
    assert browser.find_elements(_by().CSS_SELECTOR, "#plans-map svg a") == []
    assert browser.find_elements(_by().CSS_SELECTOR, "#plans-map svg b") == []
    assert "<10" in browser.find_element(_by().ID, "plans-table").text  # small cells hidden
    browser.save_screenshot(str(ARTIFACTS / "9-html-name-as-text.png"))


def test_a_what_if_outside_a_levers_range_gets_one_clean_line(browser, served):
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    sign_in(browser, served, "jiao")
    browser.get(f"{served.url}/whatif?run={served.runs['short trips'][:8]}")
    travel = wait_for(browser, "#whatif-max-travel")[0]
    WebDriverWait(browser, WAIT_S).until(lambda d: travel.get_attribute("value"))
    assert browser.find_element(_by().ID, "whatif-max-travel-range").text == "1–240"
    travel.send_keys(Keys.CONTROL, "a")
    travel.send_keys("500")
    browser.find_element(_by().ID, "whatif-run").click()
    error = wait_for(browser, "#whatif-error", timeout=60)[0]
    assert "最长出行时间（分钟）：请输入 1 到 240 之间的数值。" in error.text
    assert "Input should" not in error.text and "{" not in error.text
