"""Outbreak and level-shift detectors for counts: estimators over ``series_id, ds, y``.

``fit(history)`` checks the long table (weekly, monthly or yearly series; negative counts,
gaps and duplicated dates are refused with the file's row) and keeps each series;
``detect(since, until)`` judges every period in that range using only the periods before it
(prospective surveillance, as a bureau sees the data arrive) and returns one row per series
and period with ``RESULT_COLUMNS``:

- ``observed`` the count, ``expected`` what the past predicted, ``threshold`` the count above
  which the method alarms, ``score`` the method's own statistic, ``alarm`` True/False;
- ``method`` the method actually used, ``rule`` the rule in words, ``note`` why another method
  stood in (a series too short for the one asked) or why nothing could be judged.

Methods (docs/alerts.md has the assumptions and how to set the thresholds):
- ``EarsC1``, ``EarsC2``, ``EarsC3``: the CDC's Early Aberration Reporting System, a mean and
  standard deviation of the last 7 periods (C2 and C3 skip the 2 just before);
- ``Farrington``: Farrington et al. (1996), quasi-Poisson GLM on windows around the same period
  of past years, past outbreaks down-weighted, 2/3-power threshold;
- ``FarringtonFlexible``: Noufaily et al. (2013)'s improvement, the default: all past periods
  with a seasonal factor, outbreak residuals above 2.58 down-weighted, the latest 26 weeks left
  out of the baseline, threshold the negative-binomial upper quantile with the overdispersion;
- ``Cusum`` and ``Ewma``: accumulate standardised excess over the flexible Farrington
  expectation, for persistent level shifts that no single period shows;
- ``ForecastExceedance``: above the upper limit of civicalloc's own one-step-ahead forecast
  interval, the forecaster fitted only on the periods before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.base import BaseEstimator, clone

from forecasting.history import (
    FREQ_MONTHLY,
    FREQ_WEEKLY,
    FREQ_YEARLY,
    check_history,
    series_frequencies,
)
from forecasting.surveillance.glm import (
    anscombe_residuals,
    farrington_weights,
    fit_quasipoisson,
)

__all__ = [
    "RESULT_COLUMNS",
    "Cusum",
    "Detector",
    "EarsC1",
    "EarsC2",
    "EarsC3",
    "Ewma",
    "Farrington",
    "FarringtonFlexible",
    "ForecastExceedance",
]

RESULT_COLUMNS = [
    "series_id",
    "ds",
    "observed",
    "expected",
    "threshold",
    "score",
    "alarm",
    "method",
    "limit",
    "rule",
    "note",
]
PERIODS_PER_YEAR = {FREQ_WEEKLY: 52, FREQ_MONTHLY: 12, FREQ_YEARLY: 1}
UNIT = {FREQ_WEEKLY: "week", FREQ_MONTHLY: "month", FREQ_YEARLY: "year"}
NONE = "none"


@dataclass(frozen=True)
class _Series:
    """One checked series: its dates, counts and frequency."""

    sid: str
    ds: pd.DatetimeIndex
    y: np.ndarray
    freq: str

    @property
    def per_year(self) -> int:
        return PERIODS_PER_YEAR[self.freq]

    def years_back(self, k: int, j: int) -> int:
        """Position of the period j years before position k (the same weekday for weeks)."""
        if self.freq != FREQ_WEEKLY:
            return k - j * self.per_year
        target = self.ds[k] - pd.DateOffset(years=j)
        return k - int(round((self.ds[k] - target).days / 7))


def _row(s: _Series, k: int, **values: Any) -> dict:
    row = {"series_id": s.sid, "ds": s.ds[k], "observed": float(s.y[k])}
    row.update(expected=np.nan, threshold=np.nan, score=np.nan, alarm=False, note="", limit="")
    row.update(values)
    return row


def _nothing(s: _Series, k: int, why: str) -> dict:
    return _row(s, k, method=NONE, rule="", note=why)


class Detector(BaseEstimator):
    """Shared fit/detect over many series; subclasses judge one period of one series."""

    #: the method's name in results and alerts
    label: ClassVar[str] = ""

    def fit(self, history: pd.DataFrame, source: str = "history") -> Detector:
        """Check the history (weekly, monthly or yearly series, mixed allowed) and keep it."""
        hist = check_history(history, source=source, weekly=True, mixed=True)
        freqs = series_frequencies(hist, source=source, weekly=True)
        self.series_: dict[str, _Series] = {}
        for sid, g in hist.groupby("series_id", sort=True):
            sid = str(sid)
            self.series_[sid] = _Series(
                sid, pd.DatetimeIndex(g["ds"]), g["y"].to_numpy(float), freqs[sid]
            )
        self.frequencies_ = freqs
        return self

    def _positions(self, s: _Series, since, until) -> np.ndarray:
        """Positions to judge: from ``since`` (default: the last year) to ``until``."""
        start = pd.Timestamp(since) if since is not None else None
        if start is None:
            keep = np.zeros(len(s.y), bool)
            keep[-s.per_year :] = True
        else:
            keep = np.asarray(s.ds >= start)
        if until is not None:
            keep &= np.asarray(s.ds <= pd.Timestamp(until))
        return np.flatnonzero(keep)

    def detect(self, since=None, until=None) -> pd.DataFrame:
        """One row per series and period from ``since`` to ``until`` (default: each series'
        last year), each period judged from the periods before it only."""
        if not hasattr(self, "series_"):
            raise RuntimeError("call fit(history) before detect")
        rows: list[dict] = []
        for s in self.series_.values():
            positions = self._positions(s, since, until)
            if positions.size:
                rows.extend(self._detect_series(s, positions))
        out = pd.DataFrame(rows, columns=RESULT_COLUMNS)
        out["alarm"] = out["alarm"].astype(bool)
        return out.sort_values(["series_id", "ds"], ignore_index=True)

    def alarms(self, since=None, until=None) -> pd.DataFrame:
        """The rows of ``detect`` that raised an alarm."""
        found = self.detect(since, until)
        return found[found["alarm"]].reset_index(drop=True)

    def _detect_series(self, s: _Series, positions: np.ndarray) -> list[dict]:
        return [self._judge(s, int(k)) for k in positions]

    def _judge(self, s: _Series, k: int) -> dict:  # pragma: no cover - abstract
        raise NotImplementedError


# -- EARS ----------------------------------------------------------------------------------


def _ears_baseline(y: np.ndarray, k: int, baseline: int, lag: int, min_sigma: float):
    """Mean and standard deviation of the ``baseline`` periods ending ``lag`` before k."""
    lo, hi = k - lag - baseline + 1, k - lag + 1
    if lo < 0:
        return None
    ref = y[lo:hi]
    return float(ref.mean()), max(float(ref.std(ddof=1)), min_sigma)


class _Ears(Detector):
    """EARS C1/C2: alarm when (y - mean) / sd of the baseline periods exceeds ``threshold``."""

    lag: ClassVar[int] = 0

    def __init__(self, baseline: int = 7, threshold: float = 3.0, min_sigma: float = 0.5):
        self.baseline = baseline
        self.threshold = threshold
        self.min_sigma = min_sigma

    def _rule(self, s: _Series) -> str:
        skip = f", skipping the {self.lag} just before" if self.lag else ""
        return (
            f"more than {self.threshold:g} standard deviations above the mean of the "
            f"{self.baseline} previous {UNIT[s.freq]}s{skip} ({self.label})"
        )

    def _judge(self, s: _Series, k: int) -> dict:
        base = _ears_baseline(s.y, k, self.baseline, self.lag + 1, self.min_sigma)
        if base is None:
            return _short(s, k, self.label, self.baseline + self.lag + 1)
        mean, sd = base
        z = (s.y[k] - mean) / sd
        return _row(
            s, k, expected=mean, threshold=mean + self.threshold * sd, score=z,
            alarm=bool(z > self.threshold), method=self.label, rule=self._rule(s),
            limit=f"{self.threshold:g}-sd limit",
        )  # fmt: skip


def _short(s: _Series, k: int, method: str, needed: int) -> dict:
    return _nothing(
        s, k, f"{method} needs {needed} {UNIT[s.freq]}s before {s.ds[k]:%Y-%m-%d}; only {k} given"
    )


class EarsC1(_Ears):
    """EARS C1: the 7 periods just before (the CDC's shortest baseline)."""

    label = "EARS C1"
    lag = 0


class EarsC2(_Ears):
    """EARS C2: 7 periods, skipping the 2 just before (an outbreak's start stays out)."""

    label = "EARS C2"
    lag = 2


class EarsC3(_Ears):
    """EARS C3: the sum of C2's excess over 1 sd in this and the 2 previous periods, above 2."""

    label = "EARS C3"
    lag = 2

    def __init__(self, baseline: int = 7, threshold: float = 2.0, min_sigma: float = 0.5):
        super().__init__(baseline, threshold, min_sigma)

    def _rule(self, s: _Series) -> str:
        return (
            f"sum over this and the 2 previous {UNIT[s.freq]}s of C2's excess over 1 standard "
            f"deviation above {self.threshold:g} (EARS C3)"
        )

    def _judge(self, s: _Series, k: int) -> dict:
        parts = []
        for j in (k - 2, k - 1, k):
            base = _ears_baseline(s.y, j, self.baseline, self.lag + 1, self.min_sigma)
            if base is None:
                return _short(s, k, self.label, self.baseline + self.lag + 3)
            parts.append(base)
        c2 = [(s.y[j] - m) / sd for j, (m, sd) in zip((k - 2, k - 1, k), parts, strict=True)]
        before = sum(max(0.0, c - 1.0) for c in c2[:2])
        score = before + max(0.0, c2[2] - 1.0)
        mean, sd = parts[2]
        # the count that would take the sum above the threshold, given the 2 periods before
        needed = mean + sd * (1.0 + max(self.threshold - before, 0.0))
        return _row(
            s, k, expected=mean, threshold=needed, score=score,
            alarm=bool(score > self.threshold), method=self.label, rule=self._rule(s),
            limit="C3 limit",
        )  # fmt: skip


# -- Farrington ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Settings:
    """Farrington settings resolved for one frequency."""

    years: int
    half_window: int
    n_periods: int
    past_excluded: int
    alpha: float = 0.005  # the limit is the 1 - alpha upper quantile


@dataclass(frozen=True)
class _Expectation:
    """What the baseline model expects at one period."""

    mu: float  # expected count
    eta: float  # log of it
    se_eta: float
    phi: float  # overdispersion (>= 1)
    years: int  # past years used
    trend: bool
    alpha: float = 0.005


class Farrington(Detector):
    """Farrington et al. (1996): quasi-Poisson GLM (intercept, and a trend when significant) on
    windows of ``2 half_window + 1`` periods around the same period of ``years`` past years;
    residuals above ``reweight_threshold`` (Anscombe) down-weighted as past outbreaks; alarm
    above the upper ``1 - alpha`` limit of a 2/3-power normal approximation.

    Settings left None take per-frequency defaults (weekly: 5 years, windows of 7 weeks;
    monthly: 5 years, windows of 3 months; ``alpha`` 0.005). Points with fewer than
    ``min_years`` past years fall back to EARS C2 and say so.
    """

    label = "Farrington"
    defaults: ClassVar[dict[str, _Settings]] = {
        FREQ_WEEKLY: _Settings(5, 3, 1, 3),
        FREQ_MONTHLY: _Settings(5, 1, 1, 1),
        FREQ_YEARLY: _Settings(5, 0, 1, 0),
    }
    threshold_method: ClassVar[str] = "delta"

    def __init__(
        self,
        years: int | None = None,
        half_window: int | None = None,
        alpha: float | None = None,
        reweight_threshold: float = 1.0,
        trend: bool = True,
        trend_p: float = 0.05,
        min_cases: tuple[int, int] = (5, 4),
        min_years: int = 2,
    ):
        self.years = years
        self.half_window = half_window
        self.alpha = alpha
        self.reweight_threshold = reweight_threshold
        self.trend = trend
        self.trend_p = trend_p
        self.min_cases = min_cases
        self.min_years = min_years

    # settings ------------------------------------------------------------------------------
    def _settings(self, freq: str) -> _Settings:
        d = self.defaults[freq]
        w = d.half_window if self.half_window is None else self.half_window
        return _Settings(int(self.years or d.years), int(w), 1, int(w), self._alpha(d))

    def _alpha(self, d: _Settings) -> float:
        return float(d.alpha if self.alpha is None else self.alpha)

    def _rule(self, s: _Series, e: _Expectation) -> str:
        trend = "with trend" if e.trend else "no trend"
        return (
            f"above the {100 * (1 - e.alpha):g}% limit of a quasi-Poisson model of "
            f"{e.years} past years ({trend}, overdispersion {e.phi:.1f}; {self.label})"
        )

    # the model -----------------------------------------------------------------------------
    def _blocks(self, s: _Series, k: int, st: _Settings) -> tuple[np.ndarray, int]:
        """Seasonal level of each period before k (NaN: not in the baseline) and the number of
        past years used: windows around the same period of past years get level ``n_periods``,
        the stretches between them levels 1..n_periods-1 (Noufaily et al. 2013)."""
        w, p = st.half_window, st.n_periods
        level = np.full(k + 1, np.nan)
        refs = [k]
        for j in range(1, st.years + 1):
            r = s.years_back(k, j)
            if r - w < 0:
                break
            refs.append(r)
        level[max(k - w, 0) : k + 1] = p
        for j in range(1, len(refs)):
            r, newer = refs[j], refs[j - 1]
            level[r - w : r + w + 1] = p
            if p > 1:
                period = newer - 2 * w - 1 - r
                if period < p - 1:
                    continue  # too few periods between windows for the factor's levels
                size, rest = divmod(period, p - 1)
                lengths = np.full(p - 1, size)
                lengths[:rest] += 1
                start = r + w + 1
                for lv, n in enumerate(lengths, start=1):
                    level[start : start + n] = lv
                    start += n
        level[max(k - st.past_excluded, 0) : k + 1] = np.nan
        return level, len(refs) - 1

    def _fit(self, X: np.ndarray, y: np.ndarray):
        fit = fit_quasipoisson(X, y)
        phi = max(fit.dispersion, 1.0)
        if self.reweight_threshold is not None:
            s = anscombe_residuals(fit, y, phi)
            fit = fit_quasipoisson(X, y, farrington_weights(s, self.reweight_threshold))
            phi = max(fit.dispersion, 1.0)
        return fit, phi

    def _expect(self, s: _Series, k: int) -> _Expectation | None:
        """The baseline model's expectation at position k, or None when too little past."""
        st = self._settings(s.freq)
        level, years = self._blocks(s, k, st)
        if years < self.min_years:
            return None
        used = np.flatnonzero(~np.isnan(level))
        y = s.y[used]
        t = used.astype(float)
        levels = level[used].astype(int)
        dummies = [lv for lv in range(1, st.n_periods) if (levels == lv).any()]
        if not (levels == st.n_periods).any():
            return None
        cols = [np.ones(len(used))] + [(levels == lv).astype(float) for lv in dummies]
        base = np.column_stack(cols)
        x0 = np.zeros(base.shape[1])
        x0[0] = 1.0
        trend = False
        if self.trend and years >= 3:
            X = np.column_stack([base, t])
            fit, phi = self._fit(X, y)
            x_now = np.r_[x0, float(k)]
            eta, se = fit.predict_link(x_now, phi)
            j = X.shape[1] - 1
            trend = (
                fit.converged
                and fit.p_value(j, phi) < self.trend_p
                and np.exp(eta) <= y.max()  # no extrapolation beyond what was seen
            )
        if not trend:
            fit, phi = self._fit(base, y)
            eta, se = fit.predict_link(x0, phi)
        return _Expectation(float(np.exp(eta)), eta, se, phi, years, trend, st.alpha)

    def _upper(self, e: _Expectation) -> float:
        """The alarm limit: 2/3-power transformation with the prediction's variance (1996)."""
        z = stats.norm.ppf(1 - e.alpha)
        mu = e.mu
        tau = e.phi + (mu * e.se_eta) ** 2 / mu
        se = np.sqrt(4 / 9 * mu ** (1 / 3) * tau)
        return float((mu ** (2 / 3) + z * se) ** 1.5)

    def _judge(self, s: _Series, k: int) -> dict:
        e = self._expect(s, k)
        if e is None:
            why = (
                f"{self.label} needs {self.min_years} past years before {s.ds[k]:%Y-%m-%d}; "
                f"EARS C2 used"
            )
            row = EarsC2()._judge(s, k)
            if row["method"] == NONE:
                return _nothing(s, k, why.replace("; EARS C2 used", "; " + row["note"]))
            row["note"] = why
            return row
        upper = self._upper(e)
        score = (s.y[k] - e.mu) / (upper - e.mu) if upper > e.mu else np.nan
        cases, weeks = self.min_cases
        enough = s.y[max(k - weeks + 1, 0) : k + 1].sum() >= cases
        alarm = bool(enough and s.y[k] > 0 and np.isfinite(score) and score > 1)
        note = "" if enough else f"fewer than {cases} in the last {weeks} {UNIT[s.freq]}s"
        return _row(
            s, k, expected=e.mu, threshold=upper, score=score, alarm=alarm, method=self.label,
            rule=self._rule(s, e), note=note, limit=f"{100 * (1 - e.alpha):g}% limit",
        )  # fmt: skip


THRESHOLDS = ("nbPlugin", "muan", "predictive")


class FarringtonFlexible(Farrington):
    """Noufaily et al. (2013)'s improved Farrington, the default detector.

    All past periods enter the GLM, with a ``n_periods``-level seasonal factor (windows around
    the same period of past years, and the stretches between them); the latest
    ``past_excluded`` periods stay out of the baseline so an emerging outbreak does not raise
    its own expectation; residuals above 2.58 are down-weighted; the limit is the ``1 - alpha``
    quantile of a negative binomial with the model's mean and overdispersion (``threshold``
    "nbPlugin", as Noufaily et al.), of its upper mean ("muan"), or, the default,
    "predictive": the overdispersion widened by the model's own uncertainty about the mean
    (Farrington 1996's tau). The trend is kept whenever the model does not extrapolate beyond
    the counts seen (``trend_p`` 1; Noufaily et al. keep it only when significant at 5%): a
    real 2-5%-a-year growth that a noisy series cannot show significant biased the expected
    count low, and such fits alarmed in 1.5% of the sample city's clean months, against 0.5%
    with the trend kept. Weekly defaults: 5 years, windows of 7 weeks, 10 levels, 26 weeks left
    out, ``alpha`` 0.005; monthly: the same month of past years (a 3-month window flattened a
    sharp seasonal peak into false alarms) and 10 levels for the other months, 6 months left
    out, ``alpha`` 0.01 (a month holds four weeks of cases: 0.12 false alarms a series a year,
    against 0.26 for weekly series at 0.005). ``alpha`` given applies to every frequency.
    docs/alerts.md has the bench figures.
    """

    label = "Farrington flexible"
    defaults: ClassVar[dict[str, _Settings]] = {
        FREQ_WEEKLY: _Settings(5, 3, 10, 26),
        FREQ_MONTHLY: _Settings(5, 0, 10, 6, alpha=0.01),
        FREQ_YEARLY: _Settings(5, 0, 1, 0),
    }

    def __init__(
        self,
        years: int | None = None,
        half_window: int | None = None,
        n_periods: int | None = None,
        past_excluded: int | None = None,
        alpha: float | None = None,
        reweight_threshold: float = 2.58,
        threshold: str = "predictive",
        trend: bool = True,
        trend_p: float = 1.0,
        min_cases: tuple[int, int] = (5, 4),
        min_years: int = 2,
    ):
        super().__init__(
            years, half_window, alpha, reweight_threshold, trend, trend_p, min_cases, min_years
        )
        self.n_periods = n_periods
        self.past_excluded = past_excluded
        self.threshold = threshold

    def _settings(self, freq: str) -> _Settings:
        d = self.defaults[freq]
        w = d.half_window if self.half_window is None else self.half_window
        past = d.past_excluded if self.past_excluded is None else self.past_excluded
        return _Settings(int(self.years or d.years), int(w), int(self.n_periods or d.n_periods),
                         int(past), self._alpha(d))  # fmt: skip

    def _upper(self, e: _Expectation) -> float:
        if self.threshold not in THRESHOLDS:
            raise ValueError(f"threshold must be one of {THRESHOLDS}, got {self.threshold!r}")
        mu, phi = e.mu, e.phi
        if self.threshold == "muan":
            mu = float(np.exp(e.eta + stats.norm.ppf(1 - e.alpha) * e.se_eta))
        elif self.threshold == "predictive":  # the model's uncertainty about mu added (1996's tau)
            phi = phi + mu * e.se_eta**2
        if phi > 1:
            return float(stats.nbinom.ppf(1 - e.alpha, mu / (phi - 1), 1 / phi))
        return float(stats.poisson.ppf(1 - e.alpha, mu))

    def _rule(self, s: _Series, e: _Expectation) -> str:
        trend = "with trend" if e.trend else "no trend"
        return (
            f"above the {100 * (1 - e.alpha):g}% negative-binomial limit of a quasi-Poisson "
            f"model of {e.years} past years ({trend}, overdispersion {e.phi:.1f}; "
            f"{self.label}, Noufaily 2013)"
        )


# -- CUSUM and EWMA ------------------------------------------------------------------------


#: The expectation that CUSUM and EWMA accumulate excess over: a flexible Farrington model
#: that keeps its trend whenever it does not extrapolate beyond the counts seen. A single
#: period's limit can afford an insignificant trend left out; a sum over many periods cannot
#: (a 2%-a-year growth left out made a clean series drift into alarm).
class _Trended(FarringtonFlexible):
    """The flexible Farrington's expectation for CUSUM and EWMA: monthly windows of 3 months
    (their sums over periods were steadier on them: 0.7-1.0% of clean months alarmed by CUSUM
    against 1.1-1.4% on the same month alone, bench/alerts.py, 36 series a scenario)."""

    defaults: ClassVar[dict[str, _Settings]] = {
        **FarringtonFlexible.defaults,
        FREQ_MONTHLY: _Settings(5, 1, 10, 6),
    }


TRENDED = _Trended(trend_p=1.0)


class _Accumulating(Detector):
    """Accumulates the standardised excess z = (y - mu) / sqrt(phi mu) over the expectation of
    a flexible Farrington model fitted on the periods before (``TRENDED``; EARS C2's mean and
    sd where the series is too short); starts at 0 at the first judged period, restarts after
    an alarm."""

    def _baseline(self, s: _Series, k: int) -> tuple[float, float, str] | None:
        model = self.baseline if self.baseline is not None else TRENDED
        e = model._expect(s, k)
        if e is not None:
            return e.mu, float(np.sqrt(e.phi * max(e.mu, 1e-9))), ""
        base = _ears_baseline(s.y, k, 7, 3, 0.5)
        if base is None:
            return None
        return (
            base[0],
            base[1],
            (
                f"Farrington baseline needs {model.min_years} past years; mean and sd of "
                "7 periods (EARS C2) used"
            ),
        )

    def _detect_series(self, s: _Series, positions: np.ndarray) -> list[dict]:
        rows, state = [], 0.0
        for k in map(int, positions):
            base = self._baseline(s, k)
            if base is None:
                rows.append(_short(s, k, self.label, 10))
                continue
            mu, sd, note = base
            z = (s.y[k] - mu) / sd
            new, needed_z = self._step(state, z)
            alarm = bool(new > self._limit())
            rows.append(
                _row(
                    s,
                    k,
                    expected=mu,
                    threshold=mu + sd * needed_z,
                    score=new,
                    alarm=alarm,
                    method=self.label,
                    rule=self._rule(),
                    note=note,
                    limit=f"{self.label} limit",
                )
            )
            state = 0.0 if alarm else new
        return rows


class Cusum(_Accumulating):
    """One-sided CUSUM: S = max(0, S + z - k), alarm when S > h (k = 0.5, h = 5: a shift of one
    standard deviation is found in about 10 periods; in control, about one false alarm in 460
    periods for normal z, more where the baseline misses a slow trend)."""

    label = "CUSUM"

    def __init__(self, k: float = 0.5, h: float = 5.0, baseline: FarringtonFlexible | None = None):
        self.k = k
        self.h = h
        self.baseline = baseline

    def _limit(self) -> float:
        return self.h

    def _step(self, state: float, z: float) -> tuple[float, float]:
        return max(0.0, state + z - self.k), self.h + self.k - state

    def _rule(self) -> str:
        return (
            f"cumulative standardised excess over the expected count above {self.h:g} "
            f"(allowance {self.k:g} sd per period; CUSUM)"
        )


class Ewma(_Accumulating):
    """EWMA of z: E = lam z + (1 - lam) E, alarm above L sqrt(lam / (2 - lam)) (lam 0.2, L 3)."""

    label = "EWMA"

    def __init__(
        self, lam: float = 0.2, L: float = 3.0, baseline: FarringtonFlexible | None = None
    ):
        self.lam = lam
        self.L = L
        self.baseline = baseline

    def _limit(self) -> float:
        return self.L * float(np.sqrt(self.lam / (2 - self.lam)))

    def _step(self, state: float, z: float) -> tuple[float, float]:
        new = self.lam * z + (1 - self.lam) * state
        return new, (self._limit() - (1 - self.lam) * state) / self.lam

    def _rule(self) -> str:
        return (
            f"exponentially weighted mean of the standardised excess (weight {self.lam:g}) "
            f"above {self._limit():.2f} ({self.L:g} of its sd; EWMA)"
        )


# -- forecast intervals ----------------------------------------------------------------------


def best_single_forecaster(models: tuple[str, ...]) -> Any:
    """civicalloc's ``AutoForecaster`` over ``models`` keeping the single best by backtest
    (no combination), on one core: the forecaster's own intervals, quick enough to refit per
    judged period. Spelled ``trim=0`` by the reworked forecaster, ``prefer=None`` before it."""
    import inspect

    from forecasting.models import AutoForecaster

    known = inspect.signature(AutoForecaster).parameters
    single = {"trim": 0.0} if "trim" in known else {"prefer": None}
    return AutoForecaster(models=models, n_jobs=1, **single)


class ForecastExceedance(Detector):
    """Above the upper limit of civicalloc's one-step-ahead ``level``% forecast interval, the
    forecaster (default: ``AutoForecaster`` choosing between seasonal naive and ETS) fitted
    only on the periods before each judged one; one fit of all series per judged period.

    Weekly series (the forecasters model monthly and yearly ones) and series with fewer than
    ``min_periods`` past periods fall back to the flexible Farrington and say so.
    """

    label = "forecast interval"

    def __init__(self, level: int = 99, forecaster: Any = None, min_periods: int = 24):
        self.level = level
        self.forecaster = forecaster
        self.min_periods = min_periods

    def _forecaster(self):
        if self.forecaster is not None:
            return clone(self.forecaster)
        return best_single_forecaster(("SeasonalNaive", "AutoETS"))

    def detect(self, since=None, until=None) -> pd.DataFrame:
        if not hasattr(self, "series_"):
            raise RuntimeError("call fit(history) before detect")
        rows: list[dict] = []
        todo: dict[pd.Timestamp, list[tuple[_Series, int]]] = {}
        fallback = FarringtonFlexible()
        for s in self.series_.values():
            for k in map(int, self._positions(s, since, until)):
                if s.freq == FREQ_WEEKLY or k < self.min_periods:
                    row = fallback._judge(s, k)
                    why = (
                        "civicalloc's forecasters model monthly and yearly series"
                        if s.freq == FREQ_WEEKLY
                        else f"fewer than {self.min_periods} {UNIT[s.freq]}s before "
                        f"{s.ds[k]:%Y-%m-%d}"
                    )
                    row["note"] = "; ".join(
                        x for x in (f"{why}: Farrington flexible used", row["note"]) if x
                    )
                    rows.append(row)
                else:
                    todo.setdefault(s.ds[k], []).append((s, k))
        for when, items in sorted(todo.items()):
            rows.extend(self._judge_origin(when, items))
        out = pd.DataFrame(rows, columns=RESULT_COLUMNS)
        out["alarm"] = out["alarm"].astype(bool)
        return out.sort_values(["series_id", "ds"], ignore_index=True)

    def _judge_origin(self, when: pd.Timestamp, items: list[tuple[_Series, int]]) -> list[dict]:
        """Fit the forecaster on every series' periods before ``when``; judge ``when``."""
        rows = []
        for freq in sorted({s.freq for s, _ in items}):
            group = [(s, k) for s, k in items if s.freq == freq]
            past = pd.concat(
                [pd.DataFrame({"series_id": s.sid, "ds": s.ds[:k], "y": s.y[:k]}) for s, k in group]
            )
            model = self._forecaster().fit(past, source="history")
            fc = model.predict(1, level=[self.level]).set_index("series_id")
            hi_col = f"yhat-hi-{self.level}"
            for s, k in group:
                yhat, hi = float(fc.loc[s.sid, "yhat"]), float(fc.loc[s.sid, hi_col])
                score = (s.y[k] - yhat) / (hi - yhat) if hi > yhat else np.nan
                chosen = str(fc.loc[s.sid, "model"])
                rows.append(
                    _row(
                        s,
                        k,
                        expected=yhat,
                        threshold=hi,
                        score=score,
                        alarm=bool(s.y[k] > hi),
                        method=self.label,
                        limit=f"{self.level}% forecast limit",
                        rule=(
                            f"above the upper limit of the {self.level}% one-step-ahead forecast "
                            f"interval ({chosen}, fitted on the {k} {UNIT[s.freq]}s before)"
                        ),
                    )  # fmt: skip
                )
        return rows
