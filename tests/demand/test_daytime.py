"""The mobility rule: need moves to where people spend the day, and is never lost."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demand.daytime import DaytimeRule, compute_need
from demand.errors import InputError
from demand.rates import check_rates


def _population(rows):
    return pd.DataFrame(rows, columns=["area_id", "year", "sex", "age_band", "persons"])


def _mobility(rows):
    return pd.DataFrame(rows, columns=["origin_area", "dest_area", "purpose", "trips_per_day"])


RATES = check_rates(
    pd.DataFrame(
        {
            "service": ["health", "health"],
            "resource": ["outpatient_visits:general", "beds:internal_medicine"],
            "sex": ["*", "*"],
            "age_band": ["*", "*"],
            "rate": [5.0, 0.005],
        }
    ),
    row_offset=0,
)


def _amount(need, area, resource):
    return float(need[(need.area_id == area) & (need.resource == resource)]["amount"].sum())


def test_commuters_take_a_share_of_their_visits_to_work_by_hand():
    pop = _population(
        [
            ("home", 2025, "M", "30-34", 1000),  # travelling group (20-59)
            ("home", 2025, "F", "70-74", 500),  # stays put
            ("work", 2025, "M", "30-34", 100),
        ]
    )
    mob = _mobility([("home", "work", "commute", 400.0), ("home", "home", "commute", 200.0)])
    rule = DaytimeRule("commute", "health", "outpatient_visits:", 20, 59, share=0.3)
    need = compute_need(pop, RATES, mob, rules=(rule,))
    # 400 of 1000 workers spend the day at work; 30% of their 5 visits each move there
    moved = 1000 * 5.0 * (400 / 1000) * 0.3
    assert _amount(need, "home", "outpatient_visits:general") == pytest.approx(1500 * 5 - moved)
    assert _amount(need, "work", "outpatient_visits:general") == pytest.approx(100 * 5 + moved)
    # beds are not in the rule: they stay at home
    assert _amount(need, "home", "beds:internal_medicine") == pytest.approx(1500 * 0.005)


def test_more_trips_than_people_moves_no_more_than_the_whole_group():
    pop = _population([("a", 2025, "F", "10-14", 100), ("b", 2025, "F", "10-14", 0)])
    mob = _mobility([("a", "b", "school", 1000.0)])
    rates = check_rates(
        pd.DataFrame(
            {
                "service": ["education"],
                "resource": ["seats:grade_7"],
                "sex": ["*"],
                "age_band": ["12"],
                "rate": [1.0],
            }
        ),
        row_offset=0,
    )
    rule = DaytimeRule("school", "education", "seats:", 5, 14, share=1.0, trips_per_person=2.0)
    need = compute_need(pop, rates, mob, rules=(rule,))
    assert _amount(need, "a", "seats:grade_7") == pytest.approx(0.0)
    assert _amount(need, "b", "seats:grade_7") == pytest.approx(20.0)


def test_unknown_destination_is_reported():
    pop = _population([("a", 2025, "M", "30-34", 10)])
    mob = _mobility([("a", "a", "commute", 1.0), ("a", "nowhere", "commute", 1.0)])
    with pytest.raises(InputError, match=r"mobility, row 3, column dest_area: 'nowhere'"):
        compute_need(pop, RATES, mob)


def test_rule_parameters_are_checked():
    with pytest.raises(InputError, match="share"):
        DaytimeRule("commute", "health", "", 20, 59, share=1.5)
    with pytest.raises(InputError, match="purpose"):
        DaytimeRule("shopping", "health", "", 20, 59, share=0.5)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.integers(0, 5000), min_size=3, max_size=3),
    st.lists(st.floats(0, 3000), min_size=6, max_size=6),
    st.floats(0, 1),
)
def test_need_is_conserved_city_wide(persons, trips, share):
    areas = ["a", "b", "c"]
    pop = _population([(a, 2025, "M", "40-44", p) for a, p in zip(areas, persons, strict=True)])
    pairs = [(o, d) for o in areas for d in areas if o != d]
    mob = _mobility([(o, d, "commute", t) for (o, d), t in zip(pairs, trips, strict=True)])
    rule = DaytimeRule("commute", "health", "", 20, 59, share=share)
    moved = compute_need(pop, RATES, mob, rules=(rule,))
    home = compute_need(pop, RATES)
    assert (moved["amount"] >= 0).all()
    for resource in ("outpatient_visits:general", "beds:internal_medicine"):
        assert moved[moved.resource == resource]["amount"].sum() == pytest.approx(
            home[home.resource == resource]["amount"].sum()
        )


def test_sample_city_need_with_default_rules(small_city):
    need = compute_need(small_city.population, mobility=small_city.mobility, years=[2025])
    home = compute_need(small_city.population, years=[2025])
    total = need.groupby("service")["amount"].sum()
    assert total.to_dict() == pytest.approx(home.groupby("service")["amount"].sum().to_dict())
    shifted = (
        need.set_index(["area_id", "resource"])["amount"]
        - home.set_index(["area_id", "resource"])["amount"]
    )
    assert shifted.abs().sum() > 0  # the rule did move something on the sample city
