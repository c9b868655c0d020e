"""Forecasters follow the estimator contract and produce sensible, well-formed forecasts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone

from demand.errors import InputError
from forecasting.models import (
    AutoForecaster,
    ETSForecaster,
    SARIMAXForecaster,
    SeasonalNaiveForecaster,
)


def seasonal_history(n_series: int = 3, n: int = 72, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ds = pd.date_range("2018-01-01", periods=n, freq="MS")
    frames = []
    for i in range(n_series):
        t = np.arange(n)
        y = 200 + 2 * t + 40 * np.sin(2 * np.pi * t / 12 + i) + rng.normal(0, 5, n)
        frames.append(pd.DataFrame({"series_id": f"S{i}", "ds": ds, "y": y.round()}))
    return pd.concat(frames, ignore_index=True)


def test_seasonal_naive_repeats_last_year():
    hist = seasonal_history(1, 36)
    fc = SeasonalNaiveForecaster().fit(hist).predict(12, level=[80])
    assert np.allclose(fc["yhat"].to_numpy(), hist["y"].to_numpy()[-12:])
    assert fc["ds"].iloc[0] == pd.Timestamp("2021-01-01")
    assert (fc["yhat-lo-80"] <= fc["yhat"]).all() and (fc["yhat"] <= fc["yhat-hi-80"]).all()


def test_estimator_contract_and_columns():
    est = ETSForecaster()
    assert clone(est).get_params() == est.get_params()
    assert est.fit(seasonal_history()) is est
    assert est.freq_ == "MS" and est.season_length_ == 12
    fc = est.predict(6, level=[95, 80])
    expected = [
        "series_id",
        "ds",
        "AutoETS",
        "AutoETS-lo-80",
        "AutoETS-hi-80",
        "AutoETS-lo-95",
        "AutoETS-hi-95",
        "model",
        "yhat",
        "yhat-lo-80",
        "yhat-hi-80",
        "yhat-lo-95",
        "yhat-hi-95",
    ]
    assert list(fc.columns) == expected
    assert len(fc) == 3 * 6
    # predict has no side effects: same answer twice
    pd.testing.assert_frame_equal(fc, est.predict(6, level=[80, 95]))


def test_auto_choice_is_explained_and_tracks_trend():
    hist = seasonal_history()
    auto = AutoForecaster(n_jobs=1).fit(hist)
    choice = auto.choice_
    assert set(choice["model"]) <= {"SeasonalNaive", "SES", "DampedETS", "DynamicTheta", "CES",
                                    "ARIMA", "Ensemble"}  # fmt: skip
    assert choice["reason"].str.contains(r"backtest MASE .* over 12 monthly origins").all()
    # weights of a series' combination add up to one and name fitted candidates
    for weights in choice["weights"]:
        parts = [w.rsplit(" ", 1) for w in weights.split(", ")]
        assert abs(sum(float(v) for _, v in parts) - 1) < 0.02
    fc = auto.predict(12)
    # the series trend upwards by 2 a month: the chosen forecasts must beat last year's level
    last_year = hist.groupby("series_id")["y"].apply(lambda y: y.iloc[-12:].mean())
    assert (fc.groupby("series_id")["yhat"].mean() > last_year).all()


@settings(max_examples=15, deadline=None)
@given(level=st.lists(st.integers(50, 99), min_size=1, max_size=3, unique=True))
def test_intervals_nest_and_are_nonnegative(level):
    fc = SeasonalNaiveForecaster().fit(seasonal_history(1, 30)).predict(12, level=level)
    lv = sorted(level)
    for lo, hi in zip(lv[:-1], lv[1:], strict=True):
        assert (fc[f"yhat-lo-{hi}"] <= fc[f"yhat-lo-{lo}"] + 1e-9).all()
        assert (fc[f"yhat-hi-{hi}"] >= fc[f"yhat-hi-{lo}"] - 1e-9).all()
    assert (fc.drop(columns=["series_id", "ds", "model"]) >= 0).all().all()


def test_yearly_series_forecast_by_year():
    ds = pd.date_range("2014-01-01", periods=12, freq="YS")
    hist = pd.DataFrame({"series_id": "E", "ds": ds, "y": np.linspace(100, 210, 12)})
    fc = AutoForecaster(n_jobs=1).fit(hist).predict(3)
    assert list(fc["ds"].dt.year) == [2026, 2027, 2028]
    assert fc["yhat"].iloc[0] > 200


def test_sarimax_uses_driver_and_needs_its_future():
    rng = np.random.default_rng(1)
    n = 60
    ds = pd.date_range("2019-01-01", periods=n, freq="MS")
    older = np.linspace(1000, 1600, n + 12)  # persons 65+ in the area
    y = 0.05 * older[:n] + rng.normal(0, 1, n)
    hist = pd.DataFrame({"series_id": "C", "ds": ds, "y": y, "pop_65": older[:n]})
    est = SARIMAXForecaster(
        order=(0, 0, 0), seasonal_order=(0, 0, 0), trend=None, drivers=["pop_65"]
    ).fit(hist)
    future = pd.DataFrame(
        {
            "series_id": "C",
            "ds": pd.date_range(ds[-1], periods=13, freq="MS")[1:],
            "pop_65": older[n:],
        }
    )
    fc = est.predict(12, X_future=future)
    assert np.allclose(fc["yhat"], 0.05 * older[n:], rtol=0.05)
    with pytest.raises(InputError, match="X_future"):
        est.predict(12)
    with pytest.raises(InputError, match="driver column"):
        SARIMAXForecaster(drivers=["unemployment"]).fit(hist)


def test_flat_and_short_series_still_get_a_forecast_and_a_reason():
    ds = pd.date_range("2020-01-01", periods=48, freq="MS")
    flat = pd.DataFrame({"series_id": "zeros", "ds": ds, "y": 0.0})
    short = pd.DataFrame({"series_id": "new", "ds": ds[:14], "y": np.arange(14.0) + 5})
    auto = AutoForecaster(n_jobs=1).fit(pd.concat([flat, short]))
    reasons = auto.choice_.set_index("series_id")["reason"]
    assert "too short" in reasons["new"] or "the set's backtest" in reasons["new"]
    assert reasons["zeros"]
    fc = auto.predict(6).set_index("series_id")
    assert (fc.loc["zeros", "yhat"] == 0).all()
    assert fc.loc["new", "yhat"].notna().all() and (fc.loc["new", "yhat"] > 10).all()


def test_trim_zero_picks_the_single_best_and_bad_methods_are_left_out():
    from forecasting.engine import SeriesFit
    from forecasting.selection import select

    def fit_with(errors: dict[str, float]) -> SeriesFit:
        actual = np.full((10, 12), 100.0)
        f = SeriesFit("s", 60, {k: None for k in errors}, actual=actual, scale=10.0)
        f.bt = {k: actual + e for k, e in errors.items()}
        return f

    fits = [fit_with({"SeasonalNaive": 9.0, "AutoETS": 5.0, "DampedETS": 6.0, "SES": 30.0})]
    select(fits, ["SeasonalNaive", "AutoETS", "DampedETS", "SES"], trim=0.5)
    w = fits[0].weights
    assert set(w) == {"AutoETS", "DampedETS"} and w["AutoETS"] > w["DampedETS"]
    assert "left out, MASE over 1.5x the best: SeasonalNaive, SES" in fits[0].reason
    select(fits, ["SeasonalNaive", "AutoETS", "DampedETS", "SES"], trim=0.0)
    assert fits[0].weights == {"AutoETS": 1.0} and fits[0].chosen == "AutoETS"
    with pytest.raises(InputError, match="unknown forecasting method"):
        AutoForecaster(models=["SeasonalNaive", "Prophet"]).fit(seasonal_history(1))


def test_intermittent_series_get_intermittent_methods():
    rng = np.random.default_rng(3)
    ds = pd.date_range("2018-01-01", periods=72, freq="MS")
    sparse = rng.poisson(0.4, 72).astype(float)  # a rare procedure: most months none
    hist = pd.DataFrame({"series_id": "rare", "ds": ds, "y": sparse})
    auto = AutoForecaster(n_jobs=1).fit(hist)
    fc = auto.predict(12)
    assert fc["CrostonSBA"].notna().all() and fc["TSB"].notna().all()
    assert 0.1 < fc["yhat"].mean() < 1.0  # about the rate, not zero, not the last spike
    assert (fc["yhat-lo-80"] >= 0).all() and (fc["yhat-hi-95"] >= fc["yhat-hi-80"]).all()


def test_driver_model_is_chosen_when_the_driver_explains_need():
    from forecasting.backtest import backtest

    rng = np.random.default_rng(1)
    n = 72
    ds = pd.date_range("2019-01-01", periods=n, freq="MS")
    older = np.linspace(1000, 1600, n) + rng.normal(0, 30, n)  # persons 65+, noisy
    y = 0.05 * older + 3 * np.sin(np.arange(n) * 2 * np.pi / 12) + rng.normal(0, 1, n)
    hist = pd.DataFrame({"series_id": "C", "ds": ds, "y": y, "pop_65": older})
    models = ["SeasonalNaive", "AutoETS", "AutoTheta", "Ensemble", "SARIMAX"]
    auto = AutoForecaster(models=models, drivers=["pop_65"], n_jobs=1)
    result = backtest(hist, h=12, n_windows=2, forecaster=auto)
    # the driver model carries the most weight at every origin
    assert result.choices["reason"].str.match(r"(Ensemble of SARIMAX|SARIMAX chosen)").all()
    summary = result.summary.set_index("model")["mase"]
    assert summary["AutoSelect"] < summary["AutoETS"] < summary["SeasonalNaive"]
