"""The server side of the dashboard without a browser: sign-in, the bureau check in callbacks and
downloads, the audit log and small-cell suppression, as a client that ignores the page would.
"""

from __future__ import annotations

import dataclasses
import io

import pandas as pd

from scenarios.store import audit_log, find_run, list_runs, load_kpis, save_run

SHORTFALLS = "..short-map.figure...short-kpis.children...short-message.children.."


def sign_in(client, served, user: str):
    return client.post("/login", data={"username": user, "password": served.password, "next": "/"})


def shortfalls(client, run_id: str, service: str, measure: str = "access"):
    """The "where are we short?" callback for a run and service."""
    return callback(client, SHORTFALLS, [("short-run", "value", run_id),
                                         ("short-service", "value", service),
                                         ("short-line", "value", None),
                                         ("short-measure", "value", measure)])  # fmt: skip


def page(client, path: str):
    """The page layout Dash's router returns for `path`."""
    return callback(client, ".._pages_content.children..._pages_store.data..",
                    [("_pages_location", "pathname", path),
                     ("_pages_location", "search", "")])  # fmt: skip


def callback(client, output: str, inputs: list[tuple[str, str, object]], state=()):
    """POST one Dash callback the way the page does (or an attacker with curl would)."""
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    outputs = [dict(zip(("id", "property"), p.rsplit(".", 1), strict=True)) for p in parts]
    as_dicts = [{"id": i, "property": p, "value": v} for i, p, v in inputs]
    body = {
        "output": output,
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": as_dicts,
        "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
        "changedPropIds": [f"{as_dicts[0]['id']}.{as_dicts[0]['property']}"],
    }
    return client.post("/_dash-update-component", json=body)


def test_nothing_is_served_before_signing_in(client, served):
    assert client.get("/").status_code == 302
    assert client.get("/compare").headers["Location"].startswith("/login?next=/compare")
    assert client.get("/_dash-layout").status_code == 401
    run = served.runs["today"]
    assert client.get(f"/export/{run}/access_by_area.csv").status_code == 401
    assert client.get("/geojson/0123456789abcdef.json").status_code == 401
    response = shortfalls(client, run, "health")
    assert response.status_code == 401
    assert b"choropleth" not in response.data


def test_a_wrong_password_is_refused_and_logged(client, served):
    response = client.post("/login", data={"username": "hui", "password": "not-it-at-all"})
    assert response.status_code == 401
    assert "用户名或密码错误".encode() in response.data
    log = audit_log(served.engine)
    assert ((log["username"] == "hui") & (log["action"] == "login_failed")).any()


