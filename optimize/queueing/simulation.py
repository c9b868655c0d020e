"""A small discrete-event simulation of a counter (M/M/n, optionally +M), to check the formulas.

Visitors arrive as a Poisson stream, are served first come first served by ``servers`` identical
caseworkers with exponential handling times, and (optionally) give up after an exponential
patience. Seeded, pure numpy + heapq. Times are minutes, rates per hour.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np

__all__ = ["SimulatedCounter", "simulate_counter"]


@dataclass(frozen=True)
class SimulatedCounter:
    """Measured over the visitors after the warm-up: same definitions as ``ErlangAResult``."""

    visitors: int
    service_level: float
    p_wait: float
    p_abandon: float
    average_wait_minutes: float


def simulate_counter(
    servers: int,
    arrivals_per_hour: float,
    handling_minutes: float,
    within_minutes: float,
    visitors: int = 200_000,
    patience_minutes: float = math.inf,
    seed: int = 0,
    warmup_share: float = 0.05,
) -> SimulatedCounter:
    """Simulate ``visitors`` arrivals and measure the share served within ``within_minutes``."""
    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(60.0 / arrivals_per_hour, visitors))
    handling = rng.exponential(handling_minutes, visitors)
    patience = (
        np.full(visitors, math.inf)
        if math.isinf(patience_minutes)
        else rng.exponential(patience_minutes, visitors)
    )
    free_at = [0.0] * servers  # when each caseworker next becomes free (a min-heap)
    waits = np.empty(visitors)
    served = np.ones(visitors, dtype=bool)
    for i in range(visitors):
        start = max(arrivals[i], free_at[0])
        wait = start - arrivals[i]
        if wait > patience[i]:
            # FCFS: visitors behind do not overtake, and one who gives up frees no caseworker.
            waits[i] = patience[i]
            served[i] = False
            continue
        waits[i] = wait
        heapq.heapreplace(free_at, start + handling[i])
    keep = slice(int(visitors * warmup_share), visitors)
    w, s = waits[keep], served[keep]
    return SimulatedCounter(
        visitors=int(w.size),
        service_level=float(np.mean(s & (w <= within_minutes))),
        p_wait=float(np.mean(w > 0)),
        p_abandon=float(np.mean(~s)),
        average_wait_minutes=float(np.mean(w)),
    )
