"""Queueing formulas for counters, call lines and wards: how many servers a service level needs.

Units: arrivals per hour, handling and waiting times in minutes, loads in Erlangs.

- ``erlang_b``: share of arrivals turned away when all servers are busy (no queue; e.g. beds).
- ``erlang_c`` and friends: M/M/n with an infinite, patient queue (visitors wait at a counter).
- ``erlang_a``: M/M/n+M, visitors give up after an exponential patience (mean ``patience_minutes``).
- ``rostered_staff``: servers on duty grossed up for shrinkage (breaks, training, leave).
"""

from optimize.queueing.abandonment import ErlangAResult, erlang_a, servers_needed_with_abandonment
from optimize.queueing.erlang import (
    average_wait_minutes,
    erlang_b,
    erlang_c,
    occupancy,
    offered_load_erlangs,
    servers_needed,
    service_level,
)
from optimize.queueing.shrinkage import rostered_staff, rostered_staff_needed, servers_on_duty

__all__ = [
    "ErlangAResult",
    "average_wait_minutes",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "occupancy",
    "offered_load_erlangs",
    "rostered_staff",
    "rostered_staff_needed",
    "servers_needed",
    "servers_needed_with_abandonment",
    "servers_on_duty",
    "service_level",
]
