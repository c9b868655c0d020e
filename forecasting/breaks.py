"""Level shifts: a lasting jump in a series' level (a policy change, a new catchment, a pandemic
that did not end) found, and the history before it moved to the new level.

The series is taken on the log scale (``log1p``, so a shift is a change in proportion and the
season keeps its shape) and regressed on a line, month-of-year effects and one step at month
``tau``, for every ``tau`` that leaves at least a season on both sides. The best step is kept
only when it is overwhelming: it explains at least ``min_share`` (half) of what the
line-and-season model leaves unexplained, its F statistic is above ``min_f`` (a sup-F test; 30
is far past the 1% critical value of about 12, as it must be: monthly residuals are
autocorrelated, which inflates F) and the step is at least ``min_step`` in proportion.
The months before the step are then scaled to the new level, so every method sees one
consistent level and its season; the months after are untouched.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["LevelShift", "adjust_level_shift", "find_level_shift"]


@dataclass(frozen=True)
class LevelShift:
    """A level shift at position ``at`` (first month of the new level) by ``ratio`` (new/old)."""

    at: int
    ratio: float
    f_stat: float
    adjusted: np.ndarray

    def describe(self, unit: str = "month") -> str:
        """The shift in words, e.g. 'level shift -35% at month 61 of 84'."""
        return f"level shift {self.ratio - 1:+.0%} at {unit} {self.at + 1} of {len(self.adjusted)}"


def find_level_shift(
    y: np.ndarray,
    season_length: int,
    min_f: float = 30.0,
    min_step: float = 0.1,
    min_share: float = 0.5,
) -> tuple[int, float, float] | None:
    """(position, log-step, F) of the strongest lasting level shift, or None (see module)."""
    y = np.asarray(y, float)
    n = len(y)
    m = max(int(season_length), 1)
    edge = max(m, 6)
    if n < 3 * edge or np.any(y < 0):
        return None
    z = np.log1p(y)
    t = np.arange(n, dtype=float)
    cols = [np.ones(n), (t - t.mean()) / n]
    if m > 1:
        month = np.arange(n) % m
        cols += [(month == k).astype(float) for k in range(1, m)]
    base = np.column_stack(cols)
    q, _ = np.linalg.qr(base)
    resid = z - q @ (q.T @ z)
    sse0 = float(resid @ resid)
    dof = n - base.shape[1] - 1
    if sse0 <= 1e-12 or dof <= 0:
        return None
    taus = np.arange(edge, n - edge + 1)
    steps = (np.arange(n)[:, None] >= taus[None, :]).astype(float)
    r = steps - q @ (q.T @ steps)
    num = r.T @ resid
    den = np.einsum("ij,ij->j", r, r)
    gain = num**2 / np.maximum(den, 1e-12)
    f_stat = gain / np.maximum((sse0 - gain) / dof, 1e-12)
    best = int(np.argmax(f_stat))
    step = float(num[best] / den[best])
    if f_stat[best] < min_f or abs(step) < min_step or gain[best] < min_share * sse0:
        return None
    return int(taus[best]), step, float(f_stat[best])


def adjust_level_shift(y: np.ndarray, season_length: int, **kwargs) -> LevelShift | None:
    """The series with its history before a found level shift moved to the new level."""
    found = find_level_shift(y, season_length, **kwargs)
    if found is None:
        return None
    at, step, f_stat = found
    y = np.asarray(y, float)
    adjusted = y.copy()
    adjusted[:at] = np.maximum(np.expm1(np.log1p(y[:at]) + step), 0.0)
    return LevelShift(at=at, ratio=float(np.exp(step)), f_stat=f_stat, adjusted=adjusted)
