"""Staffing inputs from a loaded city: caseworkers and counters today, next year's visitors."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from demand.bundle import City
from demand.errors import InputError
from forecasting.arrivals import (
    forecast_caseload,
    learn_arrival_profile,
    split_into_hourly_arrivals,
)
from optimize.result import PlanResult
from optimize.solver import SolverOptions
from optimize.staffing.allocation import TransferLimits
from optimize.staffing.plan import service_level_by_centre, staff_service_centres
from optimize.staffing.requirements import ServiceTarget

__all__ = [
    "CentreInputs",
    "caseload_from_need",
    "centre_inputs",
    "next_year_arrivals",
    "staff_city",
    "staff_from_caseload",
]


@dataclass
class CentreInputs:
    """Per social insurance centre (index facility_id): caseworkers today, counters, name."""

    caseworkers: pd.Series
    counters: pd.Series
    names: pd.Series


def centre_inputs(city: City) -> CentreInputs:
    """Today's caseworkers (workforce role 'caseworker') and counters (capacity 'counters')."""
    centres = city.facilities_of("social_insurance_centre")
    if centres.empty:
        raise InputError("facilities: no social_insurance_centre; nothing to staff")
    ids = centres["facility_id"].astype(str)
    wf = city.workforce[city.workforce["role"] == "caseworker"]
    cap = city.capacity[city.capacity["resource"] == "counters"]
    caseworkers = wf.groupby("facility_id")["headcount"].sum().reindex(ids).fillna(0).astype(int)
    counters = cap.groupby("facility_id")["amount"].sum().reindex(ids)
    missing = counters[counters.isna()].index.tolist()
    if missing:
        raise InputError(
            f"capacity: no 'counters' row for centre(s) {', '.join(missing[:5])}; add "
            "facility_id,counters,<number> to capacity"
        )
    names = centres.set_index(ids)["name"].astype(str)
    return CentreInputs(caseworkers, counters.astype(float), names)


def caseload_from_need(city: City, months: int = 12, cutoff_minutes: float = 120.0) -> pd.DataFrame:
    """[facility_id, benefit, month, cases, model] for a city with no caseload history.

    Each area's yearly caseload need (need rates x residents of the latest year) goes to its
    nearest social insurance centre by travel time, spread evenly over the months of the next
    year (no seasonality is known). Areas reaching no centre raise InputError naming them.
    """
    from supply.catchment import city_need_at_nearest

    per = city_need_at_nearest(city, "caseload:", "social_insurance_centre", cutoff_minutes)
    start = pd.Timestamp(year=city.latest_year + 1, month=1, day=1)
    month = pd.date_range(start, periods=months, freq="MS")
    rows = per.merge(pd.DataFrame({"month": month}), how="cross")
    return pd.DataFrame(
        {
            "facility_id": rows["facility_id"].astype(str).to_numpy(),
            "benefit": rows["resource"].str.removeprefix("caseload:").to_numpy(),
            "month": rows["month"].to_numpy(),
            "cases": rows["amount"].to_numpy(dtype=float) / 12.0,
            "model": "need rates (no history)",
        }
    )


def next_year_arrivals(
    city: City, months: int = 12, forecaster=None, holidays=()
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Forecast caseload per centre and split it into visitors per opening hour.

    Without caseload history the caseload comes from need rates (``caseload_from_need``).

    Returns (caseload [facility_id, benefit, month, cases, model], arrivals per opening hour).
    """
    has_history = city.series["measure"].astype(str).str.startswith("caseload:").any()
    if has_history:
        caseload = forecast_caseload(
            city.series, city.history, months=months, forecaster=forecaster
        )
    else:  # a city with no caseload history (built from OpenStreetMap): from need rates
        caseload = caseload_from_need(city, months)
    per_centre = caseload.groupby(["facility_id", "month"], as_index=False)["cases"].sum()
    profile = learn_arrival_profile(city.arrival_profile, per_centre["facility_id"].unique())
    arrivals = split_into_hourly_arrivals(per_centre, profile, holidays=holidays)
    return caseload, arrivals


def staff_city(
    city: City,
    target: ServiceTarget | None = None,
    limits: TransferLimits | None = None,
    online_share: float = 0.0,
    new_caseworkers: int = 0,
    months: int = 12,
    forecaster=None,
    options: SolverOptions | None = None,
) -> PlanResult:
    """Next year's caseworker posting for a city, in one call (for scenario runs).

    new_caseworkers: hires on top of today's headcount (placed by the model, within the move
    limits). Plans: ``posting`` and ``requirements`` (per centre-month), ``staffing_by_centre``
    (per centre: caseworkers today / planned, service level before / after, months missed).
    """
    inputs = centre_inputs(city)
    _, arrivals = next_year_arrivals(city, months=months, forecaster=forecaster)
    limits = limits or TransferLimits()
    if new_caseworkers:
        hired = int(inputs.caseworkers.sum()) + int(new_caseworkers)
        limits = replace(limits, bureau_headcount=hired)
    result = staff_service_centres(
        arrivals, inputs.caseworkers, inputs.counters, target, limits, online_share, options
    )
    return _with_centre_summary(result, inputs.names)


def staff_from_caseload(
    caseload: pd.DataFrame,
    caseworkers: pd.Series,
    counters: pd.Series,
    profile: pd.DataFrame | None = None,
    target: ServiceTarget | None = None,
    limits: TransferLimits | None = None,
    online_share: float = 0.0,
    options: SolverOptions | None = None,
    sources: tuple[str, str] = ("caseload", "profile"),
) -> PlanResult:
    """The caseworker posting from plain tables: cases a month per centre [facility_id, month,
    cases], today's caseworkers and counters (by facility_id), and optionally the visits by
    weekday and hour [facility_id, weekday, hour, visits] (default: a typical profile).

    ``sources`` name the caseload and profile in messages. Plans as ``staff_city``'s.
    """
    shares = learn_arrival_profile(
        profile, caseload["facility_id"].astype(str).unique(), source=sources[1]
    )
    arrivals = split_into_hourly_arrivals(caseload, shares, source=sources[0])
    result = staff_service_centres(
        arrivals, caseworkers, counters, target, limits, online_share, options
    )
    return _with_centre_summary(result, None)


def _with_centre_summary(result: PlanResult, names: pd.Series | None) -> PlanResult:
    """Add ``staffing_by_centre`` (per centre over the year) to a posting's plans."""
    if "posting" in result.plans:
        by_centre = service_level_by_centre(result.plans["posting"])
        if names is not None:
            by_centre.insert(1, "name", by_centre["facility_id"].map(names))
        result.plans["staffing_by_centre"] = by_centre
    return result
