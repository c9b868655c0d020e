"""Time-series forecasters: scikit-learn-style estimators over the long table ``series_id, ds, y``.

Settings go in the constructor; ``fit(history)`` learns and returns self; learned state ends
with ``_``; ``predict(h, level=(80, 95))`` returns a long frame with one column per method
(statsforecast naming: ``AutoETS``, ``AutoETS-lo-80``, ``AutoETS-hi-80`` ...), the chosen method
per series in ``model``, and the canonical ``yhat``, ``yhat-lo-80``, ``yhat-hi-80`` ...
Forecasts are counts, so they are clipped at zero.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from demand.errors import InputError
from forecasting.engine import SeriesFit, fit_one_series, map_series
from forecasting.history import FREQ_MONTHLY, check_history, infer_frequency, season_length_for
from forecasting.methods import (
    AUTO_ETS,
    AUTO_THETA,
    ENSEMBLE,
    ENSEMBLE_MEMBERS,
    SARIMAX,
    SEASONAL_NAIVE,
    MethodSpec,
)

__all__ = [
    "AutoForecaster",
    "ETSForecaster",
    "SARIMAXForecaster",
    "SeasonalNaiveForecaster",
    "ThetaForecaster",
    "interval_columns",
]


def interval_columns(name: str, level: Sequence[int]) -> list[str]:
    """Column names for a method's point forecast and intervals, statsforecast style."""
    cols = [name]
    for lv in sorted(level):
        cols += [f"{name}-lo-{lv}", f"{name}-hi-{lv}"]
    return cols


class _SeriesForecaster(BaseEstimator):
    """Shared fit/predict over many series; subclasses say which methods are candidates."""

    def _specs(self) -> list[MethodSpec]:
        raise NotImplementedError

    def _drivers(self) -> list[str]:
        return list(getattr(self, "drivers", None) or [])

    # -- fit -------------------------------------------------------------------------------
    def fit(self, history: pd.DataFrame, source: str = "history") -> _SeriesForecaster:
        """Learn one model (or a choice of models) per series from the long history frame."""
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
        unit = "month" if self.freq_ == FREQ_MONTHLY else "year"
        specs = self._specs()
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
                    int(sel_h),
                    int(getattr(self, "selection_windows", 0) or 0),
                    unit,
                    getattr(self, "prefer", None),
                    float(getattr(self, "switch_margin", 0.0) or 0.0),
                )
            )
        fits: list[SeriesFit] = map_series(fit_one_series, items, n_jobs=getattr(self, "n_jobs", 1))
        self.fits_ = {f.series_id: f for f in fits}
        self.series_ids_ = list(self.fits_)
        self.methods_ = [s.name for s in specs]
        self.drivers_ = drivers
        return self

    # -- learned summaries -----------------------------------------------------------------
    @property
    def choice_(self) -> pd.DataFrame:
        """Per series: the chosen method, every candidate's backtest MASE, the reason in words."""
        rows = []
        for f in self.fits_.values():
            row = {
                "series_id": f.series_id,
                "model": f.chosen,
                "n_obs": f.n_obs,
                "n_windows": f.n_windows,
                "reason": f.reason,
            }
            row.update({f"mase_{k}": v for k, v in f.scores.items()})
            rows.append(row)
        return pd.DataFrame(rows)

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
            (f, self.methods_, int(h), level, self._future_drivers(X_future, sid, h))
            for sid, f in self.fits_.items()
        ]
        parts = map_series(_predict_one, items, n_jobs=getattr(self, "n_jobs", 1), min_parallel=200)
        sids = list(self.fits_)
        dates = np.concatenate(
            [
                pd.date_range(self.last_ds_[sid], periods=h + 1, freq=self.freq_)[1:].to_numpy()
                for sid in sids
            ]
        )
        columns: dict[str, np.ndarray] = {"series_id": np.repeat(sids, h), "ds": dates}
        for name in [*self.methods_, "model", "yhat"]:
            for col in interval_columns(name, level) if name != "model" else ["model"]:
                values = np.concatenate([p[col] for p in parts])
                columns[col] = values if col == "model" else np.clip(values, 0, None)
        return pd.DataFrame(columns)

    def residuals(self) -> pd.DataFrame:
        """In-sample one-step residuals of the chosen model: series_id, ds, y, fitted, resid."""
        frames = []
        for sid, f in self.fits_.items():
            fitted = np.asarray(f.models[f.chosen].predict_in_sample()["fitted"], float)
            dates = pd.date_range(end=self.last_ds_[sid], periods=f.n_obs, freq=self.freq_)
            frames.append(
                pd.DataFrame(
                    {
                        "series_id": sid,
                        "ds": dates,
                        "y": f.y,
                        "fitted": fitted,
                        "resid": f.y - fitted,
                    }
                )
            )
        return pd.concat(frames, ignore_index=True)


