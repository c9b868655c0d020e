"""Time-series forecasters: scikit-learn-style estimators over the long table ``series_id, ds, y``.

Settings go in the constructor; ``fit(history)`` learns and returns self; learned state ends
with ``_``; ``predict(h, level=(80, 95))`` returns a long frame with one column per method
(statsforecast naming: ``AutoETS``, ``AutoETS-lo-80``, ``AutoETS-hi-80`` ...), the chosen method
per series in ``model`` (``Ensemble`` for a combination), and the canonical ``yhat``,
``yhat-lo-80``, ``yhat-hi-80`` ... Intervals of every column are calibrated on backtest errors
(``forecasting.calibration``). Forecasts are counts, so they are clipped at zero.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from demand.errors import InputError
from forecasting.calibration import Calibration, calibrate
from forecasting.engine import SeriesFit, fit_one_series, forecast_all, map_series
from forecasting.history import FREQ_MONTHLY, check_history, infer_frequency, season_length_for
from forecasting.methods import (
    ARIMA,
    AUTO_ETS,
    AUTO_THETA,
    CES,
    DAMPED_ETS,
    DYNAMIC_THETA,
    ENSEMBLE,
    INTERMITTENT,
    KNOWN,
    SARIMAX,
    SEASONAL_NAIVE,
    SES,
    MethodSpec,
)
from forecasting.selection import PRIOR_WINDOWS, TRIM, select

__all__ = [
    "AutoForecaster",
    "DEFAULT_MODELS",
    "ETSForecaster",
    "SARIMAXForecaster",
    "SeasonalNaiveForecaster",
    "ThetaForecaster",
    "interval_columns",
]

#: The default candidates of AutoForecaster; the intermittent ones are fitted only to series
#: with many zero months. AutoETS is left to ``models=``: with ARIMA in the pool it added
#: nothing measurable (docs/forecasting.md) and both would not fit the time budget.
DEFAULT_MODELS = (SEASONAL_NAIVE, SES, DAMPED_ETS, DYNAMIC_THETA, CES, ARIMA, *INTERMITTENT)
#: Periods at the end of each series that serve as backtest origins (the evidence for the
#: choice and the calibration), every ``ORIGIN_STEP``-th of them.
EVIDENCE = 24
ORIGIN_STEP = 2
YHAT = "yhat"


def interval_columns(name: str, level: Sequence[int]) -> list[str]:
    """Column names for a method's point forecast and intervals, statsforecast style."""
    cols = [name]
    for lv in sorted(level):
        cols += [f"{name}-lo-{lv}", f"{name}-hi-{lv}"]
    return cols


