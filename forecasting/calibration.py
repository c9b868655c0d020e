"""Prediction intervals calibrated on backtest errors (split-conformal, per horizon).

Model-based intervals assume the model is right; on real counts they are often too narrow.
Here every backtest error of a forecast, ``actual - forecast`` from an origin ``j`` months
before, is divided by the series' interval scale at that horizon (``SeriesFit.sd``: the
candidates' own predictive sd, so series of any size and noise are comparable) and the
lower and upper quantiles of these scores are taken per horizon, over all series fitted
together. An interval is then ``forecast + q_lo(j) * sd(j) .. forecast + q_hi(j) * sd(j)``:
asymmetric where errors are (counts are skewed), as wide as the errors were.

Evidence-aware: with few scores the empirical quantile is shrunk toward the normal one,
``q = (N q_emp + n0 q_normal) / (N + n0)``, so one short series keeps its model's interval
and a set of hundreds gets its own. Each series' scale is further multiplied by its own
error spread relative to the pool's, shrunk the same way toward 1, so a series whose models
understate (or overstate) its noise gets wider (or narrower) intervals than the others.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np

__all__ = ["Calibration", "calibrate"]

#: Scores a quantile must rest on to count as much as the normal prior.
PRIOR_SCORES = 30.0
#: Scores a series' own spread must rest on to count as much as the pool's.
PRIOR_SERIES = 40.0
_MAD = 0.6744897501960817  # median |z| of a standard normal


@dataclass
class Calibration:
    """Score quantiles per level and horizon: ``lo[level][j]``, ``hi[level][j]`` (j = 0..h-1).

    ``n`` is the number of scores per horizon behind them; ``factor`` maps a series id to its
    own spread multiplier (1 = like the pool).
    """

    lo: dict[int, np.ndarray]
    hi: dict[int, np.ndarray]
    n: np.ndarray
    factor: dict[str, float] = field(default_factory=dict)

    def bounds(
        self, series_id: str, mean: np.ndarray, sd: np.ndarray, level: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper interval bounds for a forecast ``mean`` with scale ``sd``."""
        h = len(mean)
        lo_q, hi_q = self._q(level)
        idx = np.minimum(np.arange(h), len(lo_q) - 1)
        c = self.factor.get(series_id, 1.0)
        sd = _extend(np.asarray(sd, float), h)
        lo = mean + lo_q[idx] * c * sd
        hi = mean + hi_q[idx] * c * sd
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
    prior_scores: float = PRIOR_SCORES,
    prior_series: float = PRIOR_SERIES,
) -> Calibration:
    """Quantiles of the scores ``(actual - forecast) / sd``, given per series as an
    (origins, horizon) array with NaN where nothing was observed."""
    scores = [(sid, np.asarray(z, float)) for sid, z in scores]
    factor: dict[str, float] = {}
    for sid, z in scores:
        a = np.abs(z[np.isfinite(z)])
        if len(a):
            own = float(np.median(a)) / _MAD
            factor[sid] = float((len(a) * own + prior_series) / (len(a) + prior_series))
    cols = [z / factor.get(sid, 1.0) for sid, z in scores if z.size]
    stacked = np.concatenate(cols) if cols else np.full((0, horizon), np.nan)
    lo: dict[int, np.ndarray] = {}
    hi: dict[int, np.ndarray] = {}
    n = np.zeros(horizon, dtype=int)
    for j in range(horizon):
        n[j] = int(np.isfinite(stacked[:, j]).sum()) if stacked.shape[1] > j else 0
    for lv in sorted({int(v) for v in levels}):
        a = (1 - lv / 100) / 2
        z = NormalDist().inv_cdf(1 - a)
        lo[lv] = np.full(horizon, -z)
        hi[lv] = np.full(horizon, z)
        for j in range(horizon):
            if n[j] == 0:
                continue
            col = stacked[:, j]
            col = col[np.isfinite(col)]
            w = n[j] / (n[j] + prior_scores)
            lo[lv][j] = w * np.quantile(col, a) + (1 - w) * -z
            hi[lv][j] = w * np.quantile(col, 1 - a) + (1 - w) * z
    return Calibration(lo, hi, n, factor)
