"""Reconciling forecasts so per-area (or per-facility) forecasts add up to the city total.

A hierarchy is given as ``{aggregate_series_id: [bottom_series_id, ...]}`` (e.g. the city
total and each district over the areas). From it a summing matrix S (all series x bottom
series) is built and forecasts are projected onto the coherent space:

    reconciled = S (S' W^-1 S)^-1 S' W^-1 forecast

``bottom_up`` ignores the aggregate forecasts and sums the bottom ones; ``ols`` uses W = I;
``wls_struct`` uses W = diag(S 1) (each series weighted by how many bottom series it sums);
``mint_shrink`` uses the covariance of in-sample one-step residuals shrunk towards its
diagonal (Schafer-Strimmer), as in Wickramasuriya, Athanasopoulos & Hyndman (2019).
Interval bounds are shifted by the same amount as the point forecast (an approximation that
keeps each series' own interval width).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from demand.errors import InputError

__all__ = ["aggregate_history", "summing_matrix", "reconcile", "METHODS", "hierarchy_from_series"]

METHODS = ("bottom_up", "ols", "wls_struct", "mint_shrink")


def summing_matrix(
    aggregates: Mapping[str, Sequence[str]], bottom: Sequence[str] | None = None
) -> tuple[np.ndarray, list[str], list[str]]:
    """Summing matrix S and its row ids (aggregates then bottom) and column ids (bottom)."""
    bottoms = (
        list(bottom)
        if bottom is not None
        else sorted({b for members in aggregates.values() for b in members})
    )
    col = {b: j for j, b in enumerate(bottoms)}
    rows = [*aggregates.keys(), *bottoms]
    S = np.zeros((len(rows), len(bottoms)))
    for i, (agg, members) in enumerate(aggregates.items()):
        if agg in col:
            raise InputError(f"hierarchy: {agg} is both an aggregate and a bottom series")
        for b in members:
            if b not in col:
                raise InputError(f"hierarchy: {agg} sums {b}, which is not a bottom series")
            S[i, col[b]] = 1.0
    S[len(aggregates) :] = np.eye(len(bottoms))
    return S, rows, bottoms


def hierarchy_from_series(
    series: pd.DataFrame, total_id: str = "city", by: str = "area_id"
) -> dict[str, list[str]]:
    """Hierarchy for one measure: the city total over all series, plus one total per ``by`` value
    when a value groups more than one series (e.g. several facilities in one area)."""
    agg: dict[str, list[str]] = {total_id: sorted(series["series_id"].astype(str))}
    for key, g in series.groupby(by):
        if len(g) > 1:
            agg[f"{total_id}/{key}"] = sorted(g["series_id"].astype(str))
    return agg


def aggregate_history(
    history: pd.DataFrame, aggregates: Mapping[str, Sequence[str]]
) -> pd.DataFrame:
    """History of the aggregate series (sums of their bottom series), to forecast them too."""
    frames = []
    for agg, members in aggregates.items():
        part = history[history["series_id"].isin(members)]
        found = part["series_id"].nunique()
        if found != len(set(members)):
            missing = sorted(set(members) - set(part["series_id"]))
            raise InputError(
                f"history: aggregate {agg} needs series {missing[:5]} which are absent"
            )
        counts = part.groupby("ds")["series_id"].nunique()
        if (counts != found).any():
            when = counts[counts != found].index[0]
            raise InputError(
                f"history: aggregate {agg} cannot be summed at {when:%Y-%m-%d}: not every "
                "member series has a value there; align the member series' dates"
            )
        frames.append(part.groupby("ds", as_index=False)["y"].sum().assign(series_id=agg))
    return pd.concat(frames, ignore_index=True)[["series_id", "ds", "y"]]


def _shrunk_covariance(resid: np.ndarray) -> np.ndarray:
    """Covariance of residuals (rows = time, cols = series) shrunk towards its diagonal."""
    r = resid[~np.isnan(resid).any(axis=1)]
    if len(r) < 3:
        raise InputError("mint_shrink needs at least 3 periods of in-sample residuals")
    n = len(r)
    r = r - r.mean(axis=0)
    cov = r.T @ r / n
    sd = np.sqrt(np.diag(cov))
    sd[sd == 0] = 1.0
    std = r / sd
    corr = std.T @ std / n
    w = std[:, :, None] * std[:, None, :]
    var_corr = n / (n - 1) ** 3 * ((w - corr) ** 2).sum(axis=0)
    off = ~np.eye(len(corr), dtype=bool)
    denom = (corr[off] ** 2).sum()
    lam = float(np.clip(var_corr[off].sum() / denom, 0, 1)) if denom > 0 else 1.0
    shrunk = lam * np.diag(np.diag(cov)) + (1 - lam) * cov
    return shrunk + np.eye(len(shrunk)) * 1e-9 * max(float(np.trace(shrunk)), 1.0)


def _projection(S: np.ndarray, method: str, W: np.ndarray | None) -> np.ndarray:
    n_agg = S.shape[0] - S.shape[1]
    if method == "bottom_up":
        G = np.hstack([np.zeros((S.shape[1], n_agg)), np.eye(S.shape[1])])
        return S @ G
    if method == "ols":
        W = np.eye(S.shape[0])
    elif method == "wls_struct":
        W = np.diag(S.sum(axis=1))
    Winv = np.linalg.pinv(W)
    G = np.linalg.solve(S.T @ Winv @ S, S.T @ Winv)
    return S @ G


def reconcile(
    forecasts: pd.DataFrame,
    aggregates: Mapping[str, Sequence[str]],
    method: str = "mint_shrink",
    residuals: pd.DataFrame | None = None,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Make forecasts add up: aggregate series = sum of their bottom series, at every ds.

    ``forecasts`` is a predict() frame holding every series in the hierarchy; ``residuals``
    (series_id, ds, resid, e.g. from ``forecaster.residuals()``) is needed for mint_shrink.
    ``columns`` are the point-forecast columns to reconcile (default ``yhat``); their
    ``-lo-``/``-hi-`` interval columns are shifted by the same adjustment.
    """
    if method not in METHODS:
        raise InputError(f"unknown reconciliation method {method!r}; choose from {METHODS}")
    S, rows, _ = summing_matrix(aggregates)
    have = set(forecasts["series_id"].astype(str))
    absent = [r for r in rows if r not in have]
    if absent:
        raise InputError(
            f"forecasts: hierarchy series {absent[:5]} have no forecast; "
            "forecast every aggregate and bottom series first"
        )
    W = None
    if method == "mint_shrink":
        if residuals is None:
            raise InputError("mint_shrink needs in-sample residuals: pass forecaster.residuals()")
        wide = residuals.pivot_table(index="ds", columns="series_id", values="resid")
        W = _shrunk_covariance(wide.reindex(columns=rows).to_numpy(float))
    P = _projection(S, method, W)
    columns = list(columns or ["yhat"])
    out = forecasts.copy()
    part = out[out["series_id"].isin(rows)]
    for col in columns:
        wide = part.pivot(index="ds", columns="series_id", values=col).reindex(columns=rows)
        new = wide.to_numpy(float) @ P.T
        delta = pd.DataFrame(
            new - wide.to_numpy(float), index=wide.index, columns=pd.Index(rows, name="series_id")
        )
        long = delta.stack().rename("_delta").reset_index()
        merged = out[["series_id", "ds"]].merge(long, on=["series_id", "ds"], how="left")
        shift = merged["_delta"].fillna(0.0).to_numpy()
        targets = [col] + [
            c for c in out.columns if c.startswith(f"{col}-lo-") or c.startswith(f"{col}-hi-")
        ]
        for c in targets:
            out[c] = out[c].to_numpy(float) + shift
    return out
