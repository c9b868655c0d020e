"""Decision briefs: a few pages a bureau director reads in five minutes, written from the stored
runs — the headline, maps, key figures with units, the comparison, how sure, early warnings and
the data behind them — as self-contained HTML, PDF or Word, in Chinese or English.

A brief is a presentation of stored runs, like the app: it reads only the store (through the
bureau's scope), uses the app's labels, units, suppression and map data, and every number in it
is a figure with its source. `civicalloc brief` and the app's "Download brief" reach it lazily.

    brief = build_brief(engine, "new hospital", against="today", bureau="health", lang="zh-CN")
    write_brief(brief, Path("brief.pdf"))
"""

from __future__ import annotations

from pathlib import Path

FORMATS = {
    ".html": "text/html",
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def brief_bytes(brief, suffix: str) -> bytes:
    """The brief in the format of a file suffix (.html, .pdf or .docx)."""
    if suffix == ".html":
        from dashboard.brief.html import render_html

        return render_html(brief).encode("utf-8")
    if suffix == ".pdf":
        from dashboard.brief.pdf import pdf_bytes

        return pdf_bytes(brief)
    if suffix == ".docx":
        from dashboard.brief.docx import docx_bytes

        return docx_bytes(brief)
    raise ValueError(f"no brief format {suffix!r}: use {', '.join(FORMATS)}")


def write_brief(brief, path: Path) -> Path:
    """Write the brief to `path` in the format its suffix names; the file appears whole or not
    at all (written beside it, then renamed)."""
    content = brief_bytes(brief, path.suffix.lower())
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(content)
    partial.replace(path)
    return path


def build_brief(*args, **kwargs):
    """See `dashboard.brief.build.build_brief`."""
    from dashboard.brief.build import build_brief as build

    return build(*args, **kwargs)
