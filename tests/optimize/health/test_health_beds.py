"""Bed rebalancing: each rule on small cases, the infeasible case, and the sample-city inputs."""

import pandas as pd
import pytest

from demand.errors import InputError
from optimize.health import (
    BedRules,
    beds_needed,
    project_admissions,
    rebalance_beds,
    ward_inputs,
    ward_outlook,
)


def wards(beds=(40, 40, 30, 30), adm=(5.0, 1.0, 4.0, 1.0)):
    """Two hospitals, each with a busy geriatrics ward and a quiet maternity ward."""
    return pd.DataFrame(
        {"hospital_id": ["H1", "H1", "H2", "H2"], "department": ["geri", "obs"] * 2,
         "beds": list(beds), "admissions_per_day": list(adm), "alos_days": [10.0, 4.0] * 2}
    )  # fmt: skip


def after(result) -> pd.Series:
    return result.plans["wards"].set_index(["hospital_id", "department"])["beds_after"]


def test_beds_move_within_a_hospital_to_the_busy_ward_down_to_the_floor():
    r = rebalance_beds(wards())
    beds = after(r)
    assert r.status == "optimal"
    assert beds[("H1", "obs")] == 32 and beds[("H2", "obs")] == 24  # floor 80% of today
    assert beds[("H1", "geri")] == 48 and beds[("H2", "geri")] == 36
    w = r.plans["wards"]
    assert w["turned_away_after"].sum() < w["turned_away_before"].sum()
    assert w["beds_after"].sum() == w["beds_before"].sum()  # no budget: no new beds
    assert set(r.plans["what_binds"]["rule"]) == {"department floor", "new-bed budget"}


def test_moves_across_hospitals_cost_more_than_within():
    # H2's geriatrics is overloaded, H1 has spare maternity beds; moving across is worth it
    # only when it saves more patients than it costs
    base = wards(adm=(2.0, 0.5, 5.0, 1.0))
    cheap = rebalance_beds(base, BedRules(move_cost_across=0.1))
    dear = rebalance_beds(base, BedRules(move_cost_across=10_000))
    moved = cheap.plans["hospitals"].set_index("hospital_id")
    assert moved.loc["H2", "moved_in"] > 0 and moved.loc["H1", "moved_out"] > 0
    assert dear.plans["hospitals"]["moved_in"].sum() == 0
    # every bed that leaves a hospital arrives at another one
    assert moved["moved_in"].sum() == moved["moved_out"].sum()
    assert (cheap.plans["hospitals"]["beds_after"].sum()
            == cheap.plans["hospitals"]["beds_before"].sum())  # fmt: skip


def test_ceilings_and_floors_hold():
    limits = pd.DataFrame({"hospital_id": ["H1"], "department": ["geri"], "max_beds": [42]})
    r = rebalance_beds(wards(), BedRules(new_bed_budget=100, new_bed_cost=0.0), limits=limits)
    w = r.plans["wards"]
    assert after(r)[("H1", "geri")] == 42
    assert (w["beds_after"] >= w["floor"]).all() and (w["beds_after"] <= w["ceiling"]).all()
    binds = r.plans["what_binds"]
    assert ("department ceiling", "H1 / geri") in set(
        zip(binds["rule"], binds["where"], strict=True)
    )


def test_new_beds_stay_within_the_budget_and_go_where_they_save_most():
    r = rebalance_beds(wards(), BedRules(new_bed_budget=10, new_bed_cost=0.5))
    hosp = r.plans["hospitals"]
    assert hosp["new_beds"].sum() == 10
    assert hosp["beds_after"].sum() == hosp["beds_before"].sum() + 10
    assert r.plans["wards"].query("department == 'obs'")["change"].le(0).all()


def test_shortfall_lists_wards_below_need_at_the_target():
    r = rebalance_beds(wards())
    short = r.shortfall.set_index("where")["amount"]
    w = r.plans["wards"].set_index(["hospital_id", "department"])
    assert short["H1 / geri"] == pytest.approx(
        beds_needed(50.0, 0.03) - w.loc[("H1", "geri"), "beds_after"]
    )


def test_bed_days_objective_fills_the_need_gap():
    r = rebalance_beds(wards(), BedRules(objective="bed_days_short"))
    assert after(r)[("H1", "geri")] == 48  # same moves, judged in bed-days
    assert r.objective >= 365 * r.shortfall["amount"].sum()


def test_floors_above_the_beds_there_are_make_it_infeasible_and_say_by_how_much():
    limits = pd.DataFrame(
        {"hospital_id": ["H1", "H2"], "department": ["geri", "geri"], "min_beds": [60, 45]}
    )
    rules = BedRules(ceiling_share=2.0)  # 140 beds today, floors need 60+32+45+24 = 161
    r = rebalance_beds(wards(), rules, limits=limits)
    assert r.status == "infeasible"
    assert r.shortfall["amount"].sum() == pytest.approx(21.0, abs=1e-3)
    assert set(r.binding["constraint"]) <= {"department floor", "new-bed budget"}


def test_bad_limits_and_wards_are_named():
    limits = pd.DataFrame({"hospital_id": ["H1"], "department": ["geri"], "min_beds": [90]})
    with pytest.raises(InputError, match="H1 / geri: floor 90 beds is above ceiling 60"):
        rebalance_beds(wards(), limits=limits)
    bad = wards()
    bad.loc[2, "alos_days"] = 0
    with pytest.raises(InputError, match="wards, row 2, column alos_days"):
        rebalance_beds(bad)


def test_sample_city_wards_have_projected_admissions_and_size_based_targets(small_city):
    w = ward_inputs(small_city)
    assert len(w) == 9 * len(small_city.facilities_of("hospital"))
    assert (w["admissions_per_day"] > 0).all()
    outlook = ward_outlook(w)
    small, large = outlook.nsmallest(1, "beds").iloc[0], outlook.nlargest(1, "beds").iloc[0]
    assert small["target_occupancy"] < large["target_occupancy"]


def test_trend_projection_is_last_year_times_its_growth():
    ds = pd.date_range("2023-01-01", periods=36, freq="MS")
    y = [100.0] * 12 + [100.0] * 12 + [110.0] * 12  # last year +10%
    history = pd.DataFrame({"series_id": "H1:admissions:geri", "ds": ds, "y": y})
    out = project_admissions(history).iloc[0]
    assert out["growth"] == pytest.approx(1.1)
    assert out["admissions_per_day"] == pytest.approx(12 * 110 * 1.1 / 365)
    assert "trend projection" in out["method"]
    with pytest.raises(InputError, match="needs 24 or more"):
        project_admissions(history.iloc[:20])


@pytest.mark.slow
def test_forecasting_stage_admissions_agree_with_the_trend(small_city):
    trend = ward_inputs(small_city, method="trend").set_index(["hospital_id", "department"])
    theta = ward_inputs(small_city, method="theta").set_index(["hospital_id", "department"])
    assert theta["method"].str.contains("AutoTheta").all()
    ratio = theta["admissions_per_day"] / trend["admissions_per_day"]
    assert ratio.between(0.75, 1.33).all()  # small wards are noisy; the two agree broadly
