"""Access and equity per service line of a city: beds, outpatient care, schools, social insurance.

A service line pairs a need (resources of the ``need`` table) with the facilities and effective
capacity that meet it (``supply.capacity.effective_capacity``), a catchment in minutes and the
age group whose equity matters. Access is the 2SFCA ratio of effective capacity to need within
the catchment: 1.0 means the capacity within reach matches the need.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from demand.ages import overlap_share
from demand.need import GROUPS, population_matrix
from optimize.metrics.catchment import nearest_minutes, two_step_fca
from optimize.metrics.equity import equity_summary


@dataclass(frozen=True)
class ServiceLine:
    """One service as residents experience it (all minutes are door-to-door)."""

    name: str
    kinds: tuple[str, ...]  # facility kinds that provide it
    need_pattern: str  # regex on need.resource
    capacity_pattern: str  # regex on effective-capacity resource
    catchment_minutes: float
    min_age: int  # age group whose equity is reported
    max_age: int


SERVICE_LINES: tuple[ServiceLine, ...] = (
    ServiceLine("hospital beds", ("hospital",), r"^beds:", r"^beds:", 30, 65, 99),
    ServiceLine(
        "outpatient care",
        ("hospital", "community_health_centre"),
        r"^outpatient_visits:",
        r"^outpatient_visits:",
        30,
        65,
        99,
    ),
    ServiceLine(
        "primary school",
        ("primary_school",),
        r"^seats:grade_[1-6]$",
        r"^seats:grade_[1-6]$",
        15,
        6,
        11,
    ),
    ServiceLine(
        "middle school",
        ("middle_school",),
        r"^seats:grade_[7-9]$",
        r"^seats:grade_[7-9]$",
        20,
        12,
        14,
    ),
    ServiceLine(
        "social insurance", ("social_insurance_centre",), r"^caseload:", r"^caseload:", 30, 20, 99
    ),
)


def persons_aged(population: pd.DataFrame, period: int, min_age: int, max_age: int) -> pd.Series:
    """Residents per area within an age range (years, inclusive), bands split evenly."""
    keys, persons = population_matrix(population, [period])
    share = np.array([overlap_share(band, min_age, max_age) for _, band in GROUPS])
    return pd.Series(persons @ share, index=pd.Index(keys["area_id"], name="area_id"))


def access_by_service_line(
    need: pd.DataFrame,
    capacity: pd.DataFrame,
    facilities: pd.DataFrame,
    travel: pd.DataFrame,
    population: pd.DataFrame,
    period: int,
    lines: tuple[ServiceLine, ...] = SERVICE_LINES,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-area access and city-wide equity for each service line in one period.

    ``need``: the need table; ``capacity``: effective capacity [facility_id, resource, amount];
    ``facilities``: [facility_id, kind]; ``travel``: long minutes frame.
    Returns (areas: [service_line, area_id, need, access, nearest_minutes, persons_in_group],
    equity: one row per line with mean access, Gini, Theil, worst decile, share beyond 15/30 min
    for the line's age group).
    """
    need = need[need["period"] == period]
    areas = pd.Index(sorted(population["area_id"].unique()), name="area_id")
    rows, summaries = [], []
    for line in lines:
        demand = (
            need[need["resource"].str.match(line.need_pattern)]
            .groupby("area_id")["amount"]
            .sum()
            .reindex(areas, fill_value=0.0)
        )
        ids = facilities.loc[facilities["kind"].isin(line.kinds), "facility_id"]
        cap = capacity[capacity["facility_id"].isin(ids)]
        supply = (
            cap[cap["resource"].str.match(line.capacity_pattern)]
            .groupby("facility_id")["amount"]
            .sum()
            .reindex(pd.Index(ids.unique()), fill_value=0.0)
        )
        access = two_step_fca(demand, supply, travel, line.catchment_minutes)
        nearest = nearest_minutes(areas, supply.index[supply > 0], travel)
        group = persons_aged(population, period, line.min_age, line.max_age).reindex(
            areas, fill_value=0.0
        )
        rows.append(
            pd.DataFrame(
                {
                    "service_line": line.name,
                    "area_id": areas,
                    "need": demand.to_numpy(),
                    "access": access.to_numpy(),
                    "nearest_minutes": nearest.to_numpy(),
                    "persons_in_group": group.to_numpy(),
                }
            )
        )
        summary = equity_summary(access, group, nearest, thresholds_minutes=(15.0, 30.0))
        summary.update(
            service_line=line.name,
            age_group=f"{line.min_age}+"
            if line.max_age >= 99
            else f"{line.min_age}-{line.max_age}",
            catchment_minutes=line.catchment_minutes,
            need=float(demand.sum()),
            capacity=float(supply.sum()),
        )
        summaries.append(summary)
    return pd.concat(rows, ignore_index=True), pd.DataFrame(summaries)
