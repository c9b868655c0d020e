"""The numbers of a brief: each one a Figure with its source, written as the app writes it.

Values come from stored KPIs, plan rows, model outcomes, the scenario and the data-quality report
(``source`` says which, in the form ``docs/briefs.md`` describes); a figure derived from others
(a difference, a reduction) names them (``calc|drop|f3|f4``). Small counts of people are
suppressed here, by their unit, with the project's one rule (``scenarios.privacy``): a hidden
count reads "<10", and a difference or share involving a hidden count is hidden too.
"""

from __future__ import annotations

import math

from dashboard.brief.document import Figure
from dashboard.i18n import fmt, number, unit_name
from scenarios.privacy import counts_people, is_hidden, marker, suppress, suppress_difference

#: Operations a derived figure may use: (name, unit of the result or None for "the inputs' unit")
CALCS = {
    "diff": None,  # b − a, in the inputs' unit
    "drop": "share",  # 1 − b / a: how much of a is gone in b
    "ratio": "share",  # a / b
    "pp": "points",  # 100 × (b − a), two shares' difference in percentage points
}


#: Units of the brief's levers that the app's tables do not name.
EXTRA_UNITS = {
    "years": {"zh": "年", "en": "years"},
    "seconds": {"zh": "秒", "en": "seconds"},
    # counts of the alert store's surveillance (docs/alerts.md)
    "visits": {"zh": "人次", "en": "visits"},
    "admissions": {"zh": "人次入院", "en": "admissions"},
}


def _finite(value) -> bool:
    return value is not None and not isinstance(value, str) and math.isfinite(float(value))


class Figures:
    """The figures of one brief, numbered in the order they are made (f1, f2, …)."""

    def __init__(self, lang: str, threshold: int):
        self.lang = lang
        self.threshold = threshold
        self.items: list[Figure] = []

    def _new(self, value, unit: str, source: str, text: str) -> Figure:
        number = float(value) if _finite(value) else None
        figure = Figure(f"f{len(self.items) + 1}", number, unit, source, text)
        self.items.append(figure)
        return figure

    def add(self, value, unit: str, source: str, bare: bool = False) -> Figure:
        """A stored number (or a sum of stored numbers) with its unit; `bare`: without the unit
        (a table whose header names it). Small counts of people read "<10"."""
        shown = suppress(value, unit, self.threshold) if _finite(value) else value
        return self._new(value, unit, source, self.write(shown, unit, bare))

    def threshold_figure(self, source: str) -> Figure:
        """The small-count threshold itself, written as its marker writes it ("10", "1000")."""
        return self._new(self.threshold, "", source, str(int(self.threshold)))

    def write(self, value, unit: str, bare: bool = False, signed: bool = False) -> str:
        """A value as the brief writes it (the app's `fmt`), optionally without unit or signed."""
        if isinstance(value, str):  # a suppressed cell
            return value if bare else self._with_unit(value, unit)
        if not _finite(value):
            return "—"
        value = float(value)
        size = abs(value) if signed else value
        if unit == "points":
            text = f"{size:,.1f}"
            text = text if bare else f"{text} {unit_name('points', self.lang)}"
        elif unit == "share":
            text = fmt(size, unit, self.lang)
        else:
            if unit == "year":
                text = f"{size:.0f}"
            elif size.is_integer():  # 20 minutes, not 20.0
                text = f"{size:,.0f}"
            else:
                text = number(size, unit)
            text = text if bare else self._with_unit(text, unit)
        if signed:
            sign = "+" if value > 0 else "−" if value < 0 else "±"
            text = sign + text
        return text

    def _with_unit(self, text: str, unit: str) -> str:
        """A number's text with its unit after it, as the app writes it."""
        extra = EXTRA_UNITS.get(unit)
        shown = extra[self.lang] if extra else unit_name(unit, self.lang)
        if not shown:
            return text
        return f"{text}{shown}" if shown.startswith("（") else f"{text} {shown}"

    def calc(self, op: str, a: Figure, b: Figure, bare: bool = False,
             signed: bool = False) -> Figure:  # fmt: skip
        """A figure derived from two others: diff (b − a), drop (1 − b/a), ratio (a/b) or pp
        (percentage points between two shares). Hidden when it would reveal a hidden count."""
        unit = CALCS[op] or a.unit
        source = f"calc|{op}|{a.key}|{b.key}"
        people = counts_people(a.unit) or counts_people(b.unit)
        hidden = is_hidden(a.text.split(" ")[0]) or is_hidden(b.text.split(" ")[0])
        if a.value is None or b.value is None:
            return self._new(None, unit, source, "—")
        if op == "diff":
            value = b.value - a.value
            shown = suppress_difference(a.value, b.value, a.unit, self.threshold)
            if isinstance(shown, str):
                return self._new(value, unit, source, self.write(shown, unit, bare))
            return self._new(value, unit, source, self.write(value, unit, bare, signed))
        if op == "drop":
            value = 1.0 - b.value / a.value if a.value else None
        elif op == "ratio":
            value = a.value / b.value if b.value else None
        else:
            value = 100.0 * (b.value - a.value)
        if people and hidden:
            return self._new(value, unit, source, marker(self.threshold))
        return self._new(value, unit, source, self.write(value, unit, bare, signed))
