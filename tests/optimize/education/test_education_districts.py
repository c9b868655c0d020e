"""Attendance districts: checked on the map itself, not through the model's own rules."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from demand.bundle import make_sample_city
from demand.errors import InputError
from optimize.education import (
    DistrictRules,
    district_map,
    education_inputs,
    peak_pressure_year,
    redraw_districts,
    unit_neighbours,
)
from optimize.education.levels import LEVELS
from optimize.education.pupils import TREND, pupils_by_area
from optimize.solver import SolverOptions

FAST = SolverOptions("cbc", time_limit_s=15, seed=1)
YEAR = 2025


def assert_one_piece_each(units: gpd.GeoDataFrame, assignment: pd.DataFrame) -> None:
    """Every district, dissolved from its units' polygons, is a single Polygon."""
    geom = units.set_index("area_id").geometry
    for school, rows in assignment.groupby("school_id"):
        union = shapely.union_all(geom.loc[rows["area_id"]].to_numpy())
        assert union.geom_type == "Polygon", f"district of {school} is {union.geom_type}"


def assert_each_unit_once(units: gpd.GeoDataFrame, assignment: pd.DataFrame) -> None:
    assert sorted(assignment["area_id"]) == sorted(units["area_id"])
    assert assignment["school_id"].notna().all()


@pytest.fixture(scope="module")
def inputs():
    """A 60-area city, primary level, one year, seats scaled so that there is room overall."""
    city = make_sample_city(n_areas=60, seed=11)
    got = education_inputs(city, "primary", years=[YEAR])
    total = got.pupils["pupils"].sum()
    got.schools["seats"] = got.schools["seats"] * 1.3 * total / got.schools["seats"].sum()
    return got


def solve(inputs, rules=None, schools=None, **kw):
    return redraw_districts(
        inputs.units,
        inputs.pupils,
        inputs.schools if schools is None else schools,
        inputs.travel,
        inputs.today,
        rules or DistrictRules(),
        options=kw.pop("options", FAST),
        **kw,
    )


@pytest.fixture(scope="module")
def default_run(inputs):
    return solve(inputs)


def test_every_district_is_one_piece_on_the_map(inputs, default_run):
    assert default_run.has_plan
    assignment = default_run.plans["assignment"]
    assert_each_unit_once(inputs.units, assignment)
    assert_one_piece_each(inputs.units, assignment)
    dissolved = district_map(inputs.units, assignment)
    assert set(dissolved.geom_type) == {"Polygon"}
    assert dissolved["pupils"].sum() == pytest.approx(assignment["pupils"].sum())


def test_school_stands_in_its_own_district(inputs, default_run):
    got = default_run.plans["assignment"].set_index("area_id")["school_id"]
    for rec in inputs.schools.itertuples():
        assert got[rec.area_id] == rec.school_id


def test_travel_and_reassignment_limits_hold(inputs, default_run):
    a = default_run.plans["assignment"]
    assert (a["minutes"] <= 30.0 + 1e-9).all()
    moved = a.loc[a["school_id"] != a["school_today"], "pupils"].sum()
    assert moved <= 0.2 * a["pupils"].sum() + 1e-6
    summary = default_run.plans["summary"].set_index("measure")
    assert summary.loc["pupils reassigned", "after"] == pytest.approx(moved)


def test_capacity_with_tolerance_respected_when_there_is_room(inputs, default_run):
    enrol = default_run.plans["enrolment"]
    # recount from the assignment, not from the model's own figures
    a = default_run.plans["assignment"]
    counted = a.groupby("school_id")["pupils"].sum()
    seats = inputs.schools.set_index("school_id")["seats"]
    before = inputs.pupils.groupby(inputs.pupils["area_id"].map(inputs.today))["pupils"].sum()
    assert (before > seats * 1.05).any(), "the test needs a crowded school today"
    assert (counted <= seats.reindex(counted.index) * 1.05 + 1e-6).all()
    assert enrol["over"].max() <= 1e-6
    assert default_run.shortfall.empty