class _SeriesForecaster(BaseEstimator):
    """Shared fit/predict over many series; subclasses say which methods are candidates."""

    def _trim(self) -> float:
        """The share above the best score a candidate may be and still be combined."""
        if getattr(self, "prefer", ENSEMBLE) is None:
            return 0.0
        return float(getattr(self, "trim", 0.0) or 0.0)

    def _specs(self) -> list[MethodSpec]:
        raise NotImplementedError

    def _drivers(self) -> list[str]:
        return list(getattr(self, "drivers", None) or [])

    # -- fit -------------------------------------------------------------------------------
    def fit(self, history: pd.DataFrame, source: str = "history") -> _SeriesForecaster:
        """Learn the candidates per series, choose, and calibrate intervals on the backtests."""
        history = check_history(history, source=source)
        drivers = self._drivers()
        missing = [d for d in drivers if d not in history.columns]
        if missing:
            raise InputError(
                f"{source}: driver column(s) {', '.join(missing)} not found; add them to the "
                "history table or remove them from drivers"
            )
        self.freq_ = infer_frequency(history, source=source)
        m = getattr(self, "season_length", None) or season_length_for(self.freq_)
        self.season_length_ = int(m)
        sel_h = getattr(self, "selection_horizon", None) or max(self.season_length_, 1)
        if self.freq_ != FREQ_MONTHLY and not getattr(self, "selection_horizon", None):
            sel_h = 1
        self.horizon_ = int(sel_h)
        self.unit_ = "month" if self.freq_ == FREQ_MONTHLY else "year"
        specs = self._specs()
        evidence = int(getattr(self, "evidence", EVIDENCE) or 0) if len(specs) > 0 else 0
        shifts = bool(getattr(self, "detect_shifts", False))
        items = []
        self.last_ds_: dict[str, pd.Timestamp] = {}
        for sid, g in history.groupby("series_id", sort=True):
            y = g["y"].to_numpy(float)
            X = g[drivers].to_numpy(float) if drivers else None
            self.last_ds_[str(sid)] = g["ds"].iloc[-1]
            items.append(
                (
                    str(sid),
                    y,
                    X,
                    specs,
                    self.season_length_,
                    self.horizon_,
                    evidence,
                    shifts,
                    int(getattr(self, "origin_step", ORIGIN_STEP) or 1),
                )
            )
        fits: list[SeriesFit] = map_series(fit_one_series, items, n_jobs=getattr(self, "n_jobs", 1))
        self.fits_ = {f.series_id: f for f in fits}
        self.series_ids_ = list(self.fits_)
        self.methods_ = [s.name for s in specs]
        self.specs_ = specs
        self.drivers_ = drivers
        members = [s.name for s in specs]
        self.set_scores_ = select(
            fits,
            members,
            trim=self._trim(),
            prior_windows=float(getattr(self, "prior_windows", PRIOR_WINDOWS)),
            unit=self.unit_,
        )
        self.calibration_ = self._calibrate(fits)
        return self

    def _calibrate(self, fits: list[SeriesFit]) -> dict[str, Calibration]:
        """One calibration per method column and one for ``yhat`` (each series' choice)."""
        levels = (50, 80, 90, 95, 99)
        out: dict[str, Calibration] = {}

        def scores(pred_of):
            for f in fits:
                if f.actual is None or f.sd is None:
                    continue
                pred = pred_of(f)
                if pred is not None:
                    yield f.series_id, (f.actual - pred) / f.sd[None, : f.actual.shape[1]]

        for name in self.methods_:
            out[name] = calibrate(scores(lambda f, k=name: f.bt.get(k)), levels, self.horizon_)
        out[YHAT] = calibrate(scores(_combined_backtest), levels, self.horizon_)
        return out

    # -- learned summaries -----------------------------------------------------------------
    @property
    def choice_(self) -> pd.DataFrame:
        """Per series: the choice, its weights, every candidate's backtest MASE, the reason."""
        rows = []
        for f in self.fits_.values():
            row = {
                "series_id": f.series_id,
                "model": f.chosen,
                "weights": ", ".join(f"{k} {w:.2f}" for k, w in f.weights.items()),
                "n_obs": f.n_obs,
                "n_windows": f.n_windows,
                "level_shift": f.shift.describe(self.unit_) if f.shift is not None else "",
                "reason": f.reason,
            }
            row.update({f"mase_{k}": v for k, v in f.scores.items()})
            rows.append(row)
        return pd.DataFrame(rows)

    def calibration_table(self, name: str = YHAT) -> pd.DataFrame:
        """The interval calibration of ``name`` (a method or ``yhat``): level, horizon, the
        score quantiles q_lo / q_hi (in interval-scale units) and the scores behind them."""
        return pd.DataFrame(self.calibration_[name].table())

    # -- predict ---------------------------------------------------------------------------
    def _future_drivers(self, X_future: pd.DataFrame | None, sid: str, h: int) -> np.ndarray | None:
        if not self.drivers_:
            return None
        if X_future is None:
            raise InputError(
                f"drivers {', '.join(self.drivers_)} are used, so predict needs X_future with "
                "series_id, ds and those columns for every forecast period"
            )
        dates = pd.date_range(self.last_ds_[sid], periods=h + 1, freq=self.freq_)[1:]
        g = X_future[X_future["series_id"].astype(str) == sid].set_index("ds")
        try:
            return g.loc[dates, self.drivers_].to_numpy(float)
        except KeyError:
            raise InputError(
                f"X_future: series {sid} lacks driver values for some of "
                f"{dates[0]:%Y-%m-%d}..{dates[-1]:%Y-%m-%d}; give one row per forecast period"
            ) from None

    def predict(
        self, h: int, level: Sequence[int] = (80, 95), X_future: pd.DataFrame | None = None
    ) -> pd.DataFrame:
        """Forecast ``h`` periods past each series' end, with intervals at ``level`` percent."""
        if not hasattr(self, "fits_"):
            raise RuntimeError("call fit(history) before predict")
        if int(h) < 1:
            raise InputError(f"horizon must be at least 1 period, got {h}")
        level = sorted({int(lv) for lv in level})
        bad = [lv for lv in level if not 0 < lv < 100]
        if bad:
            raise InputError(f"interval levels must be between 0 and 100 percent, got {bad}")
        items = [
            (f, self.specs_, int(h), level, self._future_drivers(X_future, sid, h),
             self.calibration_)
            for sid, f in self.fits_.items()
        ]  # fmt: skip
        parts = map_series(_predict_one, items, n_jobs=getattr(self, "n_jobs", 1), min_parallel=200)
        sids = list(self.fits_)
        dates = np.concatenate(
            [
                pd.date_range(self.last_ds_[sid], periods=h + 1, freq=self.freq_)[1:].to_numpy()
                for sid in sids
            ]
        )
        columns: dict[str, np.ndarray] = {"series_id": np.repeat(sids, h), "ds": dates}
        for name in [*self.methods_, "model", YHAT]:
            for col in interval_columns(name, level) if name != "model" else ["model"]:
                values = np.concatenate([p[col] for p in parts])
                columns[col] = values if col == "model" else np.clip(values, 0, None)
        return pd.DataFrame(columns)

    def residuals(self) -> pd.DataFrame:
        """In-sample one-step residuals of the chosen forecast: series_id, ds, y, fitted, resid.

        ``y`` is the history the models were fitted to (before a level shift: moved to the
        new level)."""
        frames = []
        for sid, f in self.fits_.items():
            fitted = _combined_fitted(f)
            y = f.y_fit if f.y_fit is not None else f.y
            dates = pd.date_range(end=self.last_ds_[sid], periods=f.n_obs, freq=self.freq_)
            frames.append(
                pd.DataFrame({"series_id": sid, "ds": dates, "y": y, "fitted": fitted,
                              "resid": y - fitted})
            )  # fmt: skip
        return pd.concat(frames, ignore_index=True)


