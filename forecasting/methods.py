"""The forecasting methods a forecaster can use, each built fresh for one series.

Every built model follows the statsforecast protocol: ``fit(y, X)`` returns the model,
``predict(h, X, level)`` returns a dict with ``mean`` and ``lo-80``/``hi-80``..., and
``predict_in_sample()`` returns ``{"fitted": ...}``. Seasonal naive, ETS and Theta come from
statsforecast (compiled with numba, fast); SARIMAX with exogenous drivers comes from statsmodels.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "AUTO_ETS",
    "AUTO_THETA",
    "ENSEMBLE",
    "ENSEMBLE_MEMBERS",
    "MeanModel",
    "MethodSpec",
    "SARIMAX",
    "SEASONAL_NAIVE",
    "ets_spec",
    "chosen_form",
]

SEASONAL_NAIVE = "SeasonalNaive"
AUTO_ETS = "AutoETS"
AUTO_THETA = "AutoTheta"
SARIMAX = "SARIMAX"
ENSEMBLE = "Ensemble"
ENSEMBLE_MEMBERS = (AUTO_ETS, AUTO_THETA)
KNOWN = (SEASONAL_NAIVE, AUTO_ETS, AUTO_THETA, SARIMAX, ENSEMBLE)


def ets_spec(fitted_model: Any) -> tuple[str, bool] | None:
    """The (model code, damped) of a fitted statsforecast AutoETS, e.g. ('AAM', True)."""
    method = getattr(fitted_model, "model_", {}).get("method", "")
    if not method.startswith("ETS("):
        return None
    parts = method[4:-1].split(",")
    damped = parts[1].endswith("d")
    return parts[0] + parts[1].rstrip("d") + parts[2], damped


def chosen_form(name: str, fitted_model: Any) -> Any:
    """The form an automatic method picked (ETS code, Theta variant), to refit it cheaply."""
    if name == AUTO_ETS:
        return ets_spec(fitted_model)
    if name == AUTO_THETA:
        return getattr(fitted_model, "model_", {}).get("modeltype")
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

    def predict_in_sample(self) -> dict[str, np.ndarray]:
        return {"fitted": np.asarray(self.res_.fittedvalues, float)}


class MeanModel:
    """The equal-weight combination of fitted models: mean of forecasts and of interval bounds.

    Not a new fit: it averages members already fitted (by default AutoETS and AutoTheta), the
    simple combination that forecasting competitions have found hard to beat.
    """

    def __init__(self, members: list[Any]):
        self.members = members

    def predict(
        self, h: int, X: np.ndarray | None = None, level: list[int] | None = None
    ) -> dict[str, np.ndarray]:
        outs = [m.predict(h=h, level=level) if level else m.predict(h=h) for m in self.members]
        return {k: np.mean([np.asarray(o[k], float) for o in outs], axis=0) for k in outs[0]}

    def predict_in_sample(self) -> dict[str, np.ndarray]:
        fits = [np.asarray(m.predict_in_sample()["fitted"], float) for m in self.members]
        return {"fitted": np.mean(fits, axis=0)}


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

    def build(self, season_length: int, n_obs: int, fixed: Any = None) -> Any:
        """A fresh model for a series of ``n_obs`` periods; ``fixed`` pins the form that the
        automatic search picked (see ``chosen_form``), so only parameters are re-estimated."""
        from statsforecast.models import AutoETS, AutoTheta, SeasonalNaive

        if self.name == ENSEMBLE:
            raise ValueError("the ensemble is combined from fitted members, not built")
        # Seasonal models need two full seasons; shorter series are modelled without season.
        m = season_length if n_obs >= 2 * season_length + 2 else 1
        if self.name == SEASONAL_NAIVE:
            return SeasonalNaive(season_length=season_length if n_obs > season_length else 1)
        if self.name == AUTO_ETS:
            if fixed is not None:
                code, damped = fixed
                if m == 1 and code[2] != "N":
                    code = code[:2] + "N"
                return AutoETS(season_length=m, model=code, damped=damped)
            return AutoETS(season_length=m, model=self.params.get("model", "ZZZ"))
        if self.name == AUTO_THETA:
            return AutoTheta(season_length=m, model=fixed)
        return _SarimaxModel(
            order=self.params.get("order", (1, 0, 0)),
            seasonal_order=self.params.get("seasonal_order", (0, 1, 1)),
            season_length=m,
            trend=self.params.get("trend", "c"),
        )
