"""Grade progression (cohort-survival) on a hand example."""

from __future__ import annotations

import pandas as pd
import pytest

from forecasting.enrolment import EnrolmentProjection, enrolment_pressure


def population(years: range, age6_persons: dict[int, float]) -> pd.DataFrame:
    # band 5-9 split evenly: age 6 persons = band / 5
    return pd.DataFrame(
        [
            {
                "area_id": "A",
                "year": y,
                "sex": "F",
                "age_band": "5-9",
                "persons": 5 * age6_persons[y],
            }
            for y in years
        ]
    )


def test_grade_progression_hand_example():
    # school P1 teaches grades 1-3; 2023 -> 2024 -> 2025 history
    enr = pd.DataFrame(
        [
            ("P1", "A", g, y, p)
            for (g, y, p) in [
                (1, 2023, 100),
                (2, 2023, 90),
                (3, 2023, 80),
                (1, 2024, 110),
                (2, 2024, 95),
                (3, 2024, 88),
                (1, 2025, 120),
                (2, 2025, 105),
                (3, 2025, 95),
            ]
        ],
        columns=["facility_id", "area_id", "grade", "year", "pupils"],
    )
    age6 = {2023: 200, 2024: 220, 2025: 240, 2026: 250, 2027: 230}
    model = EnrolmentProjection(n_years=None).fit(enr, population(range(2023, 2026), age6))
    gpr = model.progression_.set_index("grade")["ratio"]
    assert gpr[2] == pytest.approx((95 + 105) / (100 + 110))
    assert gpr[3] == pytest.approx((88 + 95) / (90 + 95))
    entry = model.entry_["ratio"].item()
    assert entry == pytest.approx((100 + 110 + 120) / (200 + 220 + 240))  # = 0.5
    out = model.predict(population(range(2026, 2028), age6), years=2).set_index(["year", "grade"])
    assert out.loc[(2026, 1), "pupils"] == pytest.approx(0.5 * 250)
    assert out.loc[(2026, 2), "pupils"] == pytest.approx(gpr[2] * 120)
    assert out.loc[(2026, 3), "pupils"] == pytest.approx(gpr[3] * 105)
    assert out.loc[(2027, 3), "pupils"] == pytest.approx(gpr[3] * gpr[2] * 120)
    seats = pd.DataFrame(
        {
            "facility_id": "P1",
            "resource": [f"seats:grade_{g}" for g in (1, 2, 3)],
            "amount": [120.0, 110.0, 100.0],
        }
    )
    pressure = enrolment_pressure(model.predict(population(range(2026, 2028), age6), 2), seats)
    y26 = pressure.set_index("year").loc[2026]
    assert y26["seats"] == 330
    assert y26["shortfall"] == pytest.approx(max(0.0, y26["pupils"] - 330))
