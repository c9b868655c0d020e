"""Specialist outreach: each rule on small cases, the infeasible case, and a property test."""

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from demand.errors import InputError
from optimize.health import OutreachRules, OutreachWeights, plan_specialist_outreach
from optimize.solver import SolverOptions

HIGHS = SolverOptions("highs")


def case(heads=2.0, rooms=4.0, need=(60.0,), spec_minutes=20.0, hosts=("cardiology",)):
    """One hospital pool, one centre, areas A1.. each 10 minutes from the centre."""
    areas = [f"A{k + 1}" for k in range(len(need))]
    cardio, h1, c1 = "cardiology", ["H1"], ["C1"]
    return dict(
        pools=pd.DataFrame({"hospital_id": h1, "specialty": [cardio], "specialists": [heads]}),
        centres=pd.DataFrame({"centre_id": c1, "rooms": [rooms]}),
        hosts=pd.DataFrame({"centre_id": c1 * len(hosts), "specialty": list(hosts)}),
        need=pd.DataFrame({"area_id": areas, "specialty": cardio, "visits_per_week": list(need)}),
        resident_travel=pd.DataFrame({"area_id": areas, "centre_id": "C1", "minutes": 10.0}),
        specialist_travel=pd.DataFrame(
            {"hospital_id": h1, "centre_id": c1, "minutes": [spec_minutes]}
        ),
    )


def sessions_of(result) -> float:
    return float(result.plans["schedule"]["sessions"].sum())


def test_need_is_met_with_whole_sessions_of_fixed_size():
    r = plan_specialist_outreach(**case(need=(40.0,)), options=HIGHS)
    assert r.status == "optimal"
    assert sessions_of(r) == 3  # 40 visits at 15 per session
    assert r.shortfall.empty
    assert r.plans["visits_served"]["visits_per_week"].sum() == pytest.approx(40.0)


def test_each_specialist_gives_at_most_four_half_days_and_the_rest_is_reported_unmet():
    r = plan_specialist_outreach(**case(heads=1.0, need=(200.0,)), options=HIGHS)
    assert sessions_of(r) == 4
    assert r.shortfall["amount"].sum() == pytest.approx(200 - 4 * 15)
    assert r.plans["unmet"].iloc[0]["area_id"] == "A1"


def test_hospital_keeps_its_in_house_presence():
    rules = OutreachRules(min_in_house_share=0.8)  # 2 of 10 half-days may go out
    r = plan_specialist_outreach(**case(heads=1.0, need=(200.0,)), rules=rules, options=HIGHS)
    assert sessions_of(r) == 2
    assert r.plans["pools"].iloc[0]["in_house_share"] >= 0.8


def test_specialist_travel_counts_against_their_time():
    # 90 minutes each way: 1 + (180 - 60) / 240 = 1.5 half-days per session -> 2 sessions in 4
    rules = OutreachRules(max_specialist_minutes=120)
    r = plan_specialist_outreach(
        **case(heads=1.0, need=(200.0,), spec_minutes=90.0), rules=rules, options=HIGHS
    )
    assert sessions_of(r) == 2
    assert r.plans["schedule"]["half_days_used"].sum() == pytest.approx(3.0)


def test_centres_beyond_the_specialists_reach_get_no_sessions():
    r = plan_specialist_outreach(**case(spec_minutes=75.0), options=HIGHS)  # limit 60
    assert sessions_of(r) == 0
    assert r.shortfall["amount"].sum() == pytest.approx(60.0)


def test_centre_rooms_limit_the_sessions():
    # 1 room x 10 half-days x 0.5 kept for specialists = 5 sessions, though the pool could do 40
    r = plan_specialist_outreach(**case(heads=10.0, rooms=1.0, need=(300.0,)), options=HIGHS)
    assert sessions_of(r) == 5
    assert r.plans["centres"].iloc[0]["sessions"] <= r.plans["centres"].iloc[0]["room_half_days"]


def two_hospitals():
    """H1 (1 specialist, 10 min from C1) and H2 (5 specialists, 40 min): 120 visits at C1."""
    inputs = case(heads=1.0, need=(120.0,), spec_minutes=10.0)
    inputs["pools"] = pd.DataFrame(
        {"hospital_id": ["H1", "H2"], "specialty": "cardiology", "specialists": [1.0, 5.0]}
    )
    inputs["specialist_travel"] = pd.DataFrame(
        {"hospital_id": ["H1", "H2"], "centre_id": "C1", "minutes": [10.0, 40.0]}
    )
    return inputs


