"""Small-cell suppression: a count of fewer than k people is never shown, drawn, written or sent.

Whether a number counts people is a property of its **unit**, not of the page, file or message
it appears in: a value whose unit counts people (`counts_people`: the plan units that
`demand.bundle.outputs.UNITS` marks so — persons, pupils, patients, visits, visitors, cases,
occupied beds — and KPI units such as "visits per week") with 0 < value < k is replaced by the
marker "<k" (k = 10 unless a scenario's `rules.small_cell_threshold` says otherwise). Zero is
shown (an empty cell discloses nobody); beds, seats, staff, minutes, shares and ratios are not
people. A plan's units come from its schema (`plan_units`), per row where a column's unit
depends on the row (`demand.bundle.outputs.ROW_UNITS`).

ONE function decides, `suppress(values, unit, threshold)`; everything that shows a count calls
it, directly or through the helpers below, never a check of its own:

- tables and CSV/XLSX exports: `suppress_frame(frame, units)` (units per column: a unit, or a
  Series of per-row units; a plan's from `plan_units(name, frame)`), `suppress_kpis(kpis)` (the
  KPI table's `unit` column);
- maps and charts: `drawable(values, unit)` (hidden cells become NaN, so they are not drawn)
  and `shown_text(value, unit)` for hovers and labels;
- differences (Compare tables and maps): `suppress_difference(a, b, unit)`, derived from what is
  shown: the difference of two shown counts is the difference of their whole numbers, and it is
  hidden when either side is hidden (else "12,942 vs 12,942 and Δ <10" would reveal it);
- pushed text (alerts, briefs): `shown_text(value, unit)` gives the number or the marker as
  text (`shown_texts` for many at once).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import numpy as np
import pandas as pd

from demand.bundle.outputs import ROW_UNITS, UNITS, column_unit

DEFAULT_THRESHOLD = 10  # people

#: KPI units that count people (or events of people, such as visits and cases); plan units say
#: it themselves (`Unit.counts_people`).
PERSON_UNITS = frozenset({
    "persons", "people", "residents", "pupils", "students", "children", "patients",
    "visits", "visitors", "cases", "households", "admissions", "births", "deaths",
    "occupied beds",  # an occupied bed is a patient in it
})  # fmt: skip
#: A count of people per period is still a count of people ("visits per week").
PERIODS = frozenset({"year", "month", "week", "day", "hour"})


def counts_people(unit: object) -> bool:
    """True when a measure in `unit` counts people ("pupils", "visits per week"), which is what
    suppression applies to; False for beds, seats, minutes, shares, rates per 1,000, ratios."""
    if not isinstance(unit, str) or not unit:
        return False
    if unit in UNITS:
        return UNITS[unit].counts_people
    base, _, per = unit.strip().lower().replace("/", " per ").partition(" per ")
    return base in PERSON_UNITS and (not per or per in PERIODS)


def plan_units(plan: str, frame: pd.DataFrame) -> dict[str, object]:
    """The unit of each column of plan `plan` (as stored in a run): a unit name, or a Series of
    per-row units (aligned with `frame`) where the unit depends on the row."""
    units: dict[str, object] = {}
    for column in frame.columns:
        unit = column_unit(plan, str(column))
        units[column] = "" if unit is None else unit.name
    for (name, column), (kind, of_kind) in ROW_UNITS.items():
        if name == plan and column in frame.columns and kind in frame.columns:
            units[column] = frame[kind].map(of_kind).fillna("")
    return units


def run_threshold(*runs: dict, at_least: int = 1) -> int:
    """The small-cell threshold to show stored runs (`runs` rows) with: the largest of their
    scenarios' `rules.small_cell_threshold` (10 when unset) and `at_least` (a caller's own, e.g.
    `--threshold`, which can raise the threshold but never lower it below a scenario's)."""
    found = [
        json.loads(run.get("scenario_json") or "{}").get("rules", {}).get("small_cell_threshold")
        for run in runs
    ]
    return max([at_least, *(int(k) if k else DEFAULT_THRESHOLD for k in found)])


def marker(threshold: int = DEFAULT_THRESHOLD) -> str:
    """The text that stands for a hidden count ("<10")."""
    return f"<{threshold}"


def _small(values: pd.Series, units: pd.Series, threshold: int) -> pd.Series:
    number = pd.to_numeric(values, errors="coerce")
    people = units.map(counts_people).astype(bool)
    return people & number.gt(0) & number.lt(threshold)


def _small_number(value, unit, threshold: int) -> bool:
    """True for one value that is a small count of people (the scalar case of `_small`)."""
    if isinstance(value, bool) or not counts_people(unit):
        return False
    try:
        number = float(value)
    except (TypeError, ValueError):  # a marker, a name, a missing value
        return False
    return 0 < number < threshold


