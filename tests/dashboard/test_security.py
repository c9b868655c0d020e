"""The app as an attacker tries it, over HTTP: bureau isolation in every route, neutral refusals,
sessions that end on the server, throttled sign-in, CSRF, headers, and suppression and escaping
in what the callbacks and downloads send.
"""

from __future__ import annotations

import dataclasses
import io
import re
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from scenarios.store import (
    ModelOutcome,
    RunRecord,
    audit_log,
    find_run,
    load_kpis,
    load_plans,
    login_failures,
    publish_run,
    save_run,
)
from scenarios.users import add_user, remove_user, set_role

SHORT = (
    "..short-map.figure...short-kpis.children...short-message.children...short-catchment.children.."
)
PLANS_LIST = (
    "..plans-plan.options...plans-plan.value...plans-message.children...plans-notes.children.."
)
PLAN_VIEW = (
    "..plans-table-box.children...plans-map.figure...plans-chart.figure...plans-chart-box.style"
    "...plans-column.options...plans-column.value...plans-download.href.."
)
COMPARE = (
    "..compare-maps.children...compare-diff-map.figure...compare-kpi-box.children"
    "...compare-message.children...compare-download.href.."
)


def stored_like(served, base: str, **changes) -> str:
    """Store a run made from a seeded run's KPIs and plans with `changes` (plans, owner…)."""
    run = find_run(served.engine, served.runs[base])
    record = RunRecord(
        scenario=run["scenario"], owner=run["owner"], description="",
        scenario_json=run["scenario_json"], inputs_fingerprint=run["inputs_fingerprint"],
        code_version=run["code_version"], seconds=0.1,
        kpis=load_kpis(served.engine, run["run_id"]),
        plans=load_plans(served.engine, run["run_id"]), models=[], created_by="test",
    )  # fmt: skip
    return save_run(served.engine, dataclasses.replace(record, **changes))


def every_model_plans(served) -> dict[str, pd.DataFrame]:
    """Plans of every bureau, as a run inheriting every model of `today` carries them."""
    today = load_plans(served.engine, served.runs["today"])
    return {
        "access_by_area": today["access_by_area"],
        "enrolment_primary": pd.DataFrame({"school_id": ["P001", "P002"], "year": [2030, 2030],
                                           "seats": [900.0, 600.0], "pupils": [950.0, 5.0],
                                           "over": [2.7, 0.0]}),
        "staffing_by_centre": pd.DataFrame({"facility_id": ["S001"], "caseworkers_today": [20],
                                            "visitors_before": [5000.0]}),
        "beds_hospitals": pd.DataFrame({"hospital_id": ["H001", "H002"], "beds_before": [300, 8],
                                        "beds_after": [310, 8], "turned_away_after": [40.0, 3.0]}),
    }  # fmt: skip


@pytest.fixture(scope="module")
def everything(served):
    """A health bureau's run that inherited every model (all bureaus' KPIs and plans)."""
    return stored_like(served, "wider reach", scenario="inherits every model", owner="health",
                       kpis=load_kpis(served.engine, served.runs["today"]),
                       plans=every_model_plans(served))  # fmt: skip


def table_rows(component) -> list[list[str]]:
    """The cells of every row of the tables in a Dash component tree (as the page gets it)."""
    if isinstance(component, list):
        return [row for child in component for row in table_rows(child)]
    if not isinstance(component, dict):
        return []
    if component.get("type") == "Tr":
        cells = component["props"]["children"]
        return [[c["props"].get("children") for c in cells]]
    return table_rows(component.get("props", {}).get("children"))


def component(tree, component_id: str) -> dict | None:
    """The component with `component_id` in a Dash layout tree (None if absent)."""
    if isinstance(tree, list):
        return next((c for c in (component(t, component_id) for t in tree) if c), None)
    if not isinstance(tree, dict):
        return None
    props = tree.get("props", {})
    if props.get("id") == component_id:
        return tree
    return component(props.get("children"), component_id)


def csv(response) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), dtype=str)


