"""Solving the outreach model as one MIP: a rounded starting plan, the search, and the better
of the two kept. (``by_specialty`` solves big plans one specialty at a time instead.)

Every solve takes what is left of the run's one ``Deadline``.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import pulp

from optimize.deadline import Deadline
from optimize.health.outreach.formulation import OutreachModel
from optimize.health.outreach.plans import read_outreach_plans
from optimize.health.outreach.sessions import SessionBook, make_pool_shares_whole
from optimize.model import solve_plan
from optimize.result import PlanResult
from optimize.solver import OPTIMAL_GAP, SolverOptions, problem_variables, relative_gap, solve

#: Rule families that are the model's bookkeeping, not a bureau's rule: never relaxed.
MODELLING = ("visits served", "session capacity", "visits only where sessions are held")


class PlanReader:
    """Reads the plan the variables hold; with whole sessions per centre, first makes the
    pools' shares whole, remembering how many sessions no pool had the time for."""

    def __init__(self, om: OutreachModel) -> None:
        self.om = om
        self.dropped = 0

    def __call__(self) -> dict[str, pd.DataFrame]:
        if self.om.totals is not None:
            self.dropped = make_pool_shares_whole(self.om.sessions, self.om.pool_limit)
        return read_outreach_plans(self.om)


def solve_joint(
    om: OutreachModel, options: SolverOptions, deadline: Deadline, rounded_start: bool = True
) -> PlanResult:
    """The whole model in one MIP, started from the rounded LP relaxation (``rounded_start``);
    the better of the start and the solver's plan is kept, with the best proven bound."""
    model = om.model
    read_plans = PlanReader(om)
    params = {"rules": asdict(om.rules), "weights": asdict(om.weights)}
    start = None
    if rounded_start and len(om.sessions):
        start = _rounded_start(om, options, deadline)
    may_give = [f for f in model.rules if f not in MODELLING]
    wanted_gap = options.gap_rel if options.gap_rel is not None else 1e-4
    if start is not None and start.plan is not None and start.gap <= wanted_gap:
        # the starting plan is already within the gap of the LP bound: no search needed
        model.set_objective()
        result = PlanResult(
            model=model.name,
            status="optimal" if start.gap <= OPTIMAL_GAP else "feasible within gap",
            objective=start.objective,
            best_bound=start.bound,
            gap=start.gap,
            build_seconds=time.perf_counter() - model.started - start.seconds,
            solve_seconds=start.seconds,
            solver=options.name,
            plans=read_plans(),
            shortfall=model.shortfall(),
            params=params,
        )
    else:
        result = solve_plan(  # the time limit is for the whole run, starting plan included
            model, read_plans, options, deadline=deadline, may_give=may_give,
            warm_start=start is not None and start.plan is not None,
            params=params,
        )  # fmt: skip
        if start is not None:
            result.build_seconds -= start.seconds  # the starting plan's LPs are solver time
            result.solve_seconds += start.seconds
            work_limit = options.node_limit is not None and not deadline.passed
            _keep_the_better_plan(result, start, om, read_plans, wanted_gap, work_limit)
    if start is not None:
        result.messages.append(start.note)
    if read_plans.dropped:
        result.params["sessions_dropped"] = read_plans.dropped
        result.messages.append(
            f"{read_plans.dropped} sessions dropped: no pool had whole half-days left for them"
        )
    return result


def with_notes(result: PlanResult, om: OutreachModel) -> PlanResult:
    """Add what the gap is worth in visits and the model's size to the result's messages."""
    if result.objective is not None and result.best_bound is not None and om.weights.unmet_visit:
        slack = (result.objective - result.best_bound) / om.weights.unmet_visit
        result.messages.append(
            f"the gap is worth at most {slack:,.1f} unmet visits a week (of "
            f"{float(om.demand.sum()):,.0f} visits of need)"
        )
    result.messages.append(
        f"{len(om.sessions):,} pool-centre pairs, {len(om.visits):,} area-centre visit pairs"
    )
    return result