def test_too_few_seats_is_reported_as_shortfall(inputs):
    schools = inputs.schools.assign(seats=inputs.schools["seats"] * 0.5)
    result = solve(inputs, schools=schools)
    assert result.has_plan
    assert set(result.shortfall["constraint"]) == {"over capacity"}
    a = result.plans["assignment"]
    counted = a.groupby("school_id")["pupils"].sum()
    limit = schools.set_index("school_id")["seats"] * 1.05
    over = (counted - limit.reindex(counted.index)).clip(lower=0)
    assert result.shortfall["amount"].sum() == pytest.approx(over.sum(), rel=1e-6)
    # at least what the city as a whole lacks
    assert over.sum() >= a["pupils"].sum() - limit.sum() - 1e-6
    assert_one_piece_each(inputs.units, a)


def test_reassignment_limit_of_5_percent(inputs):
    result = solve(inputs, DistrictRules(max_reassigned_share=0.05))
    a = result.plans["assignment"]
    moved = a.loc[a["school_id"] != a["school_today"], "pupils"].sum()
    assert moved <= 0.05 * a["pupils"].sum() + 1e-6
    assert_one_piece_each(inputs.units, a)


def test_keep_together_group_shares_a_school(inputs, default_run):
    a = default_run.plans["assignment"].set_index("area_id")
    homes = set(inputs.schools["area_id"])
    nb = unit_neighbours(inputs.units)
    nb = nb[~nb["area_id"].isin(homes) & ~nb["neighbour_id"].isin(homes)]
    split = nb[a.loc[nb["area_id"], "school_id"].to_numpy()
               != a.loc[nb["neighbour_id"], "school_id"].to_numpy()]  # fmt: skip
    assert len(split), "the test needs two neighbours in different districts"
    group = [split["area_id"].iloc[0], split["neighbour_id"].iloc[0]]
    result = solve(inputs, keep_together=[group])
    got = result.plans["assignment"].set_index("area_id")["school_id"]
    assert got[group[0]] == got[group[1]]
    assert_one_piece_each(inputs.units, result.plans["assignment"])


def test_closed_school_takes_nobody_and_new_school_takes_its_unit(inputs):
    schools = inputs.schools.copy()
    closing = schools["school_id"].iloc[0]
    schools.loc[schools["school_id"] == closing, "status"] = "closed"
    taken = set(schools["area_id"])
    spare = next(u for u in inputs.units["area_id"] if u not in taken)
    new = pd.DataFrame({"school_id": ["NEW1"], "area_id": [spare], "seats": [1500.0],
                        "status": ["new"]})  # fmt: skip
    schools = pd.concat([schools, new], ignore_index=True)
    travel = pd.concat(
        [inputs.travel, pd.DataFrame({"area_id": [spare], "school_id": ["NEW1"], "minutes": [1]})]
    )
    result = redraw_districts(
        inputs.units, inputs.pupils, schools, travel, inputs.today,
        DistrictRules(max_reassigned_share=None), options=FAST,
    )  # fmt: skip
    a = result.plans["assignment"]
    assert closing not in set(a["school_id"])
    assert a.set_index("area_id").loc[spare, "school_id"] == "NEW1"
    enrol = result.plans["enrolment"].set_index("school_id")
    assert enrol.loc["NEW1", "pupils_today"] == 0
    assert_one_piece_each(inputs.units, a)


def test_bad_inputs_name_the_row():
    units = _grid(2, 2)
    pupils = pd.DataFrame({"area_id": ["U0_0", "nowhere"], "year": [2025, 2025],
                           "pupils": [1.0, 2.0]})  # fmt: skip
    schools = pd.DataFrame({"school_id": ["S"], "area_id": ["U0_0"], "seats": [10.0]})
    travel = _grid_travel(units, schools)
    with pytest.raises(InputError, match="row 3, column area_id: 'nowhere'"):
        redraw_districts(units, pupils, schools, travel)
    with pytest.raises(InputError, match="keep-together group 1: 'X9'"):
        redraw_districts(units, pupils.iloc[:1], schools, travel, keep_together=[["X9", "U0_1"]])


