"""Shrinkage: the share of paid time a caseworker is not at a counter (breaks, training, leave)."""

from __future__ import annotations

import math

from demand.errors import InputError, shown

__all__ = ["rostered_staff", "rostered_staff_needed", "servers_on_duty"]


def _check_shrinkage(shrinkage: float) -> None:
    if not 0 <= shrinkage < 1:
        raise InputError(f"shrinkage must be a share in [0, 1), got {shown(shrinkage)}")


def rostered_staff(servers: float, shrinkage: float) -> float:
    """Staff to roster so that ``servers`` are on duty: servers / (1 - shrinkage)."""
    _check_shrinkage(shrinkage)
    return servers / (1.0 - shrinkage)


def rostered_staff_needed(servers: int, shrinkage: float) -> int:
    """Whole staff to roster for ``servers`` on duty (rounded up, ignoring float noise)."""
    return math.ceil(rostered_staff(servers, shrinkage) - 1e-9)


def servers_on_duty(rostered: float, shrinkage: float) -> int:
    """Whole servers actually on duty from a roster after shrinkage (rounded down)."""
    _check_shrinkage(shrinkage)
    return max(0, math.floor(rostered * (1.0 - shrinkage) + 1e-9))
