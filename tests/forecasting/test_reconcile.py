"""Reconciled forecasts add up: every aggregate equals the sum of its bottom series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demand.errors import InputError
from forecasting.models import ETSForecaster
from forecasting.reconcile import aggregate_history, reconcile, summing_matrix

HIER = {"city": ["a1", "a2", "a3"], "district_n": ["a1", "a2"]}


def forecasts(values: dict[str, list[float]]) -> pd.DataFrame:
    ds = pd.date_range("2026-01-01", periods=len(next(iter(values.values()))), freq="MS")
    rows = [
        pd.DataFrame(
            {
                "series_id": k,
                "ds": ds,
                "yhat": v,
                "yhat-lo-80": np.array(v) - 5,
                "yhat-hi-80": np.array(v) + 5,
            }
        )
        for k, v in values.items()
    ]
    return pd.concat(rows, ignore_index=True)


def sums_match(fc: pd.DataFrame, col: str = "yhat") -> bool:
    wide = fc.pivot(index="ds", columns="series_id", values=col)
    return all(np.allclose(wide[agg], wide[members].sum(axis=1)) for agg, members in HIER.items())


def test_summing_matrix_rows():
    S, rows, cols = summing_matrix(HIER)
    assert rows == ["city", "district_n", "a1", "a2", "a3"] and cols == ["a1", "a2", "a3"]
    assert S.tolist()[:2] == [[1, 1, 1], [1, 1, 0]]


def test_bottom_up_sums_bottom_forecasts():
    fc = forecasts(
        {"city": [100, 100], "district_n": [10, 10], "a1": [20, 21], "a2": [30, 31], "a3": [40, 41]}
    )
    out = reconcile(fc, HIER, method="bottom_up")
    assert sums_match(out)
    assert out.loc[out.series_id == "city", "yhat"].tolist() == [90, 93]
    # intervals move with the point forecast
    city = out[out.series_id == "city"]
    assert np.allclose(city["yhat-hi-80"] - city["yhat"], 5)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.floats(0, 1e4), min_size=5, max_size=5),
    st.sampled_from(["ols", "wls_struct", "bottom_up"]),
)
def test_any_forecasts_become_coherent(values, method):
    fc = forecasts(
        {k: [v] for k, v in zip(["city", "district_n", "a1", "a2", "a3"], values, strict=True)}
    )
    out = reconcile(fc, HIER, method=method)
    assert sums_match(out)
    # interval bounds move with the point forecast; each series keeps its own width
    assert np.allclose(out["yhat-hi-80"] - out["yhat"], 5)


def test_mint_shrink_on_fitted_models_adds_up():
    rng = np.random.default_rng(3)
    ds = pd.date_range("2020-01-01", periods=48, freq="MS")
    t = np.arange(48)
    bottoms = {
        f"a{i}": 50 * i + 10 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 3, 48) for i in (1, 2, 3)
    }
    hist = pd.concat(
        [pd.DataFrame({"series_id": k, "ds": ds, "y": v.clip(0)}) for k, v in bottoms.items()]
    )
    hist = pd.concat([hist, aggregate_history(hist, HIER)], ignore_index=True)
    est = ETSForecaster().fit(hist)
    fc = est.predict(12)
    assert not sums_match(fc)  # independent forecasts do not add up by themselves
    out = reconcile(fc, HIER, method="mint_shrink", residuals=est.residuals())
    assert sums_match(out)
    # reconciliation adjusts, it does not reinvent: city total moves by < 5%
    before = fc[fc.series_id == "city"]["yhat"].to_numpy()
    after = out[out.series_id == "city"]["yhat"].to_numpy()
    assert np.all(np.abs(after / before - 1) < 0.05)


def test_missing_series_and_bad_method_are_named():
    fc = forecasts({"city": [1.0], "a1": [1.0], "a2": [1.0], "a3": [1.0]})
    with pytest.raises(InputError, match="district_n"):
        reconcile(fc, HIER, method="ols")
    with pytest.raises(InputError, match="unknown reconciliation method"):
        reconcile(fc, HIER, method="magic")