@dataclass
class _Start:
    """A whole-number starting plan from the rounded LP relaxation."""

    objective: float
    bound: float  # the LP relaxation's objective: no plan can do better
    seconds: float
    plan: dict[str, float] | None  # variable name -> value

    @property
    def gap(self) -> float:
        return relative_gap(self.objective, self.bound) or 0.0

    @property
    def note(self) -> str:
        return (
            f"starting plan from the rounded LP relaxation: objective {self.objective:,.6g}, "
            f"{self.gap:.2%} above the LP bound {self.bound:,.6g}"
        )


def _keep_the_better_plan(
    result: PlanResult,
    start: _Start,
    om: OutreachModel,
    read_plans,
    wanted_gap: float,
    work_limit: bool,
) -> None:
    """If the solver ended with a worse plan than the start, or none (a limit, a crash),
    report the start.

    The bound stays the best proven one (the solver's or the LP relaxation's); the status says
    which limit stopped the search: the work limit (``work_limit``) or the clock.
    """
    if start.plan is None or result.status == "infeasible":
        return
    if (
        result.has_plan
        and result.objective is not None
        and result.objective <= start.objective * (1 + 1e-9)
    ):
        return
    for v in problem_variables(om.model.problem):
        if v.name in start.plan:
            v.varValue = start.plan[v.name]
    bound = max(b for b in (result.best_bound, start.bound) if b is not None)
    result.objective, result.best_bound = start.objective, bound
    result.gap = relative_gap(start.objective, bound)
    result.plans = read_plans()
    result.shortfall = om.model.shortfall()
    if result.gap is not None and result.gap <= wanted_gap:
        result.status = "feasible within gap"
    elif not result.has_plan:
        result.status = (
            "stopped at work limit with best plan"
            if work_limit
            else "stopped at time limit with best plan"
        )
    result.messages.append("the solver found no better plan than the starting plan; kept the start")


def _rounded_start(om: OutreachModel, options: SolverOptions, deadline: Deadline) -> _Start | None:
    """A feasible whole-number starting plan, or None when the LP relaxation has no plan.

    Solve the LP relaxation and round its sessions down (always within the pool and room
    limits), then add back one session at a time, largest fraction first, wherever the pool and
    the centre still have room. Solve the LP again with those sessions fixed so that visits and
    unmet shares fit them; then twice: take back sessions the plan leaves empty, top up where
    unmet visits remain within reach of a centre from pools with time left, and solve the fixed
    LP again. Variables are left holding that plan (the solver's warm start), the plan is also
    kept by variable name, and the model is restored.
    """
    model = om.model
    variables = list(om.sessions["var"])
    integers = [v for v in problem_variables(model.problem) if v.cat == pulp.LpInteger]
    for v in integers:
        v.cat = pulp.LpContinuous
    model.set_objective()
    seconds = 0.0
    try:
        relaxed = solve(model.problem, options, deadline=deadline)
        seconds += relaxed.solve_seconds
        if not relaxed.has_plan or relaxed.objective is None:
            return None
        value = np.array([v.varValue or 0.0 for v in variables])
        book = SessionBook.holding(om, np.floor(value + 1e-6))
        book.round_up(value)
        book.fix()
        fixed = solve(model.problem, options, deadline=deadline)
        seconds += fixed.solve_seconds
        if not fixed.has_plan or fixed.objective is None:
            return _Start(relaxed.objective, relaxed.objective, seconds, None)
        plan = {v.name: v.varValue for v in problem_variables(model.problem)}
        for _ in range(2):  # trim sessions nobody uses, give their time where visits wait
            trimmed = float(book.trim_unused().sum())
            added = book.top_up()
            if not added and not trimmed:
                break
            book.fix()
            topped = solve(model.problem, options, deadline=deadline)
            seconds += topped.solve_seconds
            if not topped.has_plan or topped.objective is None:
                break
            if topped.objective < fixed.objective:
                fixed = topped
                plan = {v.name: v.varValue for v in problem_variables(model.problem)}
            if not added:
                break
        for v in problem_variables(model.problem):  # leave the best plan in the variables
            v.varValue = plan.get(v.name, v.varValue)
        return _Start(fixed.objective, relaxed.objective, seconds, plan)
    finally:
        for v in integers:
            v.cat = pulp.LpInteger
        for v in variables:
            v.lowBound, v.upBound = 0, None
