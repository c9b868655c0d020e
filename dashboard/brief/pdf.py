"""A brief as PDF: the brief's own HTML printed by WeasyPrint, fonts embedded (subsets).

WeasyPrint lays the page out with Pango and finds fonts through fontconfig, so Chinese needs a
CJK font installed on the machine (Debian: fonts-noto-cjk, which `.ci/run` installs). Without
one, a Chinese PDF would show empty boxes; it is refused with a line saying what to install.
"""

from __future__ import annotations

import shutil
import subprocess
from functools import cache

from dashboard.brief.document import Brief
from dashboard.brief.html import render_html
from demand.errors import InputError

SYSTEM_PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk"


@cache
def chinese_fonts() -> tuple[str, ...]:
    """Font families installed for Chinese, as fontconfig lists them (empty: none)."""
    if shutil.which("fc-list") is None:
        return ()
    try:
        listed = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True,
                                text=True, timeout=30).stdout  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return ()
    return tuple(sorted({line.split(",")[0].strip() for line in listed.splitlines() if line}))


def pdf_bytes(brief: Brief) -> bytes:
    """The brief printed to PDF (A4, page numbers)."""
    if brief.lang == "zh" and not chinese_fonts():
        raise InputError("no font for Chinese is installed, so the PDF would show empty boxes: "
                         f"install one (Debian: apt-get install {SYSTEM_PACKAGES}), or write "
                         "the brief as .docx or .html")  # fmt: skip
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # Pango missing: WeasyPrint cannot load it
        raise InputError(f"PDF needs WeasyPrint and Pango ({exc}): install them (Debian: "
                         f"apt-get install {SYSTEM_PACKAGES}), or write the brief as .docx or "
                         ".html") from None  # fmt: skip
    return HTML(string=render_html(brief)).write_pdf()
