"""Every number in a brief is the stored value it claims: read back from the HTML and the Word file,
and checked against the store by code that does not share the brief's (conftest.stored_value)."""

from __future__ import annotations

import re

import pytest
from docx import Document
from lxml import html as lxml_html
from typer.testing import CliRunner

from scenarios.cli import app

cli = CliRunner()
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
DIGIT = re.compile(r"\d")
LATIN = re.compile(r"[A-Za-z]")


def write_brief(store, out, *args, user="ana"):
    """Run `civicalloc brief` as `user`; return the result."""
    return cli.invoke(app, ["brief", *args, "--out", str(out), "--db", store.url, "--user", user])


def html_figures(path):
    """(key, text, source, unit) of every figure in the HTML, and the text outside figures and
    stored names (the template words)."""
    tree = lxml_html.fromstring(path.read_bytes())
    spans = tree.xpath("//body//span[@data-key]")
    figures = [(s.get("data-key"), s.text_content(), s.get("data-source"), s.get("data-unit"))
               for s in spans]  # fmt: skip
    annex = tree.xpath("//table[@class='annex']/tbody/tr/td[1]")
    assert {key for key, *_ in figures} == {td.text_content() for td in annex}
    for span in tree.xpath("//body//span[@data-key or contains(@class, 'lbl')]"):
        span.drop_tree()
    return figures, tree.xpath("//body")[0].text_content()


@pytest.fixture(scope="module")
def health_briefs(brief_store, tmp_path_factory):
    """The health brief of "more beds" against today: HTML in both languages, and Word."""
    folder = tmp_path_factory.mktemp("health-briefs")
    paths = {"en": folder / "en.html", "zh-CN": folder / "zh.html", "docx": folder / "en.docx"}
    for lang, out in paths.items():
        result = write_brief(brief_store, out, "more beds", "--against", "today", "--lang",
                             "en" if lang == "docx" else lang)  # fmt: skip
        assert result.exit_code == 0, result.output
    return paths


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_every_number_of_an_html_brief_is_the_stored_value(health_briefs, tracer, lang):
    out = health_briefs[lang]
    figures, words = html_figures(out)
    assert tracer.check(figures, 10) > 60
    digit = DIGIT.search(words)
    assert digit is None, "a number outside the figures: " + words[digit.start() - 60 :][:90]
    if lang == "zh-CN":  # complete in Chinese: no English word outside stored names and ids
        latin = LATIN.search(words)
        assert latin is None, words[max(0, latin.start() - 40) :][:80]
    text = out.read_text(encoding="utf-8")
    assert ("床位方案" if lang == "zh-CN" else "The bed plan moves or adds") in text
    sources = {source for _, _, source, _ in figures}
    assert any(s.startswith("kpi|") and "beds moved or added" in s for s in sources)
    assert any(s.startswith("plan|") and "unmet_need" in s for s in sources)
    assert any(s.endswith("facilities.0.capacity.beds:icu") for s in sources)  # the levers


def docx_figures(path):
    """(key, text, source, unit) of every bookmarked figure of the Word file (sources from its
    annex table), and the text of runs that are neither figures nor stored names."""
    document = Document(str(path))
    body = document.element.body
    annex = document.tables[-1]
    sources = {row.cells[0].text: row.cells[2].text for row in annex.rows[1:]}
    figures, words, open_mark = [], [], None
    for element in body.iter(f"{W}bookmarkStart", f"{W}bookmarkEnd", f"{W}r"):
        if element.tag == f"{W}bookmarkStart" and element.get(f"{W}name").startswith("fig_"):
            open_mark = [element.get(f"{W}name").split("_")[1], ""]
        elif element.tag == f"{W}bookmarkEnd" and open_mark is not None:
            figures.append((open_mark[0], open_mark[1], sources[open_mark[0]], ""))
            open_mark = None
        elif element.tag == f"{W}r":
            text = "".join(t.text or "" for t in element.iter(f"{W}t"))
            style = element.find(f"{W}rPr/{W}rStyle")
            style = style.get(f"{W}val") if style is not None else ""
            if open_mark is not None:
                assert style == "Brieffigure", style
                open_mark[1] += text
            elif style != "Brieflabel":
                words.append(text)
    return figures, "".join(words), sources


def test_every_number_of_a_word_brief_is_the_stored_value(health_briefs, tracer):
    from_html, _ = html_figures(health_briefs["en"])
    figures, words, sources = docx_figures(health_briefs["docx"])
    units = {key: unit for key, _, _, unit in from_html}
    figures = [(key, text, source, units[key]) for key, text, source, _ in figures]
    assert tracer.check(figures, 10) == len(figures) > 60
    assert {key for key, *_ in figures} == set(sources)  # every figure of the annex is in the text
    assert not DIGIT.search(words), "a number outside the figures in Word"
    assert [text for _, text, *_ in figures] == [text for _, text, *_ in from_html]


def test_data_quality_notices_are_in_the_briefs_language_with_their_counts_traced(
    bundle_copy, tracer
):
    from dashboard.brief.build import quality_blocks
    from dashboard.brief.document import Figure, Paragraph, plain_text
    from dashboard.brief.writer import Writer

    population = bundle_copy / "population.csv"
    lines = population.read_text(encoding="utf-8").splitlines()
    population.write_text("\n".join([*lines, lines[-1]]) + "\n", encoding="utf-8")
    for lang, words in (("zh", ["错误", "键重复", "整行重复"]), ("en", ["rows repeated exactly"])):
        w = Writer(lang, 10)
        paragraphs = [
            b.parts
            for b in quality_blocks(w, str(bundle_copy), lambda service: True)
            if isinstance(b, Paragraph)
        ]
        text = "\n".join(plain_text(parts) for parts in paragraphs)
        assert all(word in text for word in words), text
        figures = [(p.key, p.text, p.source, p.unit) for parts in paragraphs for p in parts
                   if isinstance(p, Figure)]  # fmt: skip
        assert any(".count" in source for *_, source, _ in figures), figures
        assert tracer.check(figures, 10) == len(figures)
