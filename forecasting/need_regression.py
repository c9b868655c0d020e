"""Need per area from population and mobility features, for services without long history.

``area_features`` turns the population and mobility tables into one row per area (persons,
shares of children and older people, trips in and out by purpose); ``NeedRegressor`` fits one
scikit-learn GradientBoostingRegressor with quantile loss per quantile, so a need estimate
comes with a range (e.g. 10th, 50th and 90th percentile, in the units of the target).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.ensemble import GradientBoostingRegressor

from demand.errors import InputError

__all__ = ["NeedRegressor", "area_features"]


def area_features(
    population: pd.DataFrame, mobility: pd.DataFrame | None = None, year: int | None = None
) -> pd.DataFrame:
    """One row per area: persons, share_0_14, share_65_plus, and daily trips in/out by purpose."""
    pop = population if year is None else population[population["year"] == year]
    if year is None and "year" in pop.columns:
        pop = pop[pop["year"] == pop["year"].max()]
    start = pop["age_band"].str.extract(r"^(\d+)")[0].astype(int)
    g = pop.assign(
        child=np.where(start < 15, pop["persons"], 0.0),
        old=np.where(start >= 65, pop["persons"], 0.0),
    )
    feat = g.groupby("area_id").agg(
        persons=("persons", "sum"), child=("child", "sum"), old=("old", "sum")
    )
    feat["share_0_14"] = feat["child"] / feat["persons"].where(feat["persons"] > 0)
    feat["share_65_plus"] = feat["old"] / feat["persons"].where(feat["persons"] > 0)
    feat = feat.drop(columns=["child", "old"]).fillna(0.0)
    if mobility is not None and len(mobility):
        inbound = mobility.pivot_table(
            index="dest_area", columns="purpose", values="trips_per_day", aggfunc="sum"
        ).add_prefix("trips_in_")
        outbound = mobility.pivot_table(
            index="origin_area", columns="purpose", values="trips_per_day", aggfunc="sum"
        ).add_prefix("trips_out_")
        feat = feat.join(inbound).join(outbound).fillna(0.0)
    feat.index = feat.index.astype(str)
    return feat.reset_index().rename(columns={"index": "area_id"})


class NeedRegressor(RegressorMixin, BaseEstimator):
    """Quantile gradient boosting of need per area; ``predict`` gives the median.

    ``quantiles`` (fractions, must include 0.5) set the range; ``predict_quantiles`` returns
    one column per quantile named like ``q10``, ``q50``, ``q90`` (sorted, so they never cross).
    """

    def __init__(
        self,
        quantiles: Sequence[float] = (0.1, 0.5, 0.9),
        n_estimators: int = 200,
        max_depth: int = 3,
        learning_rate: float = 0.05,
        random_state: int = 0,
    ):
        self.quantiles = quantiles
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.learning_rate = learning_rate
        self.random_state = random_state

    def fit(self, X: pd.DataFrame, y: Sequence[float]) -> NeedRegressor:
        """Fit one model per quantile on features X (numeric columns) and need y."""
        qs = sorted(float(q) for q in self.quantiles)
        if 0.5 not in qs or not all(0 < q < 1 for q in qs):
            raise InputError(f"quantiles must be fractions in (0, 1) including 0.5, got {qs}")
        X = self._numeric(X)
        y = np.asarray(y, float)
        if len(y) != len(X) or np.isnan(y).any():
            raise InputError("need: y must have one number per row of X, with no gaps")
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.models_ = {
            q: GradientBoostingRegressor(
                loss="quantile",
                alpha=q,
                n_estimators=self.n_estimators,
                max_depth=self.max_depth,
                learning_rate=self.learning_rate,
                random_state=self.random_state,
            ).fit(X.to_numpy(float), y)
            for q in qs
        }
        return self

    @staticmethod
    def _numeric(X: pd.DataFrame) -> pd.DataFrame:
        X = X.drop(columns=[c for c in ("area_id",) if c in X.columns])
        bad = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
        if bad:
            raise InputError(f"features: column(s) {bad} are not numeric")
        return X

    def predict_quantiles(self, X: pd.DataFrame) -> pd.DataFrame:
        """Need at each quantile: columns q10, q50, q90 ... (non-crossing, >= 0)."""
        X = self._numeric(X)[list(self.feature_names_in_)].to_numpy(float)
        preds = np.column_stack([self.models_[q].predict(X) for q in self.models_])
        preds = np.clip(np.sort(preds, axis=1), 0, None)
        return pd.DataFrame(preds, columns=[f"q{round(q * 100):d}" for q in self.models_])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Median need per row of X."""
        return self.predict_quantiles(X)["q50"].to_numpy()
