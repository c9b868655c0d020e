"""Theta with the seasonal decision pinned, and the runaway-growth guard of the combination."""

import numpy as np

from forecasting.engine import fit_one_series, implausible_growth
from forecasting.methods import MethodSpec
from forecasting.theta import SeasonalTheta, has_season, seasonal_indices


def _seasonal(n: int, seed: int = 0, amp: float = 0.4) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 200 * (1 + amp * np.sin(2 * np.pi * t / 12)) * (1 + 0.05 * rng.standard_normal(n))


def test_seasonal_indices_recover_a_known_multiplicative_season():
    t = np.arange(60)
    season = 1 + 0.3 * np.cos(2 * np.pi * t / 12)
    y = (100 + t) * season
    idx = seasonal_indices(y, 12, multiplicative=True)
    assert abs(idx.mean() - 1) < 1e-12
    np.testing.assert_allclose(idx, season[:12] / season[:12].mean(), atol=0.02)


def test_season_test_finds_a_season_and_not_noise():
    assert has_season(_seasonal(48), 12)
    assert not has_season(200 + np.random.default_rng(1).standard_normal(48), 12)


def test_backtest_keeps_the_season_the_whole_series_has():
    # 48 months: the whole series passes the season test; a cut at 26 months would not be
    # tested seasonal by itself. The pinned Theta forecasts the season from that cut too.
    y = _seasonal(48, seed=3)
    fit = fit_one_series("s", y, None, [MethodSpec("DynamicTheta")], 12, 12, 24, False, 2)
    assert fit.models["DynamicTheta"].form_ == "mult"
    bt = fit.bt["DynamicTheta"]
    first = bt[0]
    assert np.isfinite(first).all()
    truth = _seasonal(48, seed=3)[fit.origin_cut : fit.origin_cut + 12]
    # a flat forecast would miss the +-40% season by about 25% of the level on average
    assert np.mean(np.abs(first - truth)) / np.mean(truth) < 0.12


def test_forward_uses_data_up_to_the_origin_only():
    y = _seasonal(60, seed=4)
    model = SeasonalTheta(12).fit(y[:40])
    a = model.forward(y[:50], h=6)["mean"]
    z = y.copy()
    z[50:] = 1e6  # the future must not matter
    b = model.forward(z[:50], h=6)["mean"]
    np.testing.assert_allclose(a, b)


def test_runaway_candidates_are_named_and_left_out_unless_all_run_away():
    y = np.full(24, 100.0)
    means = {"flat": np.full(12, 100.0), "wild": np.full(12, 250.0), "low": np.full(12, 40.0)}
    assert sorted(implausible_growth(means, y, 12)) == ["low", "wild"]
    assert implausible_growth({"wild": np.full(12, 250.0)}, y, 12) == []


def test_select_leaves_out_a_runaway_candidate_and_says_so():
    from forecasting.engine import SeriesFit
    from forecasting.selection import select

    actual = np.full((10, 12), 100.0)
    # CES scored best in the backtest but runs away from the last origin (2.5x last year)
    f = SeriesFit("s", 60, {"AutoETS": None, "DampedETS": None, "CES": None}, actual=actual,
                  scale=10.0, implausible=["CES"])  # fmt: skip
    f.bt = {"AutoETS": actual + 5, "DampedETS": actual + 6, "CES": actual + 1}
    select([f], ["AutoETS", "DampedETS", "CES"])
    assert set(f.weights) == {"AutoETS", "DampedETS"}
    assert "under 1/2 of the last season's: CES" in f.reason
    f.implausible = ["AutoETS", "DampedETS", "CES"]  # all run away: none is left out
    select([f], ["AutoETS", "DampedETS", "CES"])
    assert "CES" in f.weights
