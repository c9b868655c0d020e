"""Forecasts for the "how sure?" page: one series with intervals and its backtest skill, and the
city's population by year (counted years, then a cohort projection), cached per city.
"""

from __future__ import annotations

import functools
import threading
import warnings
from dataclasses import dataclass

import pandas as pd

from demand.bundle import AGE_BANDS
from demand.errors import InputError
from forecasting.backtest import backtest
from forecasting.cohort import CohortProjection
from forecasting.history import FREQ_MONTHLY, infer_frequency
from forecasting.models import AutoForecaster
from scenarios.pipeline import load_scenario_city

LEVELS = (80, 95)
_warm_started = threading.Event()


@dataclass(frozen=True)
class SeriesForecast:
    """A series' history, forecast with intervals, and backtest skill beside seasonal naive."""

    history: pd.DataFrame  # ds, y
    forecast: pd.DataFrame  # ds, yhat, yhat-lo-80, yhat-hi-80, yhat-lo-95, yhat-hi-95, model
    skill: pd.DataFrame | None  # model, mase, smape, coverage_80, coverage_95 (None: too short)
    verdict: str


def series_catalogue(city_name: str) -> pd.DataFrame:
    """The city's series: series_id, service, measure, facility_id, area_id."""
    return load_scenario_city(city_name).series


@functools.lru_cache(maxsize=64)
def forecast_series(city_name: str, series_id: str) -> SeriesForecast:
    """Fit the automatic forecaster to one series, forecast a year ahead, and backtest it."""
    city = load_scenario_city(city_name)
    history = city.history[city.history["series_id"] == series_id][["series_id", "ds", "y"]]
    if history.empty:
        raise InputError(f"series {series_id!r} is not in the city's history")
    monthly = infer_frequency(history) == FREQ_MONTHLY
    h = 12 if monthly else 3
    forecast = AutoForecaster().fit(history).predict(h, level=LEVELS)
    try:
        result = backtest(history, h=h, n_windows=2, level=LEVELS)
        skill, verdict = result.summary, result.explain()
    except InputError as exc:
        skill, verdict = None, str(exc)
    return SeriesForecast(history[["ds", "y"]], forecast, skill, verdict)


def warm_up() -> None:
    """Load the forecasting libraries and fit one small series, so that the first forecast a
    user opens does not also pay for them (about 2 s of CPU; 10-20 s on a busy machine)."""
    import numpy as np

    ds = pd.date_range("2020-01-01", periods=36, freq="MS")
    y = 50 + 10 * np.sin(np.arange(36) * np.pi / 6) + np.arange(36) % 5
    history = pd.DataFrame({"series_id": "warm-up", "ds": ds, "y": y})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        AutoForecaster(n_jobs=1).fit(history).predict(12, level=LEVELS)
        backtest(history, h=12, n_windows=1, level=LEVELS, forecaster=AutoForecaster(n_jobs=1))


def start_warm_up() -> None:
    """Run ``warm_up`` once per process in a background thread (a failure there only means the
    first forecast is slow: the page itself reports errors)."""
    if _warm_started.is_set():
        return
    _warm_started.set()

    def run() -> None:
        try:
            warm_up()
        except Exception:  # noqa: BLE001 - a warm-up must never take the server down
            pass

    threading.Thread(target=run, name="forecast-warm-up", daemon=True).start()


@functools.lru_cache(maxsize=8)
def population_by_year(city_name: str, years_ahead: int = 5) -> pd.DataFrame:
    """City population by year, sex and age band (persons), with `projected` for future years."""
    city = load_scenario_city(city_name)
    counted = city.population.groupby(["year", "sex", "age_band"], as_index=False)["persons"].sum()
    projection = CohortProjection().fit(city.population).predict(years_ahead, include_base=False)
    ahead = projection.groupby(["year", "sex", "age_band"], as_index=False)["persons"].sum()
    frame = pd.concat(
        [counted.assign(projected=False), ahead.assign(projected=True)], ignore_index=True
    )
    frame["age_band"] = pd.Categorical(frame["age_band"], categories=AGE_BANDS, ordered=True)
    return frame.sort_values(["year", "sex", "age_band"], ignore_index=True)
