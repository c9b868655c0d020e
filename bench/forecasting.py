"""Benchmark: 1,000 monthly series x 10 years, 12-month forecasts with 80/95% intervals and an
automatic per-series model choice (seasonal naive / AutoETS / AutoTheta by 3-window backtest).

Prints wall time, CPU time, peak memory (RSS of this process plus its worker processes, sampled
every 0.1 s with psutil) and the
ratio against a plain per-series statsmodels Holt-Winters loop (ExponentialSmoothing, additive
trend and season, one fixed model, point forecasts only) measured in the same run on a subset
and extrapolated linearly to all series. Target: under 60 s on 2 cores.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/forecasting.py [--series 1000] [--jobs 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
import warnings
from pathlib import Path

# This file is named like the package it measures: keep bench/ off the import path.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def make_series(n_series: int, n_months: int = 120, seed: int = 42) -> pd.DataFrame:
    """Seeded monthly counts: level, trend, yearly season (additive or multiplicative), noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_months)
    ds = pd.date_range("2016-01-01", periods=n_months, freq="MS")
    level = rng.lognormal(4.5, 1.0, n_series)
    trend = rng.normal(0.002, 0.004, n_series)
    amp = rng.uniform(0.05, 0.35, n_series)
    phase = rng.uniform(0, 2 * np.pi, n_series)
    noise = rng.uniform(0.03, 0.15, n_series)
    season = 1 + amp[:, None] * np.sin(2 * np.pi * t[None] / 12 + phase[:, None])
    mean = level[:, None] * (1 + trend[:, None]) ** t[None] * season
    y = np.maximum(0, mean * (1 + noise[:, None] * rng.standard_normal((n_series, n_months))))
    return pd.DataFrame(
        {
            "series_id": np.repeat([f"S{i:04d}" for i in range(n_series)], n_months),
            "ds": np.tile(ds, n_series),
            "y": y.round().ravel(),
        }
    )


class ProcessTreeMeter:
    """Samples this process and its worker processes: peak total RSS (MB) and CPU seconds."""

    def __init__(self, every_s: float = 0.1):
        import psutil

        self.proc = psutil.Process()
        self.every_s = every_s
        self.peak_mb = 0.0
        self.cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        total = 0.0
        for p in [self.proc, *self.proc.children(recursive=True)]:
            try:
                total += p.memory_info().rss / 2**20
                t = p.cpu_times()
                self.cpu[p.pid] = t.user + t.system
            except Exception:  # a worker may exit between listing and reading
                continue
        self.peak_mb = max(self.peak_mb, total)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            time.sleep(self.every_s)

    def __enter__(self) -> ProcessTreeMeter:
        self.cpu0 = {p.pid: sum(p.cpu_times()[:2]) for p in [self.proc, *self.proc.children()]}
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._sample()
        self._stop.set()
        self._thread.join()

    @property
    def cpu_seconds(self) -> float:
        """CPU seconds used by the process tree while metered."""
        return sum(v - self.cpu0.get(pid, 0.0) for pid, v in self.cpu.items())