def test_a_bureau_sees_only_its_own_service_lines_whichever_run_it_comes_through(
    http, served, everything
):
    http.sign_in("hui")  # health
    get = http.client.get
    assert get(f"/export/{everything}/enrolment_primary.csv").status_code == 404
    assert get(f"/export/{everything}/staffing_by_centre.csv").status_code == 404
    kpis = csv(get(f"/export/{everything}/kpis.csv"))
    assert "health" in set(kpis["service"]) <= {"health", "population"}
    access = csv(get(f"/export/{everything}/access_by_area.csv"))
    assert set(access["service"]) == {"health"}
    listed = http.callback(PLANS_LIST, [("plans-run", "value", everything)],
                           state=[("plans-plan", "value", None)])  # fmt: skip
    options = listed.get_json()["response"]["plans-plan"]["options"]
    assert {o["value"] for o in options} == {"access_by_area", "beds_hospitals"}
    # the Education service posted by hand to the shortfalls callback: nothing to draw
    short = http.callback(SHORT, [("short-run", "value", everything),
                                  ("short-service", "value", "education"),
                                  ("short-line", "value", "primary school"),
                                  ("short-measure", "value", "unmet_need")])  # fmt: skip
    out = short.get_json()["response"]
    assert out["short-map"]["figure"]["data"] == []
    assert "primary school" not in str(out["short-kpis"]) and "小学" not in str(out["short-kpis"])
    compared = csv(get(f"/export/compare.csv?runs={served.runs['wider reach']},{everything}"))
    assert "health" in set(compared["service"]) <= {"health", "population"}


def test_published_baselines_are_read_by_every_bureau_for_its_own_lines(http, served):
    today = served.runs["today"]
    http.sign_in("jiao")  # education
    assert http.client.get(f"/export/{today}/kpis.csv").status_code == 404
    publish_run(served.engine, today, "ana")
    try:
        layout = http.page("/compare").get_json()["response"]["_pages_content"]["children"]
        chosen = component(layout, "compare-runs")["props"]["value"]
        assert chosen[0] == today  # compared by default: the newest run against the baseline
        kpis = csv(http.client.get(f"/export/{today}/kpis.csv"))
        assert set(kpis["service"]) == {"education"}
        shown = http.callback(COMPARE, [("compare-runs", "value", [today,
                                                                   served.runs["short trips"]]),
                                        ("compare-service", "value", "education"),
                                        ("compare-line", "value", "primary school"),
                                        ("compare-measure", "value", "access")])  # fmt: skip
        out = shown.get_json()["response"]
        assert len(out["compare-maps"]["children"]) == 2
        # the KPI table honours the chosen service: education rows only
        rows = table_rows(out["compare-kpi-box"]["children"])[1:]
        assert rows and {r[0] for r in rows} == {"教育"}
        # facility markers on every compared map
        for graph in out["compare-maps"]["children"]:
            assert graph["props"]["figure"]["data"][1]["type"] == "scattergeo"
    finally:
        publish_run(served.engine, today, "ana", publish=False)
    assert http.client.get(f"/export/{today}/kpis.csv").status_code == 404


def test_refusals_are_one_neutral_answer_matched_by_exact_text_and_audited(http, served):
    education = served.runs["short trips"]
    http.sign_in("hui")  # health
    probes = [education, education[:8], "%", "_", "%25", "____%", "short trips",
              "00000000-0000-0000-0000-000000000000"]  # fmt: skip
    bodies = set()
    for probe in probes:
        response = http.client.get(f"/export/{probe}/kpis.csv")
        assert response.status_code == 404, probe
        text = response.get_json()["error"]
        assert "education" not in text and "教育" not in text
        bodies.add(text.replace(probe, "REF").replace("%", "REF"))
    assert len(bodies) == 1  # another bureau's run reads exactly like one that does not exist
    log = audit_log(served.engine)
    refused = log[(log["username"] == "hui") & (log["action"] == "refused")]
    assert {education, "%", "_"} <= set(refused["run_id"])


def test_the_short_run_id_shown_everywhere_opens_the_run_in_a_url(http, served):
    own = served.runs["wider reach"]
    http.sign_in("hui")
    page = http.page("/plans", f"?run={own[:8]}").get_json()["response"]
    layout = str(page["_pages_content"]["children"])
    assert f"'value': '{own}'" in layout  # the dropdown holds the full id, not None
    assert "refused-notice" not in layout


