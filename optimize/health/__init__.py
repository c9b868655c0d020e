"""The health bureau's two yearly questions, as models on the optimize kit (docs/health.md).

- ``plan_specialist_outreach``: half-day sessions per week of each hospital's specialists at
  community health centres (医联体 down-shifting), visits served near home, unmet need.
- ``rebalance_beds``: beds per hospital and department (moves and new beds within a budget)
  that turn the fewest patients away, with a ward-size dependent target occupancy (Erlang B).
- ``occupancy``: beds needed and target occupancy for a ward of a given size.
- ``city``: both models' inputs from a loaded city bundle.

Both return ``optimize.result.PlanResult``; unmet visits and beds short of need are in
``shortfall``; rules that had to give in an infeasible plan are in ``binding``.
"""

from optimize.health.access import specialist_access_change
from optimize.health.beds import BedRules, rebalance_beds, ward_outlook
from optimize.health.city import (
    DEFAULT_ALOS_DAYS,
    OutreachInputs,
    outreach_inputs,
    project_admissions,
    ward_inputs,
)
from optimize.health.occupancy import (
    beds_needed,
    expected_turned_away_per_day,
    occupancy_at,
    target_occupancy,
    turn_away_curve,
)
from optimize.health.outreach import (
    OutreachRules,
    OutreachWeights,
    half_day_slots,
    plan_specialist_outreach,
)

__all__ = [
    "DEFAULT_ALOS_DAYS",
    "BedRules",
    "OutreachInputs",
    "OutreachRules",
    "OutreachWeights",
    "beds_needed",
    "expected_turned_away_per_day",
    "half_day_slots",
    "occupancy_at",
    "outreach_inputs",
    "plan_specialist_outreach",
    "project_admissions",
    "rebalance_beds",
    "specialist_access_change",
    "target_occupancy",
    "turn_away_curve",
    "ward_inputs",
    "ward_outlook",
]
