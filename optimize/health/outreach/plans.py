"""The outreach plan as tidy frames, and its sessions placed on the week's half-days."""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimize.health.rules import OutreachRules

#: The ten working half-days of a week, in the order slots are filled.
SLOT_NAMES = [f"{d} {p}" for d in ("Mon", "Tue", "Wed", "Thu", "Fri") for p in ("AM", "PM")]


def read_outreach_plans(om) -> dict[str, pd.DataFrame]:
    """The plan an ``OutreachModel``'s variables hold: ``schedule`` (pool, centre, sessions,
    half-days used, specialist minutes, slots), ``visits_served`` per area, specialty and centre,
    ``by_area`` (need, served, unmet, unmet share, average minutes before/after), ``unmet`` by
    area and specialty, ``pools`` (outreach half-days used vs. limits), ``centres`` (sessions
    vs. room half-days), ``objective_parts``."""
    sessions, visits, unmet, rules, worst = om.sessions, om.visits, om.unmet, om.rules, om.worst
    need, pools, centres = om.frames.need, om.frames.pools, om.frames.centres
    room_half_days, hospital_travel = om.room_half_days, om.frames.hospital_travel
    value = np.vectorize(lambda v: v.varValue or 0.0, otypes=[float])
    s = sessions.drop(columns="var").assign(sessions=np.round(value(sessions["var"])))
    s = s[s["sessions"] > 0].copy()
    s["half_days_used"] = s["sessions"] * s["half_days"]
    s["specialist_minutes"] = s["sessions"] * 2 * s["minutes"]
    s["visit_capacity"] = s["sessions"] * rules.visits_per_session
    schedule = s[["hospital_id", "specialty", "centre_id", "sessions", "half_days_used",
                  "minutes", "specialist_minutes", "visit_capacity"]]  # fmt: skip
    schedule = schedule.rename(columns={"minutes": "one_way_minutes"}).reset_index(drop=True)
    schedule = half_day_slots(schedule, pools, centres, rules)

    v = visits.assign(share=value(visits["var"]))
    v["visits_per_week"] = v["share"] * v["visits_per_week"]
    v = v[v["visits_per_week"] > 1e-6]
    served = v[["area_id", "specialty", "from_area", "centre_id", "visits_per_week", "minutes"]]
    served = served.reset_index(drop=True)

    n = need.assign(unmet=value(unmet.to_numpy()) * need["visits_per_week"])
    n = n.groupby(["area_id", "specialty"], as_index=False, sort=False)[
        ["visits_per_week", "unmet"]
    ].sum()
    got = served.groupby(["area_id", "specialty"])["visits_per_week"].sum()
    key = pd.MultiIndex.from_frame(n[["area_id", "specialty"]])
    n["served"] = got.reindex(key).fillna(0.0).to_numpy()
    unmet_frame = n.loc[n["unmet"] > 1e-6, ["area_id", "specialty", "unmet"]]
    unmet_frame = unmet_frame.rename(columns={"unmet": "visits_per_week"}).reset_index(drop=True)

    by_area = n.groupby("area_id")[["visits_per_week", "served", "unmet"]].sum()
    by_area = by_area.rename(columns={"visits_per_week": "need"})
    by_area["unmet_share"] = by_area["unmet"] / by_area["need"].where(by_area["need"] > 0)
    if hospital_travel is not None:
        by_area = by_area.join(_travel_change(n, served, pools, hospital_travel))
    by_area = by_area.reset_index()

    used = schedule.groupby(["hospital_id", "specialty"])[["sessions", "half_days_used"]].sum()
    p = pools.set_index(["hospital_id", "specialty"]).join(used).fillna(0.0)
    p["outreach_limit"] = p["specialists"] * rules.outreach_half_days
    p["in_house_half_days"] = p["specialists"] * rules.working_half_days - p["half_days_used"]
    p["in_house_share"] = p["in_house_half_days"] / (
        p["specialists"] * rules.working_half_days
    ).where(p["specialists"] > 0)
    c = centres.set_index("centre_id")
    c["room_half_days"] = room_half_days
    c["sessions"] = schedule.groupby("centre_id")["sessions"].sum().reindex(c.index).fillna(0.0)

    travel_minutes = float((served["visits_per_week"] * served["minutes"]).sum())
    parts = pd.DataFrame(
        {
            "part": [
                "unmet visits per week",
                "resident person-minutes per week",
                "specialist minutes per week",
                "worst area unmet share",
            ],  # fmt: skip
            "value": [
                float(n["unmet"].sum()),
                travel_minutes,
                float(schedule["specialist_minutes"].sum()),
                float(by_area["unmet_share"].max()) if worst is None else float(worst.varValue),
            ],
        }
    )
    return {
        "schedule": schedule,
        "visits_served": served,
        "by_area": by_area,
        "unmet": unmet_frame,
        "pools": p.reset_index(),
        "centres": c.reset_index(),
        "objective_parts": parts,
    }


