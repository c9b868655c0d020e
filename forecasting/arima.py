"""A cheap seasonal ARIMA member: a small order search once per series, fixed orders after.

statsforecast's AutoARIMA (the Hyndman-Khandakar stepwise search up to ARIMA(5,2,5)(2,1,2))
costs about 0.4-0.6 s a monthly series, ten times a whole series' other candidates. Here the
differencing is decided by the same tests (KPSS for d, seasonal strength for D, at most one
of each), the search is restricted to p, q <= 2 and P, Q <= 1 with at most ``NMODELS``
models, all fitted by conditional sum of squares (CSS; statsforecast's search rejects
explosive or non-invertible candidates). Backtests do not search again: ``fixed`` pins the
orders and the constant the search picked on the whole series, and only the coefficients
are re-estimated at the backtest cut (CSS, checked; CSS-ML when the check fails); later
origins are run forward with them (``forecasting.engine``'s one-refit scheme). A CSS fit
keeps its coefficients but takes its state from an exact pass over the data (``_exact_state``).
When every month is positive, the orders found are also fitted to the log of the series, and
the log scale is kept when the likelihood (with the log's Jacobian) says so: a season that
grows with the level. About 50 ms a 120-month series, search and backtest included; the full
AutoARIMA 0.4-0.6 s.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

__all__ = ["SmallARIMA", "arima_form", "NMODELS"]

#: Models the stepwise search may fit per series (statsforecast's default is 94).
NMODELS = 6
_LIMITS = dict(max_p=2, max_q=2, max_P=1, max_Q=1, max_d=1, max_D=1)


def _min_root(model: dict) -> float:
    """Smallest modulus of the AR and MA polynomials' roots (below 1: explosive or not
    invertible; a conditional-sum-of-squares fit does not rule that out)."""
    out = 2.0
    for key in ("phi", "theta"):
        vec = np.asarray(model["model"][key], float)
        nz = np.flatnonzero(np.abs(vec) > 1e-8)
        if nz.size:
            sign = -1.0 if key == "phi" else 1.0
            roots = np.polynomial.polynomial.polyroots(np.append(1.0, sign * vec[: nz[-1] + 1]))
            if roots.size:
                out = min(out, float(np.min(np.abs(roots))))
    return out


def _exact_state(model: Any, y: np.ndarray) -> None:
    """Keep a CSS fit's coefficients but take the state and residual variance from an exact
    (Kalman) pass over ``y``, as the forward steps do: statsforecast forecasts a CSS fit from
    a state that is not the filtered one (forecasts off by half the level on test series)."""
    from statsforecast.arima import forward_arima

    model.model_ = forward_arima(model.model_, y=y, method="CSS-ML")
    model.method = "CSS-ML"


def _fit_fixed(y: np.ndarray, m: int, form: Any, method: str) -> Any:
    import statsforecast.models as sf

    order, seasonal, constant = form[:3]
    seasonal = tuple(seasonal) if m > 1 else (0, 0, 0)
    return sf.ARIMA(order=tuple(order), seasonal_order=seasonal, season_length=max(m, 1),
                    include_constant=bool(constant), method=method).fit(y)  # fmt: skip


def arima_form(model: dict) -> tuple[tuple[int, int, int], tuple[int, int, int], bool]:
    """(order, seasonal order, constant) of a fitted statsforecast ARIMA's ``model_``; the
    constant is a mean (no differencing) or a drift (one difference)."""
    p, q, P, Q, _m, d, D = (int(v) for v in model["arma"])
    coef = model.get("coef", {})
    return (p, d, q), (P, D, Q), ("intercept" in coef or "drift" in coef)


class SmallARIMA:
    """Seasonal ARIMA by a restricted AutoARIMA search, or with ``fixed`` orders (see the
    module); statsforecast's protocol: ``fit``, ``predict``, ``forward``,
    ``predict_in_sample``. ``season_length`` 1 fits a non-seasonal model."""

    def __init__(
        self,
        season_length: int = 12,
        fixed: Any = None,
        nmodels: int = NMODELS,
        refit: str = "CSS",
        log: bool = True,
    ):
        self.season_length = int(season_length)
        self.fixed = fixed
        self.nmodels = int(nmodels)
        self.refit = refit
        self.log = log

    def fit(self, y: np.ndarray, X: np.ndarray | None = None) -> SmallARIMA:
        import statsforecast.models as sf

        y = np.asarray(y, float)
        m = self.season_length
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if self.fixed is None:
                self.model_ = sf.AutoARIMA(
                    season_length=m, method="CSS", nmodels=self.nmodels, **_LIMITS
                ).fit(y)
                _exact_state(self.model_, y)
                self.log_ = False
                form = arima_form(self.model_.model_)
                if self.log and len(y) and np.all(y > 0):
                    self._try_log(y, form)
            else:
                self.log_ = bool(self.fixed[3]) if len(self.fixed) > 3 else False
                z = np.log(y) if self.log_ else y
                self.model_ = self._refit(z, self.fixed, self.log_)
        self.form_ = (*arima_form(self.model_.model_), self.log_)
        return self

    def _try_log(self, y: np.ndarray, form: tuple) -> None:
        """The orders found on ``y`` refitted to log ``y``, kept when the likelihood of ``y``
        (the log fit's plus the log's Jacobian, ``-sum(log y)`` over the months it covers) is
        higher: a season or trend
        that grows with the level, as in the airline passengers."""
        z = np.log(y)
        try:
            model = self._refit(z, form, log=True)
        except ValueError:
            return
        (_, d, _), (_, D, _) = form[0], form[1]
        used = z[d + D * self.season_length :]  # the likelihood covers the differenced months
        gain = float(model.model_["loglik"]) - float(np.sum(used))
        if np.isfinite(gain) and gain > float(self.model_.model_["loglik"]):
            self.model_, self.log_ = model, True

    def _refit(self, y: np.ndarray, form: tuple, log: bool = False) -> Any:
        """The orders ``form`` fitted to ``y``: by ``refit`` (conditional sum of squares: a fifth
        of maximum likelihood's time), kept when its roots are stable and invertible and its
        forecast stays within 3x the recent maximum; else by CSS-ML; when that fails, the CSS
        fit if its forecast stays in range. ``log``: ``y`` is the log of the series."""
        m = self.season_length
        back = np.exp if log else np.asarray
        recent = back(y[-2 * max(m, 6) :])
        top = 3 * float(np.max(np.abs(recent))) + 3 if len(recent) else np.inf
        fallback, error = None, None
        for method in dict.fromkeys((self.refit, "CSS-ML")):
            try:
                model = _fit_fixed(y, m, form, method)
            except Exception as exc:  # noqa: BLE001 - tried another way, raised below
                error = exc
                continue
            if method == "CSS-ML":
                return model
            _exact_state(model, y)
            mean = back(np.asarray(model.predict(h=max(m, 1))["mean"], float))
            if np.all(np.abs(mean) <= top):
                if _min_root(model.model_) > 1.01:
                    return model
                fallback = model
        if fallback is not None:
            return fallback
        raise ValueError(f"ARIMA {form} could not be fitted: {error}")

    def _back(self, out: dict) -> dict[str, np.ndarray]:
        """Forecasts on the scale of the series (the log fit's median forecast and bounds)."""
        if not self.log_:
            return out
        return {k: np.exp(np.asarray(v, float)) for k, v in out.items()}

    def predict(
        self, h: int, X: np.ndarray | None = None, level: list[int] | None = None
    ) -> dict[str, np.ndarray]:
        out = self.model_.predict(h=h, level=level) if level else self.model_.predict(h=h)
        return self._back(out)

    def forward(self, y: np.ndarray, h: int) -> dict[str, np.ndarray]:
        """Forecast ``h`` ahead from the end of ``y`` with the fitted coefficients."""
        y = np.asarray(y, float)
        return self._back(self.model_.forward(y=np.log(y) if self.log_ else y, h=h))

    def predict_in_sample(self) -> dict[str, np.ndarray]:
        return self._back(self.model_.predict_in_sample())
