"""2SFCA and friends on hand-solved examples, plus invariants a planner relies on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimize.metrics import (
    coverage_within,
    enhanced_two_step_fca,
    nearest_minutes,
    supply_potential,
    supply_to_need_ratio,
    two_step_fca,
)


def _two_by_two() -> tuple[pd.Series, pd.Series, pd.DataFrame]:
    demand = pd.Series({"A": 100.0, "B": 300.0})
    supply = pd.Series({"X": 10.0, "Y": 20.0})
    travel = pd.DataFrame(
        {
            "area_id": ["A", "A", "B", "B"],
            "facility_id": ["X", "Y", "X", "Y"],
            "minutes": [5.0, 25.0, 20.0, 10.0],
        }
    )
    return demand, supply, travel


def test_two_step_fca_matches_hand_solution():
    demand, supply, travel = _two_by_two()
    # 22-minute catchment: A reaches X; B reaches X and Y.
    # R_X = 10 / (100 + 300) = 0.025 ; R_Y = 20 / 300
    # A_A = 0.025 ; A_B = 0.025 + 20/300
    access = two_step_fca(demand, supply, travel, max_minutes=22)
    assert access["A"] == pytest.approx(0.025)
    assert access["B"] == pytest.approx(0.025 + 20 / 300)
    # all 30 units of supply are handed out to the 400 persons
    assert (access * demand).sum() == pytest.approx(30.0)


def test_two_step_fca_area_out_of_reach_gets_zero():
    demand, supply, travel = _two_by_two()
    demand["C"] = 50.0  # no travel links at all
    access = two_step_fca(demand, supply, travel, max_minutes=8)
    # only A-X (5 min) is inside 8 minutes
    assert access.to_dict() == pytest.approx({"A": 0.1, "B": 0.0, "C": 0.0})


def test_stepped_weights_scale_catchments_by_hand():
    demand, supply, travel = _two_by_two()
    # weights: 5 -> 1, 10 -> 1, 20 -> 0.68, 25 -> 0.22
    access = enhanced_two_step_fca(demand, supply, travel)
    r_x = 10 / (100 * 1 + 300 * 0.68)
    r_y = 20 / (100 * 0.22 + 300 * 1)
    assert access["A"] == pytest.approx(1 * r_x + 0.22 * r_y)
    assert access["B"] == pytest.approx(0.68 * r_x + 1 * r_y)


def test_nearest_minutes_coverage_and_potential():
    demand, supply, travel = _two_by_two()
    areas = pd.Index(["A", "B", "C"])
    assert nearest_minutes(areas, supply.index, travel).tolist() == [5.0, 10.0, np.inf]
    covered = coverage_within(areas, supply, travel, threshold_minutes=8)
    assert covered.tolist() == [True, False, False]
    # a closed facility (supply 0) does not cover anyone
    closed = supply.copy()
    closed["X"] = 0.0
    assert coverage_within(areas, closed, travel, 8).tolist() == [False, False, False]
    assert supply_potential(areas, supply, travel, max_minutes=22).tolist() == [10.0, 30.0, 0.0]


def test_supply_to_need_ratio_per_area_and_district():
    need = pd.Series({"A": 100.0, "B": 300.0, "C": 0.0})
    supply = pd.Series({"X": 10.0, "Y": 20.0, "Z": 5.0})
    where = pd.Series({"X": "A", "Y": "A", "Z": "C"})
    ratio = supply_to_need_ratio(need, supply, where)
    assert ratio["A"] == pytest.approx(0.3)
    assert ratio["B"] == 0.0
    assert np.isnan(ratio["C"])
    district = pd.Series({"A": "north", "B": "north", "C": "south"})
    by_district = supply_to_need_ratio(need, supply, where, district)
    assert by_district["north"] == pytest.approx(30 / 400)


@st.composite
def _instances(draw):
    n_a = draw(st.integers(1, 8))
    n_f = draw(st.integers(1, 5))
    demand = pd.Series(
        draw(st.lists(st.floats(1, 1e4), min_size=n_a, max_size=n_a)),
        index=[f"a{i}" for i in range(n_a)],
    )
    supply = pd.Series(
        draw(st.lists(st.floats(0, 1e3), min_size=n_f, max_size=n_f)),
        index=[f"f{j}" for j in range(n_f)],
    )
    minutes = draw(st.lists(st.floats(0, 60), min_size=n_a * n_f, max_size=n_a * n_f))
    travel = pd.DataFrame(
        {
            "area_id": np.repeat(demand.index, n_f),
            "facility_id": np.tile(supply.index, n_a),
            "minutes": minutes,
        }
    )
    return demand, supply, travel


@settings(max_examples=60, deadline=None)
@given(_instances(), st.floats(0, 60))
def test_two_step_fca_hands_out_exactly_the_reachable_supply(instance, cutoff):
    demand, supply, travel = instance
    access = two_step_fca(demand, supply, travel, max_minutes=cutoff)
    reached = travel.loc[travel["minutes"] <= cutoff, "facility_id"].unique()
    assert (access >= 0).all()
    assert (access * demand).sum() == pytest.approx(supply[reached].sum(), rel=1e-9, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(_instances())
def test_doubling_supply_doubles_access(instance):
    demand, supply, travel = instance
    once = enhanced_two_step_fca(demand, supply, travel, sigma_minutes=20, max_minutes=45)
    twice = enhanced_two_step_fca(demand, 2 * supply, travel, sigma_minutes=20, max_minutes=45)
    np.testing.assert_allclose(twice.to_numpy(), 2 * once.to_numpy(), rtol=1e-12, atol=1e-12)


def test_missing_travel_column_is_named():
    demand, supply, travel = _two_by_two()
    with pytest.raises(ValueError, match="minutes"):
        two_step_fca(demand, supply, travel.drop(columns="minutes"), 10)
