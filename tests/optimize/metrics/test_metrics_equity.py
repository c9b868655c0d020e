"""Equity measures against hand computations and their defining properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimize.metrics import equity_summary, gini, share_beyond, theil, worst_decile_mean


def test_gini_by_hand_and_population_weighting():
    # four equal areas, one holds all access: G = 0.75
    access = pd.Series([0.0, 0.0, 0.0, 1.0], index=list("abcd"))
    assert gini(access, pd.Series(1.0, index=access.index)) == pytest.approx(0.75)
    # weighting an area by 3 persons is the same as listing it three times
    two = pd.Series({"x": 1.0, "y": 5.0})
    expanded = pd.Series([1.0, 1.0, 1.0, 5.0], index=list("abcd"))
    assert gini(two, pd.Series({"x": 3.0, "y": 1.0})) == pytest.approx(
        gini(expanded, pd.Series(1.0, index=expanded.index))
    )


def test_theil_by_hand():
    access = pd.Series({"a": 1.0, "b": 3.0})
    persons = pd.Series({"a": 1.0, "b": 1.0})
    mu = 2.0
    expected = 0.5 * (1 / mu) * np.log(1 / mu) + 0.5 * (3 / mu) * np.log(3 / mu)
    assert theil(access, persons) == pytest.approx(expected)
    # all access in one of two equal areas: T = ln 2
    assert theil(pd.Series({"a": 0.0, "b": 4.0}), persons) == pytest.approx(np.log(2))


def test_worst_decile_takes_part_of_the_boundary_area():
    access = pd.Series({"poor": 1.0, "rich": 10.0})
    persons = pd.Series({"poor": 5.0, "rich": 95.0})
    # worst 10 persons: 5 at 1.0 and 5 at 10.0
    assert worst_decile_mean(access, persons) == pytest.approx(5.5)


def test_share_beyond_counts_unreachable_as_beyond():
    minutes = pd.Series({"a": 10.0, "b": 20.0, "c": np.inf})
    persons = pd.Series({"a": 50.0, "b": 30.0, "c": 20.0})
    assert share_beyond(minutes, persons, 15) == pytest.approx(0.5)
    assert share_beyond(minutes, persons, 30) == pytest.approx(0.2)
    summary = equity_summary(pd.Series({"a": 1.0, "b": 1.0, "c": 0.0}), persons, minutes)
    assert summary["share_beyond_15_min"] == pytest.approx(0.5)
    assert summary["persons"] == 100.0


def test_tiny_access_values_do_not_underflow():
    values, persons = pd.Series([0.0, 5e-324]), pd.Series([1.0, 0.5])
    assert gini(values, persons) == pytest.approx(2 / 3)
    assert theil(values, persons) == pytest.approx(np.log(3))


def test_nan_access_for_residents_is_refused():
    with pytest.raises(ValueError, match="NaN"):
        gini(pd.Series({"a": np.nan}), pd.Series({"a": 3.0}))


@settings(max_examples=80, deadline=None)
@given(
    # no subnormal values: 5e-324 x 0.5 is 0 in the input itself, before any measure
    st.lists(
        st.tuples(st.floats(0, 100, allow_subnormal=False), st.floats(0.1, 1e4)),
        min_size=2,
        max_size=20,
    ),
    st.floats(0.1, 10),
)
def test_inequality_is_scale_free_and_bounded(pairs, factor):
    values = pd.Series([v for v, _ in pairs])
    persons = pd.Series([p for _, p in pairs])
    g = gini(values, persons)
    if np.isnan(g):
        assert values.sum() == 0
        return
    assert -1e-9 <= g <= 1.0
    assert gini(values * factor, persons) == pytest.approx(g, abs=1e-9)
    assert theil(values * factor, persons) == pytest.approx(theil(values, persons), abs=1e-9)
    assert worst_decile_mean(values, persons) <= np.average(values, weights=persons) + 1e-9
