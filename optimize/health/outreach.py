"""Specialist outreach (医联体 down-shifting): which hospital pools hold how many half-day sessions
per week at which community health centre, so residents see a specialist near home.

Decision variables
    sessions[p, c]    half-day sessions per week that pool p (a hospital's specialists of one
                      specialty) holds at centre c -- whole sessions; only where c hosts the
                      specialty and is within the specialists' travel limit.
    served[a, k, c]   share of area a's weekly visits in specialty k seen at centre c -- only
                      centres within the residents' travel limit.
    unmet[a, k]       share of those visits not seen at any centre (penalised).
Rules (one family each; names are what the elastic report and ``binding`` say)
    visits served     every area's need is served at centres or counted unmet.
    session capacity  visits seen at a centre in a specialty <= visits per session x sessions.
    outreach half-days per specialist
                      a pool's outreach half-days, travel included, <= the per-specialist cap
                      (e.g. 4) x its headcount.
    in-house presence the pool's outreach half-days leave at least ``min_in_house_share`` of its
                      working half-days at the hospital.
    consultation rooms sessions at a centre <= rooms x 10 half-days x the share kept for visiting
                      specialists.
    minimum sessions per centre (optional) a guaranteed minimum of specialist sessions at each
                      centre; the rule that can make the model infeasible.
Travel of the specialist: a session at a centre ``m`` minutes away (one way) takes one half-day
plus ``max(0, 2 m - 2 allowance) / half-day minutes`` of a half-day: a trip of up to 30 minutes
fits in the half-day, a 45-minute trip costs an extra eighth of a half-day (30 of 240 minutes).
Objective (weights in ``OutreachWeights``): unmet visits first, then residents' travel
(person-minutes), then specialists' travel (minutes); or, with ``equity``, also the worst area's
unmet share.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import pulp

from demand.errors import InputError
from optimize import blocks as b
from optimize.deadline import Deadline
from optimize.health._checks import checked
from optimize.health.rules import OutreachRules, OutreachWeights
from optimize.model import PlanModel, solve_plan
from optimize.result import PlanResult
from optimize.solver import (
    OPTIMAL_GAP,
    SolverOptions,
    problem_variables,
    relative_gap,
    solve,
)

__all__ = [
    "OutreachRules",
    "OutreachWeights",
    "SLOT_NAMES",
    "half_day_slots",
    "plan_specialist_outreach",
    "splits",
]

#: Pool-centre pairs from which ``by_specialty`` is on by default (the 500-centre benchmark has
#: 115,164; the sample city a few hundred, solved jointly to a proven 1% in about a second).
BY_SPECIALTY_FROM_PAIRS = 20_000

LE, GE = pulp.LpConstraintLE, pulp.LpConstraintGE

#: The ten working half-days of a week, in the order slots are filled.
SLOT_NAMES = [f"{d} {p}" for d in ("Mon", "Tue", "Wed", "Thu", "Fri") for p in ("AM", "PM")]


def _sum_by(frame: pd.DataFrame, key: list[str], coef: str | None = None) -> dict:
    """``blocks.sum_by`` that also takes an empty frame (no pairs at all: no expressions)."""
    return b.sum_by(frame, key, coef=coef) if len(frame) else {}


def _session_pairs(
    pools: pd.DataFrame, hosts: pd.DataFrame, specialist_travel: pd.DataFrame, rules: OutreachRules
) -> pd.DataFrame:
    """Allowed (pool, centre) pairs: hosted specialty, within reach, among the k nearest pools."""
    pairs = pools.merge(hosts, on="specialty").merge(
        specialist_travel, on=["hospital_id", "centre_id"]
    )
    pairs = pairs[pairs["minutes"] <= rules.max_specialist_minutes]
    pairs = pairs.sort_values(["centre_id", "specialty", "minutes", "hospital_id"], kind="stable")
    if rules.partner_hospitals is not None:
        rank = pairs.groupby(["centre_id", "specialty"], sort=False).cumcount()
        pairs = pairs[(rank < rules.partner_hospitals).to_numpy()]
    pairs = pairs.reset_index(drop=True)
    pairs["half_days"] = rules.session_half_days(pairs["minutes"].to_numpy())
    return pairs


def _visit_pairs(
    need: pd.DataFrame, resident_travel: pd.DataFrame, offered: pd.DataFrame, rules: OutreachRules
) -> pd.DataFrame:
    """Allowed (need row, centre) pairs: within the residents' limit, specialty offered there.

    Trips start at home; a row with another ``from_area`` (mobility-aware need: commuters) may
    also be seen near that area, whichever centre is nearer from where the trip starts.
    """
    near = resident_travel[resident_travel["minutes"] <= rules.max_resident_minutes]
    near = near.rename(columns={"area_id": "start"})
    rows = need.assign(row=np.arange(len(need)))
    starts = pd.concat(
        [rows.assign(start=rows["area_id"]), rows[rows["from_area"] != rows["area_id"]].assign(
            start=lambda f: f["from_area"])],
        ignore_index=True,
    )  # fmt: skip
    pairs = starts.merge(near, on="start").merge(offered, on=["centre_id", "specialty"])
    pairs = pairs.sort_values(["row", "start", "minutes", "centre_id"], kind="stable")
    if rules.centres_per_area is not None:  # the k nearest from home, and from work
        rank = pairs.groupby(["row", "start"], sort=False).cumcount()
        pairs = pairs[(rank < rules.centres_per_area).to_numpy()]
    pairs = pairs.sort_values(["row", "minutes", "centre_id"], kind="stable")
    pairs = pairs.drop_duplicates(["row", "centre_id"], keep="first")
    return pairs.drop(columns=["row", "start"]).reset_index(drop=True)


def _demand_ids(frame: pd.DataFrame) -> pd.Series:
    """'A1 / cardiology' (from home) or 'A1 / cardiology / from A7' (as shortfall names it)."""
    ids = frame["area_id"] + " / " + frame["specialty"]
    away = frame["from_area"] != frame["area_id"]
    return ids.where(~away, ids + " / from " + frame["from_area"])


def _check_inputs(pools, centres, hosts, need, resident_travel, specialist_travel):
    pools = checked(pools, "specialist pools", ["hospital_id", "specialty"], {"specialists": 0})
    centres = checked(centres, "centres", ["centre_id"], {"rooms": 0})
    hosts = checked(hosts, "hosted specialties", ["centre_id", "specialty"])
    ids = ["area_id", "specialty"] + (["from_area"] if "from_area" in need.columns else [])
    need = checked(need, "visit need", ids, {"visits_per_week": 0})
    if "from_area" not in need.columns:
        need["from_area"] = need["area_id"]
    resident_travel = checked(
        resident_travel, "resident travel", ["area_id", "centre_id"], {"minutes": 0}
    )
    specialist_travel = checked(
        specialist_travel, "specialist travel", ["hospital_id", "centre_id"], {"minutes": 0}
    )
    unknown = ~hosts["centre_id"].isin(centres["centre_id"])
    if unknown.any():
        row = int(np.flatnonzero(unknown)[0])
        raise InputError(
            f"hosted specialties, row {row}, column centre_id: {hosts['centre_id'].iloc[row]!r} "
            "is not in the centres table. Add the centre (with its rooms) or drop the row."
        )
    return pools, centres, hosts, need, resident_travel, specialist_travel


def plan_specialist_outreach(
    pools: pd.DataFrame,
    centres: pd.DataFrame,
    hosts: pd.DataFrame,
    need: pd.DataFrame,
    resident_travel: pd.DataFrame,
    specialist_travel: pd.DataFrame,
    rules: OutreachRules | None = None,
    weights: OutreachWeights | None = None,
    options: SolverOptions | None = None,
    hospital_travel: pd.DataFrame | None = None,
    rounded_start: bool = True,
    strong_links: bool = True,
    by_specialty: bool | None = None,
    whole_per_centre: bool = False,
    room_price: pd.Series | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> PlanResult:
    """Weekly specialist sessions per (hospital pool, centre) that serve the most need nearby.

    pools             [hospital_id, specialty, specialists] headcount per hospital and specialty.
    centres           [centre_id, rooms] consultation rooms per half-day.
    hosts             [centre_id, specialty] the specialties each centre can host.
    need              [area_id, specialty, visits_per_week] specialist visits that could be seen
                      at a community centre; an optional ``from_area`` column lets a row also
                      be seen near that area (commuters near work: mobility-aware need).
                      at a community centre.
    resident_travel   [area_id, centre_id, minutes] one way, residents to centres.
    specialist_travel [hospital_id, centre_id, minutes] one way, hospital to centre.
    hospital_travel   optional [area_id, hospital_id, minutes]: today's trip to the nearest
                      hospital with the specialty, for the before/after travel table.
    rounded_start     hand the solver a starting plan: the LP relaxation's sessions rounded up
                      down, then up where pools and rooms allow (reaches a 1% gap much sooner).
    strong_links      add served[a, k, c] <= sessions at (c, k) for every visit pair: the same
                      whole-number plans, a much tighter LP bound.
    by_specialty      solve one specialty at a time with room prices from the joint LP
                      (``outreach_by_specialty``); None = when the plan has
                      ``BY_SPECIALTY_FROM_PAIRS`` pool-centre pairs or more and nothing but rooms
                      ties the specialties together. The bound stays a proven one.
    whole_per_centre  whole sessions per centre and specialty, each pool's share of them
                      continuous while solving and made whole afterwards (far fewer integers;
                      used for the one-specialty models of ``by_specialty``).
    room_price        objective units per session held at a centre (by centre_id): the joint
                      LP's price of its rooms, charged to one specialty's model instead of the
                      room rule it shares with the others.
    progress          called as progress(step, done, total) while ``by_specialty`` works.

    Plans: ``schedule`` (pool, centre, sessions, half-days used, specialist minutes, slots),
    ``visits_served`` per area/specialty/centre, ``by_area`` (need, served, unmet, unmet share,
    average minutes before/after), ``unmet`` by area and specialty, ``pools`` (outreach
    half-days used vs. limits), ``centres`` (sessions vs. room half-days), ``objective_parts``.
    """
    rules = rules or OutreachRules()
    weights = weights or OutreachWeights()
    options = options or SolverOptions("highs", gap_rel=0.01)
    model = PlanModel("specialist outreach")
    deadline = Deadline.after(options.time_limit_s)  # the whole run: start, search and repair
    pools, centres, hosts, need, resident_travel, specialist_travel = _check_inputs(
        pools, centres, hosts, need, resident_travel, specialist_travel
    )
    need = need[need["visits_per_week"] > 0].reset_index(drop=True)

    # --- decision variables -------------------------------------------------------------------
    sessions = _session_pairs(pools, hosts, specialist_travel, rules)
    if by_specialty is None:
        by_specialty = len(sessions) >= BY_SPECIALTY_FROM_PAIRS
    by_specialty = by_specialty and splits(rules, weights, sessions["specialty"].nunique())
    if by_specialty:  # the joint model gives room prices and takes the specialties' plans
        whole_per_centre, strong_links, rounded_start = True, False, False
    sessions["var"] = model.variables("sessions", len(sessions), 0, integer=True, numbered_from=0)
    offered = sessions[["centre_id", "specialty"]].drop_duplicates()
    visits = _visit_pairs(need, resident_travel, offered, rules)
    visits["demand_id"] = _demand_ids(visits)
    visits = b.add_assignment(model, visits, prefix="served")
    demand = pd.Series(need["visits_per_week"].to_numpy(), index=_demand_ids(need))
    unmet = b.add_unmet_demand(model, demand, weights.unmet_visit, family="unmet visits")

    # --- rules ---------------------------------------------------------------------------------
    # every area's need is served at centres within reach, or counted unmet (in visits a week)
    b.serve_once(model, visits, demand.index, unmet, weights=demand, family="visits served")
    # visits seen at a centre in a specialty fit in the sessions held there
    seen = _sum_by(visits, ["centre_id", "specialty"], coef="visits_per_week")
    held = _sum_by(sessions, ["centre_id", "specialty"])
    totals = _whole_per_centre(model, sessions, held) if whole_per_centre else None
    if totals is not None:
        held = {key: pulp.LpAffineExpression([(y, 1.0)]) for key, y in totals.items()}
    capacity = {}
    for key, lhs in seen.items():
        for var, coef in held[key].items():
            lhs[var] = -rules.visits_per_session * coef
        capacity[key] = b.rule(lhs, LE, 0.0)
    model.add_rules("session capacity", capacity)
    # an area's visits go to a centre only if sessions are held there (x <= sessions; redundant
    # for whole sessions but it keeps the LP from holding 0.2 of a session for a few visits)
    if strong_links and len(visits):
        links = {}
        keys = zip(visits["centre_id"], visits["specialty"], visits["var"], strict=True)
        for k, (centre, specialty, x) in enumerate(keys):
            lhs = pulp.LpAffineExpression([(v, -c) for v, c in held[(centre, specialty)].items()])
            lhs[x] = 1.0
            links[k] = b.rule(lhs, LE, 0.0)
        model.add_rules("visits only where sessions are held", links)
    # a pool's outreach half-days (travel included) within the per-specialist weekly cap
    used = _sum_by(sessions, ["hospital_id", "specialty"], coef="half_days")
    heads = pools.set_index(["hospital_id", "specialty"])["specialists"]
    model.add_rules(
        "outreach half-days per specialist",
        {k: b.rule(e, LE, rules.max_outreach_half_days * heads[k]) for k, e in used.items()},
    )
    # the hospital keeps its minimum in-house presence in every specialty
    away = (1 - rules.min_in_house_share) * rules.working_half_days
    model.add_rules(
        "in-house presence",
        {k: b.rule(e.copy(), LE, away * heads[k]) for k, e in used.items()},
    )
    # sessions at a centre fit in the room half-days kept for visiting specialists
    rooms = centres.set_index("centre_id")["rooms"]
    room_half_days = np.floor(
        rooms * rules.room_half_days_per_week * rules.room_share_for_outreach + 1e-9
    )
    at_centre = b.sum_by(sessions, "centre_id")
    model.add_rules(
        "consultation rooms",
        {c: b.rule(e, LE, room_half_days[c]) for c, e in at_centre.items()},
    )
    # optional: every centre gets at least a minimum of specialist sessions a week
    if rules.min_sessions_per_centre > 0:
        model.add_rules(
            "minimum sessions per centre",
            {
                c: b.rule(
                    pulp.LpAffineExpression(at_centre.get(c, {})), GE, rules.min_sessions_per_centre
                )
                for c in centres["centre_id"]
            },
        )

    # --- objective -----------------------------------------------------------------------------
    person_minutes = visits["visits_per_week"] * visits["minutes"]
    model.add_term(b.expression(visits["var"], weights.resident_minute * person_minutes))
    specialist_minutes = 2 * sessions["minutes"]
    model.add_term(b.expression(sessions["var"], weights.specialist_minute * specialist_minutes))
    if room_price is not None:  # one specialty's share of the rooms' price (by_specialty)
        price = sessions["centre_id"].map(room_price).fillna(0.0).to_numpy(dtype=float)
        model.add_term(b.expression(sessions["var"], price))
    worst = None
    if weights.equity and len(demand):
        area_need = need.groupby("area_id")["visits_per_week"].sum()
        frame = pd.DataFrame(
            {"area_id": need["area_id"], "var": unmet.to_numpy(), "w": demand.to_numpy()}
        )
        frame["w"] = frame["w"] / frame["area_id"].map(area_need)
        shares = b.sum_by(frame, "area_id", coef="w")
        worst = b.worst_of(model, shares, family="worst area unmet share", prefix="worst")
        weight = weights.worst_share
        if weight is None:
            weight = weights.unmet_visit * float(area_need.sum())
        model.add_term(b.expression([worst], [weight]))

    limit = heads * rules.outreach_half_days

    dropped = [0]  # sessions the pools' whole half-days could not hold (whole_per_centre)

    def read_plans() -> dict[str, pd.DataFrame]:
        if totals is not None:
            dropped[0] = make_pool_shares_whole(sessions, limit)
        return _read_plans(
            sessions, visits, need, unmet, pools, centres, room_half_days, rules, worst,
            hospital_travel,
        )  # fmt: skip

    params = {"rules": asdict(rules), "weights": asdict(weights)}
    if by_specialty:
        from optimize.health.outreach_by_specialty import Joint, solve_by_specialty

        joint = Joint(
            model=model, sessions=sessions, totals=totals, pool_limit=limit,
            room_half_days=room_half_days, read_plans=read_plans, params=params, visits=visits,
            unmet=unmet, demand=demand,
            frames=dict(pools=pools, centres=centres, hosts=hosts, need=need,
                        resident_travel=resident_travel, specialist_travel=specialist_travel),
        )  # fmt: skip
        result = solve_by_specialty(joint, rules, weights, options, deadline, progress)
        return _with_notes(result, demand, weights, sessions, visits)
    start = None
    if rounded_start and len(sessions):
        start = _rounded_start(
            model, sessions, limit, room_half_days, options, deadline, visits, demand, unmet,
            rules.visits_per_session,
        )  # fmt: skip
    modelling = ("visits served", "session capacity", "visits only where sessions are held")
    may_give = [f for f in model.rules if f not in modelling]
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
            _keep_the_better_plan(result, start, model, read_plans, wanted_gap)
    if start is not None:
        result.messages.append(start.note)
    if dropped[0]:
        result.params["sessions_dropped"] = dropped[0]
        result.messages.append(
            f"{dropped[0]} sessions dropped: no pool had whole half-days left for them"
        )
    return _with_notes(result, demand, weights, sessions, visits)


def _with_notes(result, demand, weights, sessions, visits) -> PlanResult:
    """Add what the gap is worth in visits and the model's size to the result's messages."""
    if result.objective is not None and result.best_bound is not None and weights.unmet_visit:
        slack = (result.objective - result.best_bound) / weights.unmet_visit
        result.messages.append(
            f"the gap is worth at most {slack:,.1f} unmet visits a week (of "
            f"{float(demand.sum()):,.0f} visits of need)"
        )
    result.messages.append(
        f"{len(sessions):,} pool-centre pairs, {len(visits):,} area-centre visit pairs"
    )
    return result


def splits(rules: OutreachRules, weights: OutreachWeights, n_specialties: int) -> bool:
    """True when only the consultation rooms tie the specialties' plans together, so the plan
    may be solved one specialty at a time (the equity objective and a minimum of sessions per
    centre tie them too)."""
    return n_specialties > 1 and not weights.equity and rules.min_sessions_per_centre == 0


def _whole_per_centre(model: PlanModel, sessions: pd.DataFrame, held: dict) -> pd.Series:
    """Whole sessions per (centre, specialty); the pools' shares of them become continuous.

    Returns the new integer variables by (centre_id, specialty); adds the rule that the pools'
    sessions at a centre add up to them. ``make_pool_shares_whole`` rounds the shares after.
    """
    for v in sessions["var"]:
        v.cat = pulp.LpContinuous
    totals = pd.Series(
        model.variables("at_centre", len(held), 0, integer=True, numbered_from=0),
        index=pd.MultiIndex.from_tuples(list(held), names=["centre_id", "specialty"]),
        dtype=object,
    )
    rules = {}
    for key, lhs in held.items():
        lhs = lhs.copy()
        lhs[totals[key]] = -1.0
        rules[key] = b.rule(lhs, pulp.LpConstraintEQ, 0.0)
    model.add_rules("pool sessions add up at each centre", rules)
    return totals


def pool_time_left(
    sessions: pd.DataFrame, pool_limit: pd.Series, used
) -> tuple[np.ndarray, pd.Series]:
    """Each session row's pool (codes into the Series) and each pool's outreach half-days left
    (``pool_limit`` by hospital and specialty, none = no limit) after ``used`` sessions a row."""
    codes, uniques = pd.factorize(pd.MultiIndex.from_frame(sessions[["hospital_id", "specialty"]]))
    left = pool_limit.reindex(uniques).fillna(np.inf).to_numpy(dtype=float)
    cost = sessions["half_days"].to_numpy(dtype=float)
    np.subtract.at(left, codes, np.asarray(used, dtype=float) * cost)
    return codes, pd.Series(left, index=uniques)


def spare_sessions(visits: pd.DataFrame, held: pd.Series, visits_per_session: float) -> pd.Series:
    """Whole sessions per (centre_id, specialty) that ``held`` holds beyond the visits the
    visit-share variables send there (0 or more, same index as ``held``)."""
    load = (
        pd.Series(
            [float(x.varValue or 0.0) for x in visits["var"]] * visits["visits_per_week"].to_numpy()
        )
        .groupby([visits["centre_id"].to_numpy(), visits["specialty"].to_numpy()])
        .sum()
    )
    load = load.reindex(held.index).fillna(0.0).to_numpy()
    spare = np.floor((held.to_numpy() * visits_per_session - load) / visits_per_session + 1e-6)
    return pd.Series(spare.clip(0), index=held.index)


def make_pool_shares_whole(sessions: pd.DataFrame, pool_limit: pd.Series) -> int:
    """Round the pools' (continuous) shares of each centre's whole sessions to whole sessions.

    Each pool keeps the whole part of its share; the sessions left at a centre go to the pools
    with the largest fractions that still have half-days left (``pool_limit`` by hospital and
    specialty), then to any pool within reach that has, then to one that gets the time by
    handing a session elsewhere to another pool. Works on the variables' values in place;
    returns how many sessions no pool had time for (then dropped: the caller re-fits visits).
    """
    if sessions.empty:
        return 0
    value = np.array([float(v.varValue or 0.0) for v in sessions["var"]])
    whole = np.floor(value + 1e-6)
    cost = sessions["half_days"].to_numpy(dtype=float)
    codes, left = pool_time_left(sessions, pool_limit, whole)
    left = left.to_numpy()
    dropped = 0
    groups = sessions.groupby(["centre_id", "specialty"], sort=False).indices
    group_of = np.empty(len(sessions), dtype=np.int64)
    for g, rows in enumerate(groups.values()):
        group_of[rows] = g
    group_rows = list(groups.values())
    pool_rows = pd.Series(np.arange(len(sessions))).groupby(codes).agg(list).to_dict()

    def make_room(rows) -> int | None:
        """A row at this centre whose pool gets the time by handing one of its sessions at
        another centre to a pool there that has time (one swap); None if there is none."""
        for k in sorted(rows, key=lambda i: cost[i]):
            need = cost[k] - left[codes[k]]
            for j in pool_rows[codes[k]]:
                if j == k or whole[j] < 1 or cost[j] < need - 1e-9:
                    continue
                for j2 in group_rows[group_of[j]]:
                    if codes[j2] != codes[k] and left[codes[j2]] >= cost[j2] - 1e-9:
                        whole[j] -= 1
                        whole[j2] += 1
                        left[codes[j]] += cost[j]
                        left[codes[j2]] -= cost[j2]
                        return k
        return None

    for rows in groups.values():
        missing = int(round(value[rows].sum() - whole[rows].sum()))
        order = sorted(rows, key=lambda k: (-(value[k] - whole[k]), cost[k]))
        for _ in range(missing):
            fits = [k for k in order if left[codes[k]] >= cost[k] - 1e-9]
            if not fits:
                swapped = make_room(rows)
                if swapped is None or left[codes[swapped]] < cost[swapped] - 1e-9:
                    dropped += 1
                    continue
                fits = [swapped]
            k = fits[0]
            whole[k] += 1
            left[codes[k]] -= cost[k]
            order.remove(k)  # the next session left here goes to another pool first
            order.append(k)
    for v, n in zip(sessions["var"], whole, strict=True):
        v.varValue = float(n)
    return dropped


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
    result: PlanResult, start: _Start, model: PlanModel, read_plans, wanted_gap: float
) -> None:
    """If the solver ended with a worse plan than the start, or none (time limit, crash),
    report the start.

    The bound stays the best proven one (the solver's or the LP relaxation's).
    """
    if start.plan is None or result.status == "infeasible":
        return
    if (
        result.has_plan
        and result.objective is not None
        and result.objective <= start.objective * (1 + 1e-9)
    ):
        return
    for v in problem_variables(model.problem):
        if v.name in start.plan:
            v.varValue = start.plan[v.name]
    bound = max(b for b in (result.best_bound, start.bound) if b is not None)
    result.objective, result.best_bound = start.objective, bound
    result.gap = relative_gap(start.objective, bound)
    result.plans = read_plans()
    result.shortfall = model.shortfall()
    if result.gap is not None and result.gap <= wanted_gap:
        result.status = "feasible within gap"
    elif not result.has_plan:
        result.status = "stopped at time limit with best plan"
    result.messages.append("the solver found no better plan than the starting plan; kept the start")


def _rounded_start(
    model: PlanModel,
    sessions: pd.DataFrame,
    pool_limit: pd.Series,
    room_half_days: pd.Series,
    options: SolverOptions,
    deadline: Deadline,
    visits: pd.DataFrame,
    demand: pd.Series,
    unmet: pd.Series,
    visits_per_session: float,
) -> _Start | None:
    """A feasible whole-number starting plan, or None when the LP relaxation has no plan.

    Solve the LP relaxation and round its sessions down (always within the pool and room
    limits), then add back one session at a time, largest fraction first, wherever the pool and
    the centre still have room. Solve the LP again with those sessions fixed so that visits and
    unmet shares fit them; then twice: take back sessions the plan leaves empty, top up where
    unmet visits remain within reach of a centre from pools with time left, and solve the fixed
    LP again. Variables are
    left holding that plan (the solver's warm start), the
    plan is also kept by variable name, and the model is restored.
    """
    variables = list(sessions["var"])
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
        whole = np.floor(value + 1e-6)
        pool_key = list(zip(sessions["hospital_id"], sessions["specialty"], strict=True))
        centre_key = sessions["centre_id"].tolist()
        cost = sessions["half_days"].to_numpy()
        pool_left = (pool_limit.reindex(pd.Index(pool_key)).fillna(np.inf).to_numpy()).copy()
        pool_left = pd.Series(pool_left, index=range(len(pool_key)))
        pool_slack: dict = {}
        centre_slack: dict = {}
        for k in range(len(variables)):
            pool_slack.setdefault(pool_key[k], float(pool_left[k]))
            pool_slack[pool_key[k]] -= whole[k] * cost[k]
            centre_slack.setdefault(centre_key[k], float(room_half_days.get(centre_key[k], np.inf)))
            centre_slack[centre_key[k]] -= whole[k]
        for k in np.argsort(-(value - whole), kind="stable"):
            if value[k] - whole[k] <= 1e-6:
                break
            if pool_slack[pool_key[k]] >= cost[k] - 1e-9 and centre_slack[centre_key[k]] >= 1:
                whole[k] += 1
                pool_slack[pool_key[k]] -= cost[k]
                centre_slack[centre_key[k]] -= 1
        for v, n in zip(variables, whole, strict=True):
            v.lowBound = v.upBound = float(n)
        fixed = solve(model.problem, options, deadline=deadline)
        seconds += fixed.solve_seconds
        if not fixed.has_plan or fixed.objective is None:
            return _Start(relaxed.objective, relaxed.objective, seconds, None)
        plan = {v.name: v.varValue for v in problem_variables(model.problem)}
        for _ in range(2):  # trim sessions nobody uses, give their time where visits wait
            trimmed = _trim_unused(
                sessions, whole, pool_key, centre_key, cost, pool_slack, centre_slack, visits,
                visits_per_session,
            )  # fmt: skip
            added = top_up_sessions(
                sessions, whole, pool_key, centre_key, cost, pool_slack, centre_slack, visits,
                demand, unmet, visits_per_session,
            )  # fmt: skip
            if not added and not trimmed:
                break
            for v, n in zip(variables, whole, strict=True):
                v.lowBound = v.upBound = float(n)
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


def _trim_unused(
    sessions,
    whole,
    pool_key,
    centre_key,
    cost,
    pool_slack,
    centre_slack,
    visits,
    visits_per_session,
) -> int:
    """Take back whole sessions that the current plan leaves empty (farthest pool first).

    Reads the visit shares the variables hold; returns how many sessions were taken back.
    """
    pairs = (
        pd.Series(np.arange(len(sessions)))
        .groupby([sessions["centre_id"].to_numpy(), sessions["specialty"].to_numpy()], sort=False)
        .agg(list)
    )
    held = pd.Series([float(sum(whole[k] for k in ks)) for ks in pairs], index=pairs.index)
    trimmed = 0
    for ks, n in zip(pairs, spare_sessions(visits, held, visits_per_session), strict=True):
        spare = int(n)
        for k in sorted(ks, key=lambda i: -cost[i]):
            while spare > 0 and whole[k] > 0:
                whole[k] -= 1
                spare -= 1
                trimmed += 1
                pool_slack[pool_key[k]] += cost[k]
                centre_slack[centre_key[k]] += 1
    return trimmed


def top_up_sessions(
    sessions,
    whole,
    pool_key,
    centre_key,
    cost,
    pool_slack,
    centre_slack,
    visits,
    demand,
    unmet,
    visits_per_session,
    at_least: float = 1.0,
) -> int:
    """Add sessions where at least ``at_least`` unmet visits remain within reach, from pools
    with time left.

    Works on ``whole`` and the slack dicts in place; returns how many sessions were added.
    """
    left = {d: float(u.varValue or 0.0) * float(demand[d]) for d, u in unmet.items()}
    if sum(left.values()) < at_least:
        return 0
    reach = visits.groupby(["centre_id", "specialty"], sort=False)["demand_id"].agg(list)
    pairs = (
        pd.Series(np.arange(len(sessions)))
        .groupby([sessions["centre_id"].to_numpy(), sessions["specialty"].to_numpy()], sort=False)
        .agg(list)
    )
    wanting = sorted(((sum(left[d] for d in ds), key) for key, ds in reach.items()), reverse=True)
    added = 0
    for total, key in wanting:
        if total < at_least or key not in pairs.index:
            continue
        for k in sorted(pairs[key], key=lambda i: cost[i]):
            while (
                sum(left[d] for d in reach[key]) >= at_least
                and pool_slack[pool_key[k]] >= cost[k] - 1e-9
                and centre_slack[centre_key[k]] >= 1
            ):
                whole[k] += 1
                added += 1
                pool_slack[pool_key[k]] -= cost[k]
                centre_slack[centre_key[k]] -= 1
                room = visits_per_session
                for d in reach[key]:
                    take = min(room, left[d])
                    left[d] -= take
                    room -= take
                    if room <= 0:
                        break
    return added


def _read_plans(
    sessions: pd.DataFrame,
    visits: pd.DataFrame,
    need: pd.DataFrame,
    unmet: pd.Series,
    pools: pd.DataFrame,
    centres: pd.DataFrame,
    room_half_days: pd.Series,
    rules: OutreachRules,
    worst: pulp.LpVariable | None,
    hospital_travel: pd.DataFrame | None,
) -> dict[str, pd.DataFrame]:
    value = np.vectorize(lambda v: v.varValue or 0.0, otypes=[float])
    s = sessions.drop(columns="var").assign(sessions=np.round(value(sessions["var"])))
    s = s[s["sessions"] > 0].copy()
    s["half_days_used"] = s["sessions"] * s["half_days"]
    s["specialist_minutes"] = s["sessions"] * 2 * s["minutes"]
    s["visit_capacity"] = s["sessions"] * rules.visits_per_session
    schedule = s[["hospital_id", "specialty", "centre_id", "sessions", "half_days_used",
                  "minutes", "specialist_minutes", "visit_capacity"]]  # fmt: skip
    schedule = schedule.rename(columns={"minutes": "one_way_minutes"}).reset_index(drop=True)
    schedule = half_day_slots(schedule, pools, centres, rules)

    v = visits.assign(share=value(visits["var"]))
    v["visits_per_week"] = v["share"] * v["visits_per_week"]
    v = v[v["visits_per_week"] > 1e-6]
    served = v[["area_id", "specialty", "from_area", "centre_id", "visits_per_week", "minutes"]]
    served = served.reset_index(drop=True)

    n = need.assign(unmet=value(unmet.to_numpy()) * need["visits_per_week"])
    n = n.groupby(["area_id", "specialty"], as_index=False, sort=False)[
        ["visits_per_week", "unmet"]
    ].sum()
    got = served.groupby(["area_id", "specialty"])["visits_per_week"].sum()
    key = pd.MultiIndex.from_frame(n[["area_id", "specialty"]])
    n["served"] = got.reindex(key).fillna(0.0).to_numpy()
    unmet_frame = n.loc[n["unmet"] > 1e-6, ["area_id", "specialty", "unmet"]]
    unmet_frame = unmet_frame.rename(columns={"unmet": "visits_per_week"}).reset_index(drop=True)

    by_area = n.groupby("area_id")[["visits_per_week", "served", "unmet"]].sum()
    by_area = by_area.rename(columns={"visits_per_week": "need"})
    by_area["unmet_share"] = by_area["unmet"] / by_area["need"].where(by_area["need"] > 0)
    if hospital_travel is not None:
        by_area = by_area.join(_travel_change(n, served, pools, hospital_travel))
    by_area = by_area.reset_index()

    used = schedule.groupby(["hospital_id", "specialty"])[["sessions", "half_days_used"]].sum()
    p = pools.set_index(["hospital_id", "specialty"]).join(used).fillna(0.0)
    p["outreach_limit"] = p["specialists"] * rules.outreach_half_days
    p["in_house_half_days"] = p["specialists"] * rules.working_half_days - p["half_days_used"]
    p["in_house_share"] = p["in_house_half_days"] / (
        p["specialists"] * rules.working_half_days
    ).where(p["specialists"] > 0)
    c = centres.set_index("centre_id")
    c["room_half_days"] = room_half_days
    c["sessions"] = schedule.groupby("centre_id")["sessions"].sum().reindex(c.index).fillna(0.0)

    travel_minutes = float((served["visits_per_week"] * served["minutes"]).sum())
    parts = pd.DataFrame(
        {
            "part": [
                "unmet visits per week",
                "resident person-minutes per week",
                "specialist minutes per week",
                "worst area unmet share",
            ],  # fmt: skip
            "value": [
                float(n["unmet"].sum()),
                travel_minutes,
                float(schedule["specialist_minutes"].sum()),
                float(by_area["unmet_share"].max()) if worst is None else float(worst.varValue),
            ],
        }
    )
    return {
        "schedule": schedule,
        "visits_served": served,
        "by_area": by_area,
        "unmet": unmet_frame,
        "pools": p.reset_index(),
        "centres": c.reset_index(),
        "objective_parts": parts,
    }


def _travel_change(
    need: pd.DataFrame, served: pd.DataFrame, pools: pd.DataFrame, hospital_travel: pd.DataFrame
) -> pd.DataFrame:
    """Average one-way minutes per visit before (nearest hospital) and after (centre or hospital).

    Before, every visit goes to the nearest hospital with the specialty; after, visits seen at a
    centre travel there and the rest still go to the hospital. Areas with no hospital within the
    travel frame's cutoff get NaN before.
    """
    ht = checked(hospital_travel, "hospital travel", ["area_id", "hospital_id"], {"minutes": 0})
    staffed = pools.loc[pools["specialists"] > 0, ["hospital_id", "specialty"]]
    nearest = ht.merge(staffed, on="hospital_id").groupby(["area_id", "specialty"])["minutes"].min()
    key = pd.MultiIndex.from_frame(need[["area_id", "specialty"]])
    hosp = nearest.reindex(key).to_numpy()
    at_centre = (
        (served["visits_per_week"] * served["minutes"])
        .groupby([served["area_id"], served["specialty"]])
        .sum()
        .reindex(key)
        .fillna(0.0)
        .to_numpy()
    )
    frame = pd.DataFrame(
        {
            "area_id": need["area_id"].to_numpy(),
            "before": need["visits_per_week"].to_numpy() * hosp,
            "after": at_centre + (need["visits_per_week"] - need["served"]).to_numpy() * hosp,
            "visits": need["visits_per_week"].to_numpy(),
        }
    )
    g = frame.groupby("area_id")[["before", "after", "visits"]].sum(min_count=1)
    out = pd.DataFrame(
        {
            "minutes_before": g["before"] / g["visits"],
            "minutes_after": g["after"] / g["visits"],
        }
    )
    out["minutes_change"] = out["minutes_after"] - out["minutes_before"]
    return out


def half_day_slots(
    schedule: pd.DataFrame, pools: pd.DataFrame, centres: pd.DataFrame, rules: OutreachRules
) -> pd.DataFrame:
    """Place each pool's sessions on the week's ten half-days (Mon AM ... Fri PM).

    A pool holds at most one session per specialist in a half-day, and a centre at most its
    rooms kept for visiting specialists ("Mon AM x2" = two rooms that half-day). Sessions go to
    the least-used half-day that fits, the biggest blocks first; a session that fits nowhere is
    listed as 'unplaced' (it can still be held by swapping rooms, but the table says so).
    """
    out = schedule.copy()
    if out.empty:
        out["slots"] = pd.Series(dtype=object)
        return out
    heads = pools.set_index(["hospital_id", "specialty"])["specialists"].to_dict()
    per_slot = np.ceil(centres.set_index("centre_id")["rooms"] * rules.room_share_for_outreach)
    per_slot = per_slot.clip(lower=1).to_dict()
    pool_load: dict[tuple, np.ndarray] = {}
    centre_load: dict[str, np.ndarray] = {}
    slots = [""] * len(out)
    order = np.argsort(-out["sessions"].to_numpy(), kind="stable")
    for i in order:
        row = out.iloc[i]
        pool = (row["hospital_id"], row["specialty"])
        pl = pool_load.setdefault(pool, np.zeros(10))
        cl = centre_load.setdefault(row["centre_id"], np.zeros(10))
        names = []
        for _ in range(int(row["sessions"])):
            fits = (pl < heads.get(pool, 0)) & (cl < per_slot.get(row["centre_id"], 1))
            if not fits.any():
                names.append("unplaced")
                continue
            k = int(np.flatnonzero(fits)[np.argmin((pl + cl)[fits])])
            pl[k] += 1
            cl[k] += 1
            names.append(SLOT_NAMES[k])
        counts = pd.Series(names).value_counts()
        slots[i] = ", ".join(
            name if counts[name] == 1 else f"{name} x{counts[name]}"
            for name in sorted(counts.index, key=_slot_order)
        )
    out["slots"] = slots
    return out


def _slot_order(name: str) -> int:
    return SLOT_NAMES.index(name) if name in SLOT_NAMES else len(SLOT_NAMES)
