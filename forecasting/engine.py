"""Fitting many series: every candidate per series, plus the evidence to weigh and calibrate them.

One series is fitted by ``fit_one_series``:
1. a level shift far enough back is found and the history before it moved to the new level
   (``forecasting.breaks``), so an old level does not poison the fit;
2. every candidate method is fitted on the whole (adjusted) series;
3. each candidate is refitted once at an earlier cut, in the form its automatic search picked on
   the whole series (e.g. ETS(A,Ad,M) by AICc), and run forward with those parameters through
   every later month: each month from the cut on is a forecast origin that uses only data up to
   it, so one refit gives up to ``evidence`` origins one month apart, scored 1..h months ahead.
   Methods without a cheap forward step (SES, the intermittent ones) are refitted per origin.
4. an interval scale per horizon: the mean width of the candidates' own 80% intervals.

The choice between candidates (or their weights) and the interval calibration use these
backtests over all series at once: ``forecasting.selection`` and ``forecasting.calibration``.
Series are fitted across processes by ``map_series``.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from forecasting.breaks import LevelShift, adjust_level_shift
from forecasting.methods import ENSEMBLE, INTERMITTENT, SARIMAX, MethodSpec, chosen_form
from forecasting.metrics import seasonal_naive_scale

__all__ = ["SeriesFit", "fit_one_series", "forecast_all", "map_series", "Z80"]

#: Standard normal quantile of 90%: an 80% interval is mean ± Z80 sd.
Z80 = 1.2815515655446004
#: Share of zero months from which a series counts as intermittent (ADI > 1.33).
INTERMITTENT_ZEROS = 0.25


@dataclass
class SeriesFit:
    """What was learned for one series: fitted models, their backtests, the choice and why.

    ``bt`` maps each candidate to its backtest forecasts, shape (origins, h); ``actual`` holds
    what happened (NaN past the end of the series); ``sd`` is the interval scale per horizon
    (units of the series). ``weights`` is the combination chosen (one method: weight 1).
    """

    series_id: str
    n_obs: int
    models: dict[str, Any]
    chosen: str = ""
    scores: dict[str, float] = field(default_factory=dict)
    n_windows: int = 0
    reason: str = ""
    failures: dict[str, str] = field(default_factory=dict)
    y: np.ndarray | None = None
    y_fit: np.ndarray | None = None
    bt: dict[str, np.ndarray] = field(default_factory=dict)
    actual: np.ndarray | None = None
    scale: float = float("nan")
    sd: np.ndarray | None = None
    weights: dict[str, float] = field(default_factory=dict)
    shift: LevelShift | None = None
    origin_cut: int = 0
    means: dict[str, np.ndarray] = field(default_factory=dict)
    specs: list[MethodSpec] = field(default_factory=list)
    bt_chosen: np.ndarray | None = None
    implausible: list[str] = field(default_factory=list)

    @property
    def candidates(self) -> list[str]:
        """Methods fitted for this series (the ensemble included when it was formed)."""
        return list(self.models)


def _check_sane(mean: np.ndarray, y: np.ndarray, season_length: int = 12) -> None:
    """Raise when a forecast is not finite or runs away from the recent history: above three
    times the largest value of the last two seasons (a fit that diverged or extrapolates an
    exponential trend; no service triples in a year without it being planned)."""
    mean = np.asarray(mean, float)
    recent = y[-2 * max(season_length, 6) :] if len(y) else y
    top = float(np.max(np.abs(recent))) if len(recent) else 0.0
    if not np.all(np.isfinite(mean)) or np.max(np.abs(mean), initial=0.0) > 3 * top + 3:
        raise ValueError("forecast out of range (over 3x the recent maximum: the fit diverged)")


#: A candidate whose next season's total is more than this many times the last season's (or
#: less than its inverse) is left out of the combination, unless every candidate is.
MAX_GROWTH = 2.0


def implausible_growth(
    means: dict[str, np.ndarray], y: np.ndarray, season_length: int, limit: float = MAX_GROWTH
) -> list[str]:
    """Candidates whose forecast total over the next season is over ``limit`` times the last
    season's total or under 1/``limit`` of it, when at least one candidate stays inside.

    A backtest cannot catch an exponential trend or season that runs away only from the last
    origin (on souvenir sales AutoETS and CES forecast 2-3x the last year's total and scored
    MASE 5-8, after backtest MASE near 1); a service that doubles or halves in a year is
    planned, not extrapolated."""
    m = max(int(season_length), 1)
    last = float(np.sum(y[-m:])) if len(y) >= m else 0.0
    if last <= 0:
        return []
    out = []
    for name, mean in means.items():
        ratio = float(np.sum(mean[:m])) / last * (m / min(m, len(mean)))
        if not 1.0 / limit <= ratio <= limit:
            out.append(name)
    return out if len(out) < len(means) else []


def forecast_all(
    models: dict[str, Any], specs: Sequence[MethodSpec], h: int, y: np.ndarray,
    X_future: np.ndarray | None = None,
) -> tuple[dict[str, np.ndarray], np.ndarray]:  # fmt: skip
    """Point forecasts of every fitted model ``h`` ahead (clipped at 0), and the interval scale:
    the median half-width / Z80 of the candidates' own 80% intervals, per horizon (an sd)."""
    means: dict[str, np.ndarray] = {}
    sds = []
    for spec in specs:
        model = models.get(spec.name)
        if model is None:
            continue
        want = spec.has_intervals
        if spec.uses_drivers:
            out = model.predict(h=h, X=X_future, level=[80])
        else:
            out = model.predict(h=h, level=[80]) if want else model.predict(h=h)
        means[spec.name] = np.clip(np.asarray(out["mean"], float), 0, None)
        if want and "hi-80" in out:
            sd = (np.asarray(out["hi-80"], float) - np.asarray(out["lo-80"], float)) / (2 * Z80)
            if np.all(np.isfinite(sd)) and np.all(sd >= 0):
                sds.append(sd)
    if sds:
        sd = np.median(sds, axis=0)
    else:  # no interval method: one-step spread of the series' changes, growing like a walk
        d = np.diff(y) if len(y) > 1 else np.zeros(1)
        sd = np.std(d) / np.sqrt(2) * np.sqrt(np.arange(1, h + 1))
    floor = max(1e-6, 0.01 * float(np.mean(np.abs(y))) if len(y) else 1e-6)
    return means, np.maximum(sd, floor)