def test_a_farther_hospital_within_reach_serves_when_the_nearest_is_fully_booked():
    r = plan_specialist_outreach(**two_hospitals(), options=HIGHS)
    by_pool = r.plans["schedule"].groupby("hospital_id")["sessions"].sum()
    assert by_pool["H1"] == 4  # the near pool first, up to its 4 half-days
    assert by_pool["H2"] == 4  # the rest of the 8 sessions from the farther pool
    assert r.shortfall.empty


def test_partner_rule_keeps_sessions_to_the_nearest_hospitals_and_reports_what_it_costs():
    rules = OutreachRules(partner_hospitals=1)
    r = plan_specialist_outreach(**two_hospitals(), rules=rules, options=HIGHS)
    assert set(r.plans["schedule"]["hospital_id"]) == {"H1"}
    assert r.shortfall["amount"].sum() == pytest.approx(120.0 - 4 * 15)


def test_a_specialty_goes_only_where_the_centre_hosts_it():
    r = plan_specialist_outreach(**case(hosts=("dermatology",)), options=HIGHS)
    assert sessions_of(r) == 0
    assert r.shortfall["where"].tolist() == ["A1 / cardiology"]


def test_residents_are_served_only_within_their_travel_limit():
    inputs = case()
    inputs["resident_travel"]["minutes"] = 45.0
    r = plan_specialist_outreach(**inputs, options=HIGHS)
    assert r.plans["visits_served"].empty
    assert r.shortfall["amount"].sum() == pytest.approx(60.0)


def test_equity_option_evens_out_the_unmet_share():
    # 4 sessions (60 visits) for a big area (150) and a small one (30): plain minimisation of
    # unmet visits is indifferent; the equity option gives both the same unmet share.
    inputs = case(heads=1.0, need=(150.0, 30.0))
    plain = plan_specialist_outreach(**inputs, options=HIGHS)
    fair = plan_specialist_outreach(**inputs, weights=OutreachWeights(equity=True), options=HIGHS)
    share = fair.plans["by_area"].set_index("area_id")["unmet_share"]
    assert share["A1"] == pytest.approx(share["A2"], abs=1e-6)
    assert fair.plans["by_area"]["unmet"].sum() == pytest.approx(
        plain.plans["by_area"]["unmet"].sum()
    )


def test_guaranteed_sessions_beyond_what_pools_can_give_are_reported_as_shortfall():
    rules = OutreachRules(min_sessions_per_centre=10)
    r = plan_specialist_outreach(**case(heads=1.0), rules=rules, options=HIGHS)
    assert r.status == "infeasible"
    assert r.binding["constraint"].tolist() == ["minimum sessions per centre"]
    assert r.shortfall["amount"].sum() == pytest.approx(6.0)  # 10 asked, 4 possible
    assert r.has_plan is False and sessions_of(r) == 4  # the best compromise is still shown


def test_slots_never_double_book_a_pool_or_overfill_rooms():
    r = plan_specialist_outreach(**case(heads=3.0, rooms=2.0, need=(400.0,)), options=HIGHS)
    slots = r.plans["schedule"].iloc[0]["slots"]
    assert "unplaced" not in slots
    assert " x" not in slots  # 2 rooms x 0.5 = 1 session per half-day, never two
    assert len(slots.split(", ")) == r.plans["schedule"].iloc[0]["sessions"]


def test_bad_input_names_the_table_and_row():
    inputs = case()
    inputs["need"].loc[0, "visits_per_week"] = -5
    with pytest.raises(InputError, match="visit need, row 0, column visits_per_week"):
        plan_specialist_outreach(**inputs)
    inputs = case()
    inputs["hosts"].loc[0, "centre_id"] = "C9"
    with pytest.raises(InputError, match="'C9' is not in the centres table"):
        plan_specialist_outreach(**inputs)


