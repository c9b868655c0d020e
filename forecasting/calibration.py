"""Prediction intervals calibrated on backtest errors (split-conformal, per horizon).

Model-based intervals assume the model is right; on real counts they are often too narrow.
Here every backtest error of a forecast, ``actual - forecast`` from an origin ``j`` months
before, is divided by the series' interval scale at that horizon (``SeriesFit.sd``: the
candidates' own predictive sd, so series of any size and noise are comparable), and the
``level`` quantile of the absolute scores is taken per horizon over all series fitted
together. An interval is then ``forecast -/+ q(j) * sd(j)``, as wide as the errors were.

Symmetric on purpose: asymmetric quantiles learn the backtest's bias (on the hospital data the
backtest years under-forecast, the held-out year did not) and then miss on the other side. One
pool for all series on purpose too: a per-series spread learned from a few backtest years
narrowed the intervals of series that had merely looked calm (coverage fell 1-4 points).

Evidence-aware: with few scores the empirical quantile is shrunk toward the normal one,
``q = (N q_emp + n0 z) / (N + n0)``, so one short series keeps close to its models' interval
and a set of hundreds gets its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

__all__ = ["Calibration", "calibrate"]

#: Scores a quantile must rest on to count as much as the normal prior.
PRIOR_SCORES = 30.0
# median |z| of a standard normal


@dataclass
class Calibration:
    """Score quantiles per level and horizon: ``lo[level][j]``, ``hi[level][j]`` (j = 0..h-1);
    ``n`` is the number of scores per horizon behind them."""

    lo: dict[int, np.ndarray]
    hi: dict[int, np.ndarray]
    n: np.ndarray

    def bounds(
        self, series_id: str, mean: np.ndarray, sd: np.ndarray, level: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper interval bounds for a forecast ``mean`` with scale ``sd``."""
        h = len(mean)
        lo_q, hi_q = self._q(level)
        idx = np.minimum(np.arange(h), len(lo_q) - 1)
        sd = _extend(np.asarray(sd, float), h)
        lo = mean + lo_q[idx] * sd
        hi = mean + hi_q[idx] * sd
        return np.minimum(lo, mean), np.maximum(hi, mean)

    def _q(self, level: int) -> tuple[np.ndarray, np.ndarray]:
        if level in self.lo:
            return self.lo[level], self.hi[level]
        # a level not calibrated: the normal quantile, as the prior would have it
        z = NormalDist().inv_cdf(0.5 + level / 200)
        size = max(len(self.n), 1)
        return np.full(size, -z), np.full(size, z)

    def table(self) -> list[dict]:
        """Rows (level, horizon, q_lo, q_hi, n_scores) for reports."""
        return [
            {"level": lv, "horizon": j + 1, "q_lo": float(self.lo[lv][j]),
             "q_hi": float(self.hi[lv][j]), "n_scores": int(self.n[j])}
            for lv in sorted(self.lo) for j in range(len(self.n))
        ]  # fmt: skip


def _extend(sd: np.ndarray, h: int) -> np.ndarray:
    """The scale for h horizons; past the backtested ones it grows like the last step did."""
    if len(sd) >= h:
        return sd[:h]
    if len(sd) == 0:
        return np.ones(h)
    growth = sd[-1] / sd[-2] if len(sd) > 1 and sd[-2] > 0 else 1.0
    growth = min(max(growth, 1.0), 1.2)
    extra = sd[-1] * growth ** np.arange(1, h - len(sd) + 1)
    return np.concatenate([sd, extra])


def calibrate(
    scores: Iterable[tuple[str, np.ndarray]],
    levels: Sequence[int],
    horizon: int,
    prior_scores: float | None = None,
) -> Calibration:
    """Quantiles of the scores ``(actual - forecast) / sd``, given per series as an
    (origins, horizon) array with NaN where nothing was observed."""
    prior_scores = PRIOR_SCORES if prior_scores is None else prior_scores
    cols = [np.asarray(z, float) for _, z in scores]
    cols = [z for z in cols if z.size]
    stacked = np.concatenate(cols) if cols else np.full((0, horizon), np.nan)
    lo: dict[int, np.ndarray] = {}
    hi: dict[int, np.ndarray] = {}
    n = np.zeros(horizon, dtype=int)
    for j in range(min(horizon, stacked.shape[1])):
        n[j] = int(np.isfinite(stacked[:, j]).sum())
    for lv in sorted({int(v) for v in levels}):
        z = NormalDist().inv_cdf(0.5 + lv / 200)
        q = np.full(horizon, z)
        for j in range(horizon):
            if n[j]:
                col = np.abs(stacked[:, j])
                w = n[j] / (n[j] + prior_scores)
                q[j] = w * float(np.quantile(col[np.isfinite(col)], lv / 100)) + (1 - w) * z
        lo[lv], hi[lv] = -q, q
    return Calibration(lo, hi, n)
