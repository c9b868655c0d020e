"""The forecasting methods a forecaster can use, each built fresh for one series.

Every built model follows the statsforecast protocol: ``fit(y, X)`` returns the model,
``predict(h, X, level)`` returns a dict with ``mean`` (and ``lo-80``/``hi-80``... where the
method has its own intervals), and ``predict_in_sample()`` returns ``{"fitted": ...}``.
Statistical methods come from statsforecast (compiled with numba, fast); SARIMAX with
exogenous drivers comes from statsmodels.

| name | what it is |
| --- | --- |
| SeasonalNaive | this year's same month (the baseline) |
| Naive | the last value |
| SES | simple exponential smoothing, smoothing weight optimised |
| AutoETS | exponential smoothing, form (error, trend incl. damped, season) by AICc |
| DampedETS | damped Holt-Winters ETS(A,Ad,A), least squares (``forecasting.holt_winters``) |
| AutoTheta | Theta, variant (standard/optimised/dynamic) by in-sample MSE |
| DynamicTheta | dynamic optimised Theta (DOTM), seasonally adjusted (``forecasting.theta``) |
| CES | complex exponential smoothing, seasonal form by AIC |
| ARIMA | seasonal ARIMA, orders by a small stepwise search (``forecasting.arima``) |
| AutoARIMA | seasonal ARIMA, orders by statsforecast's full stepwise AICc search (slow: opt-in) |
| CrostonSBA, TSB, ADIDA, IMAPA | intermittent demand (many zero months) |
| SARIMAX | seasonal ARIMA with exogenous drivers (statsmodels) |
| Ensemble | weighted combination of the others (``forecasting.selection``) |
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "ADIDA",
    "ARIMA",
    "AUTO_ARIMA",
    "AUTO_ETS",
    "AUTO_THETA",
    "CES",
    "CROSTON_SBA",
    "DAMPED_ETS",
    "DYNAMIC_THETA",
    "ENSEMBLE",
    "IMAPA",
    "INTERMITTENT",
    "KNOWN",
    "MethodSpec",
    "NAIVE",
    "SARIMAX",
    "SEASONAL_NAIVE",
    "SES",
    "TSB",
    "chosen_form",
    "ets_spec",
]

SEASONAL_NAIVE = "SeasonalNaive"
NAIVE = "Naive"
SES = "SES"
AUTO_ETS = "AutoETS"
DAMPED_ETS = "DampedETS"
AUTO_THETA = "AutoTheta"
DYNAMIC_THETA = "DynamicTheta"
CES = "CES"
ARIMA = "ARIMA"
AUTO_ARIMA = "AutoARIMA"
CROSTON_SBA = "CrostonSBA"
TSB = "TSB"
ADIDA = "ADIDA"
IMAPA = "IMAPA"
SARIMAX = "SARIMAX"
ENSEMBLE = "Ensemble"
INTERMITTENT = (CROSTON_SBA, TSB, ADIDA, IMAPA)
KNOWN = (
    SEASONAL_NAIVE,
    NAIVE,
    SES,
    AUTO_ETS,
    DAMPED_ETS,
    AUTO_THETA,
    DYNAMIC_THETA,
    CES,
    ARIMA,
    AUTO_ARIMA,
    *INTERMITTENT,
    SARIMAX,
    ENSEMBLE,
)
#: Methods whose own predictive intervals are cheap; their widths set the scale that
#: ``forecasting.calibration`` calibrates (CES simulates its intervals: 60 ms a series).
WITH_INTERVALS = (SEASONAL_NAIVE, NAIVE, AUTO_ETS, DAMPED_ETS, AUTO_THETA, DYNAMIC_THETA,
                  ARIMA, AUTO_ARIMA, SARIMAX)  # fmt: skip
#: Methods that need two full seasons to be seasonal.
_SEASONAL_FIT = (AUTO_ETS, DAMPED_ETS, AUTO_THETA, DYNAMIC_THETA, CES, ARIMA, AUTO_ARIMA)


def ets_spec(fitted_model: Any) -> tuple[str, bool] | None:
    """The (model code, damped) of a fitted statsforecast AutoETS, e.g. ('AAM', True)."""
    method = getattr(fitted_model, "model_", {}).get("method", "")
    if not method.startswith("ETS("):
        return None
    parts = method[4:-1].split(",")
    damped = parts[1].endswith("d")
    return parts[0] + parts[1].rstrip("d") + parts[2], damped


def chosen_form(name: str, fitted_model: Any) -> Any:
    """The form an automatic method picked (ETS code, Theta variant, ARIMA orders, CES form;
    the damped Holt-Winters weights as a search start), to refit it cheaply at earlier origins."""
    model = getattr(fitted_model, "model_", None)
    if name == AUTO_ETS:
        return ets_spec(fitted_model)
    if name == DAMPED_ETS:
        form = getattr(fitted_model, "form_", None)
        return None if form is None else (fitted_model.log_, form)
    if name == AUTO_THETA:
        return (model or {}).get("modeltype")
    if name == DYNAMIC_THETA:
        return getattr(fitted_model, "form_", None)
    if name == CES:
        return (model or {}).get("seasontype")
    if name == ARIMA:
        return getattr(fitted_model, "form_", None)
    if name == AUTO_ARIMA and model is not None:
        arma = model["arma"]  # p, q, P, Q, m, d, D
        return (arma[0], arma[5], arma[1]), (arma[2], arma[6], arma[3])
    return None


class _SarimaxModel:
    """statsmodels SARIMAX behind the statsforecast protocol (drivers as exogenous regressors)."""

    def __init__(self, order: tuple, seasonal_order: tuple, season_length: int, trend: str | None):
        self.order = tuple(order)
        self.seasonal_order = tuple(seasonal_order)
        self.season_length = season_length
        self.trend = trend

    def fit(self, y: np.ndarray, X: np.ndarray | None = None) -> _SarimaxModel:
        from statsmodels.tsa.statespace.sarimax import SARIMAX as _SM

        m = self.season_length
        seasonal = (*self.seasonal_order, m) if m > 1 and len(y) > 2 * m else (0, 0, 0, 0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.res_ = _SM(
                y, exog=X, order=self.order, seasonal_order=seasonal, trend=self.trend
            ).fit(disp=False)
        return self

    def predict(
        self, h: int, X: np.ndarray | None = None, level: list[int] | None = None
    ) -> dict[str, np.ndarray]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fc = self.res_.get_forecast(h, exog=X)
            out = {"mean": np.asarray(fc.predicted_mean, float)}
            for lv in level or []:
                ci = np.asarray(fc.conf_int(alpha=1 - lv / 100), float)
                out[f"lo-{lv}"], out[f"hi-{lv}"] = ci[:, 0], ci[:, 1]
        return out

    def forward(
        self,
        y: np.ndarray,
        h: int,
        X: np.ndarray | None = None,
        X_future: np.ndarray | None = None,
    ) -> dict[str, np.ndarray]:
        """Forecast from the end of ``y`` with the fitted parameters (no re-estimation)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = self.res_.apply(y, exog=X)
            steps = h if X_future is None else min(h, len(X_future))
            fc = res.get_forecast(steps, exog=X_future)
        return {"mean": np.asarray(fc.predicted_mean, float)}

    def predict_in_sample(self) -> dict[str, np.ndarray]:
        return {"fitted": np.asarray(self.res_.fittedvalues, float)}


