"""The outreach model's checked inputs and who may serve whom: pool-centre session pairs and
area-centre visit pairs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from demand.errors import InputError
from optimize.health._checks import checked
from optimize.health.rules import OutreachRules


@dataclass
class OutreachFrames:
    """The outreach model's inputs, checked (ids as text, numbers as floats); ``need`` keeps
    only rows with visits and has ``from_area`` (= ``area_id`` for visits from home)."""

    pools: pd.DataFrame  # [hospital_id, specialty, specialists]
    centres: pd.DataFrame  # [centre_id, rooms]
    hosts: pd.DataFrame  # [centre_id, specialty]
    need: pd.DataFrame  # [area_id, specialty, from_area, visits_per_week]
    resident_travel: pd.DataFrame  # [area_id, centre_id, minutes]
    specialist_travel: pd.DataFrame  # [hospital_id, centre_id, minutes]
    hospital_travel: pd.DataFrame | None = None  # [area_id, hospital_id, minutes], optional

    def of_specialty(self, specialty: str) -> OutreachFrames:
        """One specialty's inputs: its pools, hosts and need; centres and travel as they are."""
        mine = {
            name: frame[frame["specialty"] == specialty].reset_index(drop=True)
            for name, frame in (("pools", self.pools), ("hosts", self.hosts),
                                ("need", self.need))
        }  # fmt: skip
        return OutreachFrames(
            centres=self.centres,
            resident_travel=self.resident_travel,
            specialist_travel=self.specialist_travel,
            hospital_travel=self.hospital_travel,
            **mine,
        )


def check_outreach_inputs(
    pools, centres, hosts, need, resident_travel, specialist_travel, hospital_travel=None
) -> OutreachFrames:
    """The inputs checked once, at the door; InputError names the frame, row and column."""
    pools = checked(pools, "specialist pools", ["hospital_id", "specialty"], {"specialists": 0})
    centres = checked(centres, "centres", ["centre_id"], {"rooms": 0})
    hosts = checked(hosts, "hosted specialties", ["centre_id", "specialty"])
    ids = ["area_id", "specialty"] + (["from_area"] if "from_area" in need.columns else [])
    need = checked(need, "visit need", ids, {"visits_per_week": 0})
    if "from_area" not in need.columns:
        need["from_area"] = need["area_id"]
    resident_travel = checked(
        resident_travel, "resident travel", ["area_id", "centre_id"], {"minutes": 0}
    )
    specialist_travel = checked(
        specialist_travel, "specialist travel", ["hospital_id", "centre_id"], {"minutes": 0}
    )
    unknown = ~hosts["centre_id"].isin(centres["centre_id"])
    if unknown.any():
        row = int(np.flatnonzero(unknown)[0])
        raise InputError(
            f"hosted specialties, row {row}, column centre_id: {hosts['centre_id'].iloc[row]!r} "
            "is not in the centres table. Add the centre (with its rooms) or drop the row."
        )
    if hospital_travel is not None:
        hospital_travel = checked(
            hospital_travel, "hospital travel", ["area_id", "hospital_id"], {"minutes": 0}
        )
    need = need[need["visits_per_week"] > 0].reset_index(drop=True)
    return OutreachFrames(
        pools, centres, hosts, need, resident_travel, specialist_travel, hospital_travel
    )


def session_pairs(frames: OutreachFrames, rules: OutreachRules) -> pd.DataFrame:
    """Allowed (pool, centre) pairs: hosted specialty, within reach, among the k nearest pools;
    with the half-days one session costs there."""
    pairs = frames.pools.merge(frames.hosts, on="specialty").merge(
        frames.specialist_travel, on=["hospital_id", "centre_id"]
    )
    pairs = pairs[pairs["minutes"] <= rules.max_specialist_minutes]
    pairs = pairs.sort_values(["centre_id", "specialty", "minutes", "hospital_id"], kind="stable")
    if rules.partner_hospitals is not None:
        rank = pairs.groupby(["centre_id", "specialty"], sort=False).cumcount()
        pairs = pairs[(rank < rules.partner_hospitals).to_numpy()]
    pairs = pairs.reset_index(drop=True)
    pairs["half_days"] = rules.session_half_days(pairs["minutes"].to_numpy())
    return pairs


def visit_pairs(
    need: pd.DataFrame, resident_travel: pd.DataFrame, offered: pd.DataFrame, rules: OutreachRules
) -> pd.DataFrame:
    """Allowed (need row, centre) pairs: within the residents' limit, specialty offered there.

    Trips start at home; a row with another ``from_area`` (mobility-aware need: commuters) may
    also be seen near that area, whichever centre is nearer from where the trip starts.
    """
    near = resident_travel[resident_travel["minutes"] <= rules.max_resident_minutes]
    near = near.rename(columns={"area_id": "start"})
    rows = need.assign(row=np.arange(len(need)))
    starts = pd.concat(
        [rows.assign(start=rows["area_id"]), rows[rows["from_area"] != rows["area_id"]].assign(
            start=lambda f: f["from_area"])],
        ignore_index=True,
    )  # fmt: skip
    pairs = starts.merge(near, on="start").merge(offered, on=["centre_id", "specialty"])
    pairs = pairs.sort_values(["row", "start", "minutes", "centre_id"], kind="stable")
    if rules.centres_per_area is not None:  # the k nearest from home, and from work
        rank = pairs.groupby(["row", "start"], sort=False).cumcount()
        pairs = pairs[(rank < rules.centres_per_area).to_numpy()]
    pairs = pairs.sort_values(["row", "minutes", "centre_id"], kind="stable")
    pairs = pairs.drop_duplicates(["row", "centre_id"], keep="first")
    return pairs.drop(columns=["row", "start"]).reset_index(drop=True)


def demand_ids(frame: pd.DataFrame) -> pd.Series:
    """'A1 / cardiology' (from home) or 'A1 / cardiology / from A7' (as shortfall names it)."""
    ids = frame["area_id"] + " / " + frame["specialty"]
    away = frame["from_area"] != frame["area_id"]
    return ids.where(~away, ids + " / from " + frame["from_area"])
