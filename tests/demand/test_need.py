"""Need totals against hand computations, school grades from 5-year bands, rate overrides."""

from __future__ import annotations

import pandas as pd
import pytest

from demand.data.make_need_rates import build
from demand.errors import InputError
from demand.need import residential_need
from demand.rates import check_rates, load_need_rates, need_units, override_rates


def _population(rows: list[tuple[str, int, str, str, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["area_id", "year", "sex", "age_band", "persons"])


def _rates(rows: list[tuple[str, str, str, str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["service", "resource", "sex", "age_band", "rate"])
    return check_rates(frame.assign(unit="beds per person", source="test"), row_offset=0)


def _amount(need: pd.DataFrame, area: str, resource: str, period: int = 2025) -> float:
    hit = need[(need.area_id == area) & (need.resource == resource) & (need.period == period)]
    assert len(hit) == 1
    return float(hit["amount"].iloc[0])


def test_need_is_persons_times_rate_by_hand():
    pop = _population(
        [
            ("A", 2025, "F", "70-74", 1000),
            ("A", 2025, "M", "70-74", 800),
            ("A", 2025, "F", "30-34", 2000),
            ("B", 2025, "M", "85+", 100),
        ]
    )
    rates = _rates(
        [
            ("health", "beds:geriatrics", "*", "70-74", 0.004),
            ("health", "beds:geriatrics", "M", "85+", 0.01),
            ("health", "beds:obstetrics_gynaecology", "F", "30-34", 0.0005),
        ]
    )
    need = residential_need(pop, rates)
    assert _amount(need, "A", "beds:geriatrics") == pytest.approx(1800 * 0.004)
    assert _amount(need, "B", "beds:geriatrics") == pytest.approx(100 * 0.01)
    assert _amount(need, "A", "beds:obstetrics_gynaecology") == pytest.approx(1.0)
    assert _amount(need, "B", "beds:obstetrics_gynaecology") == 0.0  # listed, as a zero
    assert list(need.columns) == ["area_id", "period", "service", "resource", "amount"]


def test_school_seats_split_bands_evenly_into_single_years():
    pop = _population(
        [("A", 2025, "F", "5-9", 500), ("A", 2025, "M", "5-9", 500), ("A", 2025, "F", "10-14", 400)]
    )
    need = residential_need(pop, load_need_rates())
    # grade 1 = age 6 = one fifth of the 1000 children aged 5-9
    assert _amount(need, "A", "seats:grade_1") == pytest.approx(200)
    assert _amount(need, "A", "seats:grade_4") == pytest.approx(200)  # age 9
    assert _amount(need, "A", "seats:grade_5") == pytest.approx(80)  # age 10 from '10-14'
    seats = need[need.resource.str.startswith("seats:")]["amount"].sum()
    # ages 6-14: four fifths of '5-9' and all of '10-14' (compulsory enrolment ~100%)
    assert seats == pytest.approx(0.8 * 1000 + 400)


def test_default_rates_give_national_crude_rates_on_a_chinese_age_structure(small_city):
    need = residential_need(small_city.population, years=[2025])
    persons = small_city.population_in(2025)["persons"].sum()
    per_person = need.groupby(need.resource.str.split(":").str[0])["amount"].sum() / persons
    assert 0.16 <= per_person["admissions"] <= 0.21  # yearbook: 17.5-19 per 100 per year
    assert 5.0 <= per_person["outpatient_visits"] <= 7.0  # ~6 visits per person-year
    # occupied beds / 85% occupancy lands near the 5-6.7 beds per 1,000 of the yearbook
    assert 4.5 <= per_person["beds"] / 0.85 * 1000 <= 6.7


def test_override_replaces_one_rate_and_keeps_the_rest():
    base = load_need_rates()
    more = pd.DataFrame(
        {
            "service": ["health"],
            "resource": ["beds:geriatrics"],
            "sex": ["*"],
            "age_band": ["85+"],
            "rate": [0.05],
        }
    )
    new = override_rates(base, more)
    assert len(new) == len(base)
    row = new[(new.resource == "beds:geriatrics") & (new.age_band == "85+")]
    assert row["rate"].tolist() == [0.05, 0.05]
    assert set(row["source"]) == {"scenario override"}
    assert set(row["unit"]) == {"occupied beds per person"}
    pop = _population([("A", 2025, "F", "85+", 10)])
    assert _amount(residential_need(pop, new), "A", "beds:geriatrics") == pytest.approx(0.5)


def test_bad_rates_name_row_and_column():
    good = ("health", "beds:icu", "F", "60-64", 0.001)
    with pytest.raises(InputError, match=r"row 1, column sex: 'X' is not one of F, M, \*"):
        _rates([good, ("health", "beds:icu", "X", "60-64", 0.001)])
    with pytest.raises(InputError, match=r"row 1, column age_band: .*open band"):
        _rates([good, ("health", "beds:icu", "F", "90", 0.001)])
    with pytest.raises(InputError, match=r"rows 0, 1: beds:icu for sex F age 60-64"):
        _rates([good, ("health", "beds:icu", "*", "60-64", 0.002)])
    with pytest.raises(InputError, match=r"single year 7 of seats:grade_2 overlaps the band 5-9"):
        _rates(
            [
                ("education", "seats:grade_2", "F", "7", 1.0),
                ("education", "seats:grade_2", "F", "5-9", 1.0),
            ]
        )
    with pytest.raises(InputError, match=r"row 0, column rate: -1 is below 0"):
        _rates([("health", "beds:icu", "F", "60-64", -1.0)])


def test_shipped_table_is_what_its_derivation_script_writes():
    shipped = load_need_rates()
    rebuilt = check_rates(build(), row_offset=0)
    pd.testing.assert_frame_equal(
        shipped.reset_index(drop=True), rebuilt.reset_index(drop=True), check_dtype=False
    )
    units = need_units(shipped)
    assert units["beds:icu"] == "occupied beds"
    assert units["outpatient_visits:general"] == "visits per year"
    assert units["seats:grade_3"] == "pupils"


def test_bad_population_names_row_and_column():
    pop = _population([("A", 2025, "F", "70-74", 10), ("A", 2025, "F", "70-79", 5)])
    with pytest.raises(InputError, match=r"population, row 3, column age_band: '70-79'"):
        residential_need(pop)
