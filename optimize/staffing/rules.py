"""The staffing model's rules, declared once with their units and bounds (``optimize.rules``).

The models check them, the ``civicalloc staff`` options are built from them and the scenario
keys they name are checked against them by a test. Nothing heavy is imported here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from optimize.rules import check_settings, setting

__all__ = ["MAX_ONLINE_SHARE", "ServiceTarget", "TransferLimits"]

#: Some visits always stay at the counter (identity checks, people without internet access), so
#: the online lever moves at most this share of them; the model, scenarios and the CLI use it.
MAX_ONLINE_SHARE = 0.95


@dataclass(frozen=True)
class ServiceTarget:
    """What a centre promises and how its work behaves. ``patience_minutes`` None = visitors
    never give up (Erlang C); a number = Erlang A (those who give up count as not served in
    time)."""

    target: float = setting(
        0.8, "share", "share of visitors served within the target wait (0.8 = 80%)",
        gt=0, lt=1, cli="--target", scenario="rules.service_level_target",
    )  # fmt: skip
    within_minutes: float = setting(
        20.0, "minutes", "the target wait", gt=0, le=240, cli="--within-min",
        scenario="rules.service_level_minutes",
    )  # fmt: skip
    handling_minutes: float = setting(
        12.0, "minutes", "handling time per visit at the counter", gt=0, cli="--aht-min"
    )
    shrinkage: float = setting(
        0.3, "share", "share of rostered time not at a counter (breaks, training, leave)",
        ge=0, lt=1, cli="--shrinkage",
    )  # fmt: skip
    patience_minutes: float | None = setting(
        None, "minutes", "mean time visitors wait before giving up (Erlang A); none = they "
        "never leave", gt=0, cli="--patience-min",
    )  # fmt: skip
    max_occupancy: float = setting(
        1.0, "share", "cap on how busy caseworkers at counters may be", gt=0, le=1
    )

    def __post_init__(self) -> None:
        check_settings(self, "service target")

    def servers_for(self, arrivals_per_hour: float) -> int:
        """Servers needed at a counter for this arrival rate."""
        return _servers_for(self, round(float(arrivals_per_hour), 6))

    def level_with(self, servers: int, arrivals_per_hour: float) -> float:
        """Share of visitors served within the target time with ``servers`` at counters."""
        return _level_with(self, int(servers), round(float(arrivals_per_hour), 6))


@lru_cache(maxsize=65_536)
def _servers_for(t: ServiceTarget, arrivals_per_hour: float) -> int:
    from optimize.queueing import servers_needed, servers_needed_with_abandonment

    if t.patience_minutes is None:
        return servers_needed(
            arrivals_per_hour, t.handling_minutes, t.target, t.within_minutes, t.max_occupancy
        )
    return servers_needed_with_abandonment(
        arrivals_per_hour, t.handling_minutes, t.patience_minutes, t.target, t.within_minutes
    )


@lru_cache(maxsize=65_536)
def _level_with(t: ServiceTarget, servers: int, arrivals_per_hour: float) -> float:
    from optimize.queueing import erlang_a, service_level

    if arrivals_per_hour == 0:
        return 1.0
    if servers == 0:
        return 0.0
    if t.patience_minutes is None:
        return service_level(servers, arrivals_per_hour, t.handling_minutes, t.within_minutes)
    return erlang_a(
        servers, arrivals_per_hour, t.handling_minutes, t.patience_minutes, t.within_minutes
    ).service_level


@dataclass(frozen=True)
class TransferLimits:
    """How much the posting may change from today. The k-th missing server at a centre-month
    costs k x the visitors behind one needed server x ``shortfall_weight``."""

    max_moves_per_centre: int = setting(
        3, "caseworkers", "caseworkers a centre may gain or lose against today, in any month",
        ge=0, cli="--max-moves-per-centre",
    )  # fmt: skip
    max_moves_total: int = setting(
        10, "caseworkers", "caseworkers posted away from their centre in a month, bureau-wide",
        ge=0, cli="--max-moves-total",
    )  # fmt: skip
    move_cost: float = setting(
        5.0, "visitors", "cost of one caseworker-month away from today's centre", ge=0
    )
    bureau_headcount: int | None = setting(
        None, "caseworkers", "caseworkers the bureau will have (default: today's; more = hires)",
        ge=0, cli="--bureau-headcount",
    )  # fmt: skip
    shortfall_weight: float = setting(
        1.0, "", "scales the penalty of servers short of the peak-hour need", ge=0
    )

    def __post_init__(self) -> None:
        check_settings(self, "transfer limit")
