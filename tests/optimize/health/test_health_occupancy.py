"""Ward-size dependent target occupancy and beds needed, from Erlang B."""

import pytest

from demand.errors import InputError
from optimize.health import beds_needed, occupancy_at, target_occupancy, turn_away_curve
from optimize.queueing import erlang_b


def test_small_wards_must_run_emptier_than_large_ones():
    targets = [target_occupancy(n, 0.03) for n in (5, 10, 50, 200)]
    assert targets == sorted(targets)
    assert targets[1] < 0.6 < 0.9 < targets[3]


def test_target_occupancy_meets_the_turn_away_target_and_no_more():
    for beds in (8, 30, 120):
        occ = target_occupancy(beds, 0.02)
        # the offered load that gives this carried occupancy sits right at the target
        load = occ * beds / (1 - 0.02)
        assert erlang_b(beds, load) == pytest.approx(0.02, abs=2e-3)


def test_beds_needed_is_the_fewest_beds_under_the_target():
    for load in (3.0, 27.5, 140.0):
        n = beds_needed(load, 0.03)
        assert erlang_b(n, load) <= 0.03 < erlang_b(n - 1, load)
    assert beds_needed(0.0) == 0


def test_turn_away_curve_is_decreasing_and_convex():
    curve = turn_away_curve(6.0, 9.0, 120)
    saving = curve[:-1] - curve[1:]
    assert (saving >= 0).all()
    assert (saving[:-1] - saving[1:] >= -1e-12).all()  # each extra bed saves less
    assert curve[40] == pytest.approx(6.0 * erlang_b(40, 54.0))


def test_occupancy_counts_only_patients_admitted():
    assert occupancy_at(10, 20.0) < 1.0
    assert occupancy_at(10, 20.0) == pytest.approx(20 * (1 - erlang_b(10, 20.0)) / 10)


def test_bad_targets_are_named():
    with pytest.raises(InputError, match="max_turn_away"):
        beds_needed(10.0, 1.5)
    with pytest.raises(InputError, match="beds must be a whole number"):
        target_occupancy(0)