def _combined_backtest(f: SeriesFit) -> np.ndarray | None:
    """Backtest forecasts of a series' choice for calibration: cross-fitted where the
    origins allow (``selection._cross_fitted``), else with the chosen weights."""
    if f.bt_chosen is not None:
        return f.bt_chosen
    if not f.weights or not all(k in f.bt for k in f.weights):
        return None
    return sum(w * f.bt[k] for k, w in f.weights.items())


def _combined_fitted(f: SeriesFit) -> np.ndarray:
    """In-sample one-step fitted values of the chosen combination."""
    parts, total = [], 0.0
    for k, w in (f.weights or {f.chosen: 1.0}).items():
        try:
            fitted = np.asarray(f.models[k].predict_in_sample()["fitted"], float)
        except Exception:  # a member without in-sample fits is left out of the mean
            continue
        parts.append(w * fitted)
        total += w
    if not parts:
        return np.full(f.n_obs, np.nan)
    return np.sum(parts, axis=0) / total


def _predict_one(
    f: SeriesFit,
    specs: list[MethodSpec],
    h: int,
    level: list[int],
    xf: np.ndarray | None,
    calibration: dict[str, Calibration],
) -> dict[str, np.ndarray]:
    """Point forecasts and calibrated intervals of every method for one series, plus the
    chosen forecast as ``yhat``."""
    import warnings

    part: dict[str, np.ndarray] = {}
    if f.means and f.sd is not None and h <= len(f.sd) and xf is None:
        means = {k: v[:h] for k, v in f.means.items()}  # computed at fit time
        sd = f.sd[:h]
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = f.y_fit if f.y_fit is not None else f.y
            means, sd = forecast_all(f.models, f.specs, h, y, X_future=xf)
    for spec in specs:
        name = spec.name
        if name not in means:
            part.update({c: np.full(h, np.nan) for c in interval_columns(name, level)})
            continue
        part[name] = means[name]
        for lv in level:
            lo, hi = calibration[name].bounds(f.series_id, means[name], sd, lv)
            part[f"{name}-lo-{lv}"], part[f"{name}-hi-{lv}"] = lo, hi
    weights = {k: w for k, w in f.weights.items() if k in means} or {f.chosen: 1.0}
    total = sum(weights.values())
    yhat = sum(w * means[k] for k, w in weights.items()) / total
    part[YHAT] = yhat
    for lv in level:
        # Half the interval from the choice's own (cross-fitted) backtest errors, half the
        # members' calibrated intervals averaged: the first runs narrow, as the weights were
        # chosen on those backtests; the second wide, as it ignores what combining gains.
        lo, hi = calibration[YHAT].bounds(f.series_id, yhat, sd, lv)
        lo_m = sum(w * part[f"{k}-lo-{lv}"] for k, w in weights.items()) / total
        hi_m = sum(w * part[f"{k}-hi-{lv}"] for k, w in weights.items()) / total
        part[f"{YHAT}-lo-{lv}"] = np.minimum((lo + lo_m) / 2, yhat)
        part[f"{YHAT}-hi-{lv}"] = np.maximum((hi + hi_m) / 2, yhat)
    part["model"] = np.repeat(f.chosen, h).astype(object)
    return part


