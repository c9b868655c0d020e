"""Distance-decay weights: how much a facility counts at a given travel time (minutes).

Each factory returns a vectorised function ``minutes -> weight``. Definitions match PySAL
``access.weights`` exactly so results can be compared number for number.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

WeightFn = Callable[[np.ndarray], np.ndarray]


def step_weight(steps: Mapping[float, float]) -> WeightFn:
    """Stepped decay (Luo & Qi 2009): ``{10: 1, 20: 0.68, 30: 0.22}`` means weight 1 up to and
    including 10 minutes, 0.68 up to 20, 0.22 up to 30, and 0 beyond the last step."""
    if not steps:
        raise ValueError("steps must have at least one {minutes: weight} entry")
    if any(w < 0 for w in steps.values()):
        raise ValueError("step weights must be >= 0")
    bounds = np.array(sorted(steps), dtype=float)
    values = np.array([steps[b] for b in sorted(steps)] + [0.0], dtype=float)

    def weight(minutes: np.ndarray) -> np.ndarray:
        return values[np.searchsorted(bounds, np.asarray(minutes, dtype=float), side="left")]

    return weight


def gaussian_weight(sigma_minutes: float) -> WeightFn:
    """Gaussian decay ``exp(-t^2 / (2 sigma^2))``, equal to 1 at 0 minutes (not normalised)."""
    if sigma_minutes <= 0:
        raise ValueError("sigma_minutes must be > 0")

    def weight(minutes: np.ndarray) -> np.ndarray:
        t = np.asarray(minutes, dtype=float)
        return np.exp(-t * t / (2.0 * sigma_minutes**2))

    return weight


def gravity_weight(scale_minutes: float, alpha: float = -1.0, min_minutes: float = 0.0) -> WeightFn:
    """Power decay ``(max(t, min_minutes) / scale_minutes) ** alpha`` (alpha negative for decay).

    ``min_minutes`` avoids an infinite weight at 0 minutes; set it to e.g. 1 minute.
    """
    if scale_minutes <= 0:
        raise ValueError("scale_minutes must be > 0")

    def weight(minutes: np.ndarray) -> np.ndarray:
        t = np.maximum(np.asarray(minutes, dtype=float), min_minutes)
        with np.errstate(divide="ignore"):
            return np.power(t / scale_minutes, alpha)

    return weight
