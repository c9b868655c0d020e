"""A brief as data: headings, paragraphs, tables and pictures whose text is made of template words,
stored names and figures — so the HTML, PDF and Word writers show the same thing, and every number
can be traced back to the store.

A **Figure** is the only way a number enters a brief: its value as computed from the store, its
unit, the source it was read from (``source``, a spec the annex lists and tests evaluate against
the store) and the text shown (small counts of people already suppressed). A **Label** is text
taken as stored (scenario, area and facility names, run ids, dates, model notes): shown as it is,
never a claimed number. Everything else is words of the templates (``texts.py``), which hold no
digits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

LANGS = {"zh-CN": "zh", "zh": "zh", "en": "en"}  # what the CLI accepts -> the app's language code


def lang_code(lang: str) -> str:
    """The app's language code ("zh" or "en") for a brief language ("zh-CN", "zh" or "en")."""
    if lang not in LANGS:
        raise ValueError(f"language {lang!r}: use zh-CN or en")
    return LANGS[lang]


@dataclass(frozen=True)
class Figure:
    """One number of a brief.

    key: its name in this brief ("f12"), the anchor in the HTML and the bookmark in Word;
    value: the number as computed (None when missing); unit: a unit of the plan schemas or KPIs;
    source: where it comes from, e.g. ``kpi|<run id>|health|beds moved or added`` (the annex
    lists them; ``docs/briefs.md`` explains the form); text: what the reader sees, formatted in
    the brief's language with its unit, "<10" for a small count of people.
    """

    key: str
    value: float | None
    unit: str
    source: str
    text: str


@dataclass(frozen=True)
class Label:
    """Text shown as stored: a name, an id, a date or a model's own note (kind says which)."""

    text: str
    kind: str = "name"


Part = str | Figure | Label


@dataclass
class Heading:
    """A section title (level 1: the brief, 2: a bureau or section, 3: a part of it)."""

    parts: list[Part]
    level: int = 2


@dataclass
class Paragraph:
    """A paragraph; role: "headline" (the one to read first), "body", "bullet" or "note"."""

    parts: list[Part]
    role: str = "body"


@dataclass
class Table:
    """A table: header cells, rows of cells (each a list of parts), and which columns hold
    numbers (right-aligned)."""

    header: list[list[Part]]
    rows: list[list[list[Part]]]
    numeric: tuple[int, ...] = ()
    role: str = "body"  # "annex": the figure sources, in small print


@dataclass
class Picture:
    """A static map or chart: PNG bytes, a caption, and a text for readers who cannot see it."""

    png: bytes
    caption: list[Part]
    alt: str
    width_cm: float = 16.0


Block = Heading | Paragraph | Table | Picture


@dataclass
class Brief:
    """A whole brief in one language: its blocks in order, and every figure it shows."""

    lang: str  # "zh" or "en"
    title: str
    blocks: list[Block] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    meta: dict = field(default_factory=dict)  # run ids, bureaus, who asked, when

    def add(self, block: Block) -> None:
        """Append a block."""
        self.blocks.append(block)

    @property
    def html_lang(self) -> str:
        """The language as HTML and Word name it."""
        return "zh-CN" if self.lang == "zh" else "en"


def plain_text(parts: list[Part]) -> str:
    """The parts as one string, as a reader sees them."""
    return "".join(p if isinstance(p, str) else p.text for p in parts)
