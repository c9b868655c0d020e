"""The server side of the dashboard without a browser: sign-in, the bureau check in callbacks and
downloads, the audit log and small-cell suppression, as a client that ignores the page would.
"""

from __future__ import annotations

import dataclasses
import io

import pandas as pd

from scenarios.store import audit_log, find_run, list_runs, load_kpis, save_run

SHORTFALLS = (
    "..short-map.figure...short-kpis.children...short-message.children...short-catchment.children.."
)


def shortfalls(http, run_id: str, service: str, measure: str = "access", line=None):
    """The "where are we short?" callback for a run and service."""
    return http.callback(SHORTFALLS, [("short-run", "value", run_id),
                                      ("short-service", "value", service),
                                      ("short-line", "value", line),
                                      ("short-measure", "value", measure)])  # fmt: skip


def test_nothing_is_served_before_signing_in(client, http, served):
    assert client.get("/").status_code == 302
    assert client.get("/compare").headers["Location"].startswith("/login?next=/compare")
    assert client.get("/_dash-layout").status_code == 401
    run = served.runs["today"]
    assert client.get(f"/export/{run}/access_by_area.csv").status_code == 401
    assert client.get("/geojson/0123456789abcdef.json").status_code == 401
    response = shortfalls(http, run, "health")
    assert response.status_code == 401
    assert b"choropleth" not in response.data


def test_a_wrong_password_is_refused_and_logged(http, served):
    response = http.sign_in("hui", "not-it-at-all")
    assert response.status_code == 401
    assert "用户名或密码错误".encode() in response.data
    log = audit_log(served.engine)
    assert ((log["username"] == "hui") & (log["action"] == "login_failed")).any()


def test_login_never_redirects_off_site(http, served):
    for target in ("https://evil.example/", "//evil.example/x"):
        data = {"username": "ana", "password": served.password, "next": target,
                "csrf_token": http.csrf()}  # fmt: skip
        response = http.client.post("/login", data=data)
        assert response.status_code == 302
        assert response.headers["Location"] == "/"


def test_a_callback_posted_for_another_bureaus_run_is_refused_on_the_server(http, served):
    http.sign_in("hui")  # health
    education_run = served.runs["short trips"]
    response = shortfalls(http, education_run, "education")
    assert response.status_code == 200
    assert b"refused-notice" in response.data
    assert response.get_json()["response"]["short-map"]["figure"]["data"] == []
    assert b"A0001" not in response.data
    log = audit_log(served.engine)
    mine = log[(log["username"] == "hui") & (log["run_id"] == education_run)]
    assert set(mine["action"]) == {"refused"}


def test_the_same_callback_serves_the_bureaus_own_run_and_audits_the_view(http, served):
    http.sign_in("hui")
    own = served.runs["wider reach"]
    response = shortfalls(http, own, "health", "nearest_minutes")
    figure = response.get_json()["response"]["short-map"]["figure"]
    assert figure["data"][0]["type"] == "choropleth"
    assert len(figure["data"][0]["locations"]) == 60
    assert figure["layout"]["geo"]["fitbounds"] == "geojson"
    assert figure["layout"]["geo"]["visible"] is False  # no basemap, no tiles
    log = audit_log(served.engine)
    assert ((log["username"] == "hui") & (log["action"] == "view") & (log["run_id"] == own)).any()


def test_admin_sees_every_bureau_and_a_bureau_only_its_own(http, served):
    http.sign_in("ana")
    shown = http.page("/compare")
    for run_id in served.runs.values():
        assert run_id.encode() in shown.data
    http.sign_out()
    http.sign_in("jiao")  # education
    shown = http.page("/compare")
    assert served.runs["short trips"].encode() in shown.data
    assert served.runs["wider reach"].encode() not in shown.data
    assert served.runs["today"].encode() not in shown.data


def test_downloads_suppress_small_counts_and_are_audited(http, served):
    # A run whose plan has a 3-person cell, stored like any other run.
    base = find_run(served.engine, served.runs["short trips"])
    record = dataclasses.replace(
        _record_like(base, served.engine),
        plans={"enrolment_primary": pd.DataFrame({"school_id": ["P001", "P002"],
                                                  "pupils": [3, 250], "seats": [4, 300]})},
    )  # fmt: skip
    run_id = save_run(served.engine, record)
    http.sign_in("jiao")
    response = http.client.get(f"/export/{run_id}/enrolment_primary.csv")
    assert response.status_code == 200
    frame = pd.read_csv(io.StringIO(response.data.decode("utf-8-sig")), dtype=str)
    assert list(frame["pupils"]) == ["<10", "250"]  # people counted: suppressed
    assert list(frame["seats"]) == ["4", "300"]  # seats are not people
    log = audit_log(served.engine)
    assert ((log["action"] == "export") & (log["run_id"] == run_id)).any()
    http.sign_out()
    http.sign_in("hui")
    assert http.client.get(f"/export/{run_id}/enrolment_primary.csv").status_code == 404


