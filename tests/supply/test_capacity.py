"""Capacity per facility and effective capacity under planning targets."""

from __future__ import annotations

import pandas as pd
import pytest

from demand.errors import InputError
from supply.capacity import (
    CapacityTargets,
    capacity_by_facility,
    effective_capacity,
    workforce_by_facility,
)


def _capacity() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "facility_id": ["H1", "H1", "H1", "S1", "S1", "S1", "C1", "C1"],
            "resource": [
                "beds:cardiology",
                "beds:cardiology",
                "rooms:consultation",
                "seats:grade_1",
                "classes:grade_1",
                "seats:grade_7",
                "counters",
                "hosts:cardiology",
            ],
            "amount": [40, 60, 8, 200, 4, 300, 5, 1],
        }
    )


def _workforce() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "facility_id": ["H1", "H1", "C1", "C1"],
            "role": ["specialist:cardiology", "gp", "caseworker", "caseworker"],
            "headcount": [10, 4, 8, 4],
            "fte": [9.5, 4.0, 7.0, 3.0],
        }
    )


def test_aggregation_sums_duplicates():
    cap = capacity_by_facility(_capacity())
    assert (
        cap.set_index(["facility_id", "resource"]).loc[("H1", "beds:cardiology"), "amount"] == 100
    )
    staff = workforce_by_facility(_workforce()).set_index(["facility_id", "role"])
    assert staff.loc[("C1", "caseworker")].tolist() == [12, 10.0]


def test_effective_capacity_applies_each_target():
    eff = effective_capacity(_capacity(), _workforce()).set_index(["facility_id", "resource"])
    amount = eff["amount"]
    assert amount[("H1", "beds:cardiology")] == pytest.approx(100 * 0.85)
    # 200 seats but only 4 classes x 45 pupils
    assert amount[("S1", "seats:grade_1")] == 180
    assert amount[("S1", "seats:grade_7")] == 300  # no class count given: seats as they are
    assert amount[("H1", "outpatient_visits:cardiology")] == pytest.approx(9.5 * 1750)
    assert amount[("H1", "outpatient_visits:general")] == pytest.approx(4 * 3500)
    # caseworkers allow 10 x 6000 = 60000, counters 5 x 12000 = 60000
    assert amount[("C1", "caseload:all")] == pytest.approx(60000)
    assert ("H1", "rooms:consultation") not in amount.index


def test_targets_are_parameters():
    tight = CapacityTargets(bed_occupancy=0.9, class_size_primary=40, cases_per_counter=5000)
    amount = effective_capacity(_capacity(), _workforce(), tight).set_index(
        ["facility_id", "resource"]
    )["amount"]
    assert amount[("H1", "beds:cardiology")] == pytest.approx(90)
    assert amount[("S1", "seats:grade_1")] == 160
    assert amount[("C1", "caseload:all")] == pytest.approx(25000)  # counters now bind


def test_bad_amount_names_row_and_column():
    cap = _capacity()
    cap.loc[3, "amount"] = -5
    with pytest.raises(InputError, match=r"capacity, row 5, column amount: -5 is below 0"):
        capacity_by_facility(cap)
