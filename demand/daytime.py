"""Where need is served: part of a group's need moves to where its members spend the day.

The rule (also in docs/demand.md). For each ``DaytimeRule`` and each home area o:

1. travellers o->d = trips_per_day(o->d, purpose) / trips_per_person;
2. the share of the group living in o who spend the day in d is
   f(o,d) = travellers(o->d) / persons of the group in o, scaled down so sum_d f(o,d) <= 1;
3. the group's need in o for the rule's resources (its age slice of the rates) is
   multiplied by ``share`` x f(o,d) and moved from o to d, for every d != o.

Need is conserved: the city total never changes, only where it is counted. The same working-day
OD table is applied to every period. Beds are not moved by default (admissions follow referral
and residence, not the workplace).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from demand.ages import overlap_share
from demand.bundle.schemas import PURPOSES
from demand.checks import require_columns, require_ids, require_numbers
from demand.errors import InputError
from demand.need import (
    GROUPS,
    NEED_COLUMNS,
    _long,
    population_matrix,
    rate_matrix,
    residential_need,
)
from demand.rates import load_need_rates


@dataclass(frozen=True)
class DaytimeRule:
    """A share of one group's need for some resources is served where it spends the day.

    purpose: OD purpose whose trips say where the group goes ('commute', 'school').
    service / resource_prefix: which need moves ('outpatient_visits:'; '' = whole service).
    min_age / max_age: the travelling group, in years (inclusive).
    share: share (0-1) of a traveller's need for those resources served at the day-time area.
    trips_per_person: OD trips one traveller makes per day (1 if the table counts the trip
        from home only; 2 if it counts there and back).
    """

    purpose: str
    service: str
    resource_prefix: str
    min_age: int
    max_age: int
    share: float
    trips_per_person: float = 1.0

    def __post_init__(self) -> None:
        if self.purpose not in PURPOSES:
            raise InputError(f"daytime rule: purpose {self.purpose!r} is not one of {PURPOSES}")
        if not 0 <= self.share <= 1:
            raise InputError(f"daytime rule: share must be within 0-1, got {self.share}")
        if self.trips_per_person <= 0 or self.min_age > self.max_age:
            raise InputError("daytime rule: trips_per_person must be > 0 and min_age <= max_age")


#: Default rules; the shares are assumptions (docs/demand.md), change them per scenario.
DEFAULT_RULES: tuple[DaytimeRule, ...] = (
    # workers use outpatient clinics near work for about 30% of their visits
    DaytimeRule("commute", "health", "outpatient_visits:", 20, 59, share=0.3),
    # employment-linked insurance business is done near work about half the time
    DaytimeRule("commute", "social_security", "caseload:", 20, 59, share=0.5),
    # a pupil's seat is where the pupil goes to school (the sample counts 2 trips a day)
    DaytimeRule("school", "education", "seats:", 5, 14, share=1.0, trips_per_person=2.0),
)


def _trips(mobility: pd.DataFrame, source: str = "mobility") -> pd.DataFrame:
    require_columns(mobility, ["origin_area", "dest_area", "purpose", "trips_per_day"], source)
    return pd.DataFrame(
        {
            "origin": require_ids(mobility, "origin_area", source),
            "dest": require_ids(mobility, "dest_area", source),
            "purpose": mobility["purpose"].astype(str),
            "trips": require_numbers(mobility, "trips_per_day", source),
        }
    )


def _group_persons(keys: pd.DataFrame, persons: np.ndarray, rule: DaytimeRule) -> pd.Series:
    share = np.array([overlap_share(band, rule.min_age, rule.max_age) for _, band in GROUPS])
    return pd.Series(persons @ share, index=pd.MultiIndex.from_frame(keys))


def _move(
    need: pd.DataFrame,
    keys: pd.DataFrame,
    persons: np.ndarray,
    trips: pd.DataFrame,
    rates: pd.DataFrame,
    rule: DaytimeRule,
) -> pd.DataFrame:
    """Rows [area_id, period, service, resource, amount] of need moved in (+) and out (-)."""
    chosen = rates[
        (rates["service"] == rule.service) & rates["resource"].str.startswith(rule.resource_prefix)
    ]
    od = trips[trips["purpose"] == rule.purpose]
    if chosen.empty or od.empty:
        return need.iloc[:0]
    od = od.groupby(["origin", "dest"], as_index=False)["trips"].sum()
    resources, group_rates = rate_matrix(chosen, rule.min_age, rule.max_age)
    group_need = _long(keys, resources, persons @ group_rates)
    group = _group_persons(keys, persons, rule).rename("group_persons").reset_index()
    # f(o, d): share of the group in o spending the day in d, per period
    f = od.merge(group, left_on="origin", right_on="area_id").drop(columns="area_id")
    f["f"] = np.where(
        f["group_persons"] > 0, f["trips"] / rule.trips_per_person / f["group_persons"], 0.0
    )
    total = f.groupby(["origin", "period"])["f"].transform("sum")
    f["f"] = f["f"] / np.maximum(total, 1.0)
    f = f[f["origin"] != f["dest"]]
    moved = f[["origin", "dest", "period", "f"]].merge(
        group_need, left_on=["origin", "period"], right_on=["area_id", "period"]
    )
    moved["amount"] = moved["amount"] * moved["f"] * rule.share
    cols = ["period", "service", "resource", "amount"]
    inflow = moved.rename(columns={"area_id": "_", "dest": "area_id"})[["area_id", *cols]]
    outflow = moved[["area_id", *cols]].assign(amount=-moved["amount"])
    return pd.concat([inflow, outflow], ignore_index=True)


def daytime_need(
    need: pd.DataFrame,
    population: pd.DataFrame,
    mobility: pd.DataFrame,
    rates: pd.DataFrame | None = None,
    rules: tuple[DaytimeRule, ...] = DEFAULT_RULES,
) -> pd.DataFrame:
    """The need table with each rule's share moved from home areas to day-time areas.

    ``need`` is the residential need (``residential_need``) computed from the same population
    and rates. Areas that only receive need (no residents) are added.
    """
    rates = load_need_rates() if rates is None else rates
    keys, persons = population_matrix(population, sorted(need["period"].unique()))
    trips = _trips(mobility)
    unknown = ~trips["dest"].isin(keys["area_id"]) & trips["purpose"].isin(
        [r.purpose for r in rules]
    )
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise InputError(
            f"mobility, row {i + 2}, column dest_area: {trips['dest'].iloc[i]!r} has no "
            "population rows. Use an area_id from the areas table."
        )
    moves = [_move(need, keys, persons, trips, rates, rule) for rule in rules]
    combined = pd.concat([need[NEED_COLUMNS], *moves], ignore_index=True)
    out = combined.groupby(["area_id", "period", "service", "resource"], as_index=False, sort=True)[
        "amount"
    ].sum()
    # at most all of an area's need leaves it, so a negative is only floating-point noise
    out["amount"] = out["amount"].clip(lower=0.0)
    return out[NEED_COLUMNS]


def compute_need(
    population: pd.DataFrame,
    rates: pd.DataFrame | None = None,
    mobility: pd.DataFrame | None = None,
    rules: tuple[DaytimeRule, ...] = DEFAULT_RULES,
    years: list[int] | None = None,
) -> pd.DataFrame:
    """The ``need`` table: residential need, then (when ``mobility`` is given) served by day.

    Amounts are per area and period in the rate table's units (``need_units``).
    """
    rates = load_need_rates() if rates is None else rates
    need = residential_need(population, rates, years)
    if mobility is None or mobility.empty or not rules:
        return need
    return daytime_need(need, population, mobility, rates, rules)
