"""Time to breach on a hand-made linear trend equals the hand computation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from demand.errors import InputError
from forecasting.surveillance.breach import exceedance_probability, time_to_breach


def linear(sid: str = "P015:grade_1") -> pd.DataFrame:
    """Need 100 + 10 t pupils in years t = 1..10 (2026..2035), 80% interval +-20."""
    t = np.arange(1, 11)
    yhat = 100.0 + 10.0 * t
    return pd.DataFrame(
        {
            "series_id": sid,
            "ds": pd.date_range("2026-01-01", periods=10, freq="YS"),
            "yhat": yhat,
            "yhat-lo-80": yhat - 20,
            "yhat-hi-80": yhat + 20,
        }
    )


def test_linear_trend_breach_year_and_probability_by_hand():
    seats = pd.DataFrame({"series_id": ["P015:grade_1"], "capacity": [150.0]})
    out = time_to_breach(linear(), seats).iloc[0]
    # 100 + 10 t > 150 first at t = 6 (t = 5 reaches 150, it does not pass it): 2031
    assert out["breach_ds"] == pd.Timestamp("2031-01-01")
    assert out["need"] == 160 and out["capacity"] == 150
    # the 80% interval's +-20 is +-1.2816 sd: sd = 20 / 1.2816; by 2032 need is 170
    sd = 20 / stats.norm.ppf(0.9)
    assert out["by_ds"] == pd.Timestamp("2032-01-01")
    assert out["probability"] == pytest.approx(stats.norm.cdf(20 / sd), abs=1e-9)
    by_2031 = time_to_breach(linear(), seats, by="2031-01-01").iloc[0]
    assert by_2031["probability"] == pytest.approx(stats.norm.cdf(10 / sd), abs=1e-9)
    # before the trend reaches capacity the chance is small, and it only grows with time
    per = exceedance_probability(linear(), seats)
    assert per["p_by"].is_monotonic_increasing
    assert per.loc[0, "p_above"] == pytest.approx(stats.norm.sf(40 / sd), abs=1e-9)


def test_skewed_interval_and_no_breach():
    fc = linear()
    fc["yhat-hi-80"] = fc["yhat"] + 40  # right-skewed: the upper side is twice as wide
    seats = pd.DataFrame({"series_id": ["P015:grade_1"], "capacity": [300.0]})
    out = time_to_breach(fc, seats).iloc[0]
    assert pd.isna(out["breach_ds"]) and out["by_ds"] == pd.Timestamp("2035-01-01")
    # at 2035: median 200, 90% quantile 240 (z 1.2816 per 40 above the median); 300 is 60
    # further on the same slope: z = 1.2816 * (1 + 60 / 40)
    assert out["probability"] == pytest.approx(stats.norm.sf(2.5 * stats.norm.ppf(0.9)), 1e-9)


def test_missing_columns_named():
    with pytest.raises(InputError, match="capacity: missing column"):
        time_to_breach(linear(), pd.DataFrame({"series_id": ["x"], "seats": [1]}))
