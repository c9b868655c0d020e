"""Erlang B (loss) and Erlang C (wait) for M/M/n queues, in the units a planner uses.

A load in Erlangs is arrivals per hour times handling minutes / 60: the average number of busy
servers. All times are minutes; all rates are per hour.
"""

from __future__ import annotations

import math

from demand.errors import InputError, shown

__all__ = [
    "average_wait_minutes",
    "erlang_b",
    "erlang_c",
    "occupancy",
    "offered_load_erlangs",
    "servers_needed",
    "service_level",
]

MAX_SERVERS = 100_000


def _check_servers_and_load(servers: int, load_erlangs: float) -> None:
    if int(servers) != servers or servers < 0:
        raise InputError(f"servers must be a whole number >= 0, got {shown(servers)}")
    if not math.isfinite(load_erlangs) or load_erlangs < 0:
        raise InputError(
            f"offered load must be a finite number of Erlangs >= 0, got {shown(load_erlangs)}"
        )


def offered_load_erlangs(arrivals_per_hour: float, handling_minutes: float) -> float:
    """Average number of busy servers (Erlangs) for an arrival rate and a mean handling time."""
    if arrivals_per_hour < 0 or not math.isfinite(arrivals_per_hour):
        raise InputError(f"arrivals_per_hour must be >= 0, got {shown(arrivals_per_hour)}")
    if handling_minutes <= 0 or not math.isfinite(handling_minutes):
        raise InputError(f"handling_minutes must be > 0, got {shown(handling_minutes)}")
    return arrivals_per_hour * handling_minutes / 60.0


def erlang_b(servers: int, load_erlangs: float) -> float:
    """Share of arrivals turned away when all ``servers`` are busy and nobody can wait.

    Uses the recursion B(k) = a B(k-1) / (k + a B(k-1)), which stays in [0, 1] and is stable for
    thousands of servers (no factorials, no overflow).
    """
    _check_servers_and_load(servers, load_erlangs)
    blocking = 1.0
    for k in range(1, int(servers) + 1):
        blocking = load_erlangs * blocking / (k + load_erlangs * blocking)
    return blocking


def erlang_c(servers: int, load_erlangs: float) -> float:
    """Probability that an arriving visitor has to wait (all servers busy), M/M/n, patient queue.

    Returns 1.0 when the load is at or above the number of servers (the queue grows forever).
    """
    _check_servers_and_load(servers, load_erlangs)
    if load_erlangs == 0:
        return 0.0
    if load_erlangs >= servers:
        return 1.0
    blocking = erlang_b(servers, load_erlangs)
    return servers * blocking / (servers - load_erlangs * (1.0 - blocking))


def service_level(
    servers: int, arrivals_per_hour: float, handling_minutes: float, within_minutes: float
) -> float:
    """Share of visitors whose wait is at most ``within_minutes`` (Erlang C; 0 if overloaded)."""
    if within_minutes < 0:
        raise InputError(f"within_minutes must be >= 0, got {shown(within_minutes)}")
    load = offered_load_erlangs(arrivals_per_hour, handling_minutes)
    if load == 0:
        return 1.0
    if load >= servers:
        return 0.0
    p_wait = erlang_c(servers, load)
    return 1.0 - p_wait * math.exp(-(servers - load) * within_minutes / handling_minutes)


def average_wait_minutes(servers: int, arrivals_per_hour: float, handling_minutes: float) -> float:
    """Average wait before service over all visitors (average speed of answer), in minutes."""
    load = offered_load_erlangs(arrivals_per_hour, handling_minutes)
    if load == 0:
        return 0.0
    if load >= servers:
        return math.inf
    return erlang_c(servers, load) * handling_minutes / (servers - load)


def occupancy(servers: int, arrivals_per_hour: float, handling_minutes: float) -> float:
    """Share of time a server is busy (load / servers, capped at 1)."""
    load = offered_load_erlangs(arrivals_per_hour, handling_minutes)
    if servers <= 0:
        return 1.0 if load > 0 else 0.0
    return min(1.0, load / servers)


def servers_needed(
    arrivals_per_hour: float,
    handling_minutes: float,
    target: float,
    within_minutes: float,
    max_occupancy: float = 1.0,
) -> int:
    """Smallest number of servers so that ``target`` of visitors wait at most ``within_minutes``.

    ``target`` is a share in (0, 1), e.g. 0.8 for "80% within 20 minutes". ``max_occupancy``
    optionally caps how busy servers may be (e.g. 0.85). Zero arrivals need zero servers.
    """
    if not 0 < target < 1:
        raise InputError(f"service-level target must be a share between 0 and 1, got {target!r}")
    if not 0 < max_occupancy <= 1:
        raise InputError(f"max_occupancy must be in (0, 1], got {shown(max_occupancy)}")
    if within_minutes < 0:
        raise InputError(f"within_minutes must be >= 0, got {shown(within_minutes)}")
    load = offered_load_erlangs(arrivals_per_hour, handling_minutes)
    if load == 0:
        return 0
    # At least enough servers for a stable queue and the occupancy cap.
    servers = max(math.floor(load) + 1, math.ceil(load / max_occupancy))
    blocking = erlang_b(servers, load)
    while servers <= MAX_SERVERS:
        p_wait = servers * blocking / (servers - load * (1.0 - blocking))
        met = 1.0 - p_wait * math.exp(-(servers - load) * within_minutes / handling_minutes)
        if met >= target:
            return servers
        servers += 1
        blocking = load * blocking / (servers + load * blocking)
    raise InputError(f"no staffing up to {MAX_SERVERS} servers meets the target; check the units")
