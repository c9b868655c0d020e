"""Which (unit, school) pairs the districts model offers, and the units it cannot place.

A unit may take the schools within ``max_minutes`` (its ``candidate_schools`` nearest, and
today's school); closed schools never. Under the contiguity rule a pair is kept only when it
can be reached from the school's own unit through neighbours, each step strictly nearer the
school (``_reachable``: the fixed point of the shortest-path-tree rule). Keep-together groups
keep only the schools all their units may take. A unit with no school within the limit gets a
chain of pairs to its nearest school (penalised, flagged ``beyond``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from demand.errors import InputError
from optimize.education.district_rules import DistrictRules


@dataclass
class AllowedPairs:
    """Allowed (unit, school) pairs with their travel minutes and contiguity status.

    minutes   (unit, school) -> travel minutes of every pair the model offers.
    beyond    pairs longer than max_minutes, offered only where nothing nearer works
              (penalised like over-capacity).
    exempt    units without the contiguity rule: they join a school on their own.
    roots     (school's own unit, school) pairs: where each district grows from.
    unplaced  unit -> why it gets no district (no school within the travel data's cutoff, or
              land that no crossing joins to a school); a reported shortfall.
    """

    minutes: dict[tuple[str, str], float]
    beyond: set[tuple[str, str]]
    exempt: set[str]
    roots: set[tuple[str, str]]
    unplaced: dict[str, str]
    messages: list[str]
    distance: RuleDistance

    def carriers(self, neighbours: dict[str, list[str]]) -> dict[tuple[str, str], list]:
        """pair -> the pairs that may carry it under the contiguity rule (its unit's
        neighbours at the same school, strictly nearer); pairs without the rule are absent."""
        out = {}
        dist = self.distance
        for (i, j), m in self.minutes.items():
            if (i, j) in self.roots or i in self.exempt:
                continue
            d = dist((i, j), m)
            out[(i, j)] = [
                (k, j)
                for k in neighbours.get(i, ())
                if (k, j) in self.minutes
                and k not in self.exempt
                and dist((k, j), self.minutes[(k, j)]) < d
            ]
        return out


class RuleDistance:
    """The contiguity rule's distance of a pair (i, j): the number of neighbour steps from j's
    own unit to i (rings of the neighbour graph), then travel minutes within a ring; -1 for the
    school's own unit. Rings first means that every unit joined by land to a school has a
    neighbour strictly nearer (one ring in), whatever the travel times say: an enclave whose
    centre is nearer the school than the unit around it can still join that school.
    """

    def __init__(self, unit_ids, homes: pd.Series, neighbours: dict, scale: float) -> None:
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import shortest_path

        self.pos = {u: k for k, u in enumerate(unit_ids)}
        self.school = {s: k for k, s in enumerate(homes.index)}
        self.roots = {(h, s) for s, h in homes.items()}
        edges = pd.DataFrame(
            [(u, k) for u, ks in neighbours.items() for k in ks], columns=["a", "b"]
        ).apply(lambda col: col.map(self.pos))  # fmt: skip
        edges = edges.dropna().astype(np.int64)
        a, b = edges["a"].to_numpy(), edges["b"].to_numpy()
        n = len(self.pos)
        graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n)).tocsr()
        sources = [self.pos[h] for h in homes]
        self.rings = (
            shortest_path(graph, unweighted=True, indices=sources).astype(np.float32)
            if len(sources) and n
            else np.zeros((len(sources), n), np.float32)
        )
        self.scale = scale

    def __call__(self, pair: tuple[str, str], minutes: float) -> float:
        if pair in self.roots:
            return -1.0
        ring = self.rings[self.school[pair[1]], self.pos[pair[0]]]
        return float(ring) + min(minutes, self.scale) / (self.scale + 1.0)


NO_SCHOOL_IN_REACH = "no school within the travel cutoff"
ISLAND = "land that no crossing joins to a school"


def allowed_pairs(
    unit_ids: pd.Index,
    travel: pd.DataFrame,
    schools: pd.DataFrame,
    today: pd.Series,
    neighbours: dict[str, list[str]],
    groups: list[list[str]],
    rules: DistrictRules,
    unplaced: dict[str, str] | None = None,
) -> AllowedPairs:
    """The pairs the model offers (see the module docstring); ``unplaced`` units get none."""
    active = schools.index[schools["status"] != "closed"]
    unplaced = dict(unplaced or {})
    rows = travel[travel["school_id"].isin(active) & travel["area_id"].isin(unit_ids)]
    rows = rows[~rows["area_id"].isin(unplaced.keys())]
    rows = rows.sort_values(["area_id", "minutes", "school_id"], kind="stable")
    homes = schools.loc[active, "area_id"]
    reached = set(rows["area_id"]) | set(homes)
    for unit in unit_ids:
        if unit not in reached and unit not in unplaced:
            unplaced[unit] = NO_SCHOOL_IN_REACH
    limit = np.inf if rules.max_minutes is None else rules.max_minutes
    near = rows[rows["minutes"] <= limit]
    home_rows = rows.merge(pd.DataFrame({"school_id": homes.index, "area_id": homes.to_numpy()}))
    full = _Minutes(rows, {(a, s): float(m) for a, s, m in home_rows[
        ["area_id", "school_id", "minutes"]].itertuples(index=False)})  # fmt: skip
    for school, home in homes.items():
        full.add((home, school), 0.0)
    rank = near.groupby("area_id", sort=False).cumcount()
    keep = np.ones(len(near), dtype=bool)
    if rules.candidate_schools is not None:
        keep = (rank < rules.candidate_schools).to_numpy()
        pair_today = near["area_id"].map(today).to_numpy() == near["school_id"].to_numpy()
        keep |= pair_today
    offered: dict[tuple[str, str], float] = {
        (a, s): float(m)
        for a, s, m in near.loc[keep, ["area_id", "school_id", "minutes"]].itertuples(index=False)
    }
    for school, home in homes.items():
        offered[(home, school)] = full[(home, school)]
    roots = {(home, school) for school, home in homes.items()}
    scale = float(max(rows["minutes"].max() if len(rows) else 0.0, 1.0))
    distance = RuleDistance(unit_ids, homes, neighbours, scale)
    messages: list[str] = []
    placed_ids = [u for u in unit_ids if u not in unplaced]
    exempt = {u for u in placed_ids if not neighbours.get(u)} if rules.contiguous else set()
    if exempt:
        messages.append(
            f"{len(exempt)} unit(s) have no neighbour and join a school on their own: "
            + ", ".join(sorted(exempt)[:5])
        )
    for _ in range(5):  # keep-together and contiguity narrow each other; a few rounds settle it
        before = len(offered)
        offered = _common_schools(offered, groups)
        if rules.contiguous:
            offered = _reachable(offered, neighbours, distance, exempt)
        if len(offered) == before:
            break
    beyond: set[tuple[str, str]] = set()
    has_pair = {a for a, _ in offered}
    lacking = [u for u in placed_ids if u not in has_pair]
    alone = []
    for unit in lacking:
        chain = _chain_to_nearest(unit, full, offered, neighbours, distance, rules.contiguous)
        if chain is None:
            chain = [(unit, full.of_unit(unit)[0][1])]
            exempt.add(unit)
            alone.append(unit)
        for pair in chain:
            offered[pair] = full[pair]
            if full[pair] > limit:
                beyond.add(pair)
    within = (
        "within the offered pairs"
        if rules.max_minutes is None
        else (f"within {rules.max_minutes:g} minutes")
    )
    if lacking:
        messages.append(
            f"{len(lacking)} unit(s) have no school they can join {within}; they go to the "
            "nearest school reachable through neighbours (penalised where beyond the limit): "
            + ", ".join(sorted(lacking)[:5])
        )
    if alone:
        messages.append(
            f"{len(alone)} unit(s) cannot reach any school through their neighbours and join "
            "their nearest school on their own (their district is in more than one piece): "
            + ", ".join(sorted(alone)[:5])
        )
    far_homes = sorted((h, s) for s, h in homes.items() if full[(h, s)] > limit)
    if far_homes:
        messages.append(
            f"{len(far_homes)} school(s) stand in a unit whose centre is beyond "
            f"{limit:g} minutes from them; the unit stays in the school's district "
            "and is flagged beyond_max_minutes: "
            + ", ".join(f"{h} ({s}, {full[(h, s)]:.0f} min)" for h, s in far_homes[:5])
        )
    for g, group in enumerate(groups, start=1):
        members = [u for u in group if u not in unplaced]
        if not members:
            continue
        common = set.intersection(*({s for (a, s) in offered if a == u} for u in members))
        if not common:
            raise InputError(
                f"keep-together group {g} ({', '.join(group[:4])}…): no school that every unit "
                "may join (within the travel limit, through neighbours); split the group or "
                "raise the travel limit"
            )
    return AllowedPairs(offered, beyond, exempt, roots, unplaced, messages, distance)


class _Minutes(dict):
    """(unit, school) -> minutes, a unit's travel rows loaded when first asked for (the travel
    table of a big city holds millions of pairs; the model needs few beyond the limit)."""

    def __init__(self, rows: pd.DataFrame, known: dict) -> None:
        super().__init__(known)
        self._rows = rows
        self._by_unit: dict | None = None
        self._extra: dict[str, list[str]] = {}
        self._choices: dict[str, list[tuple[float, str]]] = {}

    def add(self, pair: tuple[str, str], minutes: float) -> None:
        """A pair the travel rows lack (a school's own unit), unless they have it."""
        if pair not in self and not any(s == pair[1] for _, s in self.of_unit(pair[0])):
            self[pair] = minutes
            self._extra.setdefault(pair[0], []).append(pair[1])
            self._choices.pop(pair[0], None)

    def of_unit(self, unit: str) -> list[tuple[float, str]]:
        """[(minutes, school)] of every pair of ``unit``, nearest first."""
        if unit not in self._choices:
            if self._by_unit is None:
                self._by_unit = self._rows.groupby("area_id", sort=False).indices
            got = self._rows.iloc[self._by_unit.get(unit, [])]
            for sc, m in zip(got["school_id"], got["minutes"], strict=True):
                self.setdefault((unit, sc), float(m))
            schools = set(got["school_id"]) | set(self._extra.get(unit, ()))
            self._choices[unit] = sorted((self[(unit, sc)], sc) for sc in schools)
        return self._choices[unit]


def _common_schools(
    offered: dict[tuple[str, str], float], groups: list[list[str]]
) -> dict[tuple[str, str], float]:
    """Units of a keep-together group may only take schools all of them may take."""
    if not groups:
        return offered
    schools_of: dict[str, set[str]] = {}
    for a, s in offered:
        schools_of.setdefault(a, set()).add(s)
    drop = set()
    for group in groups:
        common = set.intersection(*(schools_of.get(u, set()) for u in group))
        for u in group:
            drop.update((u, s) for s in schools_of.get(u, set()) - common)
    return {p: m for p, m in offered.items() if p not in drop}


def _reachable(
    offered: dict[tuple[str, str], float],
    neighbours: dict[str, list[str]],
    distance: RuleDistance,
    exempt: set[str],
) -> dict[tuple[str, str], float]:
    """Pairs (i, j) reachable from j's own unit through offered pairs, each step nearer to j.

    Per school, units are taken nearest first (by the rule's distance); a unit is kept when it
    is the root or has a kept neighbour strictly nearer -- the fixed point of the rule.
    """
    by_school: dict[str, list[tuple[float, str, float]]] = {}
    for (a, s), m in offered.items():
        by_school.setdefault(s, []).append((distance((a, s), m), a, m))
    kept: dict[tuple[str, str], float] = {}
    for school, members in by_school.items():
        members.sort()
        dist: dict[str, float] = {}
        for order, a, minutes in members:
            ok = order < 0 or a in exempt
            if not ok:
                ok = any(dist.get(k, np.inf) < order for k in neighbours.get(a, ()))
            if ok:
                dist[a] = order
                kept[(a, school)] = minutes
    return kept


def _chain_to_nearest(
    unit: str,
    full: _Minutes,
    offered: dict[tuple[str, str], float],
    neighbours: dict[str, list[str]],
    distance: RuleDistance,
    contiguous: bool,
) -> list[tuple[str, str]] | None:
    """Pairs joining ``unit`` to its nearest school that can be reached step by step."""
    choices = full.of_unit(unit)
    for _, school in choices[:5]:
        if not contiguous:
            return [(unit, school)]
        chain, here = [(unit, school)], unit
        while (here, school) not in distance.roots:
            for k in neighbours.get(here, ()):
                full.of_unit(k)
            d_here = distance((here, school), full.get((here, school), np.inf))
            steps = [
                (d, k)
                for k in neighbours.get(here, ())
                if (d := distance((k, school), full.get((k, school), np.inf))) < d_here
            ]
            if not steps:
                chain = None
                break
            here = min(steps)[1]
            chain.append((here, school))
            if (here, school) in offered:
                break
        if chain is not None:
            return chain
    return None
