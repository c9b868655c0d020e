"""Equity of access across persons: Gini, Theil, the worst-off decile, distance poverty.

Every measure is population-weighted: an area's access value counts once per resident (or
per resident of an age group, e.g. persons 65+ for health, 6-14 for school).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _aligned(values: pd.Series, persons: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    persons = persons.reindex(values.index).fillna(0.0)
    v = values.to_numpy(dtype=float)
    w = persons.to_numpy(dtype=float)
    if np.any(w < 0):
        raise ValueError("persons must be >= 0")
    if np.any(np.isnan(v[w > 0])):
        raise ValueError("access values are NaN for areas with residents")
    keep = w > 0
    return v[keep], w[keep]


def _unit_scaled(v: np.ndarray) -> np.ndarray:
    """``v`` divided by its largest value: Gini and Theil do not change, and tiny values (a
    subnormal 5e-324 times 0.5 persons) no longer underflow to 0."""
    top = np.max(v) if v.size else 0.0
    return v / top if np.isfinite(top) and top > 0 else v


def gini(values: pd.Series, persons: pd.Series) -> float:
    """Population-weighted Gini of access (0 = everyone equal, 1 = one area has it all).

    Computed from the Lorenz curve: G = 1 - sum_k (p_k - p_{k-1}) (L_k + L_{k-1}).
    NaN when nobody has any access.
    """
    v, w = _aligned(values, persons)
    v = _unit_scaled(v)
    if v.size == 0 or np.sum(v * w) <= 0:
        return float("nan")
    order = np.argsort(v, kind="stable")
    v, w = v[order], w[order]
    p = np.concatenate([[0.0], np.cumsum(w) / w.sum()])
    lorenz = np.concatenate([[0.0], np.cumsum(v * w) / np.sum(v * w)])
    return float(1.0 - np.sum(np.diff(p) * (lorenz[1:] + lorenz[:-1])))


def theil(values: pd.Series, persons: pd.Series) -> float:
    """Population-weighted Theil T index (0 = equal; ln N when one of N equal areas has all).

    T = sum_i (w_i / W) (x_i / mu) ln(x_i / mu), with 0 ln 0 = 0. NaN when nobody has access.
    """
    v, w = _aligned(values, persons)
    v = _unit_scaled(v)
    mu = np.sum(v * w) / w.sum() if v.size else 0.0
    if mu <= 0:
        return float("nan")
    r = v / mu
    terms = np.where(r > 0, r * np.log(np.where(r > 0, r, 1.0)), 0.0)
    return float(np.sum(w * terms) / w.sum())


def worst_decile_mean(values: pd.Series, persons: pd.Series, share: float = 0.1) -> float:
    """Mean access of the worst-off ``share`` of persons (default the bottom 10%).

    The area straddling the boundary contributes only the persons needed to fill the share.
    """
    v, w = _aligned(values, persons)
    if v.size == 0:
        return float("nan")
    order = np.argsort(v, kind="stable")
    v, w = v[order], w[order]
    target = share * w.sum()
    before = np.concatenate([[0.0], np.cumsum(w)[:-1]])
    taken = np.clip(target - before, 0.0, w)
    return float(np.sum(taken * v) / target)


def share_beyond(minutes: pd.Series, persons: pd.Series, threshold_minutes: float) -> float:
    """Share of persons (0-1) whose nearest facility is more than ``threshold_minutes`` away.

    ``minutes`` is per area (see ``nearest_minutes``); inf counts as beyond.
    """
    persons = persons.reindex(minutes.index).fillna(0.0)
    total = float(persons.sum())
    if total <= 0:
        return float("nan")
    return float(persons[minutes.to_numpy(dtype=float) > threshold_minutes].sum() / total)


def equity_summary(
    access: pd.Series,
    persons: pd.Series,
    nearest: pd.Series | None = None,
    thresholds_minutes: tuple[float, ...] = (15.0, 30.0),
) -> dict[str, float]:
    """The city-wide equity figures in one dict: mean, Gini, Theil, worst decile, share beyond T."""
    v, w = _aligned(access, persons)
    summary = {
        "persons": float(w.sum()),
        "mean_access": float(np.sum(v * w) / w.sum()) if w.sum() > 0 else float("nan"),
        "gini": gini(access, persons),
        "theil": theil(access, persons),
        "worst_decile_access": worst_decile_mean(access, persons),
    }
    if nearest is not None:
        for t in thresholds_minutes:
            summary[f"share_beyond_{t:g}_min"] = share_beyond(nearest, persons, t)
    return summary
