"""Rolling-origin backtests: how good would the forecasts have been, beside seasonal naive.

For each series the history is cut at ``n_windows`` origins, ``step`` periods apart, ending
``h`` periods before the last observation; the forecaster is refitted on each cut (model
choice included, so nothing from the test periods leaks in) and scored on the ``h`` periods
that followed. Every method the forecaster fits is scored, plus ``AutoSelect`` (the per-series
choice, the ``yhat`` column), with MAE, MASE (scaled by the in-sample seasonal-naive error of
each cut), sMAPE and interval coverage, per series and aggregated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import clone

from demand.errors import InputError
from forecasting.history import check_history, infer_frequency, season_length_for
from forecasting.methods import SEASONAL_NAIVE
from forecasting.metrics import seasonal_naive_scale
from forecasting.models import AutoForecaster, SeasonalNaiveForecaster

__all__ = ["BacktestResult", "backtest", "AUTO_SELECT"]

AUTO_SELECT = "AutoSelect"
_SEP = "\x1f"


@dataclass
class BacktestResult:
    """Backtest output frames.

    forecasts: series_id, window, cutoff, ds, y and one column per method (+ intervals).
    per_series: series_id, model, mae, mase, smape, coverage_<lv>, n_windows.
    summary: model, mae, mase (mean over series with a defined MASE), smape, coverage_<lv>,
        n_series, n_windows; sorted by MASE, seasonal naive always present.
    choices: series_id, window, model, reason and the selection MASE of every candidate
        (mase_<method>) at each origin.
    """

    forecasts: pd.DataFrame
    per_series: pd.DataFrame
    summary: pd.DataFrame
    choices: pd.DataFrame
    h: int
    n_windows: int
    level: list[int]
    requested_windows: int = 0

    def explain(self) -> str:
        """One sentence comparing the automatic choice with seasonal naive."""
        s = self.summary.set_index("model")
        if AUTO_SELECT not in s.index or SEASONAL_NAIVE not in s.index:
            return ""
        a, b = s.loc[AUTO_SELECT], s.loc[SEASONAL_NAIVE]
        verdict = "beats" if a["mase"] < b["mase"] else "does not beat"
        wins = "window" if self.n_windows == 1 else "windows"
        text = (
            f"Automatic choice {verdict} seasonal naive: MASE {a['mase']:.2f} vs {b['mase']:.2f} "
            f"over {int(a['n_series'])} series and up to {self.n_windows} {wins} "
            f"of {self.h} periods"
        )
        if self.requested_windows > self.n_windows:
            text += (
                f" ({self.requested_windows} asked for; the history has room for {self.n_windows})"
            )
        return text


def _cut_windows(
    hist: pd.DataFrame, h: int, step: int, n_windows: int, min_train: int, season_length: int
):
    trains, tests = [], []
    for sid, g in hist.groupby("series_id", sort=True):
        n = len(g)
        for k in range(n_windows):
            cut = n - h - k * step
            if cut < min_train:
                break
            pid = f"{sid}{_SEP}{k}"
            train = g.iloc[:cut].assign(series_id=pid)
            test = g.iloc[cut : cut + h].assign(series_id=pid)
            test["scale"] = seasonal_naive_scale(train["y"].to_numpy(), season_length)
            test["cutoff"] = train["ds"].iloc[-1]
            trains.append(train)
            tests.append(test)
    return trains, tests


def backtest(
    history: pd.DataFrame,
    h: int,
    n_windows: int = 3,
    step: int | None = None,
    level: Sequence[int] = (80, 95),
    forecaster: AutoForecaster | None = None,
    source: str = "history",
) -> BacktestResult:
    """Rolling-origin backtest of ``forecaster`` (default AutoForecaster) over the history."""
    if int(h) < 1 or int(n_windows) < 1:
        raise InputError(f"horizon and windows must be at least 1 (got h={h}, windows={n_windows})")
    hist = check_history(history, source=source)
    freq = infer_frequency(hist, source=source)
    m = season_length_for(freq)
    step = int(step or h)
    level = sorted({int(lv) for lv in level})
    forecaster = clone(forecaster) if forecaster is not None else AutoForecaster()
    min_train = max(2 * m + 2, 4)
    trains, tests = _cut_windows(hist, int(h), step, int(n_windows), min_train, m)
    if not trains:
        longest = int(hist.groupby("series_id").size().max())
        raise InputError(
            f"{source}: series too short for a backtest: the longest has {longest} periods but "
            f"{min_train + h} are needed for one window of h={h}; lower --horizon"
        )
    train = pd.concat(trains, ignore_index=True)
    test = pd.concat(tests, ignore_index=True)
    drivers = [c for c in hist.columns if c not in ("series_id", "ds", "y")]
    est = forecaster.fit(train, source=source)
    x_future = test[["series_id", "ds", *drivers]] if est.drivers_ else None
    fc = est.predict(int(h), level=level, X_future=x_future)
    methods = list(est.methods_)
    if SEASONAL_NAIVE not in methods:
        base = SeasonalNaiveForecaster(season_length=est.season_length_).fit(train, source=source)
        fc = fc.merge(
            base.predict(int(h), level=level).drop(
                columns=["model", *[c for c in fc.columns if c.startswith("yhat")]]
            ),
            on=["series_id", "ds"],
        )
        methods.append(SEASONAL_NAIVE)
    fc = fc.rename(columns=lambda c: c.replace("yhat", AUTO_SELECT) if c.startswith("yhat") else c)
    merged = test[["series_id", "ds", "y", "scale", "cutoff"]].merge(fc, on=["series_id", "ds"])
    split = merged["series_id"].str.split(_SEP, n=1, expand=True)
    merged["series_id"], merged["window"] = split[0], split[1].astype(int)

    per = []
    for name in [AUTO_SELECT, *methods]:
        if name not in merged.columns or merged[name].isna().all():
            continue  # a method fitted to none of the series (e.g. intermittent ones)
        err = (merged["y"] - merged[name]).abs()
        a, f = merged["y"].abs(), merged[name].abs()
        sm = np.where(a + f > 0, 2 * err / (a + f).where(a + f > 0, 1), 0.0) * 100
        frame = pd.DataFrame(
            {
                "series_id": merged["series_id"],
                "window": merged["window"],
                "err": err,
                "smape": sm,
                "scale": merged["scale"],
            }
        )
        for lv in level:
            lo, hi = merged[f"{name}-lo-{lv}"], merged[f"{name}-hi-{lv}"]
            frame[f"coverage_{lv}"] = ((merged["y"] >= lo) & (merged["y"] <= hi)).astype(float)
        win = frame.groupby(["series_id", "window"]).mean()
        win["mase"] = win["err"] / win["scale"]
        ser = win.groupby("series_id").agg(
            mae=("err", "mean"),
            mase=("mase", "mean"),
            smape=("smape", "mean"),
            n_windows=("err", "size"),
            **{f"coverage_{lv}": (f"coverage_{lv}", "mean") for lv in level},
        )
        per.append(ser.reset_index().assign(model=name))
    per_series = pd.concat(per, ignore_index=True)
    cov = [f"coverage_{lv}" for lv in level]
    per_series = per_series[["series_id", "model", "mae", "mase", "smape", *cov, "n_windows"]]
    summary = (
        per_series.groupby("model", sort=False)
        .agg(
            mae=("mae", "mean"),
            mase=("mase", "mean"),
            smape=("smape", "mean"),
            **{c: (c, "mean") for c in cov},
            n_series=("series_id", "nunique"),
            n_series_with_mase=("mase", "count"),
        )
        .reset_index()
        .sort_values("mase", kind="stable")
        .reset_index(drop=True)
    )
    summary["n_windows"] = int(merged["window"].nunique())
    choices = est.choice_.copy()
    split = choices["series_id"].str.split(_SEP, n=1, expand=True)
    choices["series_id"], choices["window"] = split[0], split[1].astype(int)
    scores = [c for c in choices.columns if c.startswith("mase_")]
    choices = choices[["series_id", "window", "model", "reason", *scores]]
    forecasts = merged.drop(columns=["scale"])
    # the windows that fit in the history, not the number asked for (50 asked of 120 months: 7)
    done = int(merged["window"].nunique())
    return BacktestResult(
        forecasts, per_series, summary, choices, int(h), done, level, int(n_windows)
    )
