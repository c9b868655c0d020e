"""Erlang A (M/M/n+M): counters where visitors give up after an exponential patience.

Solved exactly on the birth-death chain of the number of visitors in the centre, truncated where
the remaining probability is below 1e-17 (so the answers are exact to float precision):
births at the arrival rate; deaths at min(k, n)/handling + max(k - n, 0)/patience.
The waiting-time distribution comes from the chain seen by one arriving visitor (FCFS): with
j visitors ahead, the line moves at n/handling + j/patience, and the visitor themself gives up
at 1/patience; that has a closed form (an incomplete beta function, see ``_served_within``).
Times are minutes, rates per hour.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import betainc, gammainc

from demand.errors import InputError, shown
from optimize.queueing.erlang import offered_load_erlangs

__all__ = ["ErlangAResult", "erlang_a", "servers_needed_with_abandonment"]

_LOG_TAIL = math.log(1e-17)
_MAX_STATES = 200_000


@dataclass(frozen=True)
class ErlangAResult:
    """What an M/M/n+M counter delivers.

    service_level: share of ALL arrivals served within ``within_minutes`` (those who give up
    count as missed). p_wait: share who find every server busy. p_abandon: share who give up.
    average_wait_minutes: mean time in the queue over all arrivals (including those who give up).
    occupancy: share of time a server is busy.
    """

    servers: int
    service_level: float
    p_wait: float
    p_abandon: float
    average_wait_minutes: float
    occupancy: float


def _state_probabilities(
    servers: int, arrivals_per_minute: float, service_rate: float, abandon_rate: float
) -> np.ndarray:
    """Stationary probabilities of 0, 1, 2, ... visitors present, truncated at a negligible tail."""
    logs = [0.0]
    k = 0
    peak = 0.0
    while k < _MAX_STATES:
        k += 1
        death = min(k, servers) * service_rate + max(k - servers, 0) * abandon_rate
        logs.append(logs[-1] + math.log(arrivals_per_minute) - math.log(death))
        peak = max(peak, logs[-1])
        if k > servers and arrivals_per_minute < death and logs[-1] - peak < _LOG_TAIL:
            break
    else:
        raise InputError(
            "patience is too long for this load: the queue does not settle; "
            "use Erlang C (no abandonment) or add servers"
        )
    log_p = np.asarray(logs)
    p = np.exp(log_p - log_p.max())
    return p / p.sum()


def _served_within(
    ahead: int, servers: int, service_rate: float, abandon_rate: float, within_minutes: float
) -> np.ndarray:
    """P(an arrival with j = 0..ahead-1 visitors queued ahead starts service within t).

    With j ahead the line moves at rates n*mu + i*theta (i = j..0) and the visitor gives up at
    theta, so P = prod_i r_i / (r_i + theta) * P(sum_i Exp(r_i + theta) <= t). The product
    telescopes to n*mu / (n*mu + (j+1)*theta), and the sum of exponentials with rates
    theta*(m + i), m = n*mu/theta + 1, has exp(-theta*T) ~ Beta(m, j+1), so its CDF is the
    regularised incomplete beta I_{1-exp(-theta*t)}(j+1, m). Without abandonment it is the
    Erlang (gamma) CDF.
    """
    j = np.arange(ahead)
    if within_minutes == 0:
        return np.zeros(ahead)
    rate = servers * service_rate
    if abandon_rate == 0:
        return gammainc(j + 1, rate * within_minutes)
    reach = rate / (rate + (j + 1) * abandon_rate)
    m = rate / abandon_rate + 1.0
    return reach * betainc(j + 1, m, -np.expm1(-abandon_rate * within_minutes))


def erlang_a(
    servers: int,
    arrivals_per_hour: float,
    handling_minutes: float,
    patience_minutes: float,
    within_minutes: float,
) -> ErlangAResult:
    """Service level, waiting and abandonment of a counter whose visitors may give up."""
    if int(servers) != servers or servers < 1:
        raise InputError(f"servers must be a whole number >= 1, got {shown(servers)}")
    if not patience_minutes > 0:
        raise InputError(f"patience_minutes must be > 0, got {shown(patience_minutes)}")
    if within_minutes < 0:
        raise InputError(f"within_minutes must be >= 0, got {shown(within_minutes)}")
    load = offered_load_erlangs(arrivals_per_hour, handling_minutes)
    servers = int(servers)
    if load == 0:
        return ErlangAResult(servers, 1.0, 0.0, 0.0, 0.0, 0.0)
    lam = arrivals_per_hour / 60.0
    mu = 1.0 / handling_minutes
    theta = 0.0 if math.isinf(patience_minutes) else 1.0 / patience_minutes
    p = _state_probabilities(servers, lam, mu, theta)
    queue = np.maximum(np.arange(p.size) - servers, 0)
    p_wait = float(p[servers:].sum())
    mean_queue = float((queue * p).sum())
    ahead = max(p.size - servers, 0)
    within = _served_within(ahead, servers, mu, theta, within_minutes) if ahead else np.zeros(0)
    level = float(p[:servers].sum() + (p[servers:] * within).sum())
    busy = float((np.minimum(np.arange(p.size), servers) * p).sum())
    return ErlangAResult(
        servers=servers,
        service_level=min(1.0, level),
        p_wait=p_wait,
        p_abandon=theta * mean_queue / lam,
        average_wait_minutes=mean_queue / lam,
        occupancy=busy / servers,
    )


def servers_needed_with_abandonment(
    arrivals_per_hour: float,
    handling_minutes: float,
    patience_minutes: float,
    target: float,
    within_minutes: float,
    max_abandon: float = 1.0,
) -> int:
    """Smallest number of servers meeting the service level (and an optional abandonment cap)."""
    if not 0 < target < 1:
        raise InputError(f"service-level target must be a share between 0 and 1, got {target!r}")
    if offered_load_erlangs(arrivals_per_hour, handling_minutes) == 0:
        return 0

    def met(n: int) -> bool:
        r = erlang_a(n, arrivals_per_hour, handling_minutes, patience_minutes, within_minutes)
        return r.service_level >= target and r.p_abandon <= max_abandon

    low, high = 0, 1
    while not met(high):
        low, high = high, high * 2
        if high > 100_000:
            raise InputError("no staffing up to 100000 servers meets the target; check the units")
    while high - low > 1:  # service level grows with servers: bisect between low (fails) and high
        mid = (low + high) // 2
        low, high = (low, mid) if met(mid) else (mid, high)
    return high