def statsmodels_loop(history: pd.DataFrame, h: int) -> float:
    """Seconds for a plain per-series Holt-Winters fit + forecast loop."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _, g in history.groupby("series_id"):
            y = g["y"].to_numpy(float)
            fit = ExponentialSmoothing(y, trend="add", seasonal="add", seasonal_periods=12).fit()
            fit.forecast(h)
    return time.perf_counter() - start


def statsmodels_ets_search(history: pd.DataFrame, h: int) -> float:
    """Seconds for the statsmodels equivalent of our ETS step: ETSModel over the 9 additive-error
    forms (trend N/A/Ad x season N/A/M), best by AICc, then 80/95% intervals."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    forms = [(t, d, se) for t, d in ((None, False), ("add", False), ("add", True))
             for se in (None, "add", "mul")]  # fmt: skip
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _, g in history.groupby("series_id"):
            y = pd.Series(g["y"].to_numpy(float), index=pd.DatetimeIndex(g["ds"], freq="MS"))
            best = None
            for trend, damped, season in forms:
                if season == "mul" and (y <= 0).any():
                    continue
                res = ETSModel(
                    y,
                    error="add",
                    trend=trend,
                    damped_trend=damped,
                    seasonal=season,
                    seasonal_periods=12 if season else None,
                ).fit(disp=False)
                if best is None or res.aicc < best.aicc:
                    best = res
            pred = best.get_prediction(start=len(y), end=len(y) + h - 1)
            for alpha in (0.2, 0.05):
                pred.summary_frame(alpha=alpha)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--baseline-series", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()

    from forecasting.models import AutoForecaster

    history = make_series(args.series)
    print(f"{args.series} monthly series x 120 months, horizon 12, levels 80/95, jobs {args.jobs}")

    # warm numba's compiled-function cache in this process (not timed: once per install)
    warm = time.perf_counter()
    AutoForecaster(n_jobs=1).fit(make_series(2, seed=1)).predict(12)
    print(f"warm-up (JIT cache load/compile) {time.perf_counter() - warm:.1f} s")

    load0 = os.getloadavg()[0]
    with ProcessTreeMeter() as meter:
        start = time.perf_counter()
        model = AutoForecaster(n_jobs=args.jobs).fit(history)
        fitted = time.perf_counter()
        fc = model.predict(12, level=[80, 95])
        ours = time.perf_counter() - start
    counts = model.choice_["model"].value_counts().to_dict()
    print(
        f"civicalloc AutoForecaster: {ours:.1f} s wall (fit {fitted - start:.1f} s, "
        f"predict {ours - (fitted - start):.1f} s), {len(fc):,} forecast rows, choices {counts}"
    )
    print(
        f"peak memory (main + workers, sampled RSS): {meter.peak_mb:.0f} MB; "
        f"CPU {meter.cpu_seconds:.1f} s = {meter.cpu_seconds / args.series * 1000:.0f} ms/series; "
        f"load average {load0:.1f} -> {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )

    ids = sorted(history["series_id"].unique())[: args.baseline_series]
    cpu0 = time.process_time()
    base = statsmodels_loop(history[history["series_id"].isin(ids)], 12)
    base_cpu = (time.process_time() - cpu0) * args.series / len(ids)
    base_all = base * args.series / len(ids)
    print(
        f"statsmodels Holt-Winters loop: {base:.1f} s for {len(ids)} series -> "
        f"{base_all:.1f} s extrapolated linearly to {args.series} (1 fixed model, no intervals)"
    )
    print(
        f"ratio statsmodels Holt-Winters / civicalloc: wall {base_all / ours:.2f}x, "
        f"CPU {base_cpu / max(meter.cpu_seconds, 1e-9):.2f}x"
    )
    few = ids[: max(1, args.baseline_series // 10)]
    cpu0 = time.process_time()
    ets = statsmodels_ets_search(history[history["series_id"].isin(few)], 12)
    ets_cpu = (time.process_time() - cpu0) * args.series / len(few)
    ets_all = ets * args.series / len(few)
    print(
        f"statsmodels ETSModel AICc search + intervals: {ets:.1f} s for {len(few)} series -> "
        f"{ets_all:.1f} s extrapolated to {args.series}; ratio to civicalloc: wall "
        f"{ets_all / ours:.2f}x, CPU {ets_cpu / max(meter.cpu_seconds, 1e-9):.2f}x"
    )
    idle = meter.cpu_seconds / max(1, min(args.jobs, os.cpu_count() or 1))
    print(
        f"target < 60 s on 2 cores: wall {'met' if ours < 60 else 'NOT met'} ({ours:.0f} s); "
        f"CPU / cores = {idle:.0f} s, what idle cores would take"
    )


if __name__ == "__main__":
    main()
