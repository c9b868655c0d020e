"""Solve a big specialist outreach plan one specialty at a time, the rooms priced by the joint LP.

Specialties meet only at a centre's consultation rooms: pools, need and visits are each one
specialty's own. So (Lagrangian relaxation of the room rule):
1. The joint LP relaxation gives each centre's room price ``mu`` (objective units per session,
   the rule's shadow price; 0 where rooms are not short) and the LP bound.
2. Each specialty is solved on its own as a small MIP (whole sessions per centre, pools' shares
   continuous), with ``mu`` charged per session instead of the room rule. These run in parallel
   processes. Their bounds add up to a proven bound for the joint plan:
   sum of the specialties' bounds - sum of ``mu`` x room half-days, usually well above the LP's.
3. Where the specialties together hold more sessions at a centre than its rooms allow, the joint
   LP decides which of them give way: the overfull centres' sessions may only go down, centres
   that see the same areas in the same specialty may go up, all others stay; the LP's sessions
   are rounded (``_round_sessions``), fixed, and the joint LP fits visits and pools' shares to
   them; sessions left empty are taken back, and sessions are added where visits are still
   unmet near a centre with a room and a pool with time (``SessionBook``).
4. Pools' shares are made whole (``make_pool_shares_whole``, a small MIP where that fails).
On the 500-centre benchmark the specialties' models reach 0.1% each in about 4 s where the
joint model with 115,164 integers stays at 2% after minutes (ARCHITECTURE-NOTES.md).

Each specialty's model is formulated here from its own inputs (``formulate_outreach``) and
solved like any joint model (``strategies.solve_joint``); the worker processes get everything
they need as the task's argument.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, replace
from multiprocessing import get_context

import numpy as np
import pandas as pd
import pulp

from optimize.deadline import Deadline
from optimize.health.outreach.formulation import OutreachModel, formulate_outreach
from optimize.health.outreach.pairs import OutreachFrames, session_pairs
from optimize.health.outreach.sessions import (
    SessionBook,
    make_pool_shares_whole,
    pool_time_left,
)
from optimize.health.outreach.strategies import PlanReader, solve_joint
from optimize.health.rules import OutreachRules, OutreachWeights
from optimize.highs_child import can_have_children
from optimize.processes import die_with_parent
from optimize.result import CUT_BY_CLOCK, PlanResult, Status
from optimize.solver import OPTIMAL_GAP, SolverOptions, relative_gap, solve

__all__ = ["solve_by_specialty"]

#: Each specialty aims at this share of the wanted gap, leaving room for the rooms' repair.
GAP_SHARE = 0.25
#: Seconds kept back after the specialties for the repair, as multiples of the joint LP's time.
REPAIR_LPS = 2.5
#: The work limit of each specialty's search, in branch-and-bound nodes. A work limit, not a
#: share of the clock, so that the same inputs on the same machine give the same plan whatever
#: the machine's load (with a clock limit, two runs of one scenario gave different plans). On
#: the 500-centre benchmark every specialty reaches its gap at the root node.
SPECIALTY_NODES = 100
#: The work limit of the small MIP that makes one specialty's pool shares whole.
POOL_SPLIT_NODES = 500


def solve_by_specialty(
    om: OutreachModel,
    options: SolverOptions,
    deadline: Deadline,
    progress: Callable[[str, int, int], None] | None = None,
) -> PlanResult:
    """The joint plan of ``om`` (whole sessions per centre, no strong links) from one model per
    specialty; see the module docstring. progress(step, done, total) is called as the
    specialties' models finish."""
    model = om.model
    wanted = options.gap_rel if options.gap_rel is not None else 1e-4
    lp_options = replace(options, time_limit_s=None)  # LPs of seconds: a cut one has no plan
    integers = om.integers
    for y in integers:
        y.cat = pulp.LpContinuous
    model.set_objective()
    params = {"rules": asdict(om.rules), "weights": asdict(om.weights)}
    build_seconds = time.perf_counter() - model.started
    lp = solve(model.problem, lp_options)
    if not lp.has_plan or lp.objective is None:
        return PlanResult(
            model=model.name, status=lp.status, build_seconds=build_seconds,
            solve_seconds=lp.solve_seconds, solver=options.name, params=params,
            messages=[*lp.messages, "the joint LP relaxation has no plan"],
        )  # fmt: skip
    rooms = model.rules["consultation rooms"]
    mu = pd.Series({c: max(0.0, -(r.pi or 0.0)) for c, r in rooms.items()}, dtype=float)
    mu = mu[mu > 1e-9]
    lp_held = pd.Series([y.varValue or 0.0 for y in integers], index=om.totals.index)

    # --- one model per specialty, in parallel ---------------------------------------------------
    specialties = om.specialties
    workers = max(1, min(options.threads or 1, len(specialties), os.cpu_count() or 1))
    if not can_have_children():
        workers = 1
    # a work limit per specialty; the clock only as a safety net: the specialties must be done
    # when the run's time, less what the repair needs, is spent
    stop_at = None
    if deadline.limited:
        reserve = REPAIR_LPS * lp.solve_seconds + 2.0
        stop_at = time.time() + max(1.0, deadline.left(floor_s=-float("inf")) - reserve)
    sub = replace(
        options, gap_rel=wanted * GAP_SHARE, time_limit_s=None, threads=1, msg=False,
        node_limit=SPECIALTY_NODES, seed=options.seed if options.seed is not None else 1,
    )  # fmt: skip
    tasks = [
        _Task(s, om.frames.of_specialty(s), om.rules, om.weights, mu, sub, stop_at)
        for s in specialties
    ]
    steps = [f"joint LP {lp.solve_seconds:.1f} s"]
    started = time.perf_counter()
    answers, how = _run_all(tasks, workers, progress)
    steps.append(f"specialties {time.perf_counter() - started:.1f} s")
    bounds = [a.bound for a in answers]
    room_total = float((mu * om.room_half_days.reindex(mu.index)).sum())
    lagrange = None if any(b is None for b in bounds) else float(sum(bounds)) - room_total
    bound = lp.objective if lagrange is None else max(lp.objective, lagrange)
    messages = [
        f"solved one specialty at a time: {len(specialties)} models {how}, up to "
        f"{SPECIALTY_NODES} search nodes each",
        f"rooms priced by the joint LP at {len(mu)} centres; bound {bound:,.6g} (joint LP "
        f"{lp.objective:,.6g}"
        + (
            f"; specialties' bounds less room prices {lagrange:,.6g})"
            if lagrange is not None
            else ")"
        ),
    ]
    failed = [a.specialty for a in answers if a.at_centre is None]
    if failed:
        messages.append(f"no plan in time for {', '.join(failed)}: their sessions from the LP")
    clock = [a.specialty for a in answers if a.cut_by_clock]
    if clock:
        messages.append(
            f"cut by the clock (the run's time limit, not the work limit): {', '.join(clock)}; "
            "a run with more time, or on a quieter machine, may give another plan"
        )

    # --- put the specialties' plans together; overfull centres give way -------------------------
    held = _held_sessions(answers, lp_held)
    started = time.perf_counter()
    messages += _share_rooms(om, held, lp_options)
    added = _top_up(om, held)
    if added:
        solve(model.problem, lp_options)
        messages.append(f"{added} sessions added where visits were still unmet nearby")
    steps.append(f"rooms' repair {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    dropped, cut = _whole_pool_shares(om, held, options, messages, deadline)
    if dropped:
        solve(model.problem, lp_options)  # visits re-fitted to the sessions pools can hold
        make_pool_shares_whole(om.sessions, om.pool_limit)
    steps.append(f"whole pool shares {time.perf_counter() - started:.1f} s")
    messages.append("time: " + ", ".join(steps))
    for y in integers:
        y.cat = pulp.LpInteger
    objective = float(pulp.value(model.problem.objective))
    gap = relative_gap(objective, bound)
    status: Status
    if clock or cut:  # what stopped it: the run's time limit
        status = "stopped at time limit with best plan"
    elif gap is not None and gap <= OPTIMAL_GAP:
        status = "optimal"
    elif gap is not None and gap <= wanted:
        status = "feasible within gap"
    else:  # no limit stopped it: the specialties and the rooms' repair end this far from it
        status = "feasible, gap above target"
    if gap is not None and gap > wanted:
        messages.append(f"the plan is {gap:.2%} from the bound; {wanted:.2%} was asked")
    total = time.perf_counter() - model.started
    return PlanResult(
        model=model.name,
        status=status,
        objective=objective,
        best_bound=bound,
        gap=gap,
        build_seconds=build_seconds,
        solve_seconds=max(0.0, total - build_seconds),
        solver=options.name,
        plans=PlanReader(om)(),
        shortfall=model.shortfall(),
        params=dict(params, by_specialty=True),
        messages=messages,
    )


def _fix(om: OutreachModel, held: pd.Series) -> None:
    """Fix the joint model's whole sessions per (centre, specialty) to ``held``."""
    for y, n in zip(om.integers, held.to_numpy(), strict=True):
        y.lowBound = y.upBound = y.varValue = float(n)


def _held_sessions(answers: list[_Answer], lp_held: pd.Series) -> pd.Series:
    """Whole sessions per (centre, specialty) as the specialties' plans hold them; a specialty
    without a plan gets the joint LP's sessions rounded down."""
    held = np.floor(lp_held + 1e-6)
    specialty = held.index.get_level_values("specialty")
    centre = held.index.get_level_values("centre_id")
    for a in answers:
        if a.at_centre is not None:
            mine = specialty == a.specialty
            held[mine] = a.at_centre.reindex(centre[mine]).fillna(0.0).to_numpy()
    return held


def _share_rooms(om: OutreachModel, held: pd.Series, lp_options: SolverOptions) -> list[str]:
    """Fit the joint plan to ``held`` (updated in place) where the rooms allow it.

    Overfull centres may only lose sessions; centres that see the same areas in the same
    specialty may gain some where rooms and pools have time, for the visits displaced; the joint
    LP chooses, its sessions are rounded (``_round_sessions``), and fixed for a last LP that fits
    visits and pools' shares. Sessions that plan leaves empty are then taken back.
    """
    integers = om.integers
    by_centre = held.groupby(level="centre_id").sum()
    room = om.room_half_days.reindex(by_centre.index).fillna(0.0)
    over = by_centre.index[(by_centre > room + 1e-9).to_numpy()]
    in_over = held.index.get_level_values("centre_id").isin(over)
    may_add = held.index.isin(_near_overfull(om.visits, held[in_over & (held > 0)].index))
    for y, n, cut, add in zip(integers, held.to_numpy(), in_over, may_add & ~in_over, strict=True):
        y.lowBound = 0.0 if cut else float(n)
        y.upBound = None if add else float(n)
    solve(om.model.problem, lp_options)
    if not len(over):
        return []
    share = pd.Series([y.varValue or 0.0 for y in integers], index=held.index)
    before = held.copy()
    held[:] = _round_sessions(share, held.where(in_over, np.inf), before, om).to_numpy()
    _fix(om, held)
    solve(om.model.problem, lp_options)
    taken = float((before - held).clip(lower=0).sum())
    trimmed = _trim_unused(om, held)
    added = float((held - before).clip(lower=0).sum())
    return [
        f"{len(over)} centres were asked for more sessions than their rooms allow: {taken:,.0f} "
        f"sessions taken back there and {added:,.0f} added at centres nearby with rooms and "
        f"pools to spare, as the joint LP chose ({trimmed:,.0f} left empty then taken back)"
    ]


def _near_overfull(visits: pd.DataFrame, cut: pd.Index) -> pd.Index:
    """(centre, specialty) pairs that see an area in a specialty that an overfull centre
    (``cut``: its (centre, specialty) pairs) also sees: where displaced visits can go."""
    if not len(cut):
        return pd.MultiIndex.from_tuples([], names=["centre_id", "specialty"])
    pairs = pd.MultiIndex.from_frame(visits[["centre_id", "specialty"]])
    areas = visits.loc[pairs.isin(cut), "demand_id"].unique()
    near = visits.loc[visits["demand_id"].isin(areas), ["centre_id", "specialty"]]
    return pd.MultiIndex.from_frame(near.drop_duplicates())


def _trim_unused(om: OutreachModel, held: pd.Series) -> float:
    """Take back whole sessions the fitted plan leaves empty (no re-solve: the visits stay
    where they are); the farthest pools' shares go first. Returns how many."""
    shares = [float(v.varValue or 0.0) for v in om.sessions["var"]]
    book = SessionBook.holding(om, shares)
    taken = book.trim_unused()
    if not len(taken):
        return 0.0
    for v, x in zip(om.sessions["var"], book.held, strict=True):
        v.varValue = x
    held[taken.index] -= taken
    _fix(om, held)
    return float(taken.sum())


def _top_up(om: OutreachModel, held: pd.Series) -> int:
    """Add whole sessions where the fitted plan leaves half a visit or more unmet within reach
    of a centre with a room half-day free and a pool of the specialty with the half-days for it
    (``SessionBook.top_up``); fixes them (the caller re-fits). Returns how many."""
    used = [float(v.varValue or 0.0) for v in om.sessions["var"]]
    book = SessionBook.on_top_of(om, used, held)
    added = book.top_up(at_least=0.5)
    if added:
        held += book.per_centre().reindex(held.index).fillna(0.0).to_numpy()
        _fix(om, held)
    return added


def _whole_pool_shares(
    om: OutreachModel, held, options, messages, deadline: Deadline
) -> tuple[int, bool]:
    """Make the pools' shares whole: by largest fraction first; for a specialty where that
    leaves sessions without a pool, by a small MIP (whole sessions per pool, the centre's
    total fixed, pools' half-days kept). Sessions no pool has time for are dropped from the
    fixed totals (the caller re-fits the visits) and reported. Returns how many, and whether
    the run's time limit cut a MIP short (or left no time for one)."""
    sessions = om.sessions
    values = {v.name: v.varValue for v in sessions["var"]}
    dropped, cut = 0, False
    for rows in sessions.groupby("specialty", sort=False).indices.values():
        part = sessions.iloc[rows]  # pools are one specialty's: each is rounded alone
        if make_pool_shares_whole(part, om.pool_limit) == 0:
            continue
        for v in part["var"]:
            v.varValue = values[v.name]
        if deadline.passed:  # out of time: the sessions no pool could take stay dropped
            dropped += make_pool_shares_whole(part, om.pool_limit)
            cut = True
            continue
        lost, stopped = _pool_split_mip(part, held, om.pool_limit, options, deadline)
        dropped += lost
        cut = cut or stopped
    if dropped:
        got = sessions.assign(n=[v.varValue for v in sessions["var"]])
        whole = got.groupby(["centre_id", "specialty"])["n"].sum()
        held[:] = whole.reindex(held.index).fillna(0.0).to_numpy()
        _fix(om, held)
        for v in sessions["var"]:
            v.lowBound = v.upBound = v.varValue
        messages.append(f"{dropped} sessions dropped: no pool had whole half-days left for them")
    if cut:
        messages.append("cut by the clock: pools' shares made whole without their small MIP")
    return dropped, cut


def _pool_split_mip(
    part: pd.DataFrame, held: pd.Series, pool_limit: pd.Series, options, deadline: Deadline
) -> tuple[int, bool]:
    """Whole sessions per pool for one specialty, each centre's total as ``held`` says (less
    any no pool can take), within the pools' half-days, least specialist travel (a work limit
    of ``POOL_SPLIT_NODES``; the run's deadline as a safety net); sets the share variables'
    values. Returns the sessions no pool could take, and whether the clock stopped it."""
    total = held.reindex(pd.MultiIndex.from_frame(part[["centre_id", "specialty"]])).to_numpy()
    part = part.assign(total=total)
    part = part[part["total"] > 0.5]
    problem = pulp.LpProblem("pool_split", pulp.LpMinimize)
    n = [pulp.LpVariable(f"n_{i}", 0, None, pulp.LpInteger) for i in range(len(part))]
    part = part.reset_index(drop=True)
    centres = part.groupby("centre_id", sort=False).indices
    short = {c: pulp.LpVariable(f"short_{j}", 0) for j, c in enumerate(centres)}
    for c, rows in centres.items():
        problem += pulp.lpSum(n[i] for i in rows) + short[c] == float(part["total"].iloc[rows[0]])
    pools = part.reset_index(drop=True).groupby(["hospital_id", "specialty"], sort=False).indices
    half_days = part["half_days"].to_numpy()
    for pool, rows in pools.items():
        limit = float(pool_limit.get(pool, np.inf))
        problem += pulp.lpSum(half_days[i] * n[i] for i in rows) <= limit
    minutes = part["minutes"].to_numpy()
    problem += 1e6 * pulp.lpSum(short.values()) + pulp.lpSum(
        float(m) * x for m, x in zip(minutes, n, strict=True)
    )
    settings = replace(options, gap_rel=0.05, msg=False, node_limit=POOL_SPLIT_NODES, threads=1)
    answer = solve(problem, settings, deadline=deadline)
    stopped = answer.status in CUT_BY_CLOCK or (not answer.has_plan and deadline.passed)
    for v in part["var"]:
        v.varValue = 0.0
    if not answer.has_plan:
        return int(round(part.groupby("centre_id")["total"].first().sum())), stopped
    for v, x in zip(part["var"], n, strict=True):
        v.varValue = float(round(x.varValue or 0.0))
    return int(round(sum(v.varValue or 0.0 for v in short.values()))), stopped


def _round_sessions(
    share: pd.Series, upper: pd.Series, before: pd.Series, om: OutreachModel
) -> pd.Series:
    """Whole sessions per (centre, specialty) from the joint LP's ``share``: rounded down, then
    up by largest fraction where the centre's rooms allow, ``upper`` is not passed, and one
    pool of the specialty within reach has the half-days for the rest of the session (so the
    joint LP with these sessions fixed has a plan). Where the LP added to the specialties'
    own plans (``before``), a specialty gets about as many sessions as the LP added in all,
    not one for every small fraction."""
    whole = np.floor(share + 1e-6)
    added = (share - before).clip(lower=0).where(np.isinf(upper), 0.0)
    extra = (
        added.groupby(level="specialty").sum()
        - (whole - before)
        .clip(lower=0)
        .where(np.isinf(upper), 0.0)
        .groupby(level="specialty")
        .sum()
    )
    ups_left = (np.ceil(extra - 1e-6) + 1).to_dict()
    centre = share.index.get_level_values("centre_id")
    free = pd.Series(om.room_half_days.reindex(centre).to_numpy(), index=share.index)
    free = free.groupby(level="centre_id").first() - whole.groupby(level="centre_id").sum()
    sessions = om.sessions
    cost = sessions["half_days"].to_numpy(dtype=float)
    used = [float(v.varValue or 0.0) for v in sessions["var"]]
    codes, slack = pool_time_left(sessions, om.pool_limit, used)
    slack = slack.to_numpy()
    rows_at = sessions.groupby(["centre_id", "specialty"], sort=False).indices
    frac = (share - whole).sort_values(ascending=False, kind="stable")
    for key, f in frac.items():
        if f <= 1e-6:
            break
        if free[key[0]] < 1 or whole[key] + 1 > upper[key] + 1e-9:
            continue
        grows = np.isinf(upper[key])
        if grows and ups_left.get(key[1], 0) < 1:
            continue
        need = 1.0 - f
        rows = rows_at.get(key, [])
        best = max(rows, key=lambda i: slack[codes[i]] - need * cost[i], default=None)
        if best is None or slack[codes[best]] < need * cost[best] - 1e-9:
            continue
        whole[key] += 1
        free[key[0]] -= 1
        slack[codes[best]] -= need * cost[best]
        if grows:
            ups_left[key[1]] -= 1
    return whole


# --- the specialties' models, in worker processes ---------------------------------------------


@dataclass
class _Task:
    """What one specialty's model needs: its inputs, the rules, the rooms' prices, options,
    and when it must stop at the latest (``time.time()``: the worker is another process)."""

    specialty: str
    frames: OutreachFrames
    rules: OutreachRules
    weights: OutreachWeights
    room_price: pd.Series
    options: SolverOptions
    stop_at: float | None = None

    def deadline(self) -> Deadline:
        """The task's safety net, from the moment it starts."""
        return Deadline.after(None if self.stop_at is None else self.stop_at - time.time())


@dataclass
class _Answer:
    specialty: str
    bound: float | None  # the priced model's proven bound
    at_centre: pd.Series | None  # whole sessions by centre_id; None = no plan
    cut_by_clock: bool = False  # the run's time limit, not the work limit, stopped it


def _solve_one(task: _Task) -> _Answer:
    """One specialty's plan with the rooms' prices (runs in a worker process, one BLAS thread:
    the workers' threads would otherwise fight over the cores)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        pairs = session_pairs(task.frames, task.rules)
        om = formulate_outreach(
            task.frames, pairs, task.rules, task.weights, whole_per_centre=True,
            strong_links=False, room_price=task.room_price,
        )  # fmt: skip
        deadline = task.deadline()
        r = solve_joint(om, task.options, deadline)
        bound = r.best_bound
        if r.params.get("sessions_dropped") and task.stop_at is None:
            # pools too tight for continuous shares: whole sessions per pool (slower; with a
            # time limit the dropped sessions are left to the joint plan's repair instead)
            om = formulate_outreach(
                task.frames, pairs, task.rules, task.weights, room_price=task.room_price
            )
            exact = solve_joint(om, task.options, deadline)
            if exact.has_plan:
                if bound is not None and exact.best_bound is not None:
                    exact.best_bound = max(bound, exact.best_bound)
                r = exact
    at_centre = None
    if r.has_plan:
        at_centre = r.plans["schedule"].groupby("centre_id")["sessions"].sum()
    cut = r.status in CUT_BY_CLOCK or (not r.has_plan and deadline.passed)
    return _Answer(task.specialty, r.best_bound, at_centre, cut)


def _run_all(tasks: list[_Task], workers: int, progress=None) -> tuple[list[_Answer], str]:
    """The specialties' answers, and how they ran ("in 2 processes", "in this process")."""

    def tell(done: int) -> None:
        if progress is not None:
            progress("specialties solved", done, len(tasks))

    def here() -> list[_Answer]:
        answers = []
        for task in tasks:
            answers.append(_solve_one(task))
            tell(len(answers))
        return answers

    if workers <= 1:
        return here(), "in this process"
    # spawn, not fork: a forked child inherits HiGHS's thread pool half-alive; the workers end
    # with this process (a killed sweep worker used to leave them running)
    try:
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=get_context("spawn"),
            initializer=die_with_parent, initargs=(os.getpid(),),
        ) as pool:  # fmt: skip
            futures = [pool.submit(_solve_one, task) for task in tasks]
            for done, _ in enumerate(as_completed(futures), start=1):
                tell(done)
            return [f.result() for f in futures], f"in {workers} processes"
    except BrokenProcessPool:  # e.g. a script without `if __name__ == "__main__":` under spawn
        return here(), "in this process (worker processes could not start)"
