"""What each series is forecast with: a weighted combination of its good candidates.

The evidence is the backtest of every candidate from up to 24 monthly origins (``engine``):
its errors 1..h months ahead, scaled by the series' in-sample seasonal-naive error (MASE).
A single series' backtest is noisy (overlapping windows from a few years), so its mean scaled
error ``L_k`` and mean squared scaled error ``S_k`` are shrunk toward what the same
candidates scored over all the series fitted together (the set):

    L~_k = (n L_k + n0 Lset_k) / (n + n0)        (and the same for S)

with ``n`` the series' effective number of windows (scored months / h) and ``n0``
(``prior_windows``) how many windows the set's view is worth: a short series leans on the
set, a long one on itself, a set of one series on itself alone. Candidates whose ``L~`` is
more than ``trim`` (share) above the best are left out (seasonal naive on a trending series,
SES on a seasonal one); the others are averaged with weights ``1 / S~_k``. Averaging the good
methods is safer than betting on the one that happened to win a noisy backtest, and leaving
out the bad ones is safer than averaging all (both measured: docs/forecasting.md). Series
with no backtest at all (too short) weigh the candidates by the set's scores, or, alone, equally.
Candidates whose next season's total is over twice or under half the last season's
(``engine.implausible_growth``) are left out first, unless all are.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from forecasting.engine import MAX_GROWTH, SeriesFit
from forecasting.methods import ENSEMBLE

__all__ = ["backtest_losses", "select", "TRIM", "PRIOR_WINDOWS"]

#: Candidates scoring more than this share above the best are left out of the combination.
TRIM = 0.5
#: How many backtest windows the set's scores are worth against a series' own.
PRIOR_WINDOWS = 1.0


def backtest_losses(
    fit: SeriesFit,
    weights: dict[str, float] | None = None,
    power: int = 1,
    rows: slice = slice(None),
) -> dict[str, float]:
    """Mean backtest |error| (power 1: MASE) or squared error (power 2) over origins (``rows``
    of them) and horizons, scaled by the series' seasonal-naive error; per candidate or of a
    combination."""
    if fit.actual is None or not np.isfinite(fit.scale) or fit.scale <= 0:
        return {}
    preds = fit.bt
    if weights is not None:
        if not all(k in fit.bt for k in weights):
            return {}
        preds = {ENSEMBLE: sum(w * fit.bt[k] for k, w in weights.items())}
    out = {}
    for k, pred in preds.items():
        err = np.abs(fit.actual[rows] - pred[rows]) / fit.scale
        if np.isfinite(err).any():
            out[k] = float(np.nanmean(err**power))
    return out


def _windows(fit: SeriesFit) -> float:
    """Effective number of backtest windows: scored months / horizon."""
    if fit.actual is None:
        return 0.0
    return float(np.isfinite(fit.actual).sum()) / max(fit.actual.shape[1], 1)


def _set_means(per_series: list[dict[str, float]], members: Sequence[str]) -> dict[str, float]:
    """The set's typical score per candidate: the median over series (one series where a
    method blew up must not decide for all)."""
    out = {}
    for k in members:
        vals = [d[k] for d in per_series if k in d and np.isfinite(d[k])]
        if vals:
            out[k] = float(np.median(vals))
    return out


def _shrink(own: dict[str, float], prior: dict[str, float], n: float, n0: float,
            names: Sequence[str]) -> dict[str, float]:  # fmt: skip
    out = {}
    for k in names:
        if k in own and np.isfinite(own[k]):
            out[k] = own[k] if k not in prior else (n * own[k] + n0 * prior[k]) / (n + n0)
        elif k in prior:
            out[k] = prior[k]
    return out


def _weigh(
    own: dict[str, float],
    own2: dict[str, float],
    n: float,
    priors: tuple[dict[str, float], dict[str, float]],
    avail: list[str],
    trim: float,
    prior_windows: float,
) -> tuple[dict[str, float], dict[str, float]]:
    """(weights, shrunk MASE) from a series' own scores and the set's (see the module)."""
    loss = _shrink(own, priors[0], n, prior_windows, avail)
    loss2 = _shrink(own2, priors[1], n, prior_windows, avail)
    if loss:
        best = min(loss.values())
        keep = [k for k in avail if k in loss and loss[k] <= (1 + trim) * best]
        inv = {k: 1.0 / max(loss2.get(k, loss[k] ** 2), 1e-12) for k in keep}
    else:  # nothing scored anywhere: all candidates alike
        inv = {k: 1.0 for k in avail}
    total = sum(inv.values())
    weights = dict(sorted(((k, v / total) for k, v in inv.items()), key=lambda kv: -kv[1]))
    return weights, loss


def _cross_fitted(fit: SeriesFit, avail, priors, trim: float, prior_windows: float):
    """Backtest forecasts of the combination with honest weights: the later half of the
    origins combined with weights learned on the earlier half, and the other way round.

    The weights were chosen to do well on these very backtests, so the combination's own
    backtest errors are optimistic; calibrating intervals on them made them too narrow (74%
    for 80% on the hospital data). Returns None when there are too few origins to split."""
    if fit.actual is None or fit.actual.shape[0] < 4:
        return None
    half = fit.actual.shape[0] // 2
    out = np.full(fit.actual.shape, np.nan)
    for learn, apply in ((slice(0, half), slice(half, None)), (slice(half, None), slice(0, half))):
        own = backtest_losses(fit, rows=learn)
        own2 = backtest_losses(fit, power=2, rows=learn)
        n = float(np.isfinite(fit.actual[learn]).sum()) / fit.actual.shape[1]
        weights, _ = _weigh(own, own2, n, priors, avail, trim, prior_windows)
        if not weights or not all(k in fit.bt for k in weights):
            return None
        out[apply] = sum(w * fit.bt[k][apply] for k, w in weights.items())
    return out


def select(
    fits: Sequence[SeriesFit],
    members: Sequence[str],
    trim: float = TRIM,
    prior_windows: float = PRIOR_WINDOWS,
    unit: str = "month",
) -> dict[str, float]:
    """Set ``weights``, ``chosen``, ``scores``, ``n_windows``, ``reason`` and ``bt_chosen``
    (cross-fitted backtest of the choice, for calibration) on every fit.

    ``members`` are the candidates that may be combined, in order of preference for ties;
    returns the set's median backtest MASE per candidate.
    """
    mase = [backtest_losses(f) for f in fits]
    mse = [backtest_losses(f, power=2) for f in fits]
    priors = (_set_means(mase, members), _set_means(mse, members))
    n_set = sum(1 for d in mase if d)
    for fit, own, own2 in zip(fits, mase, mse, strict=True):
        avail = [k for k in members if k in fit.models] or list(fit.models)
        avail = [k for k in avail if k not in fit.implausible] or avail
        n = _windows(fit)
        fit.weights, loss = _weigh(own, own2, n, priors, avail, trim, prior_windows)
        keep = list(fit.weights)
        fit.chosen = keep[0] if len(keep) == 1 else ENSEMBLE
        fit.n_windows = max(1, int(round(n))) if n > 0 else 0
        fit.scores = dict(own)
        if len(keep) > 1:
            fit.scores.update(backtest_losses(fit, fit.weights))
        fit.bt_chosen = _cross_fitted(fit, avail, priors, trim, prior_windows)
        if own:
            how = "own backtest"
            if n_set > 1:
                how = f"backtest shrunk toward the set's {n_set} series"
        elif loss:
            how = f"the set's backtest ({n_set} series); too short for its own"
        else:
            how = f"none: {fit.n_obs} {unit}s are too short for a backtest"
        fit.reason = _reason(fit, loss, own, how, trim, unit)
    return priors[0]


def _reason(
    fit: SeriesFit, loss: dict[str, float], own: dict[str, float], how: str, trim: float,
    unit: str,
) -> str:  # fmt: skip
    """The choice in words, e.g. 'Ensemble of DynamicTheta 0.34, AutoETS 0.33, ... '."""
    keep = list(fit.weights)
    left_out = [k for k in sorted(loss, key=loss.get) if k not in keep]
    wild = [k for k in fit.implausible if k not in keep]
    if len(keep) > 1 and not loss:
        head = f"Ensemble of {', '.join(keep)} (equal weights; {how})"
    elif len(keep) > 1:
        parts = ", ".join(f"{k} {w:.2f}" for k, w in fit.weights.items())
        head = f"Ensemble of {parts} (weights 1/MSE by {how})"
    else:
        head = f"{keep[0]} chosen (by {how})"
    if left_out:
        head += f"; left out, MASE over {1 + trim:.1f}x the best: {', '.join(left_out)}"
    if wild:
        head += (f"; left out, next season's forecast total over {MAX_GROWTH:g}x or under "
                 f"1/{MAX_GROWTH:g} of the last season's: {', '.join(wild)}")  # fmt: skip
    if own:
        scored = ", ".join(f"{k} {own[k]:.2f}" for k in sorted(own, key=own.get))
        head += f"; backtest MASE {scored}"
        if ENSEMBLE in fit.scores and len(keep) > 1:
            head += f", combined {fit.scores[ENSEMBLE]:.2f}"
        origins = fit.actual.shape[0] if fit.actual is not None else 0
        h = fit.actual.shape[1] if fit.actual is not None else 0
        head += f" over {origins} {unit}ly origins, 1-{h} {unit}s ahead"
    if fit.shift is not None:
        head += f"; history before a {fit.shift.describe(unit)} moved to the new level"
    return head