def suppress(values, unit, threshold: int = DEFAULT_THRESHOLD):
    """Values with each small count of people replaced by "<threshold".

    `values` is a number or a sequence / Series / array of numbers; `unit` is one unit for all,
    or a sequence of per-value units (e.g. a plan whose `need` is beds on some rows and pupils
    on others). A number comes back as the number or the marker; a sequence as a Series of
    objects (numbers and markers) with the same index. Values already suppressed stay so.
    """
    if np.ndim(values) == 0:
        return marker(threshold) if _small_number(values, unit, threshold) else values
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    if isinstance(unit, str) or unit is None:
        if not counts_people(unit):
            return series
        units = pd.Series(unit, index=series.index, dtype=object)
    else:
        units = pd.Series(list(unit), index=series.index, dtype=object)
    small = _small(series, units, threshold)
    if not small.any():
        return series
    return series.astype(object).where(~small, marker(threshold))


def is_hidden(value) -> bool:
    """True for a cell `suppress` replaced by its marker."""
    return isinstance(value, str) and value.startswith("<")


def drawable(values: pd.Series, unit, threshold: int = DEFAULT_THRESHOLD) -> pd.Series:
    """Values for a map's colours or a chart's bars: hidden counts become NaN (not drawn)."""
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    shown = suppress(series, unit, threshold)
    return pd.to_numeric(shown.where(~shown.map(is_hidden)), errors="coerce").astype(float)


def shown_text(value, unit, threshold: int = DEFAULT_THRESHOLD, digits: int = 2) -> str:
    """One value as text for a hover, label or pushed message: "<10", a whole number of people,
    or the number with `digits` decimals. Missing values are "—"."""
    shown = suppress(value, unit, threshold)
    if isinstance(shown, str):
        return shown
    if shown is None or pd.isna(shown):
        return "—"
    if counts_people(unit):
        return f"{round(float(shown)):,}"
    return f"{float(shown):,.{digits}f}"


def shown_texts(values, unit, threshold: int = DEFAULT_THRESHOLD, digits: int = 2) -> list[str]:
    """`shown_text` of every value of a sequence (one unit, or one per value), in one pass."""
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    units = [unit] * len(series) if isinstance(unit, str) or unit is None else list(unit)
    shown = suppress(series, units, threshold)
    return [shown_text(v, u, threshold, digits) for v, u in zip(shown, units, strict=True)]


def suppress_frame(
    frame: pd.DataFrame, units: Mapping[str, object], threshold: int = DEFAULT_THRESHOLD
) -> pd.DataFrame:
    """A copy with small counts of people hidden in every column `units` names as counting
    people (`units` maps a column to its unit, or to a Series of per-row units)."""
    out = frame.copy()
    for col, unit in units.items():
        if col in out.columns and pd.api.types.is_numeric_dtype(out[col]):
            if not isinstance(unit, str) and unit is not None:
                unit = pd.Series(unit).reindex(out.index)
            out[col] = suppress(out[col], unit, threshold)
    return out


def suppress_kpis(
    kpis: pd.DataFrame, threshold: int = DEFAULT_THRESHOLD, value_columns: list[str] | None = None
) -> pd.DataFrame:
    """KPI rows (service, kpi, value, unit) with small counts of people hidden in each value
    column; in a comparison, the Δ columns are derived with `suppress_difference`."""
    out = kpis.copy()
    columns = value_columns or ["value"]
    deltas = [c for c in columns if str(c).startswith("Δ ")]
    first = next((c for c in columns if c not in deltas), None)
    for col in deltas:
        base = col.removeprefix("Δ ")
        if first is not None and base in out.columns:
            out[col] = suppress_difference(out[first], out[base], out["unit"], threshold)
    for col in columns:
        if col not in deltas:
            out[col] = suppress(out[col], out["unit"], threshold)
    return out


def suppress_difference(a, b, unit, threshold: int = DEFAULT_THRESHOLD):
    """b − a as it may be shown beside a and b: for counts of people, the difference of the
    whole numbers shown, hidden ("<threshold" marker) when either side is hidden; for other
    units, the plain difference. Same shapes as `suppress`."""
    if np.ndim(a) == 0 and np.ndim(b) == 0:
        return suppress_difference(pd.Series([a]), pd.Series([b]), [unit], threshold).iloc[0]
    a = pd.Series(a).reset_index(drop=True) if not isinstance(a, pd.Series) else a
    b = pd.Series(b, index=a.index) if not isinstance(b, pd.Series) else b
    if (isinstance(unit, str) or unit is None) and not counts_people(unit):
        return (pd.to_numeric(b, errors="coerce") - pd.to_numeric(a, errors="coerce")).astype(
            object
        )
    if isinstance(unit, str) or unit is None:
        units = pd.Series(unit, index=a.index, dtype=object)
    else:
        units = pd.Series(list(unit), index=a.index, dtype=object)
    people = units.map(counts_people).astype(bool)
    shown_a, shown_b = suppress(a, units, threshold), suppress(b, units, threshold)
    num_a = pd.to_numeric(a, errors="coerce").astype(float)
    num_b = pd.to_numeric(b, errors="coerce").astype(float)
    plain = num_b - num_a
    whole = num_b.round() - num_a.round()
    diff = plain.where(~people, whole).astype(object)
    hidden = shown_a.map(is_hidden) | shown_b.map(is_hidden)
    if hidden.any():
        diff = diff.where(~(people & hidden), marker(threshold))
    return diff
