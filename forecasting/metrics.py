"""Forecast accuracy measures: MAE, MASE, sMAPE and prediction-interval coverage.

All take plain arrays in the units of the series (admissions, visits, cases, pupils).
"""

from __future__ import annotations

import numpy as np

__all__ = ["mae", "mase", "seasonal_naive_scale", "smape", "coverage"]


def mae(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Mean absolute error, in the units of the series."""
    return float(np.mean(np.abs(np.asarray(actual, float) - np.asarray(forecast, float))))


def seasonal_naive_scale(train: np.ndarray, season_length: int) -> float:
    """In-sample MAE of the seasonal naive forecast (y_t - y_{t-m}); the MASE denominator.

    Falls back to the naive (lag 1) error when the training data is shorter than two seasons.
    Returns NaN when the series is constant, so that MASE is undefined rather than infinite.
    """
    y = np.asarray(train, float)
    m = season_length if len(y) > season_length else 1
    if len(y) <= m:
        return float("nan")
    scale = float(np.mean(np.abs(y[m:] - y[:-m])))
    return scale if scale > 0 else float("nan")


def mase(actual: np.ndarray, forecast: np.ndarray, scale: float) -> float:
    """Mean absolute scaled error: MAE over the in-sample seasonal-naive MAE (< 1 beats it)."""
    if not np.isfinite(scale) or scale <= 0:
        return float("nan")
    return mae(actual, forecast) / scale


def smape(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Symmetric MAPE in percent (0-200); periods with actual and forecast both 0 count as 0."""
    a = np.asarray(actual, float)
    f = np.asarray(forecast, float)
    denom = np.abs(a) + np.abs(f)
    ratio = np.divide(2 * np.abs(a - f), denom, out=np.zeros_like(denom), where=denom > 0)
    return float(100 * np.mean(ratio))


def coverage(actual: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> float:
    """Share of actuals inside [lower, upper], a fraction 0-1 (0.8 is right for an 80% interval)."""
    a = np.asarray(actual, float)
    return float(np.mean((a >= np.asarray(lower, float)) & (a <= np.asarray(upper, float))))