def _backtest(
    spec: MethodSpec,
    model_full: Any,
    y: np.ndarray,
    X: np.ndarray | None,
    origins: np.ndarray,
    h: int,
    season_length: int,
    fixed: Any,
) -> np.ndarray:
    """Forecasts from each origin (rows) 1..h ahead (columns), using data up to the origin."""
    out = np.full((len(origins), h), np.nan)
    cut = int(origins[0])
    use_x = spec.uses_drivers and X is not None
    model = spec.build(season_length, cut, fixed=fixed)
    model.fit(y[:cut], X[:cut] if use_x else None)
    forward = getattr(model, "forward", None)
    for i, o in enumerate(origins):
        o = int(o)
        xf = X[o : o + h] if use_x else None
        if o == cut:
            res = model.predict(h=len(xf), X=xf) if use_x else model.predict(h=h)
        elif forward is not None:
            if use_x:
                res = model.forward(y[:o], h=h, X=X[:o], X_future=xf)
            else:
                res = forward(y[:o], h=h)
        else:  # cheap methods without a forward step are refitted at each origin
            res = spec.build(season_length, o, fixed=fixed).fit(y[:o]).predict(h=h)
        mean = np.asarray(res["mean"], float)
        if len(mean) < h:  # drivers end early: no forecast past them
            mean = np.concatenate([mean, np.full(h - len(mean), np.nan)])
        out[i] = mean
    recent = y[max(0, cut - 2 * max(season_length, 6)) : cut]
    top = 3 * float(np.max(np.abs(recent))) + 3
    out[~(np.abs(out) <= top)] = np.nan  # a diverged refit scores nothing, not infinity
    return np.clip(out, 0, None)


