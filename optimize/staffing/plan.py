"""The staffing plan for a social-security bureau, end to end: need, posting, service level.

``staff_service_centres`` takes visitors per opening hour (forecast), today's caseworkers and
counters per centre and a service target, optionally moves a share of cases online, sizes each
centre-month with Erlang C (or A), posts caseworkers with the PuLP model, and reports the service
level before (today's posting, no lever) and after (the plan) per centre and month.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from optimize.result import PlanResult
from optimize.solver import SolverOptions
from optimize.staffing.allocation import TransferLimits, allocate_caseworkers
from optimize.staffing.requirements import (
    ServiceTarget,
    servers_from_roster,
    service_level_by_month,
    shift_to_online,
    staffing_requirements,
)

__all__ = ["service_level_by_centre", "staff_service_centres"]


def staff_service_centres(
    arrivals: pd.DataFrame,
    today: pd.Series,
    counters: pd.Series,
    target: ServiceTarget | None = None,
    limits: TransferLimits | None = None,
    online_share: float | Mapping[str, float] = 0.0,
    options: SolverOptions | None = None,
) -> PlanResult:
    """Plan caseworkers per centre and month and say where the service level will be missed.

    arrivals: [facility_id, month, weekday, hour, days, arrivals_per_hour] before any online
    shift. today / counters: facility_id -> caseworkers / counters today.
    The result's plans: ``posting`` (per centre-month: caseworkers today and planned, moves,
    servers needed, short servers, service level before and after, missed_by_points) and
    ``requirements`` (visitors and caseworkers needed per centre-month, after the lever); months
    in both as 'YYYY-MM' text.
    """
    target = target or ServiceTarget()
    shifted = shift_to_online(arrivals, online_share)
    requirements = staffing_requirements(shifted, target)
    result = allocate_caseworkers(
        requirements,
        today,
        counters,
        target.shrinkage,
        limits=limits,
        options=options,
        late_visitors=late_visitors_counter(shifted, target),
    )
    result.params.update(
        {
            "target": target.target,
            "within_minutes": target.within_minutes,
            "handling_minutes": target.handling_minutes,
            "patience_minutes": target.patience_minutes,
            "online_share": online_share
            if not isinstance(online_share, Mapping)
            else dict(online_share),
        }
    )
    result.plans["requirements"] = requirements
    if "posting" not in result.plans:  # no plan at all, not even a best compromise
        return result
    posting = result.plans["posting"]
    keys = ["facility_id", "month"]
    for when, staff, frame in (
        ("before", "caseworkers_today", arrivals),
        ("after", "caseworkers", shifted),
    ):
        servers = posting[keys].assign(
            servers=[
                servers_from_roster(s, c, target.shrinkage)
                for s, c in zip(posting[staff], posting["counters"], strict=True)
            ]
        )
        levels = service_level_by_month(frame, servers, target)
        levels = levels.merge(visitors_by_month(frame), on=keys, how="left")
        posting = posting.merge(
            levels.rename(
                columns={
                    "servers": f"servers_{when}",
                    "service_level_peak_hour": f"peak_level_{when}",
                    "service_level_month": f"month_level_{when}",
                    "visitors": f"visitors_{when}",
                }
            ),
            on=keys,
        )
    shortfall = (target.target - posting["peak_level_after"]).clip(lower=0)
    posting["missed_by_points"] = (shortfall * 100).round(2)
    # Months as 'YYYY-MM' text: readable, sortable, and JSON-ready for the scenario store.
    for name, frame in (("posting", posting), ("requirements", requirements)):
        result.plans[name] = frame.assign(month=pd.to_datetime(frame["month"]).dt.strftime("%Y-%m"))
    missed = posting[posting["missed_by_points"] > 0]
    if not missed.empty:
        result.messages.append(
            f"service level missed at the peak hour in {len(missed)} centre-months of "
            f"{missed['facility_id'].nunique()} centres; worst "
            f"{missed['missed_by_points'].max():.1f} points below target"
        )
    return result


def late_visitors_counter(arrivals: pd.DataFrame, target: ServiceTarget):
    """(facility_id, 'YYYY-MM', servers) -> visitors that month not served within the target."""
    slots = {
        (fid, f"{month:%Y-%m}"): list(zip(grp["arrivals_per_hour"], grp["days"], strict=True))
        for (fid, month), grp in arrivals.groupby(["facility_id", "month"])
    }

    def late(fid: str, month: str, servers: int) -> float:
        return float(
            sum((1 - target.level_with(servers, a)) * a * d for a, d in slots[(fid, month)])
        )

    return late


def visitors_by_month(arrivals: pd.DataFrame) -> pd.DataFrame:
    """Visitors per centre and month: [facility_id, month, visitors]."""
    v = arrivals.assign(visitors=arrivals["arrivals_per_hour"] * arrivals["days"])
    return v.groupby(["facility_id", "month"], as_index=False)["visitors"].sum()


def service_level_by_centre(posting: pd.DataFrame) -> pd.DataFrame:
    """Per centre over the plan: caseworkers today / planned (average), service level before and
    after (share of the year's visitors served in time), and the worst month's peak-hour level."""
    p = posting.assign(
        in_time_before=posting["month_level_before"] * posting["visitors_before"],
        in_time_after=posting["month_level_after"] * posting["visitors_after"],
    )
    g = p.groupby("facility_id")
    out = pd.DataFrame(
        {
            "caseworkers_today": g["caseworkers_today"].first(),
            "caseworkers_planned": g["caseworkers"].mean().round(1),
            "visitors_before": g["visitors_before"].sum(),
            "visitors_after": g["visitors_after"].sum(),
            "counters": g["counters"].first(),
            "level_before": g["in_time_before"].sum() / g["visitors_before"].sum(),
            "level_after": g["in_time_after"].sum() / g["visitors_after"].sum(),
            "worst_peak_before": g["peak_level_before"].min(),
            "worst_peak_after": g["peak_level_after"].min(),
            "months_missed": g["missed_by_points"].apply(lambda s: int((s > 0).sum())),
        }
    )
    return out.reset_index()
