"""Theta on a seasonally adjusted series, with the seasonal decision pinned for backtests.

statsforecast's Theta models test for a season (ACF at lag m, 90%) on whatever history they
are given and adjust for it by classical decomposition. At a backtest origin two or three
years into a five-year series the test often fails where the whole series passes, so the
backtest scored a non-seasonal Theta (MASE 2-3 on the classic monthly series cut to 60
months) while the forecast used a seasonal one, and the combination left out a good method.
Here the decision (season or not, multiplicative or additive) is taken once on the whole
series and kept at every origin; only the seasonal indices and the Theta parameters are
re-estimated from the data up to the origin (the parameters by statsforecast's ``forward``).
This is the M3/M4 Theta recipe (Assimakopoulos & Nikolopoulos 2000; Fiorucci et al. 2016 for
the dynamic optimised variant).
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

__all__ = ["SeasonalTheta", "seasonal_indices", "has_season"]

_Z90 = NormalDist().inv_cdf(0.95)


def has_season(y: np.ndarray, m: int) -> bool:
    """The M4 seasonality test: the lag-m autocorrelation beyond its 90% band (needs 3 seasons
    of data here; statsforecast asks for 2, where the test has little power anyway)."""
    y = np.asarray(y, float)
    n = len(y)
    if m < 4 or n < 3 * m:
        return False
    z = y - y.mean()
    den = float(z @ z)
    if den <= 0:
        return False
    r = np.array([float(z[k:] @ z[:-k]) / den for k in range(1, m + 1)])
    stat = np.sqrt((1 + 2 * np.sum(r[:-1] ** 2)) / n)
    return bool(abs(r[-1]) / stat > _Z90)


def seasonal_indices(y: np.ndarray, m: int, multiplicative: bool) -> np.ndarray:
    """Classical decomposition's seasonal indices for positions 0..m-1 of ``y`` (centred moving
    average trend; multiplicative indices average 1, additive ones 0)."""
    y = np.asarray(y, float)
    if m % 2 == 0:
        w = np.r_[0.5, np.ones(m - 1), 0.5] / m
    else:
        w = np.ones(m) / m
    trend = np.convolve(y, w, mode="valid")
    off = (len(w) - 1) // 2
    mid = y[off : off + len(trend)]
    detr = mid / trend if multiplicative else mid - trend
    pos = (np.arange(len(detr)) + off) % m
    idx = np.array([np.mean(detr[pos == k]) if np.any(pos == k) else np.nan for k in range(m)])
    idx = np.where(np.isfinite(idx), idx, 1.0 if multiplicative else 0.0)
    return idx / idx.mean() if multiplicative else idx - idx.mean()


class SeasonalTheta:
    """Dynamic optimised Theta (``kind="DOTM"``) or optimised Theta (``"OTM"``) on the
    seasonally adjusted series, behind the statsforecast protocol plus ``forward``.

    ``season``: None decides by ``has_season`` on the fitted series; ``"mult"``/``"add"``/
    ``"none"`` pins it (``form_`` holds the decision of a fit, to pass to an earlier cut).
    """

    def __init__(self, season_length: int = 12, season: str | None = None, kind: str = "DOTM"):
        self.season_length = int(season_length)
        self.season = season
        self.kind = kind

    def _inner(self):
        import statsforecast.models as sf

        if self.kind == "OTM":
            return sf.OptimizedTheta(season_length=1)
        return sf.DynamicOptimizedTheta(season_length=1)

    def _adjust(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The adjusted series and the indices of positions 0..m-1 (identity when no season)."""
        m = self.season_length
        mult = self.form_ == "mult"
        if self.form_ == "none" or len(y) < 2 * m:
            return y, np.ones(max(m, 1)) if mult else np.zeros(max(m, 1))
        idx = seasonal_indices(y, m, mult)
        s = idx[np.arange(len(y)) % m]
        return (y / s if mult else y - s), idx

    def _season_ahead(self, n: int, h: int) -> np.ndarray:
        return self.idx_[(n + np.arange(h)) % max(self.season_length, 1)]

    def _apply(self, out: dict, n: int, h: int) -> dict:
        s = self._season_ahead(n, h)
        if self.form_ == "mult":
            return {k: np.asarray(v, float) * s for k, v in out.items()}
        if self.form_ == "add":
            return {k: np.asarray(v, float) + s for k, v in out.items()}
        return {k: np.asarray(v, float) for k, v in out.items()}

    def fit(self, y: np.ndarray, X: np.ndarray | None = None) -> SeasonalTheta:
        y = np.asarray(y, float)
        m = self.season_length
        form = self.season
        if form is None:
            form = "none"
            if m > 1 and has_season(y, m):
                form = "mult" if np.all(y > 0) else "add"
        if form == "mult" and not np.all(y > 0):
            form = "add"
        if form != "none" and (m <= 1 or len(y) < 2 * m):
            form = "none"
        self.form_ = form
        if form == "mult":
            idx = seasonal_indices(y, m, True)
            if np.any(idx < 0.01):  # a near-zero month: indices would explode
                self.form_ = "add"
        adj, self.idx_ = self._adjust(y)
        self.n_ = len(y)
        self.model_ = self._inner().fit(adj)
        return self

    def predict(self, h: int, X: np.ndarray | None = None, level: list[int] | None = None):
        out = self.model_.predict(h=h, level=level) if level else self.model_.predict(h=h)
        return self._apply(out, self.n_, h)

    def forward(self, y: np.ndarray, h: int) -> dict[str, np.ndarray]:
        """Forecast from the end of ``y`` with the fitted Theta parameters and the pinned
        seasonal decision (indices re-estimated on ``y``)."""
        y = np.asarray(y, float)
        if self.form_ == "mult" and not np.all(y > 0):
            return {"mean": np.full(h, np.nan)}
        adj, idx = self._adjust(y)
        out = self.model_.forward(y=adj, h=h)
        s = idx[(len(y) + np.arange(h)) % max(self.season_length, 1)]
        mean = np.asarray(out["mean"], float)
        if self.form_ == "mult":
            mean = mean * s
        elif self.form_ == "add":
            mean = mean + s
        return {"mean": mean}

    def predict_in_sample(self) -> dict[str, np.ndarray]:
        fitted = np.asarray(self.model_.predict_in_sample()["fitted"], float)
        s = self.idx_[np.arange(len(fitted)) % max(self.season_length, 1)]
        if self.form_ == "mult":
            fitted = fitted * s
        elif self.form_ == "add":
            fitted = fitted + s
        return {"fitted": fitted}
