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

from demand.lazy import lazy_exports

#: What the package exports, and the module each comes from (imported on first use).
_EXPORTS = {
    "specialist_access_change": "optimize.health.access",
    "rebalance_beds": "optimize.health.beds",
    "ward_outlook": "optimize.health.beds",
    "plan_city_outreach": "optimize.health.bureau",
    "rebalance_city_beds": "optimize.health.bureau",
    "DEFAULT_ALOS_DAYS": "optimize.health.city",
    "OutreachInputs": "optimize.health.city",
    "outreach_inputs": "optimize.health.city",
    "project_admissions": "optimize.health.city",
    "ward_inputs": "optimize.health.city",
    "beds_needed": "optimize.health.occupancy",
    "expected_turned_away_per_day": "optimize.health.occupancy",
    "occupancy_at": "optimize.health.occupancy",
    "target_occupancy": "optimize.health.occupancy",
    "turn_away_curve": "optimize.health.occupancy",
    "half_day_slots": "optimize.health.outreach",
    "plan_specialist_outreach": "optimize.health.outreach",
    "BedRules": "optimize.health.rules",
    "OutreachRules": "optimize.health.rules",
    "OutreachWeights": "optimize.health.rules",
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = [  # noqa: F822 (exported lazily, see _EXPORTS)
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
    "plan_city_outreach",
    "plan_specialist_outreach",
    "project_admissions",
    "rebalance_beds",
    "rebalance_city_beds",
    "specialist_access_change",
    "target_occupancy",
    "turn_away_curve",
    "ward_inputs",
    "ward_outlook",
]
