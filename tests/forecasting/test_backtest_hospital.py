"""On real hospital counts the automatic choice beats seasonal naive and intervals are honest."""

from __future__ import annotations

from pathlib import Path

import pytest

from forecasting.backtest import AUTO_SELECT, backtest
from forecasting.history import read_history_csv

DATA = Path("/work/shared/data/hospital_monthly.csv")


@pytest.fixture(scope="module")
def result():
    if not DATA.exists():
        pytest.skip("real hospital data not available on this machine")
    hist = read_history_csv(DATA)
    ids = sorted(hist["series_id"].unique())[::19][:40]  # 40 series spread over the file
    return backtest(hist[hist["series_id"].isin(ids)], h=12, n_windows=2)


def test_automatic_choice_beats_seasonal_naive(result):
    summary = result.summary.set_index("model")
    auto, naive = summary.loc[AUTO_SELECT], summary.loc["SeasonalNaive"]
    assert auto["n_series"] == 40 and auto["n_windows"] == 2
    assert auto["mase"] < 1.0
    assert auto["mase"] < naive["mase"]
    assert auto["mae"] < naive["mae"]
    assert result.explain().startswith("Automatic choice beats seasonal naive")


def test_interval_coverage_near_nominal(result):
    # calibrated on each cut's own backtest errors: the held-out year is covered as promised
    auto = result.summary.set_index("model").loc[AUTO_SELECT]
    assert abs(auto["coverage_80"] - 0.80) <= 0.05
    assert abs(auto["coverage_95"] - 0.95) <= 0.04
    per = result.per_series[result.per_series["model"] == AUTO_SELECT]
    assert per["coverage_80"].between(0, 1).all() and per["coverage_80"].notna().all()


def test_every_window_choice_is_explained_without_peeking(result):
    choices = result.choices
    assert len(choices) == 80  # 40 series x 2 origins, each chosen on its own past only
    assert choices["reason"].str.contains(r"backtest MASE .* over \d+ monthly origins").all()
    assert choices["reason"].str.contains("chosen|Ensemble of").all()
    per = result.per_series
    # intermittent methods are not fitted to these (no zero months), so they are not scored
    assert set(per["model"]) == {AUTO_SELECT, "SeasonalNaive", "SES", "DampedETS",
                                 "DynamicTheta", "CES", "ARIMA"}  # fmt: skip
    assert (result.forecasts.groupby(["series_id", "window"]).size() == 12).all()
    assert (result.forecasts["ds"] > result.forecasts["cutoff"]).all()