class SeasonalNaiveForecaster(_SeriesForecaster):
    """Next year's month = this year's same month (yearly series: last value); the baseline."""

    def __init__(self, season_length: int | None = None, n_jobs: int | None = 1):
        self.season_length = season_length
        self.n_jobs = n_jobs

    def _specs(self) -> list[MethodSpec]:
        return [MethodSpec(SEASONAL_NAIVE)]


class ETSForecaster(_SeriesForecaster):
    """Exponential smoothing (statsforecast AutoETS; form chosen per series by AICc)."""

    def __init__(
        self, model: str = "ZZZ", season_length: int | None = None, n_jobs: int | None = 1
    ):
        self.model = model
        self.season_length = season_length
        self.n_jobs = n_jobs

    def _specs(self) -> list[MethodSpec]:
        return [MethodSpec(AUTO_ETS, {"model": self.model})]


class ThetaForecaster(_SeriesForecaster):
    """Theta method (statsforecast AutoTheta), strong on monthly counts."""

    def __init__(self, season_length: int | None = None, n_jobs: int | None = 1):
        self.season_length = season_length
        self.n_jobs = n_jobs

    def _specs(self) -> list[MethodSpec]:
        return [MethodSpec(AUTO_THETA)]


class SARIMAXForecaster(_SeriesForecaster):
    """Seasonal ARIMA with exogenous drivers (statsmodels), e.g. population 65+ or unemployment.

    ``drivers`` name extra numeric columns of the history table; predict then needs their
    future values in ``X_future`` (series_id, ds, drivers...).
    """

    def __init__(
        self,
        order: tuple[int, int, int] = (1, 0, 0),
        seasonal_order: tuple[int, int, int] = (0, 1, 1),
        trend: str | None = "c",
        drivers: Sequence[str] | None = None,
        season_length: int | None = None,
        n_jobs: int | None = 1,
    ):
        self.order = order
        self.seasonal_order = seasonal_order
        self.trend = trend
        self.drivers = drivers
        self.season_length = season_length
        self.n_jobs = n_jobs

    def _specs(self) -> list[MethodSpec]:
        return [
            MethodSpec(
                SARIMAX,
                {
                    "order": tuple(self.order),
                    "trend": self.trend,
                    "seasonal_order": tuple(self.seasonal_order),
                },
            )
        ]