def _predict_one(
    f: SeriesFit, methods: list[str], h: int, level: list[int], xf: np.ndarray | None
) -> dict[str, np.ndarray]:
    """Point forecasts and intervals of every fitted method for one series, plus the choice."""
    part: dict[str, np.ndarray] = {}
    # the ensemble last, averaged from its members' columns rather than predicted twice
    for name in sorted(methods, key=lambda m: m == ENSEMBLE):
        model = f.models.get(name)
        if model is None:
            part.update({c: np.full(h, np.nan) for c in interval_columns(name, level)})
            continue
        if name == ENSEMBLE and all(m in part for m in ENSEMBLE_MEMBERS):
            for col, src in zip(
                interval_columns(name, level),
                zip(*[interval_columns(m, level) for m in ENSEMBLE_MEMBERS], strict=True),
                strict=True,
            ):
                part[col] = np.mean([part[c] for c in src], axis=0)
            continue
        use_x = xf if name == SARIMAX else None
        out = model.predict(h=h, X=use_x, level=level) if level else model.predict(h=h)
        part[name] = np.asarray(out["mean"], float)
        for lv in level:
            part[f"{name}-lo-{lv}"] = np.asarray(out[f"lo-{lv}"], float)
            part[f"{name}-hi-{lv}"] = np.asarray(out[f"hi-{lv}"], float)
    part["model"] = np.repeat(f.chosen, h).astype(object)
    for src, dst in zip(
        interval_columns(f.chosen, level), interval_columns("yhat", level), strict=True
    ):
        part[dst] = part[src]
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
    """Chooses per series among candidate methods by rolling-origin backtest MASE.

    ``models`` lists candidates by name ("SeasonalNaive", "AutoETS", "AutoTheta", "Ensemble" =
    mean of AutoETS and AutoTheta, "SARIMAX");
    each series is backtested over ``selection_windows`` origins, ``selection_horizon`` periods
    ahead (default: one season, 12 months; 1 for yearly). ``choice_`` explains every choice.
    ``prefer`` (default the Ensemble) is kept unless another candidate's backtest MASE is
    ``switch_margin`` (share, default 0.2) lower: on the hospital data, picking the plain
    minimum scored worse than always using the Ensemble, because 3 windows are noisy.
    ``ets_model`` is the AutoETS search space: "AZZ" (additive errors, any trend and season)
    is 3x faster than "ZZZ" and as accurate on the hospital data (docs/forecasting.md).
    """

    def __init__(
        self,
        models: Sequence[str] = (SEASONAL_NAIVE, AUTO_ETS, AUTO_THETA, ENSEMBLE),
        selection_horizon: int | None = None,
        selection_windows: int = 3,
        ets_model: str = "AZZ",
        prefer: str | None = ENSEMBLE,
        switch_margin: float = 0.2,
        drivers: Sequence[str] | None = None,
        season_length: int | None = None,
        n_jobs: int | None = -1,
    ):
        self.models = models
        self.selection_horizon = selection_horizon
        self.selection_windows = selection_windows
        self.ets_model = ets_model
        self.prefer = prefer
        self.switch_margin = switch_margin
        self.drivers = drivers
        self.season_length = season_length
        self.n_jobs = n_jobs

    def _specs(self) -> list[MethodSpec]:
        if not self.models:
            raise InputError("AutoForecaster needs at least one candidate model")
        if self.prefer is not None and self.prefer not in self.models:
            raise InputError(f"prefer={self.prefer!r} must be one of the models {self.models}")
        if ENSEMBLE in self.models and not set(ENSEMBLE_MEMBERS) <= set(self.models):
            raise InputError(f"{ENSEMBLE} averages {' and '.join(ENSEMBLE_MEMBERS)}: list them too")
        return [
            MethodSpec(name, {"model": self.ets_model}) if name == AUTO_ETS else MethodSpec(name)
            for name in self.models
        ]
