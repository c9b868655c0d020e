"""The outreach model as a formulation: variables, one rule family per line, the objective.

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

``formulate_outreach`` only builds: the strategies (``strategies``, ``by_specialty``) solve it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pulp

from optimize import blocks as b
from optimize.blocks import EQ, GE, LE
from optimize.health.outreach.pairs import OutreachFrames, demand_ids, visit_pairs
from optimize.health.rules import OutreachRules, OutreachWeights
from optimize.model import PlanModel


@dataclass
class OutreachModel:
    """The built outreach model and the handles a strategy needs on it.

    sessions      pool-centre pairs [hospital_id, specialty, centre_id, minutes, half_days, var].
    visits        area-centre visit pairs [..., demand_id, visits_per_week, minutes, var].
    demand        demand_id -> visits per week; ``unmet`` demand_id -> unmet share variable.
    totals        with ``whole_per_centre``: whole sessions per (centre_id, specialty), the
                  integer variables (the pools' shares, ``sessions``, are continuous then).
    pool_limit    outreach half-days per (hospital_id, specialty); ``room_half_days`` by centre.
    worst         the worst area's unmet share, with ``equity``.
    """

    model: PlanModel
    frames: OutreachFrames
    rules: OutreachRules
    weights: OutreachWeights
    sessions: pd.DataFrame
    visits: pd.DataFrame
    demand: pd.Series
    unmet: pd.Series
    totals: pd.Series | None
    pool_limit: pd.Series
    room_half_days: pd.Series
    worst: pulp.LpVariable | None

    @property
    def integers(self) -> list[pulp.LpVariable]:
        """The model's whole-number variables: sessions per pool and centre, or per centre."""
        return list(self.totals) if self.totals is not None else list(self.sessions["var"])

    @property
    def specialties(self) -> list[str]:
        """Every specialty with session pairs or need, sorted."""
        return sorted(set(self.sessions["specialty"]) | set(self.frames.need["specialty"]))


def formulate_outreach(
    frames: OutreachFrames,
    sessions: pd.DataFrame,
    rules: OutreachRules,
    weights: OutreachWeights,
    *,
    whole_per_centre: bool = False,
    strong_links: bool = True,
    room_price: pd.Series | None = None,
) -> OutreachModel:
    """Build the outreach model on the allowed pool-centre ``sessions`` pairs.

    whole_per_centre  whole sessions per centre and specialty, each pool's share of them
                      continuous (far fewer integers; made whole after the solve).
    strong_links      served[a, k, c] <= sessions at (c, k) for every visit pair: the same
                      whole-number plans, a much tighter LP bound.
    room_price        objective units per session held at a centre (by centre_id): the joint
                      LP's price of its rooms, charged to one specialty's model instead of the
                      room rule it shares with the others.
    """
    model = PlanModel("specialist outreach")
    need = frames.need

    # --- decision variables -------------------------------------------------------------------
    sessions = sessions.copy()
    sessions["var"] = model.variables("sessions", len(sessions), 0, integer=True, numbered_from=0)
    offered = sessions[["centre_id", "specialty"]].drop_duplicates()
    visits = visit_pairs(need, frames.resident_travel, offered, rules)
    visits["demand_id"] = demand_ids(visits)
    visits = b.add_assignment(model, visits, prefix="served")
    demand = pd.Series(need["visits_per_week"].to_numpy(), index=demand_ids(need))
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
    heads = frames.pools.set_index(["hospital_id", "specialty"])["specialists"]
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
    rooms = frames.centres.set_index("centre_id")["rooms"]
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
                for c in frames.centres["centre_id"]
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

    return OutreachModel(
        model=model,
        frames=frames,
        rules=rules,
        weights=weights,
        sessions=sessions,
        visits=visits,
        demand=demand,
        unmet=unmet,
        totals=totals,
        pool_limit=heads * rules.outreach_half_days,
        room_half_days=room_half_days,
        worst=worst,
    )


def _sum_by(frame: pd.DataFrame, key: list[str], coef: str | None = None) -> dict:
    """``blocks.sum_by`` that also takes an empty frame (no pairs at all: no expressions)."""
    return b.sum_by(frame, key, coef=coef) if len(frame) else {}


def _whole_per_centre(model: PlanModel, sessions: pd.DataFrame, held: dict) -> pd.Series:
    """Whole sessions per (centre, specialty); the pools' shares of them become continuous.

    Returns the new integer variables by (centre_id, specialty); adds the rule that the pools'
    sessions at a centre add up to them. ``SessionBook.make_whole`` rounds the shares after.
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
        rules[key] = b.rule(lhs, EQ, 0.0)
    model.add_rules("pool sessions add up at each centre", rules)
    return totals
