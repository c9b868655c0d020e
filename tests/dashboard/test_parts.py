"""The dashboard's small parts: numbers with units in both languages, colour scales, serving."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from dashboard.i18n import LANGS, TEXT, fmt, kpi_name, t
from dashboard.maps import area_map, bar_trace, facility_map, shared_range, symmetric_range


def test_every_label_has_both_languages():
    missing = [key for key, entry in TEXT.items() if set(entry) != set(LANGS)]
    assert missing == []


def test_numbers_are_written_with_their_units():
    assert fmt(0.1234, "share", "en") == "12.3%"
    assert fmt(183999.0, "persons", "en") == "183,999 persons"
    assert fmt(183999.0, "persons", "zh") == "183,999 人"  # a space between number and unit
    assert fmt(5.3696, "beds per 1,000", "zh") == "5.37 张床位/千人"
    assert fmt(985.0, "half-days", "zh") == "985 个半天"  # was "985.0half-days"
    assert fmt(6.0, "teachers", "zh") == "6 名教师"  # was "6.00teachers"
    assert fmt(0.0, "persons", "en") == "0 persons"  # was "0.00 persons"
    assert fmt(1242.4, "pupils", "en") == "1,242 pupils"  # no fractional people
    assert fmt(2027.0, "year", "zh") == "2027 年"
    assert fmt("<10", "persons", "zh") == "<10 人"  # a suppressed cell keeps its marker
    assert fmt(float("nan"), "persons", "en") == "—"
    assert kpi_name("hospital beds: need", "zh") == "住院床位：需求"
    assert t("run_done", "en", name="B") == "Done: B — now in Compare."


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), st.sampled_from(LANGS))
def test_a_share_is_always_a_percentage(value, lang):
    assert fmt(value, "share", lang).endswith("%")


@given(
    st.lists(st.floats(min_value=-1e6, max_value=1e6), min_size=1, max_size=30), st.integers(2, 4)
)
def test_side_by_side_maps_share_one_scale_that_covers_every_value(values, n_maps):
    series = [pd.Series(values[i::n_maps], dtype=float) for i in range(n_maps)]
    lo, hi = shared_range(series)
    assert lo < hi
    for s in series:
        assert ((s >= lo) & (s <= hi)).all()


def test_a_difference_map_is_centred_on_zero():
    lo, hi = symmetric_range(pd.Series([-2.0, 0.5, np.nan]))
    assert (lo, hi) == (-2.0, 2.0)


AREAS = pd.DataFrame({"area_id": ["A1", "A2", "A3"], "name": ["东区", "西区", "南区"],
                      "district": ["d", "d", "d"]})  # fmt: skip


def test_small_counts_are_not_drawn_on_maps_and_read_as_under_ten():
    values = pd.Series([7.4, 0.0, 40.0], index=["A1", "A2", "A3"])
    pupils = area_map({}, AREAS, values, "t", "c", unit="pupils")["data"][0]
    assert pupils["z"] == [None, 0.0, 40.0]
    assert [h.split("<br>")[1] for h in pupils["text"]] == ["&lt;10", "0", "40"]
    access = area_map({}, AREAS, values, "t", "c", unit="capacity/need")["data"][0]
    assert access["z"] == [7.4, 0.0, 40.0]  # ratios are not people


def test_facility_maps_and_bars_hide_small_counts():
    places = pd.DataFrame(
        {
            "facility_id": ["P1", "P2"],
            "kind": ["primary_school"] * 2,
            "name": ["一小", "二小"],
            "lon": [116.0, 116.1],
            "lat": [39.9, 40.0],
        }
    )
    over = pd.Series([2.7, 48.6], index=["P1", "P2"])
    markers = facility_map({}, AREAS, places, over, "t", "c", unit="pupils")["data"][1]
    assert markers["marker"]["color"] == [None, 48.6]
    assert "&lt;10" in markers["text"][0]
    bars = bar_trace(["一小", "二小"], over, "over", unit="pupils")
    assert bars["y"] == [None, 48.6] and bars["text"] == ["&lt;10", "49"]
    assert bar_trace(["a"], pd.Series([3.0]), "beds", unit="beds")["y"] == [3.0]


def test_user_strings_in_figures_are_shown_as_text_not_html():
    name = '<b>bold</b><a href="http://evil.example/">link</a>'
    areas = AREAS.assign(name=[name, "x", "y"])
    figure = area_map({}, areas, pd.Series([1.0, 2.0, 3.0], index=["A1", "A2", "A3"]),
                      f"{name} · map", name, unit="minutes")  # fmt: skip
    texts = [figure["layout"]["title"]["text"], figure["data"][0]["colorbar"]["title"]["text"],
             figure["data"][0]["text"][0]]  # fmt: skip
    for text in texts:
        assert "<b>" not in text and "<a " not in text and "&lt;b&gt;bold" in text


def test_demo_step_does_nothing_without_serving(tmp_path):
    from scenarios.demo_steps import s90_serve

    s90_serve.run(SimpleNamespace(serve=False, out_dir=tmp_path, state={}, console=None))
    assert list(tmp_path.iterdir()) == []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_civicalloc_serve_answers_over_waitress_with_secure_cookies(tmp_path):
    port = _free_port()
    exe = Path(sys.executable).with_name("civicalloc")
    env = {k: v for k, v in os.environ.items() if k != "CIVICALLOC_SECRET"}
    proc = subprocess.Popen(
        [str(exe), "serve", "--port", str(port), "--db", f"sqlite:///{tmp_path / 's.sqlite'}",
         "--host", "0.0.0.0", "--secure-cookies"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )  # fmt: skip
    try:
        deadline, body, headers = time.monotonic() + 40, b"", {}
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as r:
                    body, headers = r.read(), r.headers
                break
            except OSError:
                time.sleep(0.3)
        assert b'id="login-username"' in body
        assert headers.get("Server") is None  # no Server header naming the software
        cookie = headers["Set-Cookie"]
        assert cookie.startswith("__Host-civicalloc=") and "Secure" in cookie
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert headers["Strict-Transport-Security"].startswith("max-age=")
    finally:
        proc.terminate()
        out = proc.communicate(timeout=10)[0].decode()
    assert "no users yet" in out
    assert "CIVICALLOC_SECRET" in out  # the operator is told what is still to set


def test_maps_of_an_osm_city_carry_attribution_and_flags(tmp_path):
    import json

    from dashboard.data import map_note
    from dashboard.maps import area_map, with_source_note
    from scenarios.spec import Scenario
    from supply.osm import helsinki_extract
    from supply.osm.city import build_osm_bundle

    bundle = tmp_path / "hel"
    build_osm_bundle(helsinki_extract(), bundle, hex_m=500.0, mode="walk")
    spec = Scenario(name="hel", owner="admin", city=str(bundle))
    run = {"scenario_json": spec.model_dump_json()}
    for lang, words in (("en", ["OpenStreetMap", "ESTIMATE", "ASSUMED"]),
                        ("zh", ["OpenStreetMap", "估算", "假定"])):  # fmt: skip
        note = map_note(run, lang)
        assert all(w in note for w in words)
    fig = with_source_note(
        area_map({"type": "FeatureCollection", "features": []}, pd.DataFrame(
            {"area_id": [], "name": [], "district": []}), pd.Series(dtype=float), "t", "c"),
        map_note(run, "en"),
    )  # fmt: skip
    assert "OpenStreetMap" in json.dumps(fig["layout"]["annotations"])
    from dashboard.components import table, with_note

    shown = with_note(table("t", [{"beds": "120"}]), map_note(run, "zh"))  # tables say it too
    assert "估算" in str(shown) and "假定" in str(shown) and "120" in str(shown)
    sample = Scenario(name="s", owner="admin", city="sample:20")
    assert map_note({"scenario_json": sample.model_dump_json()}) == ""
    plain = table("t", [{"beds": "120"}])
    assert with_note(plain, "") is plain
