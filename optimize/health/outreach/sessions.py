"""Whole sessions and the slack they leave: the one object the strategies share.

A ``SessionBook`` holds whole sessions per pool-centre row with each pool's outreach half-days
and each centre's room half-days still free, and changes them the three ways the strategies
need: ``round_up`` (largest fractions first, where pool and rooms allow), ``trim_unused`` (take
back sessions the visits leave empty, farthest pool first) and ``top_up`` (add sessions where
unmet visits wait within reach). ``make_pool_shares_whole`` turns the pools' continuous shares
of whole sessions per centre into whole sessions per pool.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimize.health.outreach.formulation import OutreachModel


class SessionBook:
    """Sessions per pool-centre row of an ``OutreachModel`` (``held``, whole or continuous),
    with the pools' outreach half-days (``pool_free``) and the centres' room half-days
    (``room_free``) still free. Each change keeps them in step."""

    def __init__(self, om: OutreachModel, held, pool_free: dict, room_free: dict) -> None:
        sessions = om.sessions
        self.om = om
        self.held = np.asarray(held, dtype=float).copy()
        self.pool_free = pool_free
        self.room_free = room_free
        self.pool_key = list(zip(sessions["hospital_id"], sessions["specialty"], strict=True))
        self.centre_key = sessions["centre_id"].tolist()
        self.cost = sessions["half_days"].to_numpy(dtype=float)
        self.rows_at = (
            pd.Series(np.arange(len(sessions)))
            .groupby([sessions["centre_id"].to_numpy(), sessions["specialty"].to_numpy()],
                     sort=False)
            .agg(list)
        )  # fmt: skip

    @classmethod
    def holding(cls, om: OutreachModel, held) -> SessionBook:
        """A book of ``held`` sessions, the pools' and rooms' slack what they leave."""
        pool_free: dict = {}
        room_free: dict = {}
        limit = om.pool_limit.to_dict()
        rooms = om.room_half_days.to_dict()
        sessions = om.sessions
        keys = zip(sessions["hospital_id"], sessions["specialty"], sessions["centre_id"],
                   sessions["half_days"], held, strict=True)  # fmt: skip
        for hospital, specialty, centre, cost, n in keys:
            pool = (hospital, specialty)
            pool_free[pool] = pool_free.get(pool, float(limit.get(pool, np.inf))) - n * cost
            room_free[centre] = room_free.get(centre, float(rooms.get(centre, np.inf))) - n
        return cls(om, held, pool_free, room_free)

    @classmethod
    def on_top_of(cls, om: OutreachModel, shares, held: pd.Series) -> SessionBook:
        """An empty book for sessions added to a plan whose pools hold ``shares`` (per row,
        continuous) and whose centres hold ``held`` sessions (per centre_id and specialty)."""
        _, pool_left = pool_time_left(om.sessions, om.pool_limit, shares)
        per_centre = held.groupby(level="centre_id").sum().reindex(om.room_half_days.index)
        rooms_left = om.room_half_days - per_centre.fillna(0.0)
        return cls(om, np.zeros(len(om.sessions)), pool_left.to_dict(), rooms_left.to_dict())

    def fits(self, k: int, share: float = 1.0) -> bool:
        """True when row ``k``'s pool and centre have time and a room for ``share`` more of a
        session (the room needs a whole free half-day)."""
        return (
            self.pool_free[self.pool_key[k]] >= share * self.cost[k] - 1e-9
            and self.room_free[self.centre_key[k]] >= 1
        )

    def add(self, k: int, n: float = 1.0) -> None:
        """``n`` more sessions at row ``k``."""
        self.held[k] += n
        self.pool_free[self.pool_key[k]] -= n * self.cost[k]
        self.room_free[self.centre_key[k]] -= n

    def round_up(self, value: np.ndarray) -> None:
        """Add one session at a time where ``value`` (the LP's sessions) has the largest
        fraction above the held sessions, wherever the pool and the centre still have room."""
        for k in np.argsort(-(value - self.held), kind="stable"):
            if value[k] - self.held[k] <= 1e-6:
                break
            if self.fits(k):
                self.add(k)

    def trim_unused(self) -> pd.Series:
        """Take back whole sessions that the visits the variables hold leave empty, at each
        centre and specialty the farthest pool's first. Returns the sessions taken back per
        (centre_id, specialty) where any were."""
        totals = pd.Series(
            [float(sum(self.held[k] for k in ks)) for ks in self.rows_at], index=self.rows_at.index
        )
        spare = spare_sessions(self.om.visits, totals, self.om.rules.visits_per_session)
        spare = spare[spare > 0]
        for key, n in spare.items():
            take = float(n)
            for k in sorted(self.rows_at[key], key=lambda i: -self.cost[i]):
                got = min(take, self.held[k])
                if got > 0:
                    self.add(k, -got)
                    take -= got
                if take <= 1e-9:
                    break
        return spare

    def top_up(self, at_least: float = 1.0) -> int:
        """Add sessions where at least ``at_least`` unmet visits remain within reach, from pools
        with time left; returns how many were added."""
        om = self.om
        left = {d: float(u.varValue or 0.0) * float(om.demand[d]) for d, u in om.unmet.items()}
        if sum(left.values()) < at_least:
            return 0
        reach = om.visits.groupby(["centre_id", "specialty"], sort=False)["demand_id"].agg(list)
        wanting = sorted(((sum(left[d] for d in ds), key) for key, ds in reach.items()),
                         reverse=True)  # fmt: skip
        added = 0
        for total, key in wanting:
            if total < at_least or key not in self.rows_at.index:
                continue
            for k in sorted(self.rows_at[key], key=lambda i: self.cost[i]):
                while sum(left[d] for d in reach[key]) >= at_least and self.fits(k):
                    self.add(k)
                    added += 1
                    room = om.rules.visits_per_session
                    for d in reach[key]:
                        take = min(room, left[d])
                        left[d] -= take
                        room -= take
                        if room <= 0:
                            break
        return added

    def per_centre(self) -> pd.Series:
        """Held sessions per (centre_id, specialty)."""
        key = [self.om.sessions["centre_id"].to_numpy(), self.om.sessions["specialty"].to_numpy()]
        return pd.Series(self.held).groupby(key).sum()

    def fix(self) -> None:
        """Fix the model's session variables to the held sessions (for an LP that fits visits)."""
        for v, n in zip(self.om.sessions["var"], self.held, strict=True):
            v.lowBound = v.upBound = float(n)


def pool_time_left(
    sessions: pd.DataFrame, pool_limit: pd.Series, used
) -> tuple[np.ndarray, pd.Series]:
    """Each session row's pool (codes into the Series) and each pool's outreach half-days left
    (``pool_limit`` by hospital and specialty, none = no limit) after ``used`` sessions a row."""
    codes, uniques = pd.factorize(pd.MultiIndex.from_frame(sessions[["hospital_id", "specialty"]]))
    left = pool_limit.reindex(uniques).fillna(np.inf).to_numpy(dtype=float)
    cost = sessions["half_days"].to_numpy(dtype=float)
    np.subtract.at(left, codes, np.asarray(used, dtype=float) * cost)
    return codes, pd.Series(left, index=uniques)


def spare_sessions(visits: pd.DataFrame, held: pd.Series, visits_per_session: float) -> pd.Series:
    """Whole sessions per (centre_id, specialty) that ``held`` holds beyond the visits the
    visit-share variables send there (0 or more, same index as ``held``)."""
    load = (
        pd.Series(
            [float(x.varValue or 0.0) for x in visits["var"]] * visits["visits_per_week"].to_numpy()
        )
        .groupby([visits["centre_id"].to_numpy(), visits["specialty"].to_numpy()])
        .sum()
    )
    load = load.reindex(held.index).fillna(0.0).to_numpy()
    spare = np.floor((held.to_numpy() * visits_per_session - load) / visits_per_session + 1e-6)
    return pd.Series(spare.clip(0), index=held.index)


def make_pool_shares_whole(sessions: pd.DataFrame, pool_limit: pd.Series) -> int:
    """Round the pools' (continuous) shares of each centre's whole sessions to whole sessions.

    Each pool keeps the whole part of its share; the sessions left at a centre go to the pools
    with the largest fractions that still have half-days left (``pool_limit`` by hospital and
    specialty), then to any pool within reach that has, then to one that gets the time by
    handing a session elsewhere to another pool. Works on the variables' values in place;
    returns how many sessions no pool had time for (then dropped: the caller re-fits visits).
    """
    if sessions.empty:
        return 0
    value = np.array([float(v.varValue or 0.0) for v in sessions["var"]])
    whole = np.floor(value + 1e-6)
    cost = sessions["half_days"].to_numpy(dtype=float)
    codes, left = pool_time_left(sessions, pool_limit, whole)
    left = left.to_numpy()
    dropped = 0
    groups = sessions.groupby(["centre_id", "specialty"], sort=False).indices
    group_of = np.empty(len(sessions), dtype=np.int64)
    for g, rows in enumerate(groups.values()):
        group_of[rows] = g
    group_rows = list(groups.values())
    pool_rows = pd.Series(np.arange(len(sessions))).groupby(codes).agg(list).to_dict()

    def make_room(rows) -> int | None:
        """A row at this centre whose pool gets the time by handing one of its sessions at
        another centre to a pool there that has time (one swap); None if there is none."""
        for k in sorted(rows, key=lambda i: cost[i]):
            need = cost[k] - left[codes[k]]
            for j in pool_rows[codes[k]]:
                if j == k or whole[j] < 1 or cost[j] < need - 1e-9:
                    continue
                for j2 in group_rows[group_of[j]]:
                    if codes[j2] != codes[k] and left[codes[j2]] >= cost[j2] - 1e-9:
                        whole[j] -= 1
                        whole[j2] += 1
                        left[codes[j]] += cost[j]
                        left[codes[j2]] -= cost[j2]
                        return k
        return None

    for rows in groups.values():
        missing = int(round(value[rows].sum() - whole[rows].sum()))
        order = sorted(rows, key=lambda k: (-(value[k] - whole[k]), cost[k]))
        for _ in range(missing):
            fits = [k for k in order if left[codes[k]] >= cost[k] - 1e-9]
            if not fits:
                swapped = make_room(rows)
                if swapped is None or left[codes[swapped]] < cost[swapped] - 1e-9:
                    dropped += 1
                    continue
                fits = [swapped]
            k = fits[0]
            whole[k] += 1
            left[codes[k]] -= cost[k]
            order.remove(k)  # the next session left here goes to another pool first
            order.append(k)
    for v, n in zip(sessions["var"], whole, strict=True):
        v.varValue = float(n)
    return dropped
