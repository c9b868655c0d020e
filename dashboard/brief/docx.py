"""A brief as a Word document (.docx) that stays editable: real headings, paragraphs, tables
and pictures in Word's own styles, Chinese set in an East Asian font.

Each figure is a run in the character style "Brief figure" inside a bookmark named after its key
(``fig_f12``; repeats get ``_2``, ``_3``), and the annex table lists each key's source, so the
numbers can still be traced after the document is edited.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from dashboard.brief.document import Brief, Figure, Heading, Label, Paragraph, Part, Picture, Table

EAST_ASIAN_FONT = "Microsoft YaHei"  # what Word in China has; LibreOffice falls back to Noto CJK
LATIN_FONT = "Calibri"
FIGURE_STYLE = "Brief figure"
LABEL_STYLE = "Brief label"


def _fonts(style, size: float | None = None) -> None:
    style.font.name = LATIN_FONT
    r_pr = style.element.get_or_add_rPr()
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        r_pr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), EAST_ASIAN_FONT)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        if fonts.get(qn(attr)) is not None:
            del fonts.attrib[qn(attr)]
    if size is not None:
        style.font.size = Pt(size)


def _language(document, lang: str) -> None:
    r_pr = document.styles["Normal"].element.get_or_add_rPr()
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), "en-GB")
    language.set(qn("w:eastAsia"), "zh-CN" if lang == "zh" else "en-GB")
    r_pr.append(language)


def _styles(document, lang: str) -> None:
    styles = document.styles
    _fonts(styles["Normal"], 10.5)
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3", "Caption", "List Bullet"):
        _fonts(styles[name])
    _language(document, lang)
    figure = styles.add_style(FIGURE_STYLE, WD_STYLE_TYPE.CHARACTER)
    figure.font.bold = True
    styles.add_style(LABEL_STYLE, WD_STYLE_TYPE.CHARACTER)
    note = styles.add_style("Brief note", WD_STYLE_TYPE.PARAGRAPH)
    note.base_style = styles["Normal"]
    note.font.size = Pt(8.5)
    note.font.color.rgb = RGBColor(0x44, 0x44, 0x44)
    headline = styles.add_style("Brief headline", WD_STYLE_TYPE.PARAGRAPH)
    headline.base_style = styles["Normal"]
    headline.font.size = Pt(11.5)


class _Bookmarks:
    """Unique bookmark names and ids for the figures of one document."""

    def __init__(self):
        self.seen: dict[str, int] = {}
        self.next_id = 1

    def wrap(self, run, key: str) -> None:
        count = self.seen.get(key, 0) + 1
        self.seen[key] = count
        name = f"fig_{key}" + (f"_{count}" if count > 1 else "")
        start, end = OxmlElement("w:bookmarkStart"), OxmlElement("w:bookmarkEnd")
        start.set(qn("w:id"), str(self.next_id))
        start.set(qn("w:name"), name)
        end.set(qn("w:id"), str(self.next_id))
        self.next_id += 1
        run._r.addprevious(start)
        run._r.addnext(end)


def _runs(paragraph, parts: list[Part], marks: _Bookmarks) -> None:
    for part in parts:
        if isinstance(part, Figure):
            run = paragraph.add_run(part.text, style=FIGURE_STYLE)
            marks.wrap(run, part.key)
        elif isinstance(part, Label):
            paragraph.add_run(part.text, style=LABEL_STYLE)
        elif part:
            paragraph.add_run(part)


def _table(document, table: Table, marks: _Bookmarks) -> None:
    grid = document.add_table(rows=1 + len(table.rows), cols=len(table.header))
    grid.style = document.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    size = Pt(7) if table.role == "annex" else Pt(9)
    for r, row in enumerate([table.header, *table.rows]):
        for c, cell in enumerate(row):
            paragraph = grid.cell(r, c).paragraphs[0]
            _runs(paragraph, cell, marks)
            for run in paragraph.runs:
                run.font.size = size
                if r == 0:
                    run.bold = True
            if r and c in table.numeric:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _page_numbers(document) -> None:
    footer = document.sections[0].footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = footer.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


def docx_bytes(brief: Brief) -> bytes:
    """The brief as a .docx file's bytes."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.0))
    _styles(document, brief.lang)
    _page_numbers(document)
    document.core_properties.title = brief.title
    document.core_properties.language = brief.html_lang
    document.core_properties.author = "civicalloc"
    marks = _Bookmarks()
    for block in brief.blocks:
        if isinstance(block, Heading):
            paragraph = document.add_heading(level=min(max(block.level, 1), 4) - 1)
            _runs(paragraph, block.parts, marks)
        elif isinstance(block, Paragraph):
            style = {"bullet": "List Bullet", "note": "Brief note",
                     "headline": "Brief headline"}.get(block.role, "Normal")  # fmt: skip
            _runs(document.add_paragraph(style=style), block.parts, marks)
        elif isinstance(block, Table):
            _table(document, block, marks)
        elif isinstance(block, Picture):
            document.add_picture(io.BytesIO(block.png), width=Cm(min(block.width_cm, 17.0)))
            document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            _runs(document.add_paragraph(style="Caption"), block.caption, marks)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
