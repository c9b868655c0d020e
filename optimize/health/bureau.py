"""The health bureau's jobs on a whole city: the entry points commands, runners and the demo call.

- ``plan_city_outreach``: specialist outreach for a ``City``: the model's inputs from the
  bundle (``city.outreach_inputs``), the plan (``outreach.plan_specialist_outreach``), and the
  change in specialist access it brings (plan ``access_change``).
- ``rebalance_city_beds``: beds per hospital and department for the admissions projected from
  the city's history.

Both return a ``PlanResult`` whose plans are described in ``demand/bundle/outputs.py``.
"""

from __future__ import annotations

from collections.abc import Callable

from demand.bundle import City
from optimize.health.access import specialist_access_change
from optimize.health.beds import BedRules, rebalance_beds
from optimize.health.city import outreach_inputs, ward_inputs
from optimize.health.outreach import plan_specialist_outreach
from optimize.health.rules import OutreachRules, OutreachWeights
from optimize.result import PlanResult
from optimize.solver import SolverOptions

__all__ = ["plan_city_outreach", "rebalance_city_beds"]


def plan_city_outreach(
    city: City,
    rules: OutreachRules | None = None,
    weights: OutreachWeights | None = None,
    options: SolverOptions | None = None,
    *,
    share_at_centre: float = 0.2,
    mobility_aware: bool = False,
    by_specialty: bool | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> PlanResult:
    """Weekly specialist sessions per hospital pool and community centre for ``city``.

    share_at_centre: share of specialist outpatient visits a visiting specialist can see at a
    community centre. mobility_aware: commuters may be seen near work too. by_specialty: solve
    one specialty at a time (None = by size). The plans add ``access_change`` (2SFCA specialist
    half-days per 1,000 residents within reach, before and after) to the model's own.
    """
    rules = rules or OutreachRules()
    inputs = outreach_inputs(
        city,
        share_at_centre=share_at_centre,
        resident_minutes=rules.max_resident_minutes,
        specialist_minutes=rules.max_specialist_minutes,
        mobility_aware=mobility_aware,
    )
    result = plan_specialist_outreach(
        inputs.pools,
        inputs.centres,
        inputs.hosts,
        inputs.need,
        inputs.resident_travel,
        inputs.specialist_travel,
        rules=rules,
        weights=weights,
        options=options,
        hospital_travel=inputs.hospital_travel,
        by_specialty=by_specialty,
        progress=progress,
    )
    if result.plans:
        result.plans["access_change"] = specialist_access_change(
            result.plans["schedule"],
            inputs.pools,
            inputs.population,
            inputs.access_travel,
            rules,
            rules.max_resident_minutes,
        )
    return result


def rebalance_city_beds(
    city: City,
    rules: BedRules | None = None,
    options: SolverOptions | None = None,
    *,
    basis: str = "year",
    method: str = "trend",
) -> PlanResult:
    """Beds per hospital and department for ``city``, admissions projected from its history
    (``basis`` "year" or "peak month"; ``method`` "trend" or "theta")."""
    wards = ward_inputs(city, basis=basis, method=method)
    result = rebalance_beds(wards, rules or BedRules(), options=options)
    result.messages.append(f"admissions: {wards['method'].iloc[0]}" if len(wards) else "no wards")
    return result
