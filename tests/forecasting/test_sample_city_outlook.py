"""The outlook on the sample city: plausible population, schools, and forecasts beating naive."""

from __future__ import annotations

import pytest

from forecasting.backtest import AUTO_SELECT, backtest
from forecasting.cohort import CohortProjection, broad_age_groups
from forecasting.enrolment import EnrolmentProjection, enrolment_from_history

bundle = pytest.importorskip("demand.bundle")


@pytest.fixture(scope="module")
def city():
    return bundle.make_sample_city()


def test_population_and_enrolment_outlook(city):
    proj = CohortProjection().fit(city.population).predict(5)
    total = proj.groupby("year")["persons"].sum()
    assert abs(total[2030] / total[2025] - 1) < 0.10  # no explosion or collapse in 5 years
    groups = broad_age_groups(proj).groupby(["year", "age_group"])["persons"].sum()
    assert groups[(2030, "65+")] > groups[(2025, "65+")]  # an ageing city, as in China
    enr = enrolment_from_history(city.history, city.series, city.facilities)
    out = EnrolmentProjection().fit(enr, proj).predict(proj, years=5)
    assert set(out["year"]) == set(range(2026, 2031))
    assert out["pupils"].notna().all() and (out["pupils"] >= 0).all()
    assert out["facility_id"].nunique() == enr["facility_id"].nunique()


def test_automatic_choice_beats_seasonal_naive_on_city_history(city):
    meta = city.series[city.series["measure"].str.startswith(("caseload:", "admissions:"))]
    picked = sorted(meta["series_id"])[::4]  # 33 of the caseload and admissions series
    hist = city.history[city.history["series_id"].isin(picked)]
    summary = backtest(hist, h=12, n_windows=1).summary.set_index("model")
    auto, naive = summary.loc[AUTO_SELECT], summary.loc["SeasonalNaive"]
    assert auto["mase"] < 1.0 and auto["mase"] < naive["mase"]
    assert abs(auto["coverage_80"] - 0.80) <= 0.10 and abs(auto["coverage_95"] - 0.95) <= 0.10


def test_need_projected_from_cohorts_follows_ageing(city):
    from forecasting.outlook import project_need

    need, proj = project_need(city.population, years=5)
    assert sorted(need["period"].unique()) == list(range(2025, 2031))
    total = need.groupby(["period", "resource"])["amount"].sum()
    assert total[(2030, "beds:geriatrics")] > 1.05 * total[(2025, "beds:geriatrics")]
    assert total[(2030, "admissions:paediatrics")] < total[(2025, "admissions:paediatrics")]
