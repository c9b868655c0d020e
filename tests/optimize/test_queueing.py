"""Erlang B / C / A: the textbook cases, the invariants, and agreement with a simulation."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demand.errors import InputError
from optimize.queueing import (
    average_wait_minutes,
    erlang_a,
    erlang_b,
    erlang_c,
    occupancy,
    rostered_staff,
    rostered_staff_needed,
    servers_needed,
    servers_needed_with_abandonment,
    servers_on_duty,
    service_level,
)
from optimize.queueing.simulation import simulate_counter

# The classic call-centre case: 100 arrivals per 30 minutes, 3-minute handling, 80% in 20 s.
CLASSIC_PER_HOUR = 200.0
CLASSIC_HANDLING_MIN = 3.0
CLASSIC_WITHIN_MIN = 20 / 60


def test_classic_case_needs_14_servers_and_13_gives_79_6_percent():
    assert servers_needed(CLASSIC_PER_HOUR, CLASSIC_HANDLING_MIN, 0.8, CLASSIC_WITHIN_MIN) == 14
    level_13 = service_level(13, CLASSIC_PER_HOUR, CLASSIC_HANDLING_MIN, CLASSIC_WITHIN_MIN)
    assert level_13 == pytest.approx(0.796, abs=0.0005)
    level_14 = service_level(14, CLASSIC_PER_HOUR, CLASSIC_HANDLING_MIN, CLASSIC_WITHIN_MIN)
    assert level_14 >= 0.8


def test_classic_case_waiting_and_occupancy():
    # 10 Erlangs on 14 servers: P(wait) = 17.4%, ASA = 0.174 * 3 / 4 minutes, occupancy 10/14.
    assert erlang_c(14, 10.0) == pytest.approx(0.1741, abs=5e-4)
    assert average_wait_minutes(14, CLASSIC_PER_HOUR, CLASSIC_HANDLING_MIN) == pytest.approx(
        0.1741 * 3 / 4, abs=5e-4
    )
    assert occupancy(14, CLASSIC_PER_HOUR, CLASSIC_HANDLING_MIN) == pytest.approx(10 / 14)


def test_erlang_b_matches_the_published_table_and_stays_finite_for_big_wards():
    assert erlang_b(10, 5.0) == pytest.approx(0.01838, abs=5e-5)  # Erlang B table, N=10, A=5
    assert erlang_b(1, 1.0) == pytest.approx(0.5)
    huge = erlang_b(5000, 5000.0)  # factorial formula would overflow here
    assert 0 < huge < 0.02


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 200), st.floats(0.01, 300.0))
def test_erlang_b_is_a_share_that_falls_with_more_servers_and_below_erlang_c(n, load):
    b = erlang_b(n, load)
    assert 0 <= b <= 1
    assert erlang_b(n + 1, load) <= b
    assert erlang_c(n, load) >= b - 1e-12


@settings(max_examples=60, deadline=None)
@given(st.floats(1.0, 2000.0), st.floats(0.5, 30.0), st.floats(0.5, 0.99), st.floats(0, 30))
def test_servers_needed_is_the_smallest_that_meets_the_target(per_hour, handling, target, within):
    n = servers_needed(per_hour, handling, target, within)
    assert service_level(n, per_hour, handling, within) >= target
    assert service_level(n - 1, per_hour, handling, within) < target


def test_overloaded_counter_has_no_service_level_and_infinite_wait():
    assert service_level(5, 120, 3, 10) == 0.0  # 6 Erlangs on 5 servers
    assert math.isinf(average_wait_minutes(5, 120, 3))
    assert erlang_c(5, 6.0) == 1.0


def test_no_visitors_need_no_servers():
    assert servers_needed(0.0, 12.0, 0.8, 20.0) == 0
    assert service_level(0, 0.0, 12.0, 20.0) == 1.0


def test_occupancy_cap_adds_servers():
    plain = servers_needed(60, 12, 0.5, 60)
    capped = servers_needed(60, 12, 0.5, 60, max_occupancy=0.7)
    assert capped >= math.ceil(12 / 0.7) and capped >= plain


def test_shrinkage_grosses_up_the_roster():
    assert rostered_staff(14, 0.3) == pytest.approx(20.0)
    assert rostered_staff_needed(14, 0.3) == 20
    assert rostered_staff_needed(15, 0.3) == 22  # 21.43 rounds up
    assert servers_on_duty(22, 0.3) == 15
    with pytest.raises(InputError, match="shrinkage"):
        rostered_staff(10, 1.0)


def test_bad_units_are_refused_with_a_clear_message():
    with pytest.raises(InputError, match="target"):
        servers_needed(100, 3, 80, 20)  # 80 instead of 0.8
    with pytest.raises(InputError, match="handling_minutes"):
        service_level(3, 100, 0, 1)


def test_erlang_a_with_endless_patience_is_erlang_c():
    for n in (13, 14):
        a = erlang_a(n, CLASSIC_PER_HOUR, CLASSIC_HANDLING_MIN, 1e9, CLASSIC_WITHIN_MIN)
        c = service_level(n, CLASSIC_PER_HOUR, CLASSIC_HANDLING_MIN, CLASSIC_WITHIN_MIN)
        assert a.service_level == pytest.approx(c, abs=1e-6)
        assert a.p_abandon < 1e-6


def test_erlang_a_abandonment_lets_fewer_servers_meet_the_target_and_stays_stable_overloaded():
    with_patience = servers_needed_with_abandonment(200, 3, 2.0, 0.8, CLASSIC_WITHIN_MIN)
    assert with_patience < 14
    overloaded = erlang_a(8, 200, 3, 2.0, 1.0)  # 10 Erlangs on 8 servers: settles by giving up
    assert 0.15 < overloaded.p_abandon < 0.5
    assert overloaded.occupancy <= 1


# Simulation tolerance: 200k visitors, standard error of a share ~0.1 point but correlated in
# time; we accept 1.5 points on service level and abandonment, 5% on the mean wait.
SIM_TOL = 0.015


@pytest.mark.parametrize("servers", [13, 14, 16])
def test_erlang_c_agrees_with_a_simulated_counter(servers):
    sim = simulate_counter(
        servers, CLASSIC_PER_HOUR, CLASSIC_HANDLING_MIN, CLASSIC_WITHIN_MIN, seed=7
    )
    formula = service_level(servers, CLASSIC_PER_HOUR, CLASSIC_HANDLING_MIN, CLASSIC_WITHIN_MIN)
    assert sim.service_level == pytest.approx(formula, abs=SIM_TOL)
    assert sim.p_wait == pytest.approx(erlang_c(servers, 10.0), abs=SIM_TOL)


def test_erlang_c_agrees_with_simulation_at_a_service_centre_scale():
    # 30 visitors per hour, 12-minute cases, 7 counters, 80% within 20 minutes.
    sim = simulate_counter(7, 30, 12, 20, visitors=100_000, seed=3)
    assert sim.service_level == pytest.approx(service_level(7, 30, 12, 20), abs=SIM_TOL)
    assert sim.average_wait_minutes == pytest.approx(average_wait_minutes(7, 30, 12), rel=0.05)


@pytest.mark.parametrize(("servers", "patience"), [(9, 2.0), (12, 5.0), (6, 10.0)])
def test_erlang_a_agrees_with_a_simulated_counter_where_visitors_give_up(servers, patience):
    formula = erlang_a(
        servers, CLASSIC_PER_HOUR, CLASSIC_HANDLING_MIN, patience, CLASSIC_WITHIN_MIN
    )
    sim = simulate_counter(
        servers,
        CLASSIC_PER_HOUR,
        CLASSIC_HANDLING_MIN,
        CLASSIC_WITHIN_MIN,
        patience_minutes=patience,
        seed=11,
    )
    assert sim.service_level == pytest.approx(formula.service_level, abs=SIM_TOL)
    assert sim.p_abandon == pytest.approx(formula.p_abandon, abs=SIM_TOL)
    assert sim.average_wait_minutes == pytest.approx(formula.average_wait_minutes, rel=0.05)
