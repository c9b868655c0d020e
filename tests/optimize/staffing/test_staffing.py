"""Staffing social-security centres: sizing with Erlang C and the caseworker posting model rules."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demand.errors import InputError
from optimize.queueing import service_level
from optimize.staffing import (
    ServiceTarget,
    TransferLimits,
    allocate_caseworkers,
    service_level_by_centre,
    service_level_by_month,
    staff_service_centres,
    staffing_requirements,
)

# 80% within 20 minutes, 12-minute cases. With no shrinkage: 30 visitors/h need 7 servers,
# 40/h need 9 (and one fewer overloads the counter).
NO_SHRINK = ServiceTarget(target=0.8, within_minutes=20, handling_minutes=12, shrinkage=0.0)
MONTHS = pd.to_datetime(["2026-01-01", "2026-02-01"])


def arrivals(rates: dict[str, float], months=MONTHS) -> pd.DataFrame:
    """One busy slot (Monday 10:00) and one quiet slot (Monday 16:00) per centre and month."""
    rows = []
    for fid, rate in rates.items():
        for month in months:
            rows.append((fid, month, 0, 10, 4, float(rate)))
            rows.append((fid, month, 0, 16, 4, float(rate) / 4))
    return pd.DataFrame(
        rows, columns=["facility_id", "month", "weekday", "hour", "days", "arrivals_per_hour"]
    )


def series(**values: float) -> pd.Series:
    return pd.Series(values, dtype=float)


def posting_of(result) -> pd.DataFrame:
    return result.plans["posting"].set_index(["facility_id", "month"])


def test_requirements_size_the_peak_hour_and_gross_up_for_shrinkage():
    req = staffing_requirements(arrivals({"A": 30, "B": 40}), ServiceTarget(shrinkage=0.3))
    first = req[req["month"] == MONTHS[0]].set_index("facility_id")
    assert first.loc["A", "servers_needed"] == 7 and first.loc["B", "servers_needed"] == 9
    assert first.loc["A", "caseworkers_needed"] == 10  # 7 / 0.7
    assert first.loc["B", "caseworkers_needed"] == 13  # 9 / 0.7 = 12.9
    assert first.loc["A", "visitors"] == pytest.approx(4 * 30 + 4 * 7.5)


def test_classic_case_as_a_centre_needs_14_servers():
    target = ServiceTarget(target=0.8, within_minutes=20 / 60, handling_minutes=3, shrinkage=0.0)
    req = staffing_requirements(arrivals({"A": 200}), target)
    assert set(req["servers_needed"]) == {14}


def test_moves_close_a_gap_and_the_service_level_is_met_after():
    result = staff_service_centres(
        arrivals({"A": 30, "B": 40}), series(A=10, B=6), series(A=20, B=20), NO_SHRINK,
        TransferLimits(max_moves_per_centre=3, max_moves_total=5),
    )  # fmt: skip
    assert result.status == "optimal"
    plan = posting_of(result)
    assert (plan.xs("B", level="facility_id")["caseworkers"] == 9).all()
    assert (plan.xs("A", level="facility_id")["caseworkers"] == 7).all()
    assert (plan["peak_level_after"] >= 0.8).all()
    assert (plan.xs("B", level="facility_id")["peak_level_before"] < 0.8).all()
    assert result.shortfall.empty
    assert '"month": "2026-02"' in result.to_json()  # plans are JSON-ready for the store


def test_move_limit_per_centre_leaves_a_reported_shortfall():
    result = staff_service_centres(
        arrivals({"A": 30, "B": 40}), series(A=10, B=6), series(A=20, B=20), NO_SHRINK,
        TransferLimits(max_moves_per_centre=2),
    )  # fmt: skip
    plan = posting_of(result)
    assert (plan.xs("B", level="facility_id")["caseworkers"] == 8).all()
    assert (plan["moved_in"] + plan["moved_out"] <= 2).all()
    short = result.shortfall.set_index("where")["amount"]
    assert short.to_dict() == {"B / 2026-01": pytest.approx(1.0), "B / 2026-02": pytest.approx(1.0)}
    missed = plan.xs("B", level="facility_id")["missed_by_points"]
    assert (missed > 0).all()
    assert any("missed" in m for m in result.messages)


def test_total_move_limit_caps_transfers_across_centres():
    result = staff_service_centres(
        arrivals({"A": 10, "B": 40, "C": 40}), series(A=9, B=8, C=8), series(A=20, B=20, C=20),
        NO_SHRINK, TransferLimits(max_moves_per_centre=5, max_moves_total=1),
    )  # fmt: skip
    plan = posting_of(result)
    assert (plan.groupby("month")["moved_out"].sum() <= 1).all()
    assert (plan.groupby("month")["caseworkers"].sum() == 25).all()
    # One of B / C gets the one caseworker A can release; the other stays one short.
    assert result.shortfall["amount"].sum() == pytest.approx(2.0)  # 1 per month


def test_no_more_caseworkers_at_counters_than_counters():
    result = staff_service_centres(
        arrivals({"A": 30, "B": 40}), series(A=10, B=6), series(A=20, B=8), NO_SHRINK,
        TransferLimits(max_moves_per_centre=5),
    )  # fmt: skip
    plan = posting_of(result)
    b = plan.xs("B", level="facility_id")
    assert (b["at_counter"] <= 8).all() and (b["servers_after"] <= 8).all()
    assert (b["caseworkers"] == 8).all()  # nobody sent to stand behind a missing counter
    assert b["short_servers"].tolist() == pytest.approx([1.0, 1.0])


def test_a_deficit_is_spread_rather_than_dumped_on_one_centre():
    req = staffing_requirements(arrivals({"A": 40, "B": 40}), NO_SHRINK)
    result = allocate_caseworkers(
        req, series(A=10, B=6), series(A=20, B=20), 0.0, TransferLimits(max_moves_per_centre=5)
    )
    plan = posting_of(result)
    assert plan["short_servers"].tolist() == pytest.approx([1.0] * 4)  # need 9 + 9, have 8 + 8


def test_a_bureau_without_enough_staff_gets_a_plan_with_shortfall_not_a_crash():
    result = staff_service_centres(
        arrivals({"A": 60, "B": 60}), series(A=5, B=5), series(A=20, B=20), NO_SHRINK
    )
    assert result.has_plan
    assert result.shortfall["amount"].sum() == pytest.approx(2 * 2 * (13 - 5))
    summary = service_level_by_centre(result.plans["posting"])
    assert (summary["months_missed"] == 2).all()


def test_hires_beyond_the_move_limits_are_reported_as_infeasible_with_what_gave():
    result = staff_service_centres(
        arrivals({"A": 30, "B": 40}), series(A=7, B=9), series(A=20, B=20), NO_SHRINK,
        TransferLimits(max_moves_per_centre=2, bureau_headcount=30),
    )  # fmt: skip
    assert result.status == "infeasible"
    assert not result.binding.empty
    assert set(result.shortfall["constraint"]) <= {"everyone posted", "moves in total"}
    assert result.shortfall["amount"].sum() == pytest.approx(2 * (30 - 16 - 4))
    assert "posting" in result.plans  # the best compromise is still shown


def test_online_channel_lever_reduces_visitors_and_lifts_the_service_level():
    kwargs = dict(
        today=series(A=7, B=7), counters=series(A=20, B=20), target=NO_SHRINK,
        limits=TransferLimits(max_moves_per_centre=0),
    )  # fmt: skip
    base = staff_service_centres(arrivals({"A": 30, "B": 40}), **kwargs)
    lever = staff_service_centres(arrivals({"A": 30, "B": 40}), online_share={"B": 0.25}, **kwargs)
    assert not base.shortfall.empty and lever.shortfall.empty
    b = posting_of(lever).xs("B", level="facility_id")
    assert b["visitors_after"].tolist() == pytest.approx((0.75 * b["visitors_before"]).tolist())
    assert (b["peak_level_before"] < 0.8).all() and (b["peak_level_after"] >= 0.8).all()


def test_service_level_by_month_is_erlang_c_at_the_peak_and_visitor_weighted_over_the_month():
    arr = arrivals({"A": 30}, months=MONTHS[:1])
    servers = pd.DataFrame({"facility_id": ["A"], "month": MONTHS[:1], "servers": [7]})
    row = service_level_by_month(arr, servers, NO_SHRINK).iloc[0]
    peak = service_level(7, 30, 12, 20)
    quiet = service_level(7, 7.5, 12, 20)
    assert row["service_level_peak_hour"] == pytest.approx(peak)
    assert row["service_level_month"] == pytest.approx((30 * peak + 7.5 * quiet) / 37.5)


def test_missing_headcount_names_the_centre():
    req = staffing_requirements(arrivals({"A": 30, "B": 40}), NO_SHRINK)
    with pytest.raises(InputError, match="headcount for centre.*B"):
        allocate_caseworkers(req, series(A=10), series(A=20, B=20), 0.0)


@settings(max_examples=15, deadline=None)
@given(
    need=st.lists(st.integers(0, 12), min_size=6, max_size=6),
    today=st.lists(st.integers(0, 15), min_size=3, max_size=3),
    counters=st.lists(st.integers(0, 12), min_size=3, max_size=3),
    per_centre=st.integers(0, 4),
    total=st.integers(0, 6),
    shrinkage=st.sampled_from([0.0, 0.25]),
)
def test_every_plan_keeps_the_rules(need, today, counters, per_centre, total, shrinkage):
    centres = ["A", "B", "C"]
    req = pd.DataFrame(
        {"facility_id": [c for c in centres for _ in range(2)], "month": list(MONTHS) * 3,
         "visitors": 100.0, "servers_needed": need}
    )  # fmt: skip
    result = allocate_caseworkers(
        req, pd.Series(today, index=centres), pd.Series(counters, index=centres), shrinkage,
        TransferLimits(max_moves_per_centre=per_centre, max_moves_total=total),
    )  # fmt: skip
    assert result.status == "optimal"
    plan = result.plans["posting"]
    assert (plan.groupby("month")["caseworkers"].sum() == sum(today)).all()
    assert ((plan["caseworkers"] - plan["caseworkers_today"]).abs() <= per_centre).all()
    assert (plan.groupby("month")["moved_out"].sum() <= total).all()
    assert (plan["at_counter"] <= plan["counters"]).all()
    assert (plan["at_counter"] <= plan["caseworkers"] * (1 - shrinkage) + 1e-9).all()
    gap = (plan["servers_needed"] - plan["at_counter"]).clip(lower=0)
    assert plan["short_servers"].to_numpy() == pytest.approx(gap.to_numpy())


def test_sample_city_plan_for_next_year_keeps_every_caseworker_and_uses_forecast_caseload():
    from demand.bundle import make_sample_city
    from forecasting.models import SeasonalNaiveForecaster
    from optimize.staffing.city import centre_inputs, next_year_arrivals

    city = make_sample_city(n_areas=60, seed=3)
    inputs = centre_inputs(city)
    caseload, arr = next_year_arrivals(city, forecaster=SeasonalNaiveForecaster())
    # Seasonal naive: next year's cases per centre are last year's, and arrivals add back to them.
    last_year = city.history[city.history["ds"] >= "2025-01-01"]
    assert caseload["cases"].sum() == pytest.approx(
        last_year[last_year["series_id"].str.contains(":caseload:")]["y"].sum()
    )
    assert (arr["arrivals_per_hour"] * arr["days"]).sum() == pytest.approx(caseload["cases"].sum())
    result = staff_service_centres(arr, inputs.caseworkers, inputs.counters)
    assert result.has_plan
    plan = result.plans["posting"]
    assert plan["month"].nunique() == 12
    assert set(plan["facility_id"]) == set(inputs.caseworkers.index)
    assert (plan.groupby("month")["caseworkers"].sum() == inputs.caseworkers.sum()).all()


def test_patient_visitors_who_give_up_change_the_sizing_erlang_a():
    erlang_c = ServiceTarget(target=0.8, within_minutes=20, handling_minutes=12, shrinkage=0.0)
    erlang_a = ServiceTarget(
        target=0.8, within_minutes=20, handling_minutes=12, shrinkage=0.0, patience_minutes=10
    )
    req_c = staffing_requirements(arrivals({"A": 40}), erlang_c)
    req_a = staffing_requirements(arrivals({"A": 40}), erlang_a)
    # 8 Erlangs: Erlang C needs 9 (8 never catch up); with 10-minute patience the queue settles,
    # and 8 serve 85% in time even counting those who leave as missed.
    assert set(req_c["servers_needed"]) == {9}
    assert set(req_a["servers_needed"]) == {8}
    assert erlang_a.level_with(8, 40) >= 0.8 > erlang_a.level_with(7, 40)


def test_staff_city_places_new_caseworkers_and_summarises_per_centre():
    from demand.bundle import make_sample_city
    from forecasting.models import SeasonalNaiveForecaster
    from optimize.staffing.city import centre_inputs, staff_city

    city = make_sample_city(n_areas=60, seed=3)
    today = centre_inputs(city).caseworkers
    result = staff_city(city, new_caseworkers=2, forecaster=SeasonalNaiveForecaster())
    plan = result.plans["posting"]
    assert (plan.groupby("month")["caseworkers"].sum() == today.sum() + 2).all()
    by_centre = result.plans["staffing_by_centre"]
    assert set(by_centre["facility_id"]) == set(today.index)
    assert by_centre["name"].notna().all()
