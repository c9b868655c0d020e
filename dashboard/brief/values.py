"""Reading one number out of a stored plan: a sum, count, mean or extreme of a column over the
rows a filter keeps — the `plan|…` sources of a brief's figures.

Filters are written ``column=value;column<value;…`` (operators = != < > <= >=; ``ds@year``
compares a date's year). Besides the plan's own columns, ``unmet_need`` is need × (1 − access)
where access falls short of 1 (the app's "unmet need": need beyond the capacity within reach).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

OPS = ("!=", "<=", ">=", "=", "<", ">")
FILTER = re.compile(r"^(?P<col>[\w\-@ ]+?)(?P<op>!=|<=|>=|=|<|>)(?P<value>.*)$")
DERIVED = {"unmet_need"}


def unmet_need(frame: pd.DataFrame) -> pd.Series:
    """Need beyond the capacity within reach, per row of the access plan (need units)."""
    access = pd.to_numeric(frame["access"], errors="coerce").astype(float)
    short = (1.0 - access).clip(lower=0.0).fillna(0.0)
    return pd.to_numeric(frame["need"], errors="coerce").astype(float).fillna(0.0) * short


def column(frame: pd.DataFrame, name: str) -> pd.Series:
    """A plan column, or a derived one (``unmet_need``)."""
    if name == "unmet_need":
        return unmet_need(frame)
    if name.endswith("@year"):
        return pd.to_datetime(frame[name.removesuffix("@year")]).dt.year
    return frame[name]


def _value(text: str):
    try:
        return float(text)
    except ValueError:
        return text


def keep(frame: pd.DataFrame, filters: str) -> pd.DataFrame:
    """The rows of `frame` that every filter of `filters` keeps."""
    mask = np.ones(len(frame), bool)
    for part in filter(None, filters.split(";")):
        found = FILTER.match(part)
        if found is None:
            raise ValueError(f"filter {part!r}: write column=value, column<value, …")
        values = column(frame, found["col"])
        value, op = _value(found["value"]), found["op"]
        if isinstance(value, float):
            values = pd.to_numeric(values, errors="coerce")
        test = {
            "=": values == value, "!=": values != value, "<": values < value,
            ">": values > value, "<=": values <= value, ">=": values >= value,
        }[op]  # fmt: skip
        mask &= np.asarray(test, bool)
    return frame[mask]


def aggregate(frame: pd.DataFrame, agg: str, name: str, filters: str = "") -> float | None:
    """`agg` (sum, count, mean, min, max, nunique) of column `name` over the kept rows."""
    rows = keep(frame, filters)
    if agg == "count":
        return float(len(rows))
    values = column(rows, name)
    if agg == "nunique":
        return float(values.nunique())
    values = pd.to_numeric(values, errors="coerce")
    if agg == "sum":
        return float(values.sum())
    if values.dropna().empty:
        return None
    return float(getattr(values, agg)())