def test_logout_ends_the_session_on_the_server(http, served):
    http.sign_in("hui")
    assert http.client.get("/_dash-layout").status_code == 200
    stolen = http.client.get_cookie("civicalloc").value
    http.client.get("/logout")  # a link (or an image tag on another site) signs no one out
    assert http.client.get("/_dash-layout").status_code == 200
    assert http.client.post("/logout", data={"csrf_token": "forged"}).status_code == 302
    assert http.client.get("/_dash-layout").status_code == 200  # a forged form did nothing
    assert http.sign_out().headers["Location"] == "/login"
    http.client.set_cookie("civicalloc", stolen)  # the old cookie, replayed
    assert http.client.get("/_dash-layout").status_code == 401
    assert http.client.get(f"/export/{served.runs['wider reach']}/kpis.csv").status_code == 401
    assert (audit_log(served.engine)["action"] == "logout").any()


def test_removing_a_user_or_changing_a_role_acts_on_their_open_session(http, served):
    add_user(served.engine, "temp", served.password, "health")
    try:
        http.sign_in("temp")
        education = served.runs["short trips"]
        assert http.client.get(f"/export/{education}/kpis.csv").status_code == 404
        set_role(served.engine, "temp", "education")
        assert http.client.get(f"/export/{education}/kpis.csv").status_code == 200
        remove_user(served.engine, "temp")
        assert http.client.get("/_dash-layout").status_code == 401
        assert http.client.get("/").status_code == 302
    finally:
        with served.engine.begin() as conn:
            conn.execute(sa.text("delete from users where username = 'temp'"))


def test_sign_in_needs_the_forms_token(http, served):
    data = {"username": "ana", "password": served.password, "next": "/"}
    assert http.client.post("/login", data=data).status_code == 400
    assert http.client.get("/_dash-layout").status_code == 401


@pytest.fixture
def clean_failures(served):
    yield
    with served.engine.begin() as conn:
        conn.execute(login_failures.delete())


def test_sign_in_is_throttled_per_user_and_per_address(http, served, clean_failures):
    add_user(served.engine, "target", served.password, "health")
    try:
        for i in range(5):
            response = http.sign_in("target", "wrong-guess", environ_base={
                "REMOTE_ADDR": f"10.1.0.{i}"})  # fmt: skip
            assert response.status_code == 401
        right = http.sign_in("target", environ_base={"REMOTE_ADDR": "10.1.0.9"})
        assert right.status_code == 429  # locked: even the right password waits
        assert "分钟后再试" in right.get_data(as_text=True)
        for i in range(20):  # one address guessing many names
            http.sign_in(f"name{i}", "wrong-guess", environ_base={"REMOTE_ADDR": "10.2.0.1"})
        assert http.sign_in("ana", environ_base={"REMOTE_ADDR": "10.2.0.1"}).status_code == 429
        assert http.sign_in("ana", environ_base={"REMOTE_ADDR": "10.2.0.2"}).status_code == 302
        log = audit_log(served.engine, limit=500)
        lockouts = log.loc[log["action"] == "lockout", "detail"]
        assert lockouts.str.startswith("user").any() and lockouts.str.startswith("address").any()
        assert (log["action"] == "login_locked").sum() >= 2
    finally:
        remove_user(served.engine, "target")


def test_headers_and_nothing_identifying_before_sign_in(http, served):
    login = http.client.get("/login")
    assert login.headers["X-Frame-Options"] == "DENY"
    policy = login.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
    assert login.headers["X-Content-Type-Options"] == "nosniff"
    for path in ("/_dash-component-suites/dash/dash-renderer/build/dash_renderer.min.js",
                 "/_dash-component-suites/plotly/package_data/plotly.min.js",
                 "/_dash-component-suites/dash/nothing.js", "/_dash-dependencies"):  # fmt: skip
        response = http.client.get(path)
        assert response.status_code == 401, path
        assert b"version" not in response.data.lower()
    http.sign_in("ana")
    page = http.client.get("/").get_data(as_text=True)
    assert "python_version" not in page and "dash_version" not in page
    assert http.client.get("/").headers["Cache-Control"] == "no-store"


