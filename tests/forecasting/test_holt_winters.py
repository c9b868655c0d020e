"""The least-squares damped Holt-Winters: as good a fit as statsmodels', honest forward runs,
the log scale where the season grows with the level."""

import numpy as np
import pytest
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from forecasting.holt_winters import DampedHoltWinters


def _series(n: int = 96, seed: int = 3, multiplicative: bool = False) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    season = np.sin(2 * np.pi * t / 12)
    if multiplicative:
        return 100 * np.exp(0.02 * t + 0.3 * season + 0.03 * rng.standard_normal(n))
    return 500 + 3 * t + 40 * season + 8 * rng.standard_normal(n)


def test_fit_is_as_good_as_statsmodels_least_squares():
    y = _series()
    ours = DampedHoltWinters(12, log=False).fit(y)
    ref = ExponentialSmoothing(y, trend="add", damped_trend=True, seasonal="add",
                               seasonal_periods=12, initialization_method="estimated",
                               bounds={"damping_trend": (0.8, 0.98)}).fit()  # fmt: skip
    sse = float(np.sum((y - ours.predict_in_sample()["fitted"]) ** 2))
    assert sse <= 1.01 * ref.sse
    np.testing.assert_allclose(ours.predict(12)["mean"], ref.forecast(12), rtol=0.02)


def test_forward_uses_only_the_history_it_is_given():
    y = _series()
    model = DampedHoltWinters(12).fit(y[:72])
    np.testing.assert_allclose(model.forward(y[:72], 12)["mean"], model.predict(12)["mean"])
    later = model.forward(y[:84], 12)["mean"]
    changed = y.copy()
    changed[84:] *= 3  # what comes after the origin cannot move its forecast
    np.testing.assert_allclose(model.forward(changed[:84], 12)["mean"], later)


@pytest.mark.parametrize("multiplicative", [False, True])
def test_log_scale_where_the_season_grows_with_the_level(multiplicative):
    y = _series(multiplicative=multiplicative)
    model = DampedHoltWinters(12).fit(y)
    assert model.log_ is multiplicative
    out = model.predict(12, level=[80, 95])
    assert np.all(out["lo-95"] < out["lo-80"]) and np.all(out["lo-80"] < out["mean"])
    assert np.all(out["mean"] < out["hi-80"]) and np.all(out["hi-80"] < out["hi-95"])


def test_zero_months_keep_the_additive_form_and_short_series_drop_the_season():
    y = np.maximum(_series() - 560, 0)
    assert DampedHoltWinters(12).fit(y).log_ is False
    short = DampedHoltWinters(12).fit(_series(20))
    assert short.m_ == 1 and np.all(np.isfinite(short.predict(6, level=[80])["hi-80"]))
