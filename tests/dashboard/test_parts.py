"""The dashboard's small parts: numbers with units in both languages, colour scales, serving."""

from __future__ import annotations

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
from dashboard.maps import map_values, shared_range, symmetric_range


def test_every_label_has_both_languages():
    missing = [key for key, entry in TEXT.items() if set(entry) != set(LANGS)]
    assert missing == []


def test_numbers_are_written_with_their_units():
    assert fmt(0.1234, "share", "en") == "12.3%"
    assert fmt(183999.0, "persons", "en") == "183,999 persons"
    assert fmt(183999.0, "persons", "zh") == "183,999人"
    assert fmt(5.3696, "beds per 1,000", "zh") == "5.37张床位/千人"
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


def test_small_counts_are_not_drawn_on_maps():
    frame = pd.DataFrame({"persons": [3, 0, 40], "access": [0.2, 0.0, 1.1]})
    assert map_values(frame, "persons").isna().tolist() == [True, False, False]
    assert map_values(frame, "access").notna().all()  # ratios are not counts


def test_demo_step_does_nothing_without_serving(tmp_path):
    from scenarios.demo_steps import s90_serve

    s90_serve.run(SimpleNamespace(serve=False, out_dir=tmp_path, state={}, console=None))
    assert list(tmp_path.iterdir()) == []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_civicalloc_serve_answers_over_waitress(tmp_path):
    port = _free_port()
    exe = Path(sys.executable).with_name("civicalloc")
    proc = subprocess.Popen(
        [str(exe), "serve", "--port", str(port), "--db", f"sqlite:///{tmp_path / 's.sqlite'}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline, body, server = time.monotonic() + 40, b"", ""
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as r:
                    body, server = r.read(), r.headers.get("Server", "")
                break
            except OSError:
                time.sleep(0.3)
        assert b'id="login-username"' in body
        assert "waitress" in server  # a production WSGI server, not Flask's development one
    finally:
        proc.terminate()
        out = proc.communicate(timeout=10)[0].decode()
    assert "no users yet" in out


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
    sample = Scenario(name="s", owner="admin", city="sample:20")
    assert map_note({"scenario_json": sample.model_dump_json()}) == ""