def test_small_counts_are_hidden_on_every_map_chart_and_table_the_callbacks_send(http, served):
    access = load_plans(served.engine, served.runs["short trips"])["access_by_area"].copy()
    first = access["service_line"] == "primary school"
    access.loc[first, "need"] = 7.4
    access.loc[first, "access"] = 0.0  # unmet need 7.4 pupils in every area
    districts_src = load_plans(served.engine, served.runs["short trips"])
    assert "districts_primary" not in districts_src
    run_id = stored_like(
        served,
        "short trips",
        scenario="tiny cells",
        plans={
            "access_by_area": access,
            "enrolment_primary": every_model_plans(served)["enrolment_primary"],
        },
    )
    http.sign_in("jiao")
    short = http.callback(
        SHORT,
        [
            ("short-run", "value", run_id),
            ("short-service", "value", "education"),
            ("short-line", "value", "primary school"),
            ("short-measure", "value", "unmet_need"),
        ],
    ).get_json()
    area = short["response"]["short-map"]["figure"]["data"][0]
    assert set(area["z"]) == {None}
    assert all(text.endswith("&lt;10") for text in area["text"])
    assert "学生" in area["colorbar"]["title"]["text"]  # the unit on the colour bar
    view = http.callback(
        PLAN_VIEW,
        [
            ("plans-plan", "value", "enrolment_primary"),
            ("plans-service", "value", "all"),
            ("plans-column", "value", "over"),
            ("plans-line", "value", None),
        ],
        state=[("plans-run", "value", run_id)],
    ).get_json()["response"]
    markers = view["plans-map"]["figure"]["data"][1]
    assert markers["marker"]["color"][0] is None  # P001's 2.7 pupils over: not coloured
    table = str(view["plans-table-box"]["children"])
    assert "<10" in table and "2.7" not in table
    assert "超额学生数（学生）" in table  # a header with its unit, not `over`


def test_compare_shows_differences_consistent_with_the_values_beside_them(http, served):
    base = load_kpis(served.engine, served.runs["short trips"])
    pupils = pd.DataFrame({"service": ["education"], "kpi": ["primary: pupils reassigned"],
                           "value": [12942.0], "unit": ["persons"]})  # fmt: skip
    a = stored_like(
        served,
        "short trips",
        scenario="pupils a",
        kpis=pd.concat([base, pupils], ignore_index=True),
    )
    b = stored_like(
        served,
        "short trips",
        scenario="pupils b",
        kpis=pd.concat([base, pupils.assign(value=12942.4)], ignore_index=True),
    )
    http.sign_in("jiao")
    out = http.callback(
        COMPARE,
        [
            ("compare-runs", "value", [a, b]),
            ("compare-service", "value", "education"),
            ("compare-line", "value", "primary school"),
            ("compare-measure", "value", "unmet_need"),
        ],
    ).get_json()
    rows = table_rows(out["response"]["compare-kpi-box"]["children"])
    cells = next(r for r in rows if r[1] == "小学：调整学区的学生")
    assert cells[2:] == ["12,942 人", "12,942 人", "0 人"]  # not "<10" beside two shown values


def test_a_formula_in_a_scenario_name_is_written_as_text(http, served):
    evil = '=HYPERLINK("http://evil.example","open")'
    run_id = stored_like(served, "short trips", scenario=evil)
    http.sign_in("jiao")
    response = http.client.get(f"/export/compare.csv?runs={served.runs['short trips']},{run_id}")
    header = response.get_data(as_text=True).lstrip("\ufeff").splitlines()[0]
    assert "'=HYPERLINK" in header and ",=HYPERLINK" not in header


def test_the_page_says_which_catchment_access_used_and_why(http, served):
    http.sign_in("jiao")  # "short trips": a 15-minute travel limit
    run = served.runs["short trips"]
    for line, standard in (("primary school", "15"), ("middle school", "20")):
        out = http.callback(
            SHORT,
            [
                ("short-run", "value", run),
                ("short-service", "value", "education"),
                ("short-line", "value", line),
                ("short-measure", "value", "access"),
            ],
        ).get_json()
        note = out["response"]["short-catchment"]["children"]
        assert f"标准 {standard} 分钟" in note and "上限 15 分钟" in note and "按 15 分钟" in note


