"""Quantile regression of need per area gives ordered ranges that cover the truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from demand.errors import InputError
from forecasting.cohort import AGE_BANDS
from forecasting.need_regression import NeedRegressor, area_features


def test_features_from_population_and_mobility():
    pop = pd.DataFrame(
        [("A", 2025, "F", b, 10.0) for b in AGE_BANDS] + [("B", 2025, "M", "70-74", 30.0)],
        columns=["area_id", "year", "sex", "age_band", "persons"],
    )
    mob = pd.DataFrame(
        {"origin_area": ["A"], "dest_area": ["B"], "purpose": ["medical"], "trips_per_day": [12.0]}
    )
    feat = area_features(pop, mob).set_index("area_id")
    assert feat.loc["A", "persons"] == 180 and feat.loc["B", "share_65_plus"] == 1.0
    assert feat.loc["A", "share_0_14"] == pytest.approx(30 / 180)
    assert feat.loc["B", "trips_in_medical"] == 12 and feat.loc["A", "trips_out_medical"] == 12


def test_quantiles_are_ordered_and_cover_about_80_percent():
    rng = np.random.default_rng(0)
    n = 400
    X = pd.DataFrame(
        {"persons": rng.uniform(2e3, 2e4, n), "share_65_plus": rng.uniform(0.05, 0.3, n)}
    )
    need = 0.01 * X["persons"] * (1 + 4 * X["share_65_plus"]) * rng.lognormal(0, 0.2, n)
    model = NeedRegressor(n_estimators=150).fit(X[:300], need[:300])
    q = model.predict_quantiles(X[300:])
    assert list(q.columns) == ["q10", "q50", "q90"]
    assert (q["q10"] <= q["q50"]).all() and (q["q50"] <= q["q90"]).all()
    truth = need[300:].to_numpy()
    inside = np.mean((truth >= q["q10"]) & (truth <= q["q90"]))
    assert 0.6 <= inside <= 0.95
    assert model.score(X[300:], truth) > 0.6  # median explains most of the variation


def test_bad_quantiles_rejected():
    with pytest.raises(InputError, match="including 0.5"):
        NeedRegressor(quantiles=(0.1, 0.9)).fit(pd.DataFrame({"x": [1.0, 2.0]}), [1.0, 2.0])
