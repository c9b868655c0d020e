"""Fitting many series: per-series model choice by rolling-origin backtest, run across processes.

One series is fitted by ``fit_one_series``: every candidate method is fitted on the whole
series, and, when there is more than one candidate, each is also refitted at a few earlier
origins and scored by MASE on the periods that followed. The lowest mean MASE wins. To keep
this affordable, ETS and Theta are refitted at the earlier origins in the form that their
automatic search picked on the whole series (e.g. ETS(A,Ad,M) by AICc, Theta variant by MSE);
parameters are re-estimated at each origin, the form is not.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from forecasting.methods import (
    AUTO_ETS,
    ENSEMBLE,
    ENSEMBLE_MEMBERS,
    MeanModel,
    MethodSpec,
    chosen_form,
)
from forecasting.metrics import mae, mase, seasonal_naive_scale

__all__ = ["SeriesFit", "fit_one_series", "map_series"]


@dataclass
class SeriesFit:
    """What was learned for one series: fitted models, the chosen one, and why."""

    series_id: str
    n_obs: int
    models: dict[str, Any]
    chosen: str
    scores: dict[str, float] = field(default_factory=dict)
    n_windows: int = 0
    reason: str = ""
    failures: dict[str, str] = field(default_factory=dict)
    y: np.ndarray | None = None


def _explain(chosen: str, scores: dict[str, float], n_windows: int, h: int, unit: str) -> str:
    others = ", ".join(
        f"{v:.2f} for {k}" for k, v in sorted(scores.items(), key=lambda kv: kv[1]) if k != chosen
    )
    tail = f" vs {others}" if others else ""
    win = "window" if n_windows == 1 else "windows"
    span = f"{h} {unit}" + ("s" if h != 1 else "")
    return f"{chosen} chosen: MASE {scores[chosen]:.2f}{tail} over {n_windows} {win} of {span}"


def _choose(
    names: list[str], scores: dict[str, float], prefer: str | None, margin: float
) -> tuple[str, str]:
    """Lowest MASE wins, but ``prefer`` is kept unless another is ``margin`` (share) better."""
    best = min(names, key=lambda k: scores[k])
    if prefer not in names or best == prefer or margin <= 0:
        return best, ""
    if scores[best] < (1 - margin) * scores[prefer]:
        return best, f" ({margin:.0%} or more better than {prefer})"
    return prefer, f" (kept: no method {margin:.0%} better)"


def fit_one_series(
    series_id: str,
    y: np.ndarray,
    X: np.ndarray | None,
    specs: Sequence[MethodSpec],
    season_length: int,
    selection_horizon: int,
    selection_windows: int,
    unit: str = "month",
    prefer: str | None = None,
    switch_margin: float = 0.0,
) -> SeriesFit:
    """Fit every candidate on the whole series and choose one by rolling-origin MASE.

    With ``prefer``, that method is kept unless another's mean MASE is lower by at least
    ``switch_margin`` (a share, e.g. 0.2): a robust default that noise alone cannot unseat.
    """
    n = len(y)
    models: dict[str, Any] = {}
    failures: dict[str, str] = {}
    fixed: dict[str, tuple[str, bool] | None] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for spec in specs:
            if spec.name == ENSEMBLE:
                continue
            try:
                models[spec.name] = spec.build(season_length, n).fit(
                    y, X if spec.uses_drivers else None
                )
                fixed[spec.name] = chosen_form(spec.name, models[spec.name])
            except Exception as exc:  # a method that cannot fit this series is left out, named
                failures[spec.name] = f"{type(exc).__name__}: {exc}"
    wants_ensemble = any(s.name == ENSEMBLE for s in specs)
    if wants_ensemble and all(m in models for m in ENSEMBLE_MEMBERS):
        models[ENSEMBLE] = MeanModel([models[m] for m in ENSEMBLE_MEMBERS])
    if not models:
        raise RuntimeError(f"series {series_id}: no method could be fitted ({failures})")
    names = [s.name for s in specs if s.name in models]
    if len(names) == 1:
        return SeriesFit(
            series_id,
            n,
            models,
            names[0],
            reason=f"{names[0]} (only method)",
            failures=failures,
            y=y,
        )

    h = selection_horizon
    min_train = max(2 * season_length, 4)
    origins = [n - h * (k + 1) for k in range(selection_windows)]
    origins = sorted(o for o in origins if o >= min_train)
    errors: dict[str, list[float]] = {k: [] for k in names}
    scaled: dict[str, list[float]] = {k: [] for k in names}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for origin in origins:
            train, test = y[:origin], y[origin : origin + h]
            scale = seasonal_naive_scale(train, season_length)
            xt = X[:origin] if X is not None else None
            xf = X[origin : origin + h] if X is not None else None
            preds: dict[str, np.ndarray] = {}
            for spec in specs:
                if spec.name not in models or spec.name == ENSEMBLE:
                    continue
                try:
                    m = spec.build(season_length, origin, fixed=fixed.get(spec.name))
                    m.fit(train, xt if spec.uses_drivers else None)
                    pred = np.clip(
                        m.predict(len(test), X=xf if spec.uses_drivers else None)["mean"], 0, None
                    )
                    err, sc = mae(test, pred), mase(test, pred, scale)
                    preds[spec.name] = pred
                except Exception:
                    err = sc = float("inf")
                errors[spec.name].append(err)
                scaled[spec.name].append(sc)
            if ENSEMBLE in models:
                if all(m in preds for m in ENSEMBLE_MEMBERS):
                    pred = np.mean([preds[m] for m in ENSEMBLE_MEMBERS], axis=0)
                    err, sc = mae(test, pred), mase(test, pred, scale)
                else:
                    err = sc = float("inf")
                errors[ENSEMBLE].append(err)
                scaled[ENSEMBLE].append(sc)
    if not origins:
        chosen = next((k for k in (prefer, AUTO_ETS) if k in models), names[0])
        return SeriesFit(
            series_id,
            n,
            models,
            chosen,
            failures=failures,
            y=y,
            reason=(f"{chosen} chosen by default: series too short ({n} {unit}s) for a backtest"),
        )
    mean_mase = {
        k: float(np.nanmean(v)) if np.isfinite(v).any() else float("nan") for k, v in scaled.items()
    }
    if all(np.isfinite(v) for v in mean_mase.values()):
        chosen, why = _choose(names, mean_mase, prefer, switch_margin)
        reason = _explain(chosen, mean_mase, len(origins), h, unit) + why
    else:  # flat history: MASE undefined, compare plain MAE instead
        mean_mae = {k: float(np.mean(v)) for k, v in errors.items()}
        chosen = min(names, key=lambda k: mean_mae[k])
        reason = (
            f"{chosen} chosen: MAE {mean_mae[chosen]:.2f} over {len(origins)} windows "
            "(history too flat for MASE)"
        )
    return SeriesFit(series_id, n, models, chosen, mean_mase, len(origins), reason, failures, y)


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
