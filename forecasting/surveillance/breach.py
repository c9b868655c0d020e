"""Time to breach: when forecast need passes capacity, and how likely that is by a date.

The forecast is the project's long frame (``key, ds, yhat`` and any ``yhat-lo-L`` /
``yhat-hi-L`` interval columns, L in percent); capacity is in the same unit (seats, beds at the
target occupancy, caseworkers at the service-level target, specialist sessions).

- The breach period is the first period whose point forecast is above capacity ("passes").
- The probability that need is above capacity in a period is read off the forecast's own
  quantiles: the median (``yhat``) and each interval's limits (the 80% interval's upper limit
  is the 90% quantile), interpolated on the normal-score scale, so a skewed interval keeps its
  skew; beyond the outermost limits the last segment's slope is extended (a normal tail).
- The probability of a breach *by* a date is the largest of those per-period probabilities up
  to it: exact when forecast errors move together over the horizon (a level or trend that is
  off stays off), which is how forecast paths of counts behave; it is a lower bound otherwise.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from scipy import stats

from demand.errors import InputError

__all__ = ["exceedance_probability", "quantile_points", "time_to_breach"]

_INTERVAL = re.compile(r"^yhat-(lo|hi)-(\d+(?:\.\d+)?)$")


def quantile_points(columns) -> list[tuple[str, float]]:
    """(column, probability) of every quantile a forecast frame carries, ``yhat`` as the median."""
    points = [("yhat", 0.5)]
    for col in columns:
        m = _INTERVAL.match(str(col))
        if m:
            tail = (1 - float(m.group(2)) / 100) / 2
            points.append((str(col), tail if m.group(1) == "lo" else 1 - tail))
    return sorted(points, key=lambda p: p[1])


def _prob_above(values: np.ndarray, probs: np.ndarray, capacity: float) -> float:
    """P(need > capacity) from one period's quantiles (values at cumulative ``probs``)."""
    order = np.argsort(probs)
    v, z = values[order], stats.norm.ppf(probs[order])
    keep = np.r_[True, np.diff(v) > 1e-12]  # a degenerate interval: drop repeated values
    v, z = v[keep], z[keep]
    if len(v) == 1:
        return float(v[0] > capacity)
    if capacity <= v[0]:
        slope = (z[1] - z[0]) / (v[1] - v[0])
        zc = z[0] - slope * (v[0] - capacity)
    elif capacity >= v[-1]:
        slope = (z[-1] - z[-2]) / (v[-1] - v[-2])
        zc = z[-1] + slope * (capacity - v[-1])
    else:
        zc = float(np.interp(capacity, v, z))
    return float(stats.norm.sf(zc))


def _check(forecast: pd.DataFrame, capacity: pd.DataFrame, key: str) -> None:
    for name, frame, cols in (
        ("forecast", forecast, [key, "ds", "yhat"]),
        ("capacity", capacity, [key, "capacity"]),
    ):
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise InputError(f"{name}: missing column(s) {', '.join(missing)}; need {cols}")


def exceedance_probability(
    forecast: pd.DataFrame, capacity: pd.DataFrame, key: str = "series_id"
) -> pd.DataFrame:
    """Per key and period: ``yhat``, ``capacity``, ``p_above`` (need above capacity in that
    period) and ``p_by`` (a breach in that period or before). Keys without capacity are left
    out; capacity may also vary by period when ``capacity`` has a ``ds`` column."""
    _check(forecast, capacity, key)
    on = [key, "ds"] if "ds" in capacity.columns else [key]
    merged = forecast.merge(capacity[[*on, "capacity"]], on=on, how="inner")
    merged = merged.sort_values([key, "ds"], ignore_index=True)
    points = quantile_points(merged.columns)
    cols = [c for c, _ in points]
    probs = np.array([p for _, p in points])
    values = merged[cols].to_numpy(float)
    cap = merged["capacity"].to_numpy(float)
    merged["p_above"] = [_prob_above(values[i], probs, cap[i]) for i in range(len(merged))]
    merged["p_by"] = merged.groupby(key, sort=False)["p_above"].cummax()
    return merged[[key, "ds", *cols, "capacity", "p_above", "p_by"]]


def time_to_breach(
    forecast: pd.DataFrame, capacity: pd.DataFrame, key: str = "series_id", by=None
) -> pd.DataFrame:
    """One row per key: ``breach_ds`` (first period the forecast passes capacity, NaT if none
    in the horizon), ``need`` and ``capacity`` then, ``by_ds`` (``by``, or the period after the
    breach, or the horizon's end) and ``probability`` of a breach by ``by_ds``; ``peak_need``
    and ``horizon_end`` for context."""
    per = exceedance_probability(forecast, capacity, key)
    rows = []
    for k, g in per.groupby(key, sort=True):
        g = g.reset_index(drop=True)
        over = np.flatnonzero(g["yhat"].to_numpy() > g["capacity"].to_numpy())
        first = int(over[0]) if over.size else None
        if by is not None:
            upto = g[g["ds"] <= pd.Timestamp(by)]
            by_ds = pd.Timestamp(by)
        else:
            last = len(g) - 1 if first is None else min(first + 1, len(g) - 1)
            upto, by_ds = g.iloc[: last + 1], g["ds"].iloc[last]
        rows.append(
            {
                key: k,
                "breach_ds": g["ds"].iloc[first] if first is not None else pd.NaT,
                "need": float(g["yhat"].iloc[first]) if first is not None else np.nan,
                "capacity": float(g["capacity"].iloc[first if first is not None else -1]),
                "by_ds": by_ds,
                "probability": float(upto["p_by"].max()) if len(upto) else 0.0,
                "peak_need": float(g["yhat"].max()),
                "horizon_end": g["ds"].iloc[-1],
            }
        )
    return pd.DataFrame(
        rows,
        columns=[key, "breach_ds", "need", "capacity", "by_ds", "probability", "peak_need",
                 "horizon_end"],
    )  # fmt: skip