def test_the_bed_plan_says_why_a_new_hospital_is_not_in_it(http, served):
    note = ("1 hospital(s) without admission history left out of bed rebalancing (their load "
            "cannot be projected yet): H901")  # fmt: skip
    run_id = stored_like(served, "wider reach", scenario="new hospital",
                         models=[ModelOutcome("health.beds", "optimal",
                                              detail={"messages": [note]})])  # fmt: skip
    http.sign_in("hui")
    out = http.callback(
        PLANS_LIST, [("plans-run", "value", run_id)], state=[("plans-plan", "value", None)]
    ).get_json()["response"]
    notes = str(out["plans-notes"]["children"])
    assert "H901" in notes and "未参与床位调整" in notes and "床位可达性" in notes


def test_a_plan_with_several_service_lines_is_mapped_one_line_at_a_time(http, served):
    run = served.runs["today"]
    access = load_plans(served.engine, run)["access_by_area"]
    beds = access[access["service_line"] == "hospital beds"].set_index("area_id")["need"]
    http.sign_in("ana")
    view = http.callback(
        PLAN_VIEW,
        [
            ("plans-plan", "value", "access_by_area"),
            ("plans-service", "value", "health"),
            ("plans-column", "value", "need"),
            ("plans-line", "value", "hospital beds"),
        ],
        state=[("plans-run", "value", run)],
    ).get_json()["response"]
    figure = view["plans-map"]["figure"]["data"][0]
    drawn = pd.Series(figure["z"], index=figure["locations"]).dropna()
    assert (drawn - beds.reindex(drawn.index)).abs().max() < 1e-6  # beds alone, no visits added
    assert "占用床位" in figure["colorbar"]["title"]["text"]


def test_what_if_levers_have_the_scenarios_bounds_and_a_clean_message():
    from dashboard.pages.whatif import LEVERS, lever_bounds, lever_changes
    from demand.errors import InputError

    assert lever_bounds("rules.max_travel_minutes", 1) == (1.0, 240.0)
    assert lever_bounds("rules.service_level_target", 100) == (1.0, 99.0)
    values = [None] * len(LEVERS)
    values[0] = 500
    with pytest.raises(InputError) as bad:
        lever_changes(values, "zh")
    assert str(bad.value) == "最长出行时间（分钟）：请输入 1 到 240 之间的数值。"
    values[0] = 20
    assert lever_changes(values, "en") == {"rules.max_travel_minutes": 20.0}


def test_the_demo_logins_and_store_in_the_docs_are_the_demos():
    from scenarios.demo_users import DEMO_PASSWORD, DEMO_USERS
    from scenarios.store import DEFAULT_DB

    text = (Path(__file__).resolve().parents[2] / "docs/dashboard.md").read_text(encoding="utf-8")
    for user in DEMO_USERS:
        assert f"`{user}`" in text, user
    assert DEMO_PASSWORD in text and DEFAULT_DB.removeprefix("sqlite:///") in text
    assert "`demo`" not in text and "build/demo/" not in text and "`social`" not in text
    security = text.split("## Security", 1)[1].split("\n## ", 1)[0]
    for topic in ("### Roles and what each sees", "### Sessions", "Throttling", "### Small cells",
                  "### Headers", "### What an operator must set in production",
                  "CIVICALLOC_SECRET", "TLS", "--secure-cookies", "--trusted-proxies"):  # fmt: skip
        assert topic in security, topic


def test_the_forecast_says_its_unit_and_another_bureaus_series_is_refused(http, served):
    forecast = "..fc-graph.figure...fc-skill.children...fc-verdict.children.."
    http.sign_in("hui")  # health
    own = http.callback(
        forecast,
        [("fc-series", "value", "H001:admissions:internal_medicine")],
        state=[("fc-run", "value", served.runs["wider reach"])],
    ).get_json()
    axis = own["response"]["fc-graph"]["figure"]["layout"]["yaxis"]["title"]["text"]
    assert axis == "入院人次/月"  # admissions a month, not a bare number
    other = http.callback(
        forecast,
        [("fc-series", "value", "S001:caseload:maternity")],
        state=[("fc-run", "value", served.runs["wider reach"])],
    ).get_json()
    assert "refused-notice" in str(other["response"]["fc-skill"]["children"])