def test_login_never_redirects_off_site(client, served):
    response = client.post(
        "/login",
        data={"username": "ana", "password": served.password, "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_callback_posted_for_another_bureaus_run_is_refused_on_the_server(client, served):
    sign_in(client, served, "hui")  # health
    education_run = served.runs["short trips"]
    response = shortfalls(client, education_run, "education")
    assert response.status_code == 200
    assert b"refused-notice" in response.data
    assert response.get_json()["response"]["short-map"]["figure"]["data"] == []
    assert b"A0001" not in response.data
    log = audit_log(served.engine)
    mine = log[(log["username"] == "hui") & (log["run_id"] == education_run)]
    assert set(mine["action"]) == {"refused"}


def test_the_same_callback_serves_the_bureaus_own_run_and_audits_the_view(client, served):
    sign_in(client, served, "hui")
    own = served.runs["wider reach"]
    response = shortfalls(client, own, "health", "nearest_minutes")
    figure = response.get_json()["response"]["short-map"]["figure"]
    assert figure["data"][0]["type"] == "choropleth"
    assert len(figure["data"][0]["locations"]) == 60
    assert figure["layout"]["geo"]["fitbounds"] == "geojson"
    assert figure["layout"]["geo"]["visible"] is False  # no basemap, no tiles
    log = audit_log(served.engine)
    assert ((log["username"] == "hui") & (log["action"] == "view") & (log["run_id"] == own)).any()


def test_admin_sees_every_bureau_and_a_bureau_only_its_own(client, served):
    sign_in(client, served, "ana")
    shown = page(client, "/compare")
    for run_id in served.runs.values():
        assert run_id.encode() in shown.data
    client.get("/logout")
    sign_in(client, served, "jiao")  # education
    shown = page(client, "/compare")
    assert served.runs["short trips"].encode() in shown.data
    assert served.runs["wider reach"].encode() not in shown.data
    assert served.runs["today"].encode() not in shown.data


def test_downloads_suppress_small_counts_and_are_audited(client, served):
    # A run whose plan has a 3-person cell, stored like any other run.
    base = find_run(served.engine, served.runs["short trips"])
    record = dataclasses.replace(
        _record_like(base, served.engine),
        plans={"pupils_by_area": pd.DataFrame({"area_id": ["A0001", "A0002"],
                                               "pupils": [3, 250], "seats": [4, 300]})},
    )  # fmt: skip
    run_id = save_run(served.engine, record)
    sign_in(client, served, "jiao")
    response = client.get(f"/export/{run_id}/pupils_by_area.csv")
    assert response.status_code == 200
    frame = pd.read_csv(io.StringIO(response.data.decode("utf-8-sig")), dtype=str)
    assert list(frame["pupils"]) == ["<10", "250"]  # people counted: suppressed
    assert list(frame["seats"]) == ["4", "300"]  # seats are not people
    log = audit_log(served.engine)
    assert ((log["action"] == "export") & (log["run_id"] == run_id)).any()
    client.get("/logout")
    sign_in(client, served, "hui")
    assert client.get(f"/export/{run_id}/pupils_by_area.csv").status_code == 403


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


def test_a_bureau_without_runs_is_told_so(client, served):
    assert not len(list_runs(served.engine, owner="social_security"))
    sign_in(client, served, "she")
    shown = page(client, "/")
    assert "还没有可查看的运行结果" in str(shown.get_json())
    assert b"short-map" not in shown.data


PLAN_VIEW = (
    "..plans-table-box.children...plans-map.figure...plans-chart.figure...plans-chart-box.style"
    "...plans-column.options...plans-column.value...plans-download.href.."
)


def test_a_per_centre_plan_is_mapped_at_its_centres_with_before_and_after_bars(client, served):
    base = find_run(served.engine, served.runs["today"])
    staffing = pd.DataFrame({"facility_id": ["S001", "S002"], "counters_before": [4, 6],
                             "counters_after": [5, 5], "service_level": [0.7, 0.85]})  # fmt: skip
    run_id = save_run(served.engine, dataclasses.replace(
        _record_like(base, served.engine), scenario="staffing", owner="admin",
        plans={"staffing_by_centre": staffing},
    ))  # fmt: skip
    sign_in(client, served, "ana")
    response = callback(client, PLAN_VIEW, [("plans-plan", "value", "staffing_by_centre"),
                                            ("plans-service", "value", "all"),
                                            ("plans-column", "value", "service_level")],
                        state=[("plans-run", "value", run_id)])  # fmt: skip
    out = response.get_json()["response"]
    markers = out["plans-map"]["figure"]["data"][1]
    assert markers["type"] == "scattergeo"
    assert markers["marker"]["color"] == [0.7, 0.85]
    bars = out["plans-chart"]["figure"]["data"]
    assert [b["y"] for b in bars] == [[4.0, 6.0], [5.0, 5.0]]  # before, after per centre
    assert out["plans-chart-box"]["style"] == {}


def test_the_comparison_downloads_with_differences_only_for_own_runs(client, served):
    today, short, wider = (served.runs[k] for k in ("today", "short trips", "wider reach"))
    sign_in(client, served, "ana")
    response = client.get(f"/export/compare.csv?runs={today},{short}")
    assert response.status_code == 200
    frame = pd.read_csv(io.StringIO(response.data.decode("utf-8-sig")))
    assert {"today", "short trips", "Δ short trips"} <= set(frame.columns)
    log = audit_log(served.engine)
    exported = log[(log["action"] == "export") & (log["detail"] == "compare.csv")]
    assert {today, short} <= set(exported["run_id"])
    client.get("/logout")
    sign_in(client, served, "hui")
    assert client.get(f"/export/compare.csv?runs={wider},{short}").status_code == 403


def test_model_plans_map_their_own_districts_and_add_up_wards_per_hospital(client, served):
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
    sign_in(client, served, "ana")

    def view(plan: str, column: str) -> dict:
        response = callback(client, PLAN_VIEW, [("plans-plan", "value", plan),
                                                ("plans-service", "value", "all"),
                                                ("plans-column", "value", column)],
                            state=[("plans-run", "value", run_id)])  # fmt: skip
        return response.get_json()["response"]

    shapes = view("districts_primary", "pupils")["plans-map"]["figure"]["data"][0]
    assert shapes["featureidkey"] == "properties.shape_id"
    assert len(shapes["geojson"]["features"]) == 2 and shapes["z"] == [480.0, 530.0]
    bars = view("beds_wards", "beds_after")["plans-chart"]["figure"]["data"]
    assert [b["y"] for b in bars] == [[100.0, 60.0], [100.0, 66.0]]  # departments add up
