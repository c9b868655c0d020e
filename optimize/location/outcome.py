"""What a location model's own search method (radius.py, center_search.py) hands back."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class SearchOutcome:
    """Best open sites (indices into the cost matrix's columns), their true objective, the
    proven lower bound, the status words of ``PlanResult``, seconds, and the steps in order."""

    open_sites: np.ndarray
    objective: float
    bound: float
    status: str  # "optimal" | "feasible within gap" | "stopped at time limit with best plan"
    # | "infeasible" (p-center: no radius can be met)
    seconds: float
    messages: list[str] = field(default_factory=list)