def test_the_data_page_shows_a_bureau_the_checks_of_its_own_figures_only(http, served):
    checks = {}
    for user, run in (("hui", "wider reach"), ("jiao", "short trips"), ("ana", "today")):
        http.sign_in(user)
        body = http.callback("data-body.children", [("data-run", "value", served.runs[run])])
        checks[user] = str(body.get_json()["response"]["data-body"]["children"])
    # the 60-area city has teachers per district and seats per teacher checks (education's)
    assert "教师" not in checks["hui"] and "data-scores" in checks["hui"]
    assert "各校每名教师学位数" in checks["jiao"] and "每千名5-14岁儿童教师数" in checks["jiao"]
    assert "各校每名教师学位数" in checks["ana"]  # admin: every bureau's


def test_every_route_and_page_is_gated_scoped_and_audited(http, served):
    """Over every URL rule and every page the app has (also pages added later): nothing before
    sign-in; a bureau asking for another bureau's run by URL gets a refusal, audited."""
    import dash

    from dashboard.auth import OPEN_PATHS

    for rule in served.app.server.url_map.iter_rules():
        path = re.sub(r"<[^>]+>", "x", rule.rule)
        if path in OPEN_PATHS or path.startswith(("/lang/", "/_dash-component-suites")):
            continue
        answer = http.client.get(path)
        assert answer.status_code in (302, 401), (rule.rule, answer.status_code)
        if answer.status_code == 302:
            assert answer.headers["Location"].startswith("/login"), rule.rule
    signed_in = http.sign_in("hui")  # health
    assert signed_in.status_code == 302
    education = served.runs["short trips"]
    for page in dash.page_registry.values():
        layout = http.page(page["path"], f"?run={education[:8]}")
        assert layout.status_code == 200, page["path"]
        text = layout.get_data(as_text=True)
        assert education not in text and education[:8] + "'" not in text, page["path"]
    log = audit_log(served.engine, limit=500)
    mine = log[log["username"] == "hui"]
    assert "login" in set(mine["action"])
    refused = mine[(mine["action"] == "refused") & (mine["run_id"] == education[:8])]
    assert len(refused) >= 4  # Where short, Plans, Compare, Forecasts, Data: each audited


def test_the_alerts_page_draws_and_hovers_no_small_count(http, served):
    """An alert on a series of a few cases: the plot draws no count under 10 (observed,
    expected band or limit) and its hovers read <10."""
    from scenarios.alerts.store import ALERT_COLUMNS, list_alerts, store_evaluation

    ds = pd.date_range("2024-01-01", periods=16, freq="MS")
    trace = {"ds": [f"{d:%Y-%m-%d}" for d in ds], "observed": [2.0] * 15 + [7.0],
             "expected": [None] * 8 + [2.4] * 8, "threshold": [None] * 8 + [6.0] * 8,
             "alarm": [False] * 15 + [True]}  # fmt: skip
    alert = {"key": "small|h", "bureau": "health", "kind": "surveillance",
             "subject": "H001:admissions:burns", "facility_id": "H001", "area_id": None,
             "ds": ds[-1], "observed": 7.0, "expected": 2.4, "threshold": 6.0, "score": 2.0,
             "unit": "admissions", "method": "EARS C2", "severity": "warning",
             "message": "admissions:burns at H001: <10 vs expected <10", "run_id": None,
             "detail": {"trace": trace, "limit": "3-sd limit"}}  # fmt: skip
    store_evaluation(served.engine, pd.DataFrame([alert], columns=ALERT_COLUMNS), "t", "seed")
    found = list_alerts(served.engine)
    alert_id = int(found.loc[found["subject"] == "H001:admissions:burns", "alert_id"].iloc[0])
    http.sign_in("hui")
    figure = http.callback("alerts-plot.figure", [("alerts-pick", "value", alert_id)]).get_json()
    for trace in figure["response"]["alerts-plot"]["figure"]["data"]:
        drawn = [y for y in trace.get("y", []) if y is not None]
        assert all(y == 0 or y >= 10 for y in drawn), (trace.get("name"), drawn)
        small = [t for t in trace.get("text") or [] if re.fullmatch(r"[1-9](\.\d+)?", t)]
        assert small == [], (trace.get("name"), small)
