"""Location-allocation models: where to open sites and who goes where.

Each model is a class with three doors -- ``from_cost_matrix`` (a demand x site matrix),
``from_costs`` (a long [demand_id, site_id, cost] frame) and ``from_geodataframe`` (straight-line
metres, or minutes at a speed, between projected centroids) -- and ``.solve(options)`` returning a
``PlanResult`` with plans ``open_sites`` and ``assignment`` (or ``coverage``).
"""

from demand.lazy import lazy_exports

#: What the package exports, and the module each comes from (imported on first use: a
#: p-median command does not load the coverage and capacitated models).
_EXPORTS = {
    "PMedian": "optimize.location.median",
    "PCenter": "optimize.location.median",
    "MCLP": "optimize.location.coverage",
    "LSCP": "optimize.location.coverage",
    "CapacitatedPMedian": "optimize.location.capacitated",
}
__all__ = list(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