@dataclass(frozen=True)
class MethodSpec:
    """A method by name plus its settings; ``build`` makes an unfitted model for one series."""

    name: str
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.name not in KNOWN:
            raise ValueError(f"unknown forecasting method {self.name!r}; choose from {KNOWN}")

    @property
    def uses_drivers(self) -> bool:
        """Whether the method reads exogenous driver columns."""
        return self.name == SARIMAX

    @property
    def has_intervals(self) -> bool:
        """Whether the method's own intervals are cheap enough to set an interval scale."""
        return self.name in WITH_INTERVALS

    def build(self, season_length: int, n_obs: int, fixed: Any = None) -> Any:
        """A fresh model for a series of ``n_obs`` periods; ``fixed`` pins the form that the
        automatic search picked (see ``chosen_form``), so only parameters are re-estimated."""
        import statsforecast.models as sf

        if self.name == ENSEMBLE:
            raise ValueError("the ensemble is combined from fitted members, not built")
        # Seasonal models need two full seasons; shorter series are modelled without season.
        m = season_length if n_obs >= 2 * season_length + 2 else 1
        name = self.name
        if name == SEASONAL_NAIVE:
            return sf.SeasonalNaive(season_length=season_length if n_obs > season_length else 1)
        if name == NAIVE:
            return sf.Naive()
        if name == SES:
            return sf.SimpleExponentialSmoothingOptimized()
        if name == AUTO_ETS:
            if fixed is not None:
                code, damped = fixed
                if m == 1 and code[2] != "N":
                    code = code[:2] + "N"
                return sf.AutoETS(season_length=m, model=code, damped=damped)
            return sf.AutoETS(season_length=m, model=self.params.get("model", "ZZZ"))
        if name == DAMPED_ETS:
            from forecasting.holt_winters import DampedHoltWinters

            log, start = fixed if fixed is not None else (None, None)
            return DampedHoltWinters(season_length=m, start=start, log=log)
        if name == AUTO_THETA:
            return sf.AutoTheta(season_length=m, model=fixed)
        if name == DYNAMIC_THETA:
            from forecasting.theta import SeasonalTheta

            return SeasonalTheta(season_length=m, season=fixed)
        if name == CES:
            form = fixed if fixed is not None else ("Z" if m > 1 else "N")
            return sf.AutoCES(season_length=m, model=form if m > 1 else "N")
        if name == ARIMA:
            from forecasting.arima import SmallARIMA

            return SmallARIMA(season_length=m, fixed=fixed, **self.params)
        if name == AUTO_ARIMA:
            if fixed is not None:
                order, seasonal = fixed
                return sf.ARIMA(
                    order=order,
                    seasonal_order=seasonal if m > 1 else (0, 0, 0),
                    season_length=m,
                    include_mean=True,
                )
            return sf.AutoARIMA(season_length=m)
        if name == CROSTON_SBA:
            return sf.CrostonSBA()
        if name == TSB:
            return sf.TSB(alpha_d=0.1, alpha_p=0.1)
        if name == ADIDA:
            return sf.ADIDA()
        if name == IMAPA:
            return sf.IMAPA()
        return _SarimaxModel(
            order=self.params.get("order", (1, 0, 0)),
            seasonal_order=self.params.get("seasonal_order", (0, 1, 1)),
            season_length=m,
            trend=self.params.get("trend", "c"),
        )

    def seasonal_fit(self) -> bool:
        """Whether the method estimates a season itself (and so needs two seasons of data)."""
        return self.name in _SEASONAL_FIT
