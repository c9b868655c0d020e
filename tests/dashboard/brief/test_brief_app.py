"""The app's "Download brief" on Compare and Plans: the links follow the chosen runs, the download
is written for the signed-in user's bureau and language, refused like any run they may not open,
and audited."""

from __future__ import annotations

import io

from docx import Document

from scenarios.store import audit_log

LINKS = "..compare-brief-pdf.href...compare-brief-docx.href.."
PLAN_LINKS = "..plans-brief-pdf.href...plans-brief-docx.href.."


def test_compare_links_point_at_the_brief_of_b_against_a(http, served):
    http.sign_in("hui")
    a, b = served.runs["today"], served.runs["wider reach"]
    response = http.callback(LINKS, [("compare-runs", "value", [a, b]),
                                     ("compare-service", "value", "health")])  # fmt: skip
    links = response.get_json()["response"]
    assert links["compare-brief-pdf"]["href"] == f"/brief/{b}.pdf?against={a}&bureau=health"
    assert links["compare-brief-docx"]["href"].endswith(".docx?against=" + a + "&bureau=health")
    response = http.callback(PLAN_LINKS, [("plans-run", "value", b),
                                          ("plans-service", "value", "all")])  # fmt: skip
    assert response.get_json()["response"]["plans-brief-docx"]["href"] == f"/brief/{b}.docx"


def test_a_bureau_downloads_its_brief_in_word_and_pdf(http, served):
    http.sign_in("hui")  # health, Chinese by default
    b = served.runs["wider reach"]  # health's own (today is admin's and not published here)
    response = http.client.get(f"/brief/{b}.docx")
    assert response.status_code == 200, response.data[:200]
    assert "attachment" in response.headers["Content-Disposition"]
    text = "\n".join(p.text for p in Document(io.BytesIO(response.data)).paragraphs)
    assert "卫生健康决策简报" in text and "教育" not in text.split("数据与可复现性")[0]
    response = http.client.get(f"/brief/{b}.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    log = audit_log(served.engine)
    mine = log[(log["username"] == "hui") & (log["action"] == "brief")]
    assert mine["detail"].str.contains(".docx").any() and mine["detail"].str.contains(".pdf").any()


def test_another_bureaus_run_is_refused_like_a_missing_one(http, served):
    http.sign_in("hui")
    other = served.runs["short trips"]  # education's
    refused = http.client.get(f"/brief/{other}.pdf")
    missing = http.client.get("/brief/00000000.pdf")
    assert refused.status_code == missing.status_code == 404
    assert refused.get_json()["error"].replace(other, "?") == missing.get_json()["error"].replace(
        "00000000", "?")  # fmt: skip
    log = audit_log(served.engine)
    assert (
        (log["username"] == "hui") & (log["action"] == "refused") & (log["run_id"] == other)
    ).any()


def test_nothing_is_written_before_signing_in(client, served):
    response = client.get(f"/brief/{served.runs['today']}.pdf")
    assert response.status_code in (302, 401)
    assert not response.data.startswith(b"%PDF")
