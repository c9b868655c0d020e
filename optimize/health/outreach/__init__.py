"""Specialist outreach (医联体 down-shifting): which hospital pools hold how many half-day sessions
per week at which community health centre, so residents see a specialist near home.

The package, as every bureau's model is laid out (ARCHITECTURE-NOTES.md, "The bureau shape"):

- ``pairs``: the inputs checked once, and who may serve whom (session and visit pairs);
- ``formulation``: the model as its formulation -- variables, rules, objective -- and nothing
  else (``formulate_outreach`` returns an ``OutreachModel``: the ``PlanModel`` and its handles);
- ``strategies``: solving it as one MIP from a rounded start, keeping the better plan;
- ``by_specialty``: solving a big one a specialty at a time, rooms priced by the joint LP;
- ``sessions``: ``SessionBook``, the one object that owns sessions' slack (round up, trim,
  top up) and ``make_pool_shares_whole``;
- ``plans``: the plan as tidy frames, sessions placed on the week's half-days.

``plan_specialist_outreach`` (on checked frames) picks the strategy; ``optimize.health.bureau.
plan_city_outreach`` is the entry point on a ``City``.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from optimize.deadline import Deadline
from optimize.health.outreach.by_specialty import solve_by_specialty
from optimize.health.outreach.formulation import OutreachModel, formulate_outreach
from optimize.health.outreach.pairs import OutreachFrames, check_outreach_inputs, session_pairs
from optimize.health.outreach.plans import SLOT_NAMES, half_day_slots
from optimize.health.outreach.sessions import SessionBook, make_pool_shares_whole
from optimize.health.outreach.strategies import solve_joint, with_notes
from optimize.health.rules import OutreachRules, OutreachWeights
from optimize.result import PlanResult
from optimize.solver import SolverOptions

__all__ = [
    "BY_SPECIALTY_FROM_PAIRS",
    "SLOT_NAMES",
    "OutreachFrames",
    "OutreachModel",
    "OutreachRules",
    "OutreachWeights",
    "SessionBook",
    "formulate_outreach",
    "half_day_slots",
    "make_pool_shares_whole",
    "plan_specialist_outreach",
    "splits",
]

#: Pool-centre pairs from which ``by_specialty`` is on by default (the 500-centre benchmark has
#: 115,164; the sample city a few hundred, solved jointly to a proven 1% in about a second).
BY_SPECIALTY_FROM_PAIRS = 20_000


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
    resident_travel   [area_id, centre_id, minutes] one way, residents to centres.
    specialist_travel [hospital_id, centre_id, minutes] one way, hospital to centre.
    hospital_travel   optional [area_id, hospital_id, minutes]: today's trip to the nearest
                      hospital with the specialty, for the before/after travel table.
    rounded_start     hand the solver a starting plan: the LP relaxation's sessions rounded
                      down, then up where pools and rooms allow (reaches a 1% gap much sooner).
    strong_links      see ``formulate_outreach``.
    by_specialty      solve one specialty at a time with room prices from the joint LP
                      (``by_specialty``); None = when the plan has ``BY_SPECIALTY_FROM_PAIRS``
                      pool-centre pairs or more and nothing but rooms ties the specialties
                      together. The bound stays a proven one.
    whole_per_centre  see ``formulate_outreach`` (used for the one-specialty models).
    room_price        see ``formulate_outreach``.
    progress          called as progress(step, done, total) while ``by_specialty`` works.

    ``options.time_limit_s`` is for the whole call. Plans: see ``plans.read_outreach_plans``.
    """
    rules = rules or OutreachRules()
    weights = weights or OutreachWeights()
    options = options or SolverOptions("highs", gap_rel=0.01)
    deadline = Deadline.after(options.time_limit_s)  # the whole run: start, search and repair
    frames = check_outreach_inputs(
        pools, centres, hosts, need, resident_travel, specialist_travel, hospital_travel
    )
    sessions = session_pairs(frames, rules)
    if by_specialty is None:
        by_specialty = len(sessions) >= BY_SPECIALTY_FROM_PAIRS
    by_specialty = by_specialty and splits(rules, weights, sessions["specialty"].nunique())
    if by_specialty:  # the joint model gives room prices and takes the specialties' plans
        whole_per_centre, strong_links, rounded_start = True, False, False
    om = formulate_outreach(
        frames, sessions, rules, weights, whole_per_centre=whole_per_centre,
        strong_links=strong_links, room_price=room_price,
    )  # fmt: skip
    if by_specialty:
        result = solve_by_specialty(om, options, deadline, progress)
    else:
        result = solve_joint(om, options, deadline, rounded_start)
    return with_notes(result, om)


def splits(rules: OutreachRules, weights: OutreachWeights, n_specialties: int) -> bool:
    """True when only the consultation rooms tie the specialties' plans together, so the plan
    may be solved one specialty at a time (the equity objective and a minimum of sessions per
    centre tie them too)."""
    return n_specialties > 1 and not weights.equity and rules.min_sessions_per_centre == 0
