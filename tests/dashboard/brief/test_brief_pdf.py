"""The PDF renders: pages turned into images with poppler's pdftoppm (kept in tests/artifacts to
look at), Chinese set in an embedded CJK font, the headline's words in the text layer."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from scenarios.cli import app

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
cli = CliRunner()


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils (.ci/run)")
def test_a_chinese_pdf_brief_renders_in_an_embedded_cjk_font(brief_store, tmp_path):
    out = tmp_path / "brief.pdf"
    args = ["brief", "more beds", "--against", "today", "--bureau", "health", "--out", str(out)]
    result = cli.invoke(app, [*args, "--db", brief_store.url, "--user", "hui"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True).stdout
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk and all(" yes " in line for line in cjk), fonts  # embedded
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
    assert "卫生健康决策简报" in text and "要点" in text and "床位方案调整或新增" in text
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    prefix = ARTIFACTS / "brief-zh"
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "2", str(out), str(prefix)],
                   check=True)  # fmt: skip
    pages = sorted(ARTIFACTS.glob("brief-zh-*.png"))
    assert len(pages) == 2
    for page in pages:
        pixels = np.asarray(Image.open(page).convert("L"), dtype=float)
        inked = (pixels < 200).mean()
        assert 0.01 < inked < 0.6, f"{page.name}: {inked:.1%} of the page inked"


def test_the_demo_step_writes_a_chinese_brief_per_bureau_and_prints_the_paths(
    brief_store, tmp_path, monkeypatch
):
    from types import SimpleNamespace

    from docx import Document
    from rich.console import Console

    from scenarios.demo_steps import s87_briefs

    # the demo's bundled scenarios are stored by its earlier steps; here the seeded runs stand in
    monkeypatch.setattr(s87_briefs, "BRIEFS", {"health": "more beds",
                                               "education": "classes of 35"})  # fmt: skip
    console = Console(record=True, width=300)
    ctx = SimpleNamespace(state={"store_url": brief_store.url}, out_dir=tmp_path, console=console)
    s87_briefs.run(ctx)
    printed = console.export_text()
    folder = tmp_path / "briefs"
    for bureau, title in (("health", "卫生健康决策简报"), ("education", "教育决策简报")):
        word = folder / f"{bureau}-zh-CN.docx"
        assert f"brief: {word}" in printed
        assert title in Document(str(word)).paragraphs[0].text
        pdf = folder / f"{bureau}-zh-CN.pdf"
        if shutil.which("pdftotext"):  # CI installs Pango, the CJK font and poppler
            assert f"brief: {pdf}" in printed and pdf.read_bytes().startswith(b"%PDF")
