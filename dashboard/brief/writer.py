"""The pen of a brief: template words in the brief's language, and figures read from the store
with their sources."""

from __future__ import annotations

import re

from dashboard.brief.document import Figure, Label, Part
from dashboard.brief.facts import StoredRun
from dashboard.brief.figures import Figures
from dashboard.brief.texts import say, word
from dashboard.brief.values import aggregate
from dashboard.i18n import kpi_name, t

NUMBER_IN_NAME = re.compile(r"(\d+(?:\.\d+)?)")


class Writer:
    """Words and figures of one brief (language `lang`, small counts below `threshold` hidden)."""

    def __init__(self, lang: str, threshold: int):
        self.lang = lang
        self.threshold = threshold
        self.figures = Figures(lang, threshold)

    def say(self, key: str, **gaps: Part | list[Part]) -> list[Part]:
        """A template as parts."""
        return say(key, self.lang, **gaps)

    def word(self, table: dict, key: str) -> str:
        """A word of one of the texts tables."""
        return word(table, key, self.lang)

    def t(self, key: str) -> str:
        """A word of the app (bureaus, service lines)."""
        return t(key, self.lang)

    def line(self, line: str) -> str:
        """A service line's name inside a sentence ("hospital beds", "住院床位")."""
        return self.t(line) if self.lang == "zh" else line

    def sentences(self, *sentences: list[Part]) -> list[Part]:
        """Sentences run together into one paragraph (a space between them in English)."""
        out: list[Part] = []
        for sentence in sentences:
            if not sentence:
                continue
            if out and self.lang != "zh":
                out.append(" ")
            out += sentence
        return out

    def kpi_label(self, name: str) -> str:
        """A KPI's name as the app writes it."""
        return kpi_name(name, self.lang)

    def join(self, items: list[Part]) -> list[Part]:
        """Items separated as a list is in the brief's language."""
        out: list[Part] = []
        for i, item in enumerate(items):
            if i:
                out.append(self.say("list_sep")[0])
            out.append(item)
        return out

    # --- figures ---------------------------------------------------------------------------------
    def kpi(self, run: StoredRun, service: str, name: str, bare: bool = False) -> Figure | None:
        """A stored KPI of `run` (None when the run has none for this reader)."""
        found = run.kpi(service, name)
        if found is None:
            return None
        value, unit = found
        return self.figures.add(value, unit, f"kpi|{run.short}|{service}|{name}", bare)

    def number_in_kpi_name(self, run: StoredRun, service: str, name: str,
                           unit: str) -> Figure | None:  # fmt: skip
        """The number a stored KPI's name holds ("share beyond 30 min" → 30 minutes)."""
        found = NUMBER_IN_NAME.search(name)
        if found is None or run.kpi(service, name) is None:
            return None
        return self.figures.add(float(found.group(1)), unit,
                                f"kpiname|{run.short}|{service}|{name}", bare=True)  # fmt: skip

    def plan(self, run: StoredRun, plan: str, agg: str, column: str, filters: str, unit: str,
             bare: bool = False) -> Figure | None:  # fmt: skip
        """`agg` of a plan column over the rows `filters` keeps (``values.aggregate``)."""
        frame = run.plan(plan)
        if frame is None or (column not in frame.columns and agg not in ("count",)
                             and column != "unmet_need"):  # fmt: skip
            return None
        value = aggregate(frame, agg, column, filters)
        source = f"plan|{run.short}|{plan}|{agg}|{column}|{filters}"
        return self.figures.add(value, unit, source, bare)

    def scenario(self, run: StoredRun, path: str, unit: str, bare: bool = False) -> Figure:
        """A value of the run's scenario (a lever, a rule, the years), by its dotted path."""
        return self.figures.add(dig(run.scenario.model_dump(), path), unit,
                                f"scenario|{run.short}|{path}", bare)  # fmt: skip

    def threshold_of(self, runs: list[StoredRun]) -> Figure:
        """The small-count threshold of the brief (the largest of its runs'), from the run that
        sets it."""
        setting = max(runs, key=lambda r: r.scenario.rules.small_cell_threshold)
        return self.figures.threshold_figure(f"scenario|{setting.short}|rules.small_cell_threshold")

    def model_value(self, run: StoredRun, model: str, field: str, unit: str,
                    bare: bool = False) -> Figure | None:  # fmt: skip
        """A stored model outcome's value (``gap``, ``objective``, or ``detail.year``)."""
        row = run.model(model)
        if row is None:
            return None
        if field.startswith("detail."):
            value = dig(row["detail"], field.removeprefix("detail."))
        else:
            value = row.get(field)
        return self.figures.add(value, unit, f"model|{run.short}|{model}|{field}", bare)

    def year(self, run: StoredRun) -> Figure:
        """The planning year of a run (its scenario's base year + horizon, as the access model
        stored it)."""
        stored = self.model_value(run, "access", "detail.year", "year", bare=True)
        if stored is not None and stored.value is not None:
            return stored
        base = self.scenario(run, "base_year", "year", bare=True)
        ahead = self.scenario(run, "horizon", "years", bare=True)
        return self.figures._new(base.value + ahead.value, "year",
                                 f"calc|sum|{base.key}|{ahead.key}",
                                 self.figures.write(base.value + ahead.value, "year",
                                                    bare=True))  # fmt: skip

    def calc(self, op: str, a: Figure | None, b: Figure | None, **kw) -> Figure | None:
        """A figure derived from two others (None when either is missing)."""
        if a is None or b is None:
            return None
        return self.figures.calc(op, a, b, **kw)

    def quality(self, city: str, what: str, value, unit: str = "", bare: bool = False) -> Figure:
        """A figure of the city's data-quality report."""
        return self.figures.add(value, unit, f"quality|{city}|{what}", bare)

    def alert(self, alert_id: str, field: str, value, unit: str) -> Figure:
        """A figure of a stored early warning."""
        return self.figures.add(value, unit, f"alert|{alert_id}|{field}")


def dig(data, path: str):
    """The value at a dotted path in nested dicts and lists ("population_shocks.0.from_year")."""
    for key in path.split("."):
        if isinstance(data, dict):
            data = data.get(key)
        elif isinstance(data, list) and key.isdigit() and int(key) < len(data):
            data = data[int(key)]
        else:
            return None
    return data


def label(text: object, kind: str = "name") -> Label:
    """Stored text as a part (a name, id, date or note)."""
    return Label(str(text), kind)
