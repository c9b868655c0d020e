"""The cheap ARIMA member: a small order search, then fixed orders at backtest cuts."""

import numpy as np
import statsforecast.models as sf

from forecasting.arima import SmallARIMA, arima_form
from forecasting.engine import fit_one_series
from forecasting.methods import ARIMA, MethodSpec, chosen_form


def _series(n: int, seed: int = 0) -> np.ndarray:
    """Monthly counts: a level with a trend, a yearly season and AR(1) noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    noise = np.zeros(n)
    for i in range(1, n):
        noise[i] = 0.5 * noise[i - 1] + rng.normal(0, 6)
    return 300 + 1.5 * t + 40 * np.sin(2 * np.pi * t / 12) + noise


def test_search_stays_within_its_limits_and_is_reused_as_the_fixed_form():
    y = _series(96)
    model = SmallARIMA(12).fit(y)
    (p, d, q), (P, D, Q), _constant, _log = model.form_
    assert p <= 2 and q <= 2 and P <= 1 and Q <= 1 and d <= 1 and D <= 1
    assert D == 1  # a clear yearly season is differenced away
    assert chosen_form(ARIMA, model) == model.form_
    assert arima_form(model.model_.model_) == model.form_[:3]


def test_fixed_orders_forecast_as_statsforecast_arima_with_the_same_orders():
    y = _series(84, seed=1)
    form = ((1, 0, 1), (0, 1, 1), True)
    ours = SmallARIMA(12, fixed=form, refit="CSS-ML").fit(y).predict(12, level=[80])
    ref = sf.ARIMA(order=(1, 0, 1), seasonal_order=(0, 1, 1), season_length=12,
                   include_constant=True).fit(y).predict(12, level=[80])  # fmt: skip
    np.testing.assert_allclose(ours["mean"], ref["mean"], rtol=1e-10)
    np.testing.assert_allclose(ours["hi-80"], ref["hi-80"], rtol=1e-10)
    # and the forecast follows the series: within its season's range, not flat
    assert np.ptp(ours["mean"]) > 40
    assert abs(np.mean(ours["mean"]) - np.mean(y[-12:])) < 60
    # the cheap refit has statsforecast's CSS coefficients, with the state of an exact pass:
    # its forecast is within 2% of maximum likelihood's
    css = SmallARIMA(12, fixed=form).fit(y)
    ref = sf.ARIMA(order=(1, 0, 1), seasonal_order=(0, 1, 1), season_length=12,
                   include_constant=True, method="CSS").fit(y)  # fmt: skip
    np.testing.assert_allclose(list(css.model_.model_["coef"].values()),
                               list(ref.model_["coef"].values()), rtol=1e-8)  # fmt: skip
    np.testing.assert_allclose(css.predict(12)["mean"], ours["mean"], rtol=0.02)


def test_forward_from_an_origin_uses_no_later_data():
    y = _series(96, seed=2)
    model = SmallARIMA(12, fixed=((0, 1, 1), (0, 1, 1), False)).fit(y[:72])
    a = model.forward(y[:84], h=12)["mean"]
    z = y.copy()
    z[84:] = 1e6  # the future must not matter
    b = model.forward(z[:84], h=12)["mean"]
    np.testing.assert_allclose(a, b)
    assert not np.allclose(a, model.predict(12)["mean"])  # the later data up to 84 is used


def test_backtest_is_one_refit_at_the_cut_run_forward():
    y = _series(96, seed=3)
    fit = fit_one_series("s", y, None, [MethodSpec(ARIMA)], 12, 12, 24, False, 2)
    assert ARIMA not in fit.failures
    bt = fit.bt[ARIMA]
    assert bt.shape == (12, 12) and np.isfinite(bt).all()
    # the first origin's forecast is the fixed-order model refitted on the data up to the cut
    cut = fit.origin_cut
    ref = SmallARIMA(12, fixed=fit.models[ARIMA].form_).fit(y[:cut]).predict(12)["mean"]
    np.testing.assert_allclose(bt[0], np.clip(ref, 0, None), rtol=1e-8)
    # backtest errors are of the size of the noise (sd about 7), not of the season (40)
    err = np.nanmean(np.abs(bt - fit.actual))
    assert err < 15


def test_short_series_is_modelled_without_season():
    y = _series(20, seed=4)
    fit = fit_one_series("s", y, None, [MethodSpec(ARIMA)], 12, 12, 24, False, 2)
    (_, _, _), (P, D, Q), _, _ = fit.models[ARIMA].form_
    assert (P, D, Q) == (0, 0, 0)
    assert np.isfinite(fit.means[ARIMA]).all()


def test_log_scale_is_chosen_for_a_season_that_grows_with_the_level():
    rng = np.random.default_rng(5)
    t = np.arange(120)
    # level x3 over ten years, a +-35% season, 3% noise: multiplicative, like air passengers
    mult = 100 * np.exp(0.01 * t) * (1 + 0.35 * np.sin(2 * np.pi * t / 12))
    mult *= np.exp(rng.normal(0, 0.03, 120))
    model = SmallARIMA(12).fit(mult)
    assert model.form_[3] is True
    assert SmallARIMA(12, log=False).fit(mult).form_[3] is False
    assert SmallARIMA(12).fit(_series(120, seed=6)).form_[3] is False  # additive: stays
    # forecasts are on the series' scale, and the backtest refit keeps the scale
    fc = model.predict(12, level=[80])
    assert 0.7 < fc["mean"].mean() / mult[-12:].mean() < 1.5
    assert (fc["lo-80"] < fc["mean"]).all() and (fc["mean"] < fc["hi-80"]).all()
    refit = SmallARIMA(12, fixed=model.form_).fit(mult[:96])
    assert refit.form_[3] is True
    z = mult.copy()
    z[108:] = 1.0  # the future must not matter
    np.testing.assert_allclose(refit.forward(mult[:108], 12)["mean"],
                               refit.forward(z[:108], 12)["mean"])  # fmt: skip
    # a series with a zero month is never logged
    zero = mult.copy()
    zero[5] = 0.0
    assert SmallARIMA(12).fit(zero).form_[3] is False
