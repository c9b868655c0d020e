"""Who may brief what, small counts, runs without a plan, both languages, bad requests: through
the CLI, the way a bureau's analyst uses it."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from lxml import html as lxml_html
from typer.testing import CliRunner

from dashboard.brief.texts import TEXT, gaps_of
from scenarios.cli import app
from scenarios.store import audit_log

cli = CliRunner()


def brief(store, out, *args, user="ana"):
    """Run `civicalloc brief` as `user`."""
    return cli.invoke(app, ["brief", *args, "--out", str(out), "--db", store.url, "--user", user])


def figures_of(path):
    """(text, unit, value, source) of each figure in an HTML brief, and its plain text."""
    tree = lxml_html.fromstring(path.read_bytes())
    spans = tree.xpath("//body//span[@data-key]")
    found = [(s.text_content(), s.get("data-unit"), s.get("data-value"), s.get("data-source"))
             for s in spans]  # fmt: skip
    return found, tree.xpath("//body")[0].text_content()


def test_a_health_user_cannot_brief_an_education_run(brief_store, tmp_path):
    out = tmp_path / "b.html"
    result = brief(brief_store, out, "classes of 35", user="hui")
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "that you may open" in result.output
    assert not out.exists()
    result = brief(brief_store, out, brief_store.runs["classes of 35"][:8], user="hui")
    assert result.exit_code == 1 and "that you may open" in result.output  # ids are not probed
    log = audit_log(brief_store.engine)
    refused = log[(log["username"] == "hui") & (log["action"] == "refused")]
    assert len(refused) >= 2 and refused["detail"].str.startswith("brief").all()


def test_a_health_user_cannot_ask_for_another_bureau(brief_store, tmp_path):
    result = brief(brief_store, tmp_path / "b.html", "today", "--bureau", "education", user="hui")
    assert result.exit_code == 1 and "only health" in result.output


def test_a_bureau_briefs_the_published_baseline_with_its_own_lines_only(brief_store, tmp_path):
    out = tmp_path / "today.html"
    result = brief(brief_store, out, "today", "--lang", "en", user="jiao")
    assert result.exit_code == 0, result.output
    figures, text = figures_of(out)
    assert "Education" in text and "primary" in text
    assert "Health" not in text and "hospital" not in text and "caseworker" not in text
    sources = [source for *_, source in figures]
    assert not any("|health|" in s or "|social_security|" in s for s in sources)
    log = audit_log(brief_store.engine)
    mine = log[(log["username"] == "jiao") & (log["action"] == "brief")]
    assert mine["run_id"].eq(brief_store.runs["today"]).any()
    assert mine["detail"].str.contains("today.html").any()


def test_admin_briefs_every_bureau_of_a_run(brief_store, tmp_path):
    out = tmp_path / "all.html"
    assert brief(brief_store, out, "today", "--lang", "en").exit_code == 0
    _, text = figures_of(out)
    for bureau in ("Health", "Education", "Social security", "Early warnings", "Annex"):
        assert bureau in text


def test_small_counts_of_people_are_hidden_everywhere_in_the_brief(brief_store, tmp_path):
    from scenarios.privacy import counts_people

    threshold = 1000  # the run's rules.small_cell_threshold (conftest)
    for out in (tmp_path / "b.html", tmp_path / "b.docx"):
        result = brief(brief_store, out, "classes of 35", "--lang", "en", user="jiao")
        assert result.exit_code == 0, result.output
    figures, text = figures_of(tmp_path / "b.html")
    people = [(t, u, s) for t, u, _, s in figures if counts_people(u)]
    hidden = [t for t, *_ in people if t.startswith(f"<{threshold}")]
    assert hidden, "the run has counts of people below its threshold"
    for shown, _, source in people:
        number = re.match(r"[+−-]?([\d,]+)", shown)
        if number and not source.startswith("calc|"):
            assert float(number.group(1).replace(",", "")) == 0 or float(
                number.group(1).replace(",", "")) >= threshold, (shown, source)  # fmt: skip
    assert "data-value" not in (tmp_path / "b.html").read_text()  # no hidden value in the file
    from docx import Document

    word = Document(str(tmp_path / "b.docx"))
    cells = [c.text for t in word.tables for row in t.rows for c in row.cells]
    assert any(c.startswith(f"<{threshold}") for c in cells)
    assert f"fewer than {threshold} people" in text


def test_a_run_whose_model_found_no_plan_yields_a_brief_that_says_so(brief_store, tmp_path):
    for lang, words in (("en", "The school districts model found no plan (no plan found)"),
                        ("zh-CN", "学区划分模型没有找到方案")):  # fmt: skip
        out = tmp_path / f"b-{lang}.html"
        result = brief(brief_store, out, "no districts", "--lang", lang, user="jiao")
        assert result.exit_code == 0, result.output
        figures, text = figures_of(out)
        assert words in text
        assert ("This run is incomplete" if lang == "en" else "这次运行不完整") in text
        told = [s for *_, s in figures if s.startswith(("kpi|", "plan|"))]
        assert not any(w in s for s in told for w in ("|primary: ", "|middle: ", "|district"))
        assert any("|access_by_area|" in source for *_, source in figures)  # what it has, it tells


def test_both_languages_have_every_sentence_with_the_same_gaps_and_no_digits():
    from dashboard.brief import texts

    for key, entry in TEXT.items():
        assert set(entry) == {"zh", "en"}, key
        assert gaps_of(entry["zh"]) == gaps_of(entry["en"]), key
        assert not re.search(r"\d", entry["zh"] + entry["en"]), key
    for table in (
        texts.GROUPS,
        texts.MODELS,
        texts.STATUSES,
        texts.LEVELS,
        texts.SUBJECTS,
        texts.BENEFITS,
        texts.RULES,
        texts.SEVERITIES,
        texts.LEVER_NAMES,
    ):
        for key, entry in table.items():
            assert entry.get("zh") and entry.get("en"), key
    assert set(texts.LEVER_NAMES) == set(texts.LEVER_UNITS)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["today", "--out", "x.txt"], "write a .pdf or .docx or .html file"),
        (["today", "--out", "."], "is a folder"),
        (["today", "--out", "b.pdf", "--lang", "fr"], "use zh-CN or en"),
        (["today", "--out", "b.pdf", "--bureau", "police"], "use one of health"),
        (["nothing like it", "--out", "b.pdf"], "no stored run or scenario"),
    ],
)
def test_a_bad_request_is_one_line_and_exit_1(brief_store, tmp_path, monkeypatch, args, words):
    monkeypatch.chdir(tmp_path)
    result = cli.invoke(app, ["brief", *args, "--db", brief_store.url, "--user", "ana"])
    assert result.exit_code == 1
    assert words in result.output and result.output.count("\n") == 1, result.output
    assert not list(tmp_path.glob("b.*"))


def test_open_early_warnings_of_the_bureau_are_told_with_their_stored_figures(
    fresh_brief_store, tmp_path
):
    """In a store of its own: alerts left open in the session's shared store changed every
    later health brief made from it (the PostgreSQL test compares one, number for number, with
    a store that has none)."""
    import pandas as pd

    from scenarios.alerts.store import ALERT_COLUMNS, resolve, store_evaluation

    from .conftest import Tracer

    brief_store = fresh_brief_store
    tracer = Tracer(brief_store.engine)

    out = tmp_path / "b.html"
    assert brief(brief_store, out, "more beds", "--lang", "en", user="hui").exit_code == 0
    assert "No early warnings are open for Health" in figures_of(out)[1]
    common = {"area_id": None, "expected": None, "score": None, "run_id": None, "message": "-"}
    rows = [
        {**common, "key": "s|1", "bureau": "health", "kind": "surveillance",
         "subject": "H01:visits", "facility_id": "H01", "ds": pd.Timestamp("2026-10-01"),
         "observed": 7.0, "expected": 2.6, "threshold": 5.9, "unit": "visits",
         "method": "farrington", "severity": "warning",
         "detail": {}},
        {**common, "key": "b|1", "bureau": "health", "kind": "breach", "subject": "H02:surgery",
         "facility_id": "H02", "ds": pd.Timestamp("2028-03-01"), "observed": 131.4,
         "threshold": 120.0, "score": 0.83, "unit": "occupied beds", "method": "forecast",
         "severity": "critical", "detail": {"by_ds": "2028-06-01", "probability": 0.83}},
        {**common, "key": "r|1", "bureau": "health", "kind": "rule",
         "subject": "beds short of need at target occupancy", "facility_id": None,
         "ds": pd.Timestamp("2026-11-30"), "observed": 31.0, "threshold": 20.0, "unit": "beds",
         "run_id": brief_store.runs["today"], "method": "rule", "severity": "warning",
         "detail": {"rule": "beds short", "words": "beds short of need above 20"}},
        {**common, "key": "e|1", "bureau": "education", "kind": "surveillance",
         "subject": "P03:enrolment", "facility_id": "P03", "ds": pd.Timestamp("2026-09-01"),
         "observed": 400.0, "expected": 300.0, "threshold": 350.0, "unit": "pupils",
         "method": "cusum", "severity": "critical", "detail": {}},
        {**common, "key": "s|2", "bureau": "health", "kind": "surveillance", "subject": "closed",
         "facility_id": None, "ds": pd.Timestamp("2026-01-01"), "observed": 90.0,
         "threshold": 50.0, "unit": "visits", "method": "ears_c2", "severity": "info",
         "detail": {}},
    ]  # fmt: skip
    done = store_evaluation(brief_store.engine, pd.DataFrame(rows)[ALERT_COLUMNS], "test")
    resolve(brief_store.engine, done.raised[-1], "handled")  # a resolved alert is not told
    for lang in ("en", "zh-CN"):
        out = tmp_path / f"w-{lang}.html"
        assert brief(brief_store, out, "more beds", "--lang", lang, user="hui").exit_code == 0
        figures, text = figures_of(out)
        end = text.index("Data and how" if lang == "en" else "数据与可复现性")
        warnings = text[text.index("Early warnings" if lang == "en" else "预警") : end]
        warned = {
            source: (source, shown, source, unit)
            for shown, unit, _, source in figures
            if source.startswith("alert|")
        }  # fmt: skip (text and annex: once per source)
        warned = list(warned.values())
        assert len(warned) == 8 and tracer.check(warned, 10) == 8  # 3 + 3 + 2 numbers, traced
        assert any(shown.startswith("<10") for _, shown, *_ in warned)  # 7 visits: a small count
        assert "P03" not in text and "closed" not in text  # another bureau's; resolved
        if lang == "en":
            assert warnings.index("H02:surgery") < warnings.index("H01:visits")  # critical first
            assert "breaks the rule “beds short”" in warnings and "83.0%" in warnings
        else:
            assert "超过警戒线" in warnings and "触发规则“beds short”" in warnings
            assert "<10 人次" in warnings and "visits" not in warnings.replace("H01:visits", "")


def test_a_briefs_data_notices_leave_out_another_bureaus_figures(monkeypatch):
    import scenarios.quality_report
    from dashboard.brief.build import quality_blocks
    from dashboard.brief.writer import Writer
    from scenarios.scope import Scope

    report = {
        "tables": {},
        "errors": 1,
        "warnings": 1,
        "findings": [
            {
                "check": "seats_per_teacher",
                "severity": "warning",
                "count": 2,
                "title": "seats per teacher per school",
            },
            {"check": "duplicate_keys", "severity": "error", "count": 1, "title": "repeated keys"},
        ],
    }
    monkeypatch.setattr(scenarios.quality_report, "city_quality", lambda city: report)
    health = str(quality_blocks(Writer("en", 10), "sample:60", Scope.of("health").sees))
    education = str(quality_blocks(Writer("en", 10), "sample:60", Scope.of("education").sees))
    assert "repeated keys" in health and "seats per teacher" not in health
    assert "repeated keys" in education and "seats per teacher" in education


def test_open_alerts_read_as_their_kind_says(brief_records, tmp_path):
    """A count against what was expected; a breach against capacity; small counts as <10; the
    alerts of another bureau nowhere."""
    from scenarios.alerts.store import ALERT_COLUMNS, store_evaluation

    from .conftest import seed

    store = seed(f"sqlite:///{tmp_path / 'store.sqlite'}", brief_records)
    base = {"facility_id": None, "area_id": None, "score": 1.5, "method": "m", "run_id": None,
            "detail": {}, "severity": "warning", "message": "m"}  # fmt: skip
    found = pd.DataFrame([
        {**base, "key": "a", "bureau": "health", "kind": "surveillance", "subject": "H1:burns",
         "ds": pd.Timestamp("2025-11-01"), "observed": 7.0, "expected": 2.0, "threshold": 6.0,
         "unit": "admissions"},
        {**base, "key": "b", "bureau": "health", "kind": "breach", "subject": "H2:geriatrics",
         "ds": pd.Timestamp("2026-03-01"), "observed": 97.0, "expected": None,
         "threshold": 84.2, "unit": "occupied beds"},
        {**base, "key": "breach|sessions|C7", "bureau": "health", "kind": "breach",
         "subject": "C7:cardiology", "ds": pd.Timestamp("2027-01-01"), "observed": 61.0,
         "expected": None, "threshold": 52.5, "unit": "visits",
         "detail": {"by_ds": "2028-01-01", "probability": 0.9}},
        {**base, "key": "c", "bureau": "education", "kind": "breach", "subject": "P8-SECRET",
         "ds": pd.Timestamp("2027-01-01"), "observed": 189.0, "expected": None,
         "threshold": 180.0, "unit": "pupils"},
    ], columns=ALERT_COLUMNS)  # fmt: skip
    store_evaluation(store.engine, found, "test", "seed")
    out = tmp_path / "b.html"
    assert brief(store, out, "more beds", "--lang", "en", user="hui").exit_code == 0
    _, text = figures_of(out)
    text = " ".join(text.split())
    assert "H1:burns: observed <10 admissions against <10 admissions expected" in text
    assert (
        "H2:geriatrics: need of 97 occupied beds forecast to pass the capacity of 84 occupied beds"
    ) in text
    assert "P8-SECRET" not in text
    # a yearly breach (seats, specialist sessions) is said by its year, not its January
    assert "C7:cardiology: need of 61 visits" in text and " in 2027; probability " in text
    assert "2027-01" not in text and "by 2028 (" in text


def test_a_map_whose_every_area_is_hidden_is_grey_and_hatched_not_dark():
    import io

    import geopandas as gpd
    import numpy as np
    import pandas as pd
    import shapely
    from PIL import Image

    from dashboard.brief.maps import area_png

    ids = ["a", "b", "c"]
    areas = gpd.GeoDataFrame({"area_id": ids}, crs=3857,
                             geometry=[shapely.box(i, 0, i + 1, 1) for i in range(3)])  # fmt: skip
    png = area_png(areas, pd.Series(np.nan, index=ids), pd.Series(True, index=ids))
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=float)
    assert np.median(pixels[pixels < 250]) > 150  # light grey with grey hatching (was black)
