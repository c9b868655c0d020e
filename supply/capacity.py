"""What each facility can deliver: capacity and staff per facility, and effective capacity.

Effective capacity turns the inventory into the units need is measured in (see docs/demand.md):

| need resource | from | rule (``CapacityTargets``) |
| --- | --- | --- |
| beds:<dept> (occupied beds) | beds:<dept> | beds x target occupancy (0.85) |
| seats:grade_k (pupils) | seats:grade_k | seats, capped by classes:grade_k x class size cap (45 primary, 50 middle) when classes are given |
| outpatient_visits:<specialty> (visits/yr) | workforce specialist:<specialty> | FTE x visits per specialist FTE-year (1,750) |
| outpatient_visits:general (visits/yr) | workforce gp | FTE x visits per GP FTE-year (3,500) |
| caseload:all (cases/yr) | workforce caseworker, capacity counters | min(FTE x cases per caseworker-year (6,000), counters x cases per counter-year (12,000)) |
"""  # noqa: E501

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from demand.checks import require_columns, require_ids, require_numbers

CAPACITY_COLUMNS = ["facility_id", "resource", "amount"]


@dataclass(frozen=True)
class CapacityTargets:
    """Planning norms that turn inventory into effective capacity (all editable per scenario).

    bed_occupancy: share of beds that can be filled on an average day (NHC target 85%).
    class_size_primary / class_size_middle: pupils per class cap (MOE standard 45 / 50).
    visits_per_specialist_fte: outpatient visits per specialist per year (~7 a day x 250 days).
    visits_per_gp_fte: visits per community GP per year (~14 a day x 250 days).
    cases_per_caseworker_fte: social-insurance cases one caseworker handles per year (~24 a day).
    cases_per_counter: cases one service counter handles per year (~48 a day x 250 days).
    """

    bed_occupancy: float = 0.85
    class_size_primary: int = 45
    class_size_middle: int = 50
    visits_per_specialist_fte: float = 1750.0
    visits_per_gp_fte: float = 3500.0
    cases_per_caseworker_fte: float = 6000.0
    cases_per_counter: float = 12000.0


def capacity_by_facility(capacity: pd.DataFrame, source: str = "capacity") -> pd.DataFrame:
    """Capacity summed per facility and resource: [facility_id, resource, amount]."""
    require_columns(capacity, CAPACITY_COLUMNS, source)
    frame = pd.DataFrame(
        {
            "facility_id": require_ids(capacity, "facility_id", source),
            "resource": require_ids(capacity, "resource", source),
            "amount": require_numbers(capacity, "amount", source),
        }
    )
    return frame.groupby(["facility_id", "resource"], as_index=False, sort=True)["amount"].sum()


def workforce_by_facility(workforce: pd.DataFrame, source: str = "workforce") -> pd.DataFrame:
    """Staff summed per facility and role: [facility_id, role, headcount, fte]."""
    require_columns(workforce, ["facility_id", "role", "headcount", "fte"], source)
    frame = pd.DataFrame(
        {
            "facility_id": require_ids(workforce, "facility_id", source),
            "role": require_ids(workforce, "role", source),
            "headcount": require_numbers(workforce, "headcount", source),
            "fte": require_numbers(workforce, "fte", source),
        }
    )
    return frame.groupby(["facility_id", "role"], as_index=False, sort=True)[
        ["headcount", "fte"]
    ].sum()


def _grade(resource: pd.Series) -> pd.Series:
    return pd.to_numeric(resource.str.extract(r"grade_(\d+)$")[0], errors="coerce")


def effective_capacity(
    capacity: pd.DataFrame,
    workforce: pd.DataFrame | None = None,
    targets: CapacityTargets | None = None,
) -> pd.DataFrame:
    """Capacity in the units need is measured in: [facility_id, resource, amount].

    See the module docstring for each rule. Resources without a rule (rooms, hosts) are left
    out: they describe what a facility can host, not how much need it can meet.
    """
    targets = targets or CapacityTargets()
    cap = capacity_by_facility(capacity)
    staff = (
        workforce_by_facility(workforce)
        if workforce is not None and len(workforce)
        else pd.DataFrame(columns=["facility_id", "role", "headcount", "fte"])
    )
    pieces: list[pd.DataFrame] = []

    beds = cap[cap["resource"].str.startswith("beds:")]
    pieces.append(beds.assign(amount=beds["amount"] * targets.bed_occupancy))

    seats = cap[cap["resource"].str.match(r"^seats:grade_\d+$")].copy()
    classes = cap[cap["resource"].str.match(r"^classes:grade_\d+$")].copy()
    if len(classes):
        classes["resource"] = classes["resource"].str.replace("classes:", "seats:", regex=False)
        size = np.where(
            _grade(classes["resource"]) <= 6, targets.class_size_primary, targets.class_size_middle
        )
        cap_by_class = classes.assign(amount=classes["amount"] * size)
        seats = seats.merge(
            cap_by_class, on=["facility_id", "resource"], how="left", suffixes=("", "_cap")
        )
        seats["amount"] = np.fmin(seats["amount"], seats["amount_cap"])
        seats = seats[CAPACITY_COLUMNS]
    pieces.append(seats)

    specialists = staff[staff["role"].str.startswith("specialist:")]
    pieces.append(
        pd.DataFrame(
            {
                "facility_id": specialists["facility_id"],
                "resource": "outpatient_visits:" + specialists["role"].str.split(":").str[1],
                "amount": specialists["fte"] * targets.visits_per_specialist_fte,
            }
        )
    )
    gps = staff[staff["role"] == "gp"]
    pieces.append(
        pd.DataFrame(
            {
                "facility_id": gps["facility_id"],
                "resource": "outpatient_visits:general",
                "amount": gps["fte"] * targets.visits_per_gp_fte,
            }
        )
    )

    by_staff = (
        staff[staff["role"] == "caseworker"].set_index("facility_id")["fte"]
        * targets.cases_per_caseworker_fte
    )
    by_counter = (
        cap[cap["resource"] == "counters"].set_index("facility_id")["amount"]
        * targets.cases_per_counter
    )
    centres = by_staff.index.union(by_counter.index)
    if len(centres):
        both = pd.concat([by_staff.reindex(centres), by_counter.reindex(centres)], axis=1)
        pieces.append(
            pd.DataFrame(
                {"facility_id": centres, "resource": "caseload:all", "amount": both.min(axis=1)}
            )
        )
    pieces = [p[CAPACITY_COLUMNS] for p in pieces if len(p)]
    if not pieces:
        return pd.DataFrame({"facility_id": [], "resource": [], "amount": []}, dtype=object)
    out = pd.concat(pieces, ignore_index=True)
    out = out.groupby(["facility_id", "resource"], as_index=False, sort=True)["amount"].sum()
    return out