def _record_like(run: dict, engine):
    from scenarios.store import RunRecord

    return RunRecord(
        scenario="tiny cells",
        owner=run["owner"],
        description="",
        scenario_json=run["scenario_json"],
        inputs_fingerprint=run["inputs_fingerprint"],
        code_version=run["code_version"],
        seconds=0.1,
        kpis=load_kpis(engine, run["run_id"]),
        plans={},
        models=[],
        created_by="test",
    )


def test_a_bureau_without_runs_is_told_so(http, served):
    assert not len(list_runs(served.engine, bureau="social_security"))
    http.sign_in("she")
    shown = http.page("/")
    assert "还没有可查看的运行结果" in str(shown.get_json())
    assert b"short-map" not in shown.data


PLAN_VIEW = (
    "..plans-table-box.children...plans-map.figure...plans-chart.figure...plans-chart-box.style"
    "...plans-column.options...plans-column.value...plans-download.href.."
)


def plan_view(http, run_id: str, plan: str, column: str | None, line=None, service="all"):
    """The Plans page's callback for one plan of a run: table, map, bars, columns, link."""
    response = http.callback(PLAN_VIEW, [("plans-plan", "value", plan),
                                         ("plans-service", "value", service),
                                         ("plans-column", "value", column),
                                         ("plans-line", "value", line)],
                             state=[("plans-run", "value", run_id)])  # fmt: skip
    return response.get_json()["response"]


def test_a_per_centre_plan_is_mapped_at_its_centres_with_before_and_after_bars(http, served):
    base = find_run(served.engine, served.runs["today"])
    staffing = pd.DataFrame(
        {
            "facility_id": ["S001", "S002"],
            "visitors_before": [400, 600],
            "visitors_after": [500, 500],
            "level_after": [0.7, 0.85],
        }
    )
    run_id = save_run(served.engine, dataclasses.replace(
        _record_like(base, served.engine), scenario="staffing", owner="admin",
        plans={"staffing_by_centre": staffing},
    ))  # fmt: skip
    http.sign_in("ana")
    out = plan_view(http, run_id, "staffing_by_centre", "level_after")
    markers = out["plans-map"]["figure"]["data"][1]
    assert markers["type"] == "scattergeo"
    assert markers["marker"]["color"] == [0.7, 0.85]
    bars = out["plans-chart"]["figure"]["data"]
    assert [b["y"] for b in bars] == [[400.0, 600.0], [500.0, 500.0]]  # before, after per centre
    assert out["plans-chart-box"]["style"] == {}


def test_the_comparison_downloads_with_differences_only_for_own_runs(http, served):
    today, short, wider = (served.runs[k] for k in ("today", "short trips", "wider reach"))
    http.sign_in("ana")
    response = http.client.get(f"/export/compare.csv?runs={today},{short}")
    assert response.status_code == 200
    frame = pd.read_csv(io.StringIO(response.data.decode("utf-8-sig")))
    assert {"today", "short trips", "Δ short trips"} <= set(frame.columns)
    log = audit_log(served.engine)
    exported = log[(log["action"] == "export") & (log["detail"] == "compare.csv")]
    assert {today, short} <= set(exported["run_id"])
    http.sign_out()
    http.sign_in("hui")
    assert http.client.get(f"/export/compare.csv?runs={wider},{short}").status_code == 404


def test_model_plans_map_their_own_districts_and_add_up_wards_per_hospital(http, served):
    from scenarios.pipeline import load_scenario_city

    areas = load_scenario_city("sample:60").areas
    districts = areas.iloc[:2][["geometry"]].assign(school_id=["P001", "P002"], pupils=[480, 530])
    wards = pd.DataFrame({"hospital_id": ["H001", "H001", "H002"],
                          "department": ["surgery", "icu", "surgery"],
                          "beds_before": [80, 20, 60], "beds_after": [70, 30, 66]})  # fmt: skip
    base = find_run(served.engine, served.runs["today"])
    run_id = save_run(served.engine, dataclasses.replace(
        _record_like(base, served.engine), scenario="model plans", owner="admin",
        plans={"districts_primary": districts, "beds_wards": wards},
    ))  # fmt: skip
    http.sign_in("ana")

    def view(plan: str, column: str) -> dict:
        return plan_view(http, run_id, plan, column)

    shapes = view("districts_primary", "pupils")["plans-map"]["figure"]["data"][0]
    assert shapes["featureidkey"] == "properties.shape_id"
    assert len(shapes["geojson"]["features"]) == 2 and shapes["z"] == [480.0, 530.0]
    bars = view("beds_wards", "beds_after")["plans-chart"]["figure"]["data"]
    assert [b["y"] for b in bars] == [[100.0, 60.0], [100.0, 66.0]]  # departments add up
