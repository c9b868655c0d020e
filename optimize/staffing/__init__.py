"""Staffing social-security service centres: caseworkers needed, posted, and the service level.

- ``ServiceTarget``: "80% of visitors served within 20 minutes", handling time, shrinkage,
  optional patience (Erlang A).
- ``staffing_requirements``: servers and rostered caseworkers per centre and month (peak hour).
- ``allocate_caseworkers``: the PuLP posting model (see ``allocation``); returns a PlanResult.
- ``staff_service_centres``: all of it, with an online-channel lever and before/after levels.
"""

from demand.lazy import lazy_exports

#: What the package exports, and the module each comes from (imported on first use).
_EXPORTS = {
    "TransferLimits": "optimize.staffing.rules",
    "allocate_caseworkers": "optimize.staffing.allocation",
    "service_level_by_centre": "optimize.staffing.plan",
    "staff_service_centres": "optimize.staffing.plan",
    "ServiceTarget": "optimize.staffing.rules",
    "servers_from_roster": "optimize.staffing.requirements",
    "servers_needed_per_hour": "optimize.staffing.requirements",
    "service_level_by_month": "optimize.staffing.requirements",
    "shift_to_online": "optimize.staffing.requirements",
    "staffing_requirements": "optimize.staffing.requirements",
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = [  # noqa: F822 (exported lazily, see _EXPORTS)
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
