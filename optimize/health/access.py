"""How an outreach plan changes residents' access to specialists (2SFCA, ``optimize.metrics``).

Supply is specialist half-days per week where residents can use them: before the plan all of a
pool's working half-days are at its hospital; after it, the half-days spent on outreach
(travel included) leave the hospital and the sessions appear at the centres. Access is the
two-step floating catchment ratio within ``max_minutes``, reported per 1,000 residents.
"""

from __future__ import annotations

import pandas as pd

from optimize.health.rules import OutreachRules
from optimize.metrics import two_step_fca

__all__ = ["specialist_access_change"]


def specialist_access_change(
    schedule: pd.DataFrame,
    pools: pd.DataFrame,
    population: pd.Series,
    travel: pd.DataFrame,
    rules: OutreachRules | None = None,
    max_minutes: float = 30.0,
) -> pd.DataFrame:
    """[area_id, access_before, access_after, access_change] in specialist half-days per week
    per 1,000 residents within ``max_minutes``.

    schedule: the ``schedule`` plan (hospital_id, centre_id, sessions, half_days_used);
    pools: [hospital_id, specialty, specialists]; population: persons per area_id;
    travel: [area_id, facility_id, minutes] covering hospitals and centres.
    """
    rules = rules or OutreachRules()
    at_hospital = pools.groupby("hospital_id")["specialists"].sum() * rules.working_half_days
    away = schedule.groupby("hospital_id")["half_days_used"].sum()
    at_centre = schedule.groupby("centre_id")["sessions"].sum()
    centre_ids = travel.loc[~travel["facility_id"].isin(at_hospital.index), "facility_id"].unique()
    before = pd.concat(
        [at_hospital, pd.Series(0.0, index=pd.Index(centre_ids).difference(at_hospital.index))]
    )
    after = before.copy()
    after.loc[away.index] -= away
    after.loc[at_centre.index] = after.reindex(at_centre.index).fillna(0.0) + at_centre
    population = population.astype(float)
    a0 = two_step_fca(population, before, travel, max_minutes) * 1000
    a1 = two_step_fca(population, after, travel, max_minutes) * 1000
    out = pd.DataFrame({"access_before": a0, "access_after": a1})
    out["access_change"] = out["access_after"] - out["access_before"]
    out.index.name = "area_id"
    return out.reset_index()