def _travel_change(
    need: pd.DataFrame, served: pd.DataFrame, pools: pd.DataFrame, hospital_travel: pd.DataFrame
) -> pd.DataFrame:
    """Average one-way minutes per visit before (nearest hospital) and after (centre or hospital).

    Before, every visit goes to the nearest hospital with the specialty; after, visits seen at a
    centre travel there and the rest still go to the hospital. Areas with no hospital within the
    travel frame's cutoff get NaN before.
    """
    ht = hospital_travel
    staffed = pools.loc[pools["specialists"] > 0, ["hospital_id", "specialty"]]
    nearest = ht.merge(staffed, on="hospital_id").groupby(["area_id", "specialty"])["minutes"].min()
    key = pd.MultiIndex.from_frame(need[["area_id", "specialty"]])
    hosp = nearest.reindex(key).to_numpy()
    at_centre = (
        (served["visits_per_week"] * served["minutes"])
        .groupby([served["area_id"], served["specialty"]])
        .sum()
        .reindex(key)
        .fillna(0.0)
        .to_numpy()
    )
    frame = pd.DataFrame(
        {
            "area_id": need["area_id"].to_numpy(),
            "before": need["visits_per_week"].to_numpy() * hosp,
            "after": at_centre + (need["visits_per_week"] - need["served"]).to_numpy() * hosp,
            "visits": need["visits_per_week"].to_numpy(),
        }
    )
    g = frame.groupby("area_id")[["before", "after", "visits"]].sum(min_count=1)
    out = pd.DataFrame(
        {
            "minutes_before": g["before"] / g["visits"],
            "minutes_after": g["after"] / g["visits"],
        }
    )
    out["minutes_change"] = out["minutes_after"] - out["minutes_before"]
    return out


def half_day_slots(
    schedule: pd.DataFrame, pools: pd.DataFrame, centres: pd.DataFrame, rules: OutreachRules
) -> pd.DataFrame:
    """Place each pool's sessions on the week's ten half-days (Mon AM ... Fri PM).

    A pool holds at most one session per specialist in a half-day, and a centre at most its
    rooms kept for visiting specialists ("Mon AM x2" = two rooms that half-day). Sessions go to
    the least-used half-day that fits, the biggest blocks first; a session that fits nowhere is
    listed as 'unplaced' (it can still be held by swapping rooms, but the table says so).
    """
    out = schedule.copy()
    if out.empty:
        out["slots"] = pd.Series(dtype=object)
        return out
    heads = pools.set_index(["hospital_id", "specialty"])["specialists"].to_dict()
    per_slot = np.ceil(centres.set_index("centre_id")["rooms"] * rules.room_share_for_outreach)
    per_slot = per_slot.clip(lower=1).to_dict()
    pool_load: dict[tuple, np.ndarray] = {}
    centre_load: dict[str, np.ndarray] = {}
    slots = [""] * len(out)
    order = np.argsort(-out["sessions"].to_numpy(), kind="stable")
    for i in order:
        row = out.iloc[i]
        pool = (row["hospital_id"], row["specialty"])
        pl = pool_load.setdefault(pool, np.zeros(10))
        cl = centre_load.setdefault(row["centre_id"], np.zeros(10))
        names = []
        for _ in range(int(row["sessions"])):
            fits = (pl < heads.get(pool, 0)) & (cl < per_slot.get(row["centre_id"], 1))
            if not fits.any():
                names.append("unplaced")
                continue
            k = int(np.flatnonzero(fits)[np.argmin((pl + cl)[fits])])
            pl[k] += 1
            cl[k] += 1
            names.append(SLOT_NAMES[k])
        counts = pd.Series(names).value_counts()
        slots[i] = ", ".join(
            name if counts[name] == 1 else f"{name} x{counts[name]}"
            for name in sorted(counts.index, key=_slot_order)
        )
    out["slots"] = slots
    return out


def _slot_order(name: str) -> int:
    return SLOT_NAMES.index(name) if name in SLOT_NAMES else len(SLOT_NAMES)