def fit_one_series(
    series_id: str,
    y: np.ndarray,
    X: np.ndarray | None,
    specs: Sequence[MethodSpec],
    season_length: int,
    horizon: int,
    evidence: int,
    detect_shifts: bool = True,
    step: int = 1,
) -> SeriesFit:
    """Fit every candidate on the whole series and backtest each from origins ``step``
    periods apart over the last ``evidence`` periods, ``horizon`` periods ahead (see the
    module docstring)."""
    y = np.asarray(y, float)
    n = len(y)
    shift = adjust_level_shift(y, season_length) if detect_shifts else None
    y_fit = shift.adjusted if shift is not None else y
    zeros = float(np.mean(y_fit == 0)) if n else 0.0
    use = [
        s
        for s in specs
        if s.name != ENSEMBLE and (s.name not in INTERMITTENT or zeros >= INTERMITTENT_ZEROS)
    ]
    if not use:  # only intermittent methods asked for, series not intermittent: use them anyway
        use = [s for s in specs if s.name != ENSEMBLE]
    models: dict[str, Any] = {}
    failures: dict[str, str] = {}
    fixed: dict[str, Any] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for spec in use:
            try:
                model = spec.build(season_length, n).fit(y_fit, X if spec.uses_drivers else None)
                models[spec.name] = model
                fixed[spec.name] = chosen_form(spec.name, model)
            except Exception as exc:  # a method that cannot fit this series is left out, named
                failures[spec.name] = f"{type(exc).__name__}: {exc}"
    if not models:
        raise RuntimeError(f"series {series_id}: no method could be fitted ({failures})")
    fit = SeriesFit(series_id, n, models, failures=failures, y=y, y_fit=y_fit, shift=shift,
                    specs=list(use))  # fmt: skip
    fit.scale = seasonal_naive_scale(y_fit, season_length)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = {k: v for k, v in models.items() if k != SARIMAX}  # drivers: no future here
        means, sd = forecast_all(plain, use, horizon, y_fit)
        for name, mean in means.items():
            try:
                _check_sane(mean, y_fit, season_length)
            except ValueError as exc:  # a diverged fit is left out, named
                failures[name] = str(exc)
                del models[name]
        if any(k in failures for k in means):
            means, sd = forecast_all({k: v for k, v in plain.items() if k in models}, use,
                                     horizon, y_fit)  # fmt: skip
        if not models:
            raise RuntimeError(f"series {series_id}: no method could be fitted ({failures})")
        fit.sd = sd
        if SARIMAX not in models:  # kept for predict up to ``horizon``
            fit.means = means
        fit.implausible = implausible_growth(means, y_fit, season_length)
    min_train = max(2 * season_length + 2, 4) if season_length > 1 else 4
    first = max(min_train, n - int(evidence))
    if first >= n or evidence <= 0:
        return fit
    origins = np.arange(n - 1, first - 1, -max(int(step), 1))[::-1]
    fit.origin_cut = int(origins[0])
    actual = np.full((len(origins), horizon), np.nan)
    for i, o in enumerate(origins):
        seg = y_fit[o : o + horizon]
        actual[i, : len(seg)] = seg
    fit.actual = actual
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for spec in use:
            if spec.name not in models:
                continue
            try:
                fit.bt[spec.name] = _backtest(
                    spec, models[spec.name], y_fit, X, origins, horizon, season_length,
                    fixed.get(spec.name),
                )  # fmt: skip
            except Exception as exc:  # no evidence for this method on this series: named
                failures.setdefault(spec.name + " (backtest)", f"{type(exc).__name__}: {exc}")
    return fit


def _run_chunk(func: Callable, chunk: list[tuple]) -> list:
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    return [func(*args) for args in chunk]


def map_series(
    func: Callable, items: list[tuple], n_jobs: int | None = None, min_parallel: int = 40
) -> list:
    """Apply ``func(*item)`` to every item, across processes when there are enough items.

    Processes (joblib/loky) are used when ``n_jobs`` != 1 and there are at least
    ``min_parallel`` items; each worker is limited to one BLAS thread. Order is preserved.
    """
    from joblib import Parallel, cpu_count, delayed, parallel_config

    jobs = cpu_count() if n_jobs in (None, -1) else max(1, int(n_jobs))
    if jobs == 1 or len(items) < min_parallel:
        return [func(*args) for args in items]
    n_chunks = min(len(items), jobs * 4)
    bounds = np.linspace(0, len(items), n_chunks + 1).astype(int)
    chunks = [items[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b > a]
    with parallel_config(backend="loky", inner_max_num_threads=1):
        results = Parallel(n_jobs=jobs)(delayed(_run_chunk)(func, c) for c in chunks)
    return [r for chunk in results for r in chunk]