# --- units, neighbours, pupils --------------------------------------------------------------


def test_corner_touch_is_not_adjacency():
    units = _grid(2, 2)
    nb = unit_neighbours(units)
    pairs = set(zip(nb["area_id"], nb["neighbour_id"], strict=True))
    assert ("U0_0", "U0_1") in pairs and ("U0_0", "U1_0") in pairs
    assert ("U0_0", "U1_1") not in pairs  # only a corner in common


def test_pupils_split_bands_evenly_and_label_the_projection():
    pop = pd.DataFrame(
        {
            "area_id": ["A"] * 4,
            "year": [2024, 2024, 2025, 2025],
            "sex": ["F"] * 4,
            "age_band": ["5-9", "10-14"] * 2,
            "persons": [50, 50, 60, 50],
        }
    )
    got = pupils_by_area(pop, LEVELS["primary"], [2024, 2025, 2026]).set_index("year")
    assert got.loc[2024, "pupils"] == pytest.approx(50 * 4 / 5 + 50 * 2 / 5)
    assert got.loc[2025, "pupils"] == pytest.approx(60 * 4 / 5 + 50 * 2 / 5)
    assert got.loc[2026, "pupils"] == pytest.approx(60 * 4 / 5 + 50 * 2 / 5 + 8)  # +8 a year
    assert got.loc[2026, "basis"] == TREND
    middle = pupils_by_area(pop, LEVELS["middle"]).set_index("year")
    assert middle.loc[2024, "pupils"] == pytest.approx(50 * 3 / 5)


# --- property: on any grid city, every unit is assigned once and districts are whole ---------


def _grid(rows: int, cols: int, size: float = 100.0) -> gpd.GeoDataFrame:
    ids, geoms = [], []
    for r in range(rows):
        for c in range(cols):
            ids.append(f"U{r}_{c}")
            geoms.append(shapely.box(c * size, r * size, (c + 1) * size, (r + 1) * size))
    return gpd.GeoDataFrame({"area_id": ids}, geometry=geoms, crs="EPSG:32650")


def _grid_travel(units: gpd.GeoDataFrame, schools: pd.DataFrame) -> pd.DataFrame:
    centre = units.set_index("area_id").geometry.centroid
    rows = []
    for rec in schools.itertuples():
        here = centre[rec.area_id]
        for area, point in centre.items():
            rows.append((area, rec.school_id, 1.0 + 2.0 * here.distance(point) / 100.0))
    return pd.DataFrame(rows, columns=["area_id", "school_id", "minutes"])


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.integers(2, 4),
    cols=st.integers(2, 5),
    n_schools=st.integers(1, 4),
    seed=st.integers(0, 10_000),
    share=st.sampled_from([None, 0.1, 0.3]),
    seat_factor=st.floats(0.5, 1.5),
)
def test_every_unit_assigned_exactly_once_and_districts_whole(
    rows, cols, n_schools, seed, share, seat_factor
):
    rng = np.random.default_rng(seed)
    units = _grid(rows, cols)
    n_schools = min(n_schools, len(units))
    homes = rng.choice(units["area_id"].to_numpy(), size=n_schools, replace=False)
    pupils = pd.DataFrame(
        {"area_id": units["area_id"], "year": 2025, "pupils": rng.integers(0, 60, len(units))}
    )
    seats = seat_factor * pupils["pupils"].sum() / n_schools
    schools = pd.DataFrame(
        {"school_id": [f"S{k}" for k in range(n_schools)], "area_id": homes, "seats": seats}
    )
    result = redraw_districts(
        units,
        pupils,
        schools,
        _grid_travel(units, schools),
        rules=DistrictRules(max_minutes=None, max_reassigned_share=share),
        options=SolverOptions("cbc", time_limit_s=10),
    )
    assert result.has_plan
    a = result.plans["assignment"]
    assert_each_unit_once(units, a)
    assert a["area_id"].is_unique
    assert_one_piece_each(units, a)
    if share is not None:
        moved = a.loc[a["school_id"] != a["school_today"], "pupils"].sum()
        assert moved <= share * a["pupils"].sum() + 1e-6


