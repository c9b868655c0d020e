"""The education runners on awkward cities: an area no school can reach is a shortfall, not a
failed run, and the scenario's own keys set the travel cutoff and the time limit."""

from __future__ import annotations

import shapely

from demand.bundle import make_sample_city
from optimize.education.district_pairs import NO_SCHOOL_IN_REACH
from scenarios.runners import RunContext, get_runner
from scenarios.spec import scenario_from_dict


def far_area_city():
    """The 60-area sample city with one schoolless area moved 150 km east (no school within
    the 60-minute cutoff by bus)."""
    city = make_sample_city(n_areas=60, seed=3)
    taken = set(city.facilities["area_id"])
    far = next(a for a in city.areas["area_id"] if a not in taken)
    row = city.areas["area_id"] == far
    city.areas.loc[row, "geometry"] = city.areas.loc[row, "geometry"].apply(
        lambda g: shapely.affinity.translate(g, xoff=150_000)
    )
    return city, far


def run(city, **rules):
    scenario = scenario_from_dict({
        "name": "far", "owner": "education", "city": "sample:60:3",
        "models": ["education.districts", "education.teachers"],
        "solver": {"name": "highs", "time_limit_s": 45}, "rules": rules,
    })  # fmt: skip
    ctx = RunContext(scenario=scenario, city=city)
    return ctx, get_runner("education.districts")(ctx), get_runner("education.teachers")(ctx)


def test_an_area_no_school_can_reach_is_a_shortfall_and_the_rest_is_planned():
    city, far = far_area_city()
    ctx, districts, teachers = run(city)
    plans = ctx.cache["districts"]
    for level, result in plans.items():
        assert result.has_plan, level
        a = result.plans["assignment"].set_index("area_id")
        assert a.loc[far, "unplaced"] == NO_SCHOOL_IN_REACH
        assert a.drop(index=far)["school_id"].notna().all()
        short = result.shortfall[result.shortfall["constraint"] == NO_SCHOOL_IN_REACH]
        assert short["where"].str.startswith(far).all() and len(short)
    assert "districts_primary" in districts.plans and "teachers_primary" in teachers.plans
    levels = districts.outcome.detail["levels"]
    assert set(levels) == {"education.districts:primary", "education.districts:middle"}
    assert districts.outcome.detail["time_limit_s"] == 45  # the scenario's, no hidden cap
    assert plans["primary"].params["method"] in ("plain", "regions")
    # the scenario's hiring budget is city-wide: shared by the levels, spent where teachers lack
    hiring = RunContext(scenario=ctx.scenario.model_copy(update={"budgets": ctx.scenario.budgets
                        .model_copy(update={"new_teachers": 40})}), city=city)  # fmt: skip
    hiring.cache["districts"] = plans
    hired = get_runner("education.teachers")(hiring)
    kpi = {k[1]: k[2] for k in hired.kpis}
    assert 0 < kpi["primary: teachers hired"] + kpi["middle: teachers hired"] <= 40
    for level in ("primary", "middle"):
        short = f"{level}: teachers short city-wide"
        assert kpi[short] <= {k[1]: k[2] for k in teachers.kpis}[short]


def test_the_travel_cutoff_key_widens_reach():
    city, far = far_area_city()
    ctx, _, _ = run(city, travel_cutoff_minutes=600)
    a = ctx.cache["districts"]["primary"].plans["assignment"].set_index("area_id")
    assert isinstance(a.loc[far, "school_id"], str)
    assert a.loc[far, "beyond_max_minutes"]
