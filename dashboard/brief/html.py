"""A brief as one self-contained HTML file (styles inline, maps as data: URIs), which is also what
the PDF is printed from.

Every figure is a ``<span class="fig" data-key="f12" data-unit="…" data-source="…">`` around
its text and every stored name a ``<span class="lbl">``, so the numbers of a brief can be read
back and checked against the store (tests/dashboard/brief).
"""

from __future__ import annotations

import base64
from html import escape

from dashboard.brief.document import (
    Brief,
    Figure,
    Heading,
    Label,
    Paragraph,
    Part,
    Picture,
    Table,
)

#: Fonts for Chinese (Debian's fonts-noto-cjk, then what Windows and macOS have); an English
#: brief puts a Latin font first, so its quotes and digits keep Latin widths.
CJK_FONTS = ('"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", '
             '"PingFang SC", "WenQuanYi Micro Hei"')  # fmt: skip
FONTS = {"zh": f"{CJK_FONTS}, \"DejaVu Sans\", sans-serif",
         "en": f"\"Noto Sans\", \"DejaVu Sans\", Arial, {CJK_FONTS}, sans-serif"}  # fmt: skip

STYLE = """
@page { size: A4; margin: 16mm 15mm 18mm 15mm;
  @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; color: #666; } }
html { font-size: 10.5pt; line-height: 1.55; color: #1a1a1a; }
body { max-width: 46em; margin: 1.5em auto; padding: 0 1em; }
h1 { font-size: 17pt; margin: 0 0 .3em; }
h2 { font-size: 13.5pt; margin: 1.4em 0 .4em; border-bottom: 1.5px solid #1f4e79;
  color: #1f4e79; break-after: avoid; }
h3 { font-size: 11.5pt; margin: 1em 0 .3em; break-after: avoid; }
p { margin: .35em 0; }
p.headline { font-size: 11.5pt; background: #f2f6fa; border-left: 4px solid #1f4e79;
  padding: .5em .8em; }
p.bullet { padding-left: 1.1em; text-indent: -1.1em; }
p.bullet::before { content: "•  "; color: #1f4e79; }
p.note { font-size: 9pt; color: #444; }
.fig { font-weight: 600; white-space: nowrap; }
table { border-collapse: collapse; margin: .5em 0 .8em; width: 100%; font-size: 9.5pt; }
th, td { border: 1px solid #c8ced6; padding: .2em .45em; text-align: left;
  vertical-align: top; }
th { background: #e9eef4; }
td.num { text-align: right; }
td { overflow-wrap: anywhere; }
table.annex { font-size: 7.5pt; table-layout: fixed; }
table.annex col.key { width: 9%; }
table.annex col.shown { width: 22%; }
table.annex td { word-break: break-all; }
table.annex .fig, table.annex .lbl { font-weight: normal; }
figure { margin: .6em 0 1em; break-inside: avoid; }
figure img { width: 100%; max-width: 16cm; display: block; }
figcaption { font-size: 9pt; color: #333; margin-top: .2em; }
"""


def _part(part: Part) -> str:
    if isinstance(part, Figure):
        # no value attribute: a hidden count must not travel in the file, even unseen
        return (f'<span class="fig" data-key="{part.key}" data-unit="{escape(part.unit)}" '
                f'data-source="{escape(part.source)}">{escape(part.text)}</span>')  # fmt: skip
    if isinstance(part, Label):
        return f'<span class="lbl lbl-{part.kind}">{escape(part.text)}</span>'
    return escape(part)


def parts_html(parts: list[Part]) -> str:
    """Parts as HTML text."""
    return "".join(_part(p) for p in parts)


def _table(table: Table) -> str:
    # The annex (key, shown, source; a hundred rows and more) has fixed column widths: laid out
    # without measuring every cell, which halves the time a PDF takes to print.
    cls = ' class="annex"' if table.role == "annex" else ""
    cols = '<colgroup><col class="key"><col class="shown"><col></colgroup>' if cls else ""
    head = "".join(f"<th>{parts_html(cell)}</th>" for cell in table.header)
    body = []
    for row in table.rows:
        cells = "".join(
            f"<td{' class=num' if i in table.numeric else ''}>{parts_html(cell)}</td>"
            for i, cell in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table{cls}>{cols}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _picture(picture: Picture) -> str:
    data = base64.b64encode(picture.png).decode("ascii")
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{escape(picture.alt)}">'
            f"<figcaption>{parts_html(picture.caption)}</figcaption></figure>")  # fmt: skip


def render_html(brief: Brief) -> str:
    """The brief as a self-contained HTML document."""
    body = []
    for block in brief.blocks:
        if isinstance(block, Heading):
            level = min(max(block.level, 1), 4)
            body.append(f"<h{level}>{parts_html(block.parts)}</h{level}>")
        elif isinstance(block, Paragraph):
            body.append(f'<p class="{block.role}">{parts_html(block.parts)}</p>')
        elif isinstance(block, Table):
            body.append(_table(block))
        elif isinstance(block, Picture):
            body.append(_picture(block))
    return (f'<!doctype html>\n<html lang="{brief.html_lang}"><head><meta charset="utf-8">'
            f"<title>{escape(brief.title)}</title>"
            f'<meta name="generator" content="civicalloc brief">'
            f"<style>html {{ font-family: {FONTS[brief.lang]}; }}{STYLE}</style></head>\n"
            "<body>\n" + "\n".join(body)
            + "\n</body></html>\n")  # fmt: skip
