"""Forecasts for the "how sure?" page: one series with intervals and its backtest skill, and the
city's population by year (counted years, then a cohort projection), cached per city.
"""

from __future__ import annotations

import functools
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