def test_unit_beyond_the_travel_limit_is_flagged_and_still_joined_through_neighbours():
    units = _grid(3, 4)
    pupils = pd.DataFrame({"area_id": units["area_id"], "year": 2025, "pupils": 10.0})
    schools = pd.DataFrame({"school_id": ["S1", "S2"], "area_id": ["U0_0", "U0_1"],
                            "seats": [100.0, 100.0]})  # fmt: skip
    travel = _grid_travel(units, schools)
    result = redraw_districts(units, pupils, schools, travel, rules=DistrictRules(max_minutes=3.5))
    a = result.plans["assignment"].set_index("area_id")
    assert a.loc["U0_0", "minutes"] == 1.0  # the school's own unit, at its real travel time
    far = a[a["minutes"] > 3.5]
    assert len(far) and far["beyond_max_minutes"].all()
    assert not a.loc[a["minutes"] <= 3.5, "beyond_max_minutes"].any()
    assert any("no school they can join within 3.5 minutes" in m for m in result.messages)
    assert_one_piece_each(units, a.reset_index())


def test_balance_attribute_evens_out_across_schools(inputs):
    core = inputs.units.set_index("area_id")["zone"].isin(["core", "inner"]).astype(float)
    amount = (
        inputs.pupils.set_index("area_id")["pupils"]
        * core.reindex(inputs.pupils["area_id"]).to_numpy()
    )

    def imbalance(result) -> float:
        a = result.plans["assignment"]
        share = amount.sum() / a["pupils"].sum()
        per = (a["area_id"].map(amount) - share * a["pupils"]).groupby(a["school_id"]).sum()
        return float(per.abs().sum())

    loose = solve(inputs, DistrictRules(max_reassigned_share=None))
    even = solve(inputs, DistrictRules(max_reassigned_share=None, balance_penalty=20.0),
                 balance=amount)  # fmt: skip
    assert imbalance(even) < imbalance(loose)
    assert even.plans["balance"]["imbalance"].sum() == pytest.approx(imbalance(even), rel=1e-4)


def test_conflicting_rules_say_which_rule_had_to_give():
    units = _grid(2, 3)
    pupils = pd.DataFrame({"area_id": units["area_id"], "year": 2025, "pupils": 10.0})
    schools = pd.DataFrame({"school_id": ["S1", "S2"], "area_id": ["U0_0", "U0_1"],
                            "seats": [100.0, 100.0]})  # fmt: skip
    travel = _grid_travel(units, schools)
    # two schools' own units cannot be kept together
    result = redraw_districts(units, pupils, schools, travel, keep_together=[["U0_0", "U0_1"]])
    assert result.status == "infeasible"
    assert set(result.binding["constraint"]) == {"keep together"}
    assert_each_unit_once(units, result.plans["assignment"])


def test_peak_pressure_year_is_when_today_overflows_most():
    pupils = pd.DataFrame({"area_id": ["A", "B"] * 3, "year": [2025, 2025, 2026, 2026, 2027, 2027],
                           "pupils": [50, 50, 80, 40, 60, 60]})  # fmt: skip
    schools = pd.DataFrame({"school_id": ["S1", "S2"], "area_id": ["A", "B"], "seats": [60, 60]})
    today = pd.Series({"A": "S1", "B": "S2"})
    assert peak_pressure_year(pupils, schools, today) == 2026  # 20 over, 2027 has none
