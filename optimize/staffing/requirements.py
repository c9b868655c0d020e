"""From visitors per opening hour to the caseworkers a service centre needs, and what staff deliver.

Sizing rule: a centre rosters a flat day, so the busiest opening hour of a month (its typical
busiest weekday-hour) sets the servers needed that month; shrinkage then grosses servers up to
rostered caseworkers. What a roster delivers is measured two ways: the service level in that
peak hour, and the visitor-weighted service level over all opening hours of the month.
Times in minutes, arrivals per hour.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from demand.errors import InputError
from optimize.queueing import (
    rostered_staff_needed,
)
from optimize.staffing.rules import MAX_ONLINE_SHARE, ServiceTarget

__all__ = [
    "MAX_ONLINE_SHARE",
    "ServiceTarget",
    "servers_needed_per_hour",
    "service_level_by_month",
    "shift_to_online",
    "staffing_requirements",
]


def shift_to_online(
    arrivals: pd.DataFrame, online_share: float | Mapping[str, float]
) -> pd.DataFrame:
    """Arrivals after moving a share of cases to the online channel (same profile, fewer visits).

    online_share: one share for every centre, or {facility_id: share}; centres not listed keep
    all their visitors.
    """
    shares = (
        arrivals["facility_id"].map(dict(online_share)).fillna(0.0)
        if isinstance(online_share, Mapping)
        else pd.Series(float(online_share), index=arrivals.index)
    )
    if ((shares < 0) | (shares > MAX_ONLINE_SHARE)).any():
        raise InputError(
            f"online_share must be a share between 0 and {MAX_ONLINE_SHARE:g} (0.2 = 20% go online)"
        )
    out = arrivals.copy()
    out["arrivals_per_hour"] = out["arrivals_per_hour"] * (1.0 - shares.to_numpy())
    return out


def servers_needed_per_hour(arrivals: pd.DataFrame, target: ServiceTarget) -> pd.DataFrame:
    """Servers needed in every centre, month, weekday and hour: arrivals plus ``servers_needed``."""
    out = arrivals.copy()
    out["servers_needed"] = [target.servers_for(a) for a in out["arrivals_per_hour"]]
    return out


def staffing_requirements(arrivals: pd.DataFrame, target: ServiceTarget) -> pd.DataFrame:
    """Per centre and month: visitors, the peak hour and the caseworkers needed.

    arrivals: [facility_id, month, weekday, hour, days, arrivals_per_hour] (see
    ``forecasting.arrivals.split_into_hourly_arrivals``). Returns [facility_id, month, visitors
    (in the month), peak_arrivals_per_hour, servers_needed (at the peak hour),
    caseworkers_needed (rostered, after shrinkage)].
    """
    hourly = servers_needed_per_hour(arrivals, target)
    hourly["visitors"] = hourly["arrivals_per_hour"] * hourly["days"]
    grouped = hourly.groupby(["facility_id", "month"], sort=True)
    out = grouped.agg(
        visitors=("visitors", "sum"),
        peak_arrivals_per_hour=("arrivals_per_hour", "max"),
        servers_needed=("servers_needed", "max"),
    ).reset_index()
    out["servers_needed"] = out["servers_needed"].astype(int)
    out["caseworkers_needed"] = [
        rostered_staff_needed(int(n), target.shrinkage) for n in out["servers_needed"]
    ]
    return out


def service_level_by_month(
    arrivals: pd.DataFrame, servers: pd.DataFrame, target: ServiceTarget
) -> pd.DataFrame:
    """What a number of servers at counters delivers, per centre and month.

    servers: [facility_id, month, servers] (caseworkers at counters, whole). Returns [facility_id,
    month, servers, service_level_peak_hour, service_level_month (share of the month's visitors
    served in time, over all opening hours)].
    """
    joined = arrivals.merge(servers, on=["facility_id", "month"], how="left")
    if joined["servers"].isna().any():
        row = joined[joined["servers"].isna()].iloc[0]
        raise InputError(
            f"no servers given for centre {row['facility_id']} in {row['month']:%Y-%m}; "
            "give a staffing level for every centre and month"
        )
    joined["level"] = [
        target.level_with(int(n), a)
        for n, a in zip(joined["servers"], joined["arrivals_per_hour"], strict=True)
    ]
    joined["visitors"] = joined["arrivals_per_hour"] * joined["days"]
    joined["in_time"] = joined["level"] * joined["visitors"]
    rows = []
    for (fid, month), grp in joined.groupby(["facility_id", "month"], sort=True):
        peak = grp.loc[grp["arrivals_per_hour"].idxmax()]
        visitors = float(grp["visitors"].sum())
        month_level = float(grp["in_time"].sum()) / visitors if visitors > 0 else 1.0
        rows.append((fid, month, int(peak["servers"]), float(peak["level"]), month_level))
    return pd.DataFrame(
        rows,
        columns=[
            "facility_id",
            "month",
            "servers",
            "service_level_peak_hour",
            "service_level_month",
        ],
    )


def servers_from_roster(caseworkers: float, counters: float, shrinkage: float) -> int:
    """Caseworkers at counters: rostered staff after shrinkage, but never more than the counters."""
    on_duty = math.floor(caseworkers * (1.0 - shrinkage) + 1e-9)
    return int(max(0, min(on_duty, np.floor(counters))))
