"""Monthly caseload split into visitors per opening hour."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demand.errors import InputError
from forecasting.arrivals import (
    caseload_from_history,
    default_arrival_profile,
    learn_arrival_profile,
    split_into_hourly_arrivals,
    working_days,
)


def _back_to_monthly(arrivals: pd.DataFrame) -> pd.Series:
    total = arrivals["arrivals_per_hour"] * arrivals["days"]
    return total.groupby([arrivals["facility_id"], arrivals["month"]]).sum()


def test_default_profile_peaks_monday_late_morning_and_is_closed_at_weekends():
    profile = default_arrival_profile()
    assert profile["share"].sum() == pytest.approx(1.0)
    assert set(profile["weekday"]) == {0, 1, 2, 3, 4}
    assert set(profile["hour"]) == set(range(8, 18))
    by_day = profile.groupby("weekday")["share"].sum()
    by_hour = profile.groupby("hour")["share"].sum()
    assert by_day.idxmax() == 0
    assert by_hour.idxmax() in (10, 11)


def test_working_days_count_weekdays_and_drop_holidays():
    # March 2026 (31 days) starts on a Sunday: 5 Mondays and Tuesdays, 4 of the other weekdays.
    assert working_days(pd.Timestamp("2026-03-01"), range(5)) == {0: 5, 1: 5, 2: 4, 3: 4, 4: 4}
    with_holiday = working_days(pd.Timestamp("2026-03-15"), range(5), holidays=["2026-03-02"])
    assert with_holiday[0] == 4


def test_arrivals_sum_back_to_the_monthly_caseload_with_default_profile():
    caseload = pd.DataFrame(
        {"facility_id": ["S1", "S1", "S2"], "month": ["2026-01-01", "2026-02-01", "2026-01-01"],
         "cases": [4200.0, 3900.0, 0.0]}
    )  # fmt: skip
    profile = learn_arrival_profile(None, ["S1", "S2"])
    arrivals = split_into_hourly_arrivals(caseload, profile)
    sums = _back_to_monthly(arrivals)
    assert sums[("S1", pd.Timestamp("2026-01-01"))] == pytest.approx(4200.0)
    assert sums[("S1", pd.Timestamp("2026-02-01"))] == pytest.approx(3900.0)
    assert sums[("S2", pd.Timestamp("2026-01-01"))] == pytest.approx(0.0)
    # Monday 10:00 is busier than Friday 17:00.
    jan = arrivals[(arrivals["facility_id"] == "S1") & (arrivals["month"] == "2026-01-01")]
    slot = jan.set_index(["weekday", "hour"])["arrivals_per_hour"]
    assert slot[(0, 10)] > 2 * slot[(4, 17)]


@settings(max_examples=40, deadline=None)
@given(
    cases=st.lists(st.floats(0, 50_000), min_size=1, max_size=4),
    visits=st.lists(st.integers(0, 500), min_size=12, max_size=12),
    holidays=st.lists(st.dates(date(2026, 1, 1), date(2026, 4, 30)), max_size=5),
)  # fmt: skip
def test_arrivals_always_sum_back_to_cases(cases, visits, holidays):
    counts = pd.DataFrame(
        {"facility_id": "S1", "weekday": [d for d in range(3) for _ in range(4)],
         "hour": [h for _ in range(3) for h in (9, 10, 11, 14)], "visits": visits}
    )  # fmt: skip
    counts.loc[0, "visits"] += 1  # at least one visit, on a Monday
    profile = learn_arrival_profile(counts, ["S1"])
    months = pd.date_range("2026-01-01", periods=len(cases), freq="MS")
    caseload = pd.DataFrame({"facility_id": "S1", "month": months, "cases": cases})
    arrivals = split_into_hourly_arrivals(caseload, profile, holidays=holidays)
    sums = _back_to_monthly(arrivals).reindex(pd.MultiIndex.from_product([["S1"], months]))
    assert sums.to_numpy() == pytest.approx(cases, rel=1e-9, abs=1e-6)
    assert (arrivals["arrivals_per_hour"] >= 0).all()


def test_learned_profile_follows_a_centres_own_counts_and_pools_for_centres_without():
    counts = pd.DataFrame(
        {"facility_id": ["A"] * 2 + ["B"] * 2, "weekday": [0, 2, 0, 2], "hour": [9, 15, 9, 15],
         "visits": [9000.0, 1000.0, 1000.0, 9000.0]}
    )  # fmt: skip
    profile = learn_arrival_profile(counts, ["A", "B", "C"], prior_visits=100)
    share = profile.set_index(["facility_id", "weekday", "hour"])["share"]
    assert share[("A", 0, 9)] > 0.85 and share[("B", 2, 15)] > 0.85
    assert share[("C", 0, 9)] == pytest.approx(0.5)  # pooled: 10000 of 20000
    assert profile.groupby("facility_id")["share"].sum().to_numpy() == pytest.approx(1.0)
    assert set(profile.loc[profile["facility_id"] == "C", "source"]) == {"pooled"}


def test_bad_profile_row_is_named():
    counts = pd.DataFrame(
        {"facility_id": ["A", "A"], "weekday": [0, 7], "hour": [9, 9], "visits": [10, 10]}
    )
    with pytest.raises(InputError, match=r"row 3, column weekday"):
        learn_arrival_profile(counts, ["A"])


def test_bad_caseload_row_is_named_and_unknown_centre_is_refused():
    profile = learn_arrival_profile(None, ["S1"])
    bad = pd.DataFrame({"facility_id": ["S1", "S1"], "month": ["2026-01", "2026-02"],
                        "cases": [10, -5]})  # fmt: skip
    with pytest.raises(InputError, match=r"row 3, column cases"):
        split_into_hourly_arrivals(bad, profile)
    other = pd.DataFrame({"facility_id": ["S9"], "month": ["2026-01"], "cases": [10]})
    with pytest.raises(InputError, match="S9"):
        split_into_hourly_arrivals(other, profile)


def test_caseload_from_history_sums_benefit_types_per_centre():
    series = pd.DataFrame(
        {"series_id": ["p", "m", "x"], "service": ["social_security"] * 2 + ["health"],
         "measure": ["caseload:pension", "caseload:medical_insurance", "admissions:cardiology"],
         "facility_id": ["S1", "S1", "H1"], "area_id": ["", "", ""]}
    )  # fmt: skip
    history = pd.DataFrame(
        {"series_id": ["p", "m", "x"], "ds": pd.to_datetime(["2025-01-01"] * 3),
         "y": [100.0, 50.0, 999.0]}
    )  # fmt: skip
    out = caseload_from_history(series, history)
    assert out.to_dict("records") == [
        {"facility_id": "S1", "month": pd.Timestamp("2025-01-01"), "cases": 150.0}
    ]


def test_forecast_caseload_per_centre_and_benefit():
    from forecasting.arrivals import forecast_caseload
    from forecasting.models import SeasonalNaiveForecaster

    months = pd.date_range("2023-01-01", periods=36, freq="MS")
    series = pd.DataFrame(
        {"series_id": ["p", "u"], "service": "social_security",
         "measure": ["caseload:pension", "caseload:unemployment"], "facility_id": "S1",
         "area_id": ""}
    )  # fmt: skip
    history = pd.concat(
        [pd.DataFrame({"series_id": sid, "ds": months, "y": base + months.month * 1.0})
         for sid, base in (("p", 100.0), ("u", 20.0))]
    )  # fmt: skip
    out = forecast_caseload(series, history, months=12, forecaster=SeasonalNaiveForecaster())
    assert set(out["benefit"]) == {"pension", "unemployment"}
    assert out["month"].min() == pd.Timestamp("2026-01-01") and len(out) == 24
    pension = out[out["benefit"] == "pension"].sort_values("month")["cases"]
    assert pension.to_numpy() == pytest.approx(100.0 + np.arange(1, 13))
