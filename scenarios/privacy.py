"""Small-cell suppression: counts of fewer than k persons are never shown or exported.

A count column is one whose unit is persons (KPIs) or whose name says it counts people
(plans: persons, students, pupils, residents, visitors, patients, cases, …). Values 1 … k-1
are replaced by a marker ("<10"); zeros and larger counts are kept.
"""

from __future__ import annotations

import re

import pandas as pd

DEFAULT_THRESHOLD = 10  # persons
COUNT_COLUMN = re.compile(
    r"(^|_)(persons|students|pupils|children|residents|visitors|patients|cases|caseload|"
    r"reassigned|turned_away|unmet_persons)($|_)"
)


def is_count_column(name: str) -> bool:
    """True for columns that count people, which suppression applies to."""
    return bool(COUNT_COLUMN.search(name))


def suppress_frame(frame: pd.DataFrame, threshold: int = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """A copy with small counts in count columns replaced by '<threshold' (as text)."""
    out = frame.copy()
    for col in out.columns:
        if not is_count_column(str(col)) or not pd.api.types.is_numeric_dtype(out[col]):
            continue
        values = out[col]
        small = (values > 0) & (values < threshold)
        if small.any():
            out[col] = values.astype(object).where(~small, f"<{threshold}")
    return out


def suppress_kpis(kpis: pd.DataFrame, threshold: int = DEFAULT_THRESHOLD,
                  value_columns: list[str] | None = None) -> pd.DataFrame:  # fmt: skip
    """KPI rows in persons with a small value shown as '<threshold' in every value column."""
    out = kpis.copy()
    persons = out["unit"].eq("persons")
    for col in value_columns or ["value"]:
        values = pd.to_numeric(out[col], errors="coerce")
        small = persons & values.abs().gt(0) & values.abs().lt(threshold)
        if small.any():
            out[col] = out[col].astype(object).where(~small, f"<{threshold}")
    return out