class AutoForecaster(_SeriesForecaster):
    """Forecasts each series with a weighted combination of its good candidates, by backtest.

    ``models`` lists the candidates (names in ``forecasting.methods``; default
    ``DEFAULT_MODELS``: seasonal naive, SES, damped Holt-Winters, dynamic Theta, CES, ARIMA
    (small order search, ``forecasting.arima``), and for series with many zero months Croston
    SBA, TSB, ADIDA and IMAPA; AutoETS, AutoTheta and AutoARIMA on request; a candidate whose
    next-season total runs over 2x or under half the last season's is left out of the
    combination). Each series is backtested from every
    ``origin_step``-th of its last ``evidence`` periods, ``selection_horizon`` periods ahead
    (default one season: 12 months; 1 for yearly series). Candidates whose backtest MASE,
    shrunk toward the whole set's by ``prior_windows`` windows' worth, is more than ``trim``
    above the best are left out; the others are weighted by 1 / backtest MSE (``trim=0``: the
    single best).
    ``choice_`` explains every choice; intervals of every column are calibrated on the
    backtest errors (``calibration_table()``). ``detect_shifts`` moves the history before a
    lasting level shift to the new level. ``prefer=None`` (kept for older callers) is
    ``trim=0``. ``ets_model`` is the AutoETS
    search space ("AZZ": additive errors, any trend and season; "ZZZ": 3x slower).
    """

    def __init__(
        self,
        models: Sequence[str] = DEFAULT_MODELS,
        selection_horizon: int | None = None,
        evidence: int = EVIDENCE,
        origin_step: int = ORIGIN_STEP,
        trim: float = TRIM,
        prior_windows: float = PRIOR_WINDOWS,
        ets_model: str = "AZZ",
        detect_shifts: bool = True,
        drivers: Sequence[str] | None = None,
        season_length: int | None = None,
        n_jobs: int | None = -1,
        prefer: str | None = ENSEMBLE,
    ):
        self.models = models
        self.selection_horizon = selection_horizon
        self.evidence = evidence
        self.origin_step = origin_step
        self.trim = trim
        self.prior_windows = prior_windows
        self.ets_model = ets_model
        self.detect_shifts = detect_shifts
        self.drivers = drivers
        self.season_length = season_length
        self.n_jobs = n_jobs
        self.prefer = prefer

    def _specs(self) -> list[MethodSpec]:
        names = [m for m in self.models if m != ENSEMBLE]  # the combination is always formed
        if not names:
            raise InputError("AutoForecaster needs at least one candidate model")
        unknown = [m for m in names if m not in KNOWN]
        if unknown:
            raise InputError(
                f"unknown forecasting method(s) {', '.join(unknown)}; choose from "
                f"{', '.join(k for k in KNOWN if k != ENSEMBLE)}"
            )
        if getattr(self, "prefer", ENSEMBLE) not in (ENSEMBLE, None):
            raise InputError(f"prefer is {ENSEMBLE!r} (combine) or None (the single best)")
        if not float(self.trim) >= 0:
            raise InputError(f"trim must be a share >= 0 (0: the single best), got {self.trim}")
        return [
            MethodSpec(name, {"model": self.ets_model}) if name == AUTO_ETS else MethodSpec(name)
            for name in dict.fromkeys(names)
        ]