@st.composite
def cities(draw):
    n_h, n_c, n_a = draw(st.integers(1, 3)), draw(st.integers(1, 4)), draw(st.integers(1, 5))
    specs = ["cardiology", "neurology"]
    pools = pd.DataFrame(
        [(f"H{h}", s, draw(st.integers(0, 4))) for h in range(n_h) for s in specs],
        columns=["hospital_id", "specialty", "specialists"],
    )
    centres = pd.DataFrame(
        {"centre_id": [f"C{c}" for c in range(n_c)],
         "rooms": [draw(st.integers(0, 6)) for _ in range(n_c)]}
    )  # fmt: skip
    hosts = pd.DataFrame(
        [(f"C{c}", s) for c in range(n_c) for s in specs if draw(st.booleans())],
        columns=["centre_id", "specialty"],
    )
    need = pd.DataFrame(
        [(f"A{a}", s, draw(st.floats(0, 300))) for a in range(n_a) for s in specs],
        columns=["area_id", "specialty", "visits_per_week"],
    )
    minutes = st.floats(1, 70)
    rt = pd.DataFrame(
        [(f"A{a}", f"C{c}", draw(minutes)) for a in range(n_a) for c in range(n_c)],
        columns=["area_id", "centre_id", "minutes"],
    )
    stt = pd.DataFrame(
        [(f"H{h}", f"C{c}", draw(minutes)) for h in range(n_h) for c in range(n_c)],
        columns=["hospital_id", "centre_id", "minutes"],
    )
    return dict(pools=pools, centres=centres, hosts=hosts, need=need, resident_travel=rt,
                specialist_travel=stt)  # fmt: skip


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inputs=cities(), cap=st.sampled_from([2.0, 4.0]))
def test_no_specialist_pool_exceeds_its_weekly_sessions(inputs, cap):
    rules = OutreachRules(max_outreach_half_days=cap, min_in_house_share=0.5)
    r = plan_specialist_outreach(**inputs, rules=rules, options=HIGHS)
    assert r.has_plan
    pools = r.plans["pools"]
    limit = pools["specialists"] * cap
    assert (pools["sessions"] <= limit + 1e-9).all()
    assert (pools["half_days_used"] <= limit + 1e-6).all()
    served = r.plans["visits_served"]["visits_per_week"].sum()
    unmet = r.shortfall["amount"].sum() if len(r.shortfall) else 0.0
    assert served + unmet == pytest.approx(inputs["need"]["visits_per_week"].sum(), abs=1e-4)


def test_commuters_can_be_seen_near_work_or_near_home():
    # A1 lives 45 min from the only centre but works in A2, 5 min from it
    inputs = case(need=(30.0,))
    inputs["resident_travel"] = pd.DataFrame(
        {"area_id": ["A1", "A2"], "centre_id": ["C1", "C1"], "minutes": [45.0, 5.0]}
    )
    home_only = plan_specialist_outreach(**inputs, options=HIGHS)
    assert home_only.shortfall["amount"].sum() == pytest.approx(30.0)
    inputs["need"] = pd.DataFrame(
        {"area_id": ["A1", "A1"], "specialty": "cardiology", "from_area": ["A1", "A2"],
         "visits_per_week": [20.0, 10.0]}
    )  # fmt: skip
    mobile = plan_specialist_outreach(**inputs, options=HIGHS)
    assert mobile.shortfall["where"].tolist() == ["A1 / cardiology"]  # the home-bound part
    assert mobile.shortfall["amount"].sum() == pytest.approx(20.0)
    served = mobile.plans["visits_served"]
    assert served["from_area"].tolist() == ["A2"] and served["minutes"].tolist() == [5.0]
    by_area = mobile.plans["by_area"].set_index("area_id")
    assert by_area.loc["A1", "served"] == pytest.approx(10.0)


def test_mobility_aware_need_keeps_each_areas_total(small_city):
    from optimize.health import outreach_inputs

    plain = outreach_inputs(small_city).need
    mobile = outreach_inputs(small_city, mobility_aware=True).need
    assert (mobile["from_area"] != mobile["area_id"]).any()
    assert (mobile["visits_per_week"] >= -1e-9).all()
    totals = mobile.groupby("area_id")["visits_per_week"].sum()
    expected = plain.groupby("area_id")["visits_per_week"].sum()
    pd.testing.assert_series_equal(totals.sort_index(), expected.sort_index(), rtol=1e-9)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inputs=cities())
def test_speed_ups_do_not_change_the_best_plan(inputs):
    # the rounded LP start and the tighter LP are for speed only: same optimum either way
    exact = SolverOptions("highs", gap_rel=1e-9)
    plain = plan_specialist_outreach(
        **inputs, options=exact, rounded_start=False, strong_links=False
    )
    fast = plan_specialist_outreach(**inputs, options=exact)
    assert fast.objective == pytest.approx(plain.objective, rel=1e-6, abs=1e-6)
