"""Education models of a scenario: attendance districts per level, then teachers per subject."""

from __future__ import annotations

import dataclasses

from optimize.education import (
    DistrictRules,
    TeacherRules,
    place_city_teachers,
    redistrict_city,
    share_new_teachers,
)
from scenarios.runners import ModelRun, RunContext, declared_rules, runner
from scenarios.runners.outcome import outcome_of, solver_options

LEVELS = ("primary", "middle")


def redistricting(ctx: RunContext) -> dict:
    """Both levels' redistricting for the scenario, once per run.

    Each level may take the scenario's whole ``solver.time_limit_s`` (there is no hidden cap:
    a big city needs the time it is given). A level always gets a plan: at worst today's
    districts mended where they break the rules, with the solver's bound and gap.
    """
    if "districts" not in ctx.cache:
        s = ctx.scenario
        rules = declared_rules(DistrictRules, s)  # travel, its cutoff and reassignment
        city = ctx.city
        years = range(s.base_year, s.base_year + s.horizon + 1)
        plans = {}
        for level in LEVELS:
            ctx.progress(f"districts: {level}")
            plans[level] = redistrict_city(
                city, level, years=years, rules=rules,
                options=solver_options(s, s.solver.time_limit_s),
            )  # fmt: skip
        ctx.cache["districts"] = plans
    return ctx.cache["districts"]


@runner("education.districts")
def run_districts(ctx: RunContext) -> ModelRun:
    """Redraw primary and middle districts for the year of peak pressure."""
    kpis, plans, outcomes = [], {}, []
    for level, plan in redistricting(ctx).items():
        outcomes.append(
            outcome_of(
                f"education.districts:{level}",
                plan,
                plan_year=plan.params["plan_year"],
                method=plan.params.get("method"),
            )
        )
        if not plan.has_plan:
            continue
        summary = plan.plans["summary"].set_index("measure")
        for measure, unit in (
            ("pupils above capacity", "persons"),
            ("pupils reassigned", "persons"),
            ("share of pupils reassigned", "share"),
            ("average travel (minutes, pupil-weighted)", "minutes"),
            ("worst travel (minutes)", "minutes"),
        ):
            if measure in summary.index:
                name = measure.replace(" (minutes, pupil-weighted)", "").replace(" (minutes)", "")
                kpis.append(("education", f"{level}: {name}", float(summary.loc[measure, "after"]),
                             unit))  # fmt: skip
                if "reassigned" not in measure:  # today's districts reassign nobody
                    kpis.append(("education", f"{level}: {name} today",
                                 float(summary.loc[measure, "before"]), unit))  # fmt: skip
        kpis.append(("education", f"{level}: optimality gap", plan.gap, "share"))
        plans[f"districts_{level}"] = plan.plans["districts"]
        plans[f"district_assignment_{level}"] = plan.plans["assignment"]
        plans[f"enrolment_{level}"] = plan.plans["enrolment"]
        plans[f"district_links_{level}"] = plan.plans["links"]
    worst = max(outcomes, key=lambda o: (o.objective is None, o.gap or 0.0))
    outcome = dataclasses.replace(worst, model="education.districts", detail={
        "time_limit_s": ctx.scenario.solver.time_limit_s,
        "levels": {o.model: {"status": o.status, "gap": o.gap, "method": o.detail.get("method"),
                             "messages": o.detail.get("messages")} for o in outcomes}},
        has_plan=all(o.has_plan for o in outcomes))  # fmt: skip
    return ModelRun(kpis=kpis, plans=plans, outcome=outcome)


@runner("education.teachers")
def run_teachers(ctx: RunContext) -> ModelRun:
    """Place teachers by subject for the redrawn districts' plan-year enrolment."""
    s = ctx.scenario
    kpis, plans, results = [], {}, []
    pupils, years = {}, {}
    for level, plan in redistricting(ctx).items():
        if plan.has_plan:
            years[level] = plan.params["plan_year"]
            enrol = plan.plans["enrolment"]
            pupils[level] = enrol[enrol["year"] == years[level]].set_index("school_id")["pupils"]
    rules = declared_rules(TeacherRules, s)  # the hiring budget is city-wide: shared by levels
    hires = share_new_teachers(rules.new_teachers, pupils, ctx.city.workforce)
    for level in pupils:
        ctx.progress(f"teachers: {level}")
        result = place_city_teachers(
            ctx.city, level, years[level], pupils[level],
            dataclasses.replace(rules, new_teachers=hires[level]),
            solver_options(s, s.solver.time_limit_s),
        )  # fmt: skip
        results.append(result)
        if result.has_plan:
            subjects = result.plans["subjects"]
            plans[f"teachers_{level}"] = result.plans["postings"]
            plans[f"teacher_subjects_{level}"] = subjects
            kpis += [
                ("education", f"{level}: teachers moved", float(subjects["moved"].sum()),
                 "teachers"),
                ("education", f"{level}: teachers short city-wide",
                 float(subjects["city_shortage"].clip(lower=0).sum()), "teachers"),
            ]  # fmt: skip
            if rules.new_teachers:
                kpis.append(("education", f"{level}: teachers hired",
                             float(subjects["hired"].sum()), "teachers"))  # fmt: skip
    if not results:
        from scenarios.store import ModelOutcome

        return ModelRun(kpis, plans, ModelOutcome("education.teachers", "no district plan",
                                                  has_plan=False))  # fmt: skip
    worst = max(results, key=lambda r: (not r.has_plan, r.gap or 0.0))
    outcome = outcome_of("education.teachers", worst)
    if len(results) < len(LEVELS):  # a level without districts has no teacher plan either
        outcome = dataclasses.replace(outcome, has_plan=False)
    return ModelRun(kpis=kpis, plans=plans, outcome=outcome)
