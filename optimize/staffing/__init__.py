"""Staffing social-security service centres: caseworkers needed, posted, and the service level.

- ``ServiceTarget``: "80% of visitors served within 20 minutes", handling time, shrinkage,
  optional patience (Erlang A).
- ``staffing_requirements``: servers and rostered caseworkers per centre and month (peak hour).
- ``allocate_caseworkers``: the PuLP posting model (see ``allocation``); returns a PlanResult.
- ``staff_service_centres``: all of it, with an online-channel lever and before/after levels.
"""

from optimize.staffing.allocation import TransferLimits, allocate_caseworkers
from optimize.staffing.plan import service_level_by_centre, staff_service_centres
from optimize.staffing.requirements import (
    ServiceTarget,
    servers_from_roster,
    servers_needed_per_hour,
    service_level_by_month,
    shift_to_online,
    staffing_requirements,
)

__all__ = [
    "ServiceTarget",
    "TransferLimits",
    "allocate_caseworkers",
    "servers_from_roster",
    "servers_needed_per_hour",
    "service_level_by_centre",
    "service_level_by_month",
    "shift_to_online",
    "staff_service_centres",
    "staffing_requirements",
]
