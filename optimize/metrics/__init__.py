"""Accessibility and equity metrics that judge how well supply reaches people.

Everything here works on the long, sparse travel frame ``[area_id, facility_id, minutes]``
with numpy / scipy.sparse, so a city of 5,000 areas and 500 facilities takes well under a
second. Definitions follow PySAL ``access`` (Saxon et al.) so results agree to 1e-6.
"""

from optimize.metrics.catchment import (
    ACCESS_METHODS,
    access_by_method,
    coverage_within,
    enhanced_two_step_fca,
    gravity_access,
    nearest_minutes,
    supply_potential,
    supply_to_need_ratio,
    two_step_fca,
)
from optimize.metrics.equity import (
    equity_summary,
    gini,
    share_beyond,
    theil,
    worst_decile_mean,
)
from optimize.metrics.weights import gaussian_weight, gravity_weight, step_weight

__all__ = [
    "ACCESS_METHODS",
    "access_by_method",
    "coverage_within",
    "enhanced_two_step_fca",
    "equity_summary",
    "gaussian_weight",
    "gini",
    "gravity_access",
    "gravity_weight",
    "nearest_minutes",
    "share_beyond",
    "step_weight",
    "supply_potential",
    "supply_to_need_ratio",
    "theil",
    "two_step_fca",
    "worst_decile_mean",
]
