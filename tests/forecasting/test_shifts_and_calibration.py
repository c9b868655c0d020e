"""A lasting level shift does not poison the forecast; intervals cover what they promise."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.breaks import find_level_shift
from forecasting.calibration import calibrate
from forecasting.models import AutoForecaster


def seasonal_counts(n: int, level: float, seed: int, drop_at: int | None = None, ratio=1.0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    mean = level * (1 + 0.2 * np.sin(2 * np.pi * t / 12))
    if drop_at is not None:
        mean = np.where(t >= drop_at, mean * ratio, mean)
    return rng.poisson(mean).astype(float)


def test_level_shift_is_found_and_history_moved_to_the_new_level():
    y = seasonal_counts(96, 200, seed=1, drop_at=60, ratio=0.6)  # a service halved for good
    at, step, f_stat = find_level_shift(y[:84], 12)
    assert abs(at - 60) <= 1 and abs(np.exp(step) - 0.6) < 0.05 and f_stat > 30
    ds = pd.date_range("2015-01-01", periods=84, freq="MS")
    hist = pd.DataFrame({"series_id": "clinic", "ds": ds, "y": y[:84]})
    with_shift = AutoForecaster(n_jobs=1).fit(hist)
    without = AutoForecaster(n_jobs=1, detect_shifts=False).fit(hist)
    truth = y[84:]
    err_with = np.abs(with_shift.predict(12)["yhat"].to_numpy() - truth).mean()
    err_without = np.abs(without.predict(12)["yhat"].to_numpy() - truth).mean()
    assert err_with <= err_without * 1.02
    choice = with_shift.choice_.iloc[0]
    assert choice["level_shift"].startswith("level shift -4"), choice["level_shift"]
    assert "moved to the new level" in choice["reason"]


def test_no_shift_is_claimed_on_a_trending_seasonal_series():
    rng = np.random.default_rng(2)
    t = np.arange(84)
    y = rng.poisson(100 * 1.01**t * (1 + 0.3 * np.sin(2 * np.pi * t / 12))).astype(float)
    assert find_level_shift(y, 12) is None


def test_calibrated_intervals_cover_heavy_tailed_errors():
    # 60 series whose noise is heavier-tailed than any model assumes
    rng = np.random.default_rng(4)
    ds = pd.date_range("2016-01-01", periods=84, freq="MS")
    frames, future = [], {}
    for i in range(60):
        t = np.arange(96)
        y = np.maximum(300 + 40 * np.sin(2 * np.pi * t / 12) + 15 * rng.standard_t(3, 96), 0)
        frames.append(pd.DataFrame({"series_id": f"s{i}", "ds": ds, "y": y[:84].round()}))
        future[f"s{i}"] = y[84:]
    model = AutoForecaster(models=("SeasonalNaive", "AutoETS"), n_jobs=1).fit(pd.concat(frames))
    fc = model.predict(12, level=[80, 95])
    truth = np.concatenate([future[s] for s in fc["series_id"].unique()])
    for lv, tol in ((80, 0.05), (95, 0.03)):
        inside = (truth >= fc[f"yhat-lo-{lv}"]) & (truth <= fc[f"yhat-hi-{lv}"])
        assert abs(inside.mean() - lv / 100) <= tol, (lv, inside.mean())
    table = model.calibration_table()
    assert {"level", "horizon", "q_lo", "q_hi", "n_scores"} <= set(table.columns)
    assert (table["n_scores"] > 300).all()


def test_few_scores_keep_the_normal_interval():
    # one short series: 5 scores per horizon are not evidence enough to move far from normal
    scores = [("one", np.array([[3.0, 3.0], [2.5, 2.5], [3.5, 3.5], [3.0, 3.0], [2.8, 2.8]]))]
    cal = calibrate(scores, levels=[80], horizon=2)
    assert 1.28 < cal.hi[80][0] < 1.7 and cal.lo[80][0] == -cal.hi[80][0]
    many = [("s", np.tile(np.array([[3.0, 3.0]]), (500, 1)))]
    assert calibrate(many, levels=[80], horizon=2).hi[80][0] > 2.8
