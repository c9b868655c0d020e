"""Cohort-component projection against a hand-computed two-period example."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demand.errors import InputError
from forecasting.cohort import (
    AGE_BANDS,
    CohortProjection,
    MigrationShock,
    broad_age_groups,
    default_fertility,
    default_life_table,
    single_year_ages,
)


def base_population(year: int = 2025) -> pd.DataFrame:
    rows = [("A", year, s, b, 0.0) for s in "FM" for b in AGE_BANDS]
    pop = pd.DataFrame(rows, columns=["area_id", "year", "sex", "age_band", "persons"])
    pop.loc[(pop.sex == "F") & (pop.age_band == "25-29"), "persons"] = 1000
    pop.loc[(pop.sex == "M") & (pop.age_band == "25-29"), "persons"] = 1000
    pop.loc[(pop.sex == "F") & (pop.age_band == "0-4"), "persons"] = 500
    return pop


LIFE = pd.DataFrame(
    [(s, b, 0.01) for s in "FM" for b in AGE_BANDS], columns=["sex", "age_band", "death_rate"]
)
FERT = pd.DataFrame({"age_band": ["25-29"], "births_per_woman": [0.1]})


def persons(frame: pd.DataFrame, year: int, sex: str, band: str) -> float:
    sel = (frame.year == year) & (frame.sex == sex) & (frame.age_band == band)
    return float(frame.loc[sel, "persons"].sum())


def test_two_years_match_hand_calculation():
    proj = CohortProjection(
        life_table=LIFE, fertility=FERT, sex_ratio_at_birth=1.1, migration="none"
    ).fit(base_population())
    out = proj.predict(2)
    s = math.exp(-0.01)
    girls, boys = 1 / 2.1, 1.1 / 2.1
    # year 1: 1/5 of survivors age up; 1000 women x 0.1 = 100 births, survive one year
    f04_1 = 400 * s + 100 * girls * s
    assert persons(out, 2026, "F", "25-29") == pytest.approx(800 * s)
    assert persons(out, 2026, "F", "30-34") == pytest.approx(200 * s)
    assert persons(out, 2026, "F", "0-4") == pytest.approx(f04_1)
    assert persons(out, 2026, "F", "5-9") == pytest.approx(100 * s)
    assert persons(out, 2026, "M", "0-4") == pytest.approx(100 * boys * s)
    # year 2: births from the 800 s women still in 25-29 at the start of the year
    assert persons(out, 2027, "F", "25-29") == pytest.approx(640 * s**2)
    assert persons(out, 2027, "F", "30-34") == pytest.approx(160 * s**2 + 160 * s**2)
    assert persons(out, 2027, "F", "0-4") == pytest.approx(f04_1 * s * 0.8 + 80 * s * girls * s)
    assert persons(out, 2027, "F", "5-9") == pytest.approx(100 * s * s * 0.8 + f04_1 * s / 5)
    assert persons(out, 2027, "M", "0-4") == pytest.approx(
        100 * boys * s * s * 0.8 + 80 * s * boys * s
    )


def test_migration_estimated_from_history_is_recovered():
    truth = CohortProjection(
        life_table=LIFE,
        fertility=FERT,
        migration=pd.DataFrame(
            {
                "area_id": ["A", "A"],
                "sex": ["F", "M"],
                "age_band": ["30-34", "30-34"],
                "persons_per_year": [25.0, 15.0],
            }
        ),
    ).fit(base_population(2021))
    history = truth.predict(4)  # 2021-2025 with known migration
    learned = CohortProjection(life_table=LIFE, fertility=FERT).fit(history)
    assert learned.base_year_ == 2025 and learned.migration_years_ == 4
    mig = learned.net_migration_
    assert mig[0, 0, AGE_BANDS.index("30-34")] == pytest.approx(25.0)
    assert mig[0, 1, AGE_BANDS.index("30-34")] == pytest.approx(15.0)
    assert np.abs(mig).sum() == pytest.approx(40.0)


def test_shock_adds_young_families_from_its_start_year():
    base = base_population()
    plain = CohortProjection(migration="none").fit(base).predict(3)
    shock = MigrationShock(area_id="A", persons_per_year=1000, start_year=2027)
    moved = CohortProjection(migration="none", shocks=[shock]).fit(base).predict(3)
    diff = moved.groupby("year")["persons"].sum() - plain.groupby("year")["persons"].sum()
    assert diff[2026] == pytest.approx(0)
    assert diff[2027] == pytest.approx(1000)  # migrants arrive at the end of the step
    assert 2000 < diff[2028] < 2060  # a second 1000, plus the newcomers' babies
    kids = broad_age_groups(moved).query("year == 2028 and age_group == '0-14'")["persons"].sum()
    kids0 = broad_age_groups(plain).query("year == 2028 and age_group == '0-14'")["persons"].sum()
    assert kids - kids0 > 400  # about a quarter of young-family migrants are children


def test_default_tables_are_plausible_for_china():
    life = default_life_table()
    assert set(life.sex) == {"F", "M"} and len(life) == 36
    tfr = 5 * default_fertility()["births_per_woman"].sum()
    assert 1.0 <= tfr <= 1.35
    # women outlive men in every band
    w = life.pivot(index="age_band", columns="sex", values="death_rate")
    assert (w["F"] <= w["M"]).all()


def test_single_year_split_and_bad_population():
    single = single_year_ages(base_population())
    assert single.query("sex == 'F' and age == 27")["persons"].item() == 200
    assert single["persons"].sum() == pytest.approx(2500)
    bad = base_population()
    bad.loc[4, "age_band"] = "20-25"
    with pytest.raises(InputError, match="row 6, column age_band"):
        CohortProjection().fit(bad)


@settings(max_examples=20, deadline=None)
@given(st.lists(st.floats(0, 5e3), min_size=36, max_size=36), st.integers(1, 8))
def test_ageing_alone_conserves_persons(counts, years):
    """With no deaths, births or migration, people only move between bands: totals hold."""
    pop = pd.DataFrame(
        [("A", 2025, s, b) for s in "FM" for b in AGE_BANDS],
        columns=["area_id", "year", "sex", "age_band"],
    ).assign(persons=counts)
    life = LIFE.assign(death_rate=0.0)
    out = (
        CohortProjection(
            life_table=life, fertility=FERT.assign(births_per_woman=0.0), migration="none"
        )
        .fit(pop)
        .predict(years)
    )
    totals = out.groupby(["year", "sex"])["persons"].sum().unstack()
    assert np.allclose(totals.to_numpy(), totals.iloc[[0]].to_numpy(), rtol=1e-9, atol=1e-6)
    assert (out["persons"] >= 0).all()
