"""Location-allocation models: where to open sites and who goes where.

Each model is a class with three doors -- ``from_cost_matrix`` (a demand x site matrix),
``from_costs`` (a long [demand_id, site_id, cost] frame) and ``from_geodataframe`` (straight-line
metres, or minutes at a speed, between projected centroids) -- and ``.solve(options)`` returning a
``PlanResult`` with plans ``open_sites`` and ``assignment`` (or ``coverage``).
"""

from optimize.location.capacitated import CapacitatedPMedian
from optimize.location.coverage import LSCP, MCLP
from optimize.location.median import PCenter, PMedian

__all__ = ["PMedian", "PCenter", "MCLP", "LSCP", "CapacitatedPMedian"]
