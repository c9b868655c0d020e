"""Redrawing school attendance districts: every unit to one school, within capacity, contiguous.

Decision variables
    x[i, j]      1 if unit i (an area) is in school j's district (binary, allowed pairs only)
    over[j, t]   pupils above school j's seats (with tolerance) in year t (>= 0, penalised)
    dev[j]       imbalance of a chosen attribute at school j (only with a balance attribute)
Rules
    one school per unit      sum_j x[i, j] = 1
    school's own unit        x[home(j), j] = 1: the unit a school stands in is in its district
    contiguity               x[i, j] <= sum of x[k, j] over neighbours k of i strictly closer
                             to j (the shortest-path-tree rule: every district grows from the
                             school's own unit through neighbours, so it is one piece)
    capacity (per year)      sum_i pupils[i, t] x[i, j] - over[j, t] <= seats[j] (1 + tolerance)
    keep together            x[i, j] = x[k, j] for units i, k of one group
    reassignment limit       pupils leaving today's school <= share x all pupils (plan year)
    max travel               pairs longer than max_minutes are not offered (see below)
Objective (pupil-minutes)
    pupils x travel minutes, plus over_capacity_penalty per pupil over capacity, plus
    reassign_penalty per pupil moved from today's school, plus balance_penalty x imbalance.

Pairs a unit may take: schools within ``max_minutes`` (its ``candidate_schools`` nearest, and
today's school), closed schools never. A pair that cannot be reached through strictly closer
neighbours is dropped before solving. A unit with no school within the limit gets a chain of
pairs to its nearest school (penalised like over-capacity, reported in ``messages``), so the
model says where the limit cannot hold instead of failing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pulp

from demand.errors import InputError
from optimize import blocks as b
from optimize.blocks import EQ, GE, LE
from optimize.education.neighbours import unit_neighbours
from optimize.model import PlanModel, solve_plan
from optimize.result import PlanResult
from optimize.solver import SolverOptions


@dataclass(frozen=True)
class DistrictRules:
    """The rules of a redistricting.

    max_minutes: longest travel any child may have to their school (None = no limit).
    capacity_tolerance: a school may take up to seats x (1 + tolerance) pupils (0.05 = 5%).
    max_reassigned_share: at most this share of pupils (plan year) leave today's school
        (None = no limit). Moves forced by closures or by the travel limit count towards it;
        when they alone exceed it, the limit is raised to them (said in ``messages``).
    contiguous: every district is one connected piece (shortest-path-tree rule).
    candidate_schools: offer each unit only its k nearest schools within reach, plus today's
        (None = all within reach); keeps large instances small.
    over_capacity_penalty: pupil-minutes per pupil over capacity (and per pupil travelling
        beyond max_minutes); must exceed any travel time so that seats are used first.
    reassign_penalty: pupil-minutes per pupil moved from today's school.
    balance_penalty: pupil-minutes per unit of imbalance of the balance attribute.
    """

    max_minutes: float | None = 30.0
    capacity_tolerance: float = 0.05
    max_reassigned_share: float | None = 0.2
    contiguous: bool = True
    candidate_schools: int | None = 4
    over_capacity_penalty: float = 1_000.0
    reassign_penalty: float = 1.0
    balance_penalty: float = 0.0

    def __post_init__(self) -> None:
        if self.max_minutes is not None and self.max_minutes <= 0:
            raise InputError(f"max_minutes must be > 0, got {self.max_minutes}")
        if self.capacity_tolerance < 0:
            raise InputError(f"capacity_tolerance must be >= 0, got {self.capacity_tolerance}")
        share = self.max_reassigned_share
        if share is not None and not 0 <= share <= 1:
            raise InputError(f"max_reassigned_share must be within 0..1, got {share}")
        if self.candidate_schools is not None and self.candidate_schools < 1:
            raise InputError(f"candidate_schools must be >= 1, got {self.candidate_schools}")


# --- inputs -----------------------------------------------------------------------------------


def _require(frame: pd.DataFrame, columns: Sequence[str], source: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            f"{source}: missing column(s) {', '.join(missing)}; expected {', '.join(columns)}"
        )


def _pupil_table(pupils: pd.DataFrame, unit_ids: pd.Index) -> pd.DataFrame:
    """Units x years table of pupils (persons); units without rows have none."""
    _require(pupils, ["area_id", "year", "pupils"], "pupils")
    unknown = ~pupils["area_id"].isin(unit_ids)
    if unknown.any():
        row = int(np.flatnonzero(unknown.to_numpy())[0])
        raise InputError(
            f"pupils, row {row + 2}, column area_id: {pupils['area_id'].iloc[row]!r} is not a "
            "unit of the map; give pupils only for mapped units"
        )
    negative = pupils["pupils"].to_numpy(dtype=float) < 0
    if negative.any():
        row = int(np.flatnonzero(negative)[0])
        raise InputError(f"pupils, row {row + 2}, column pupils: must be >= 0")
    table = pupils.pivot_table(index="area_id", columns="year", values="pupils", aggfunc="sum")
    table = table.reindex(unit_ids).fillna(0.0)
    table.columns = [int(c) for c in table.columns]
    return table


def _school_table(schools: pd.DataFrame, unit_ids: pd.Index) -> pd.DataFrame:
    _require(schools, ["school_id", "area_id", "seats"], "schools")
    out = schools.copy()
    if "status" not in out.columns:
        out["status"] = "open"
    for row, rec in enumerate(out.itertuples(index=False), start=2):
        if rec.area_id not in unit_ids:
            raise InputError(
                f"schools, row {row}, column area_id: school {rec.school_id!r} stands in "
                f"{rec.area_id!r}, which is not a unit of the map"
            )
        if rec.status not in ("open", "closed", "new"):
            raise InputError(
                f"schools, row {row}, column status: {rec.status!r}; use open, closed or new"
            )
        if not float(rec.seats) >= 0:
            raise InputError(f"schools, row {row}, column seats: must be >= 0, got {rec.seats}")
    if out["school_id"].duplicated().any():
        dup = out.loc[out["school_id"].duplicated(), "school_id"].iloc[0]
        raise InputError(f"schools: school_id {dup!r} appears twice; ids must be unique")
    return out.set_index("school_id")


def _today(
    today: pd.Series | None, travel: pd.DataFrame, schools: pd.DataFrame, unit_ids: pd.Index
) -> pd.Series:
    """area_id -> today's school (NaN when unknown)."""
    if today is None:
        existing = schools.index[schools["status"] != "new"]
        rows = travel[travel["school_id"].isin(existing)]
        rows = rows.sort_values(["area_id", "minutes", "school_id"], kind="stable")
        today = rows.drop_duplicates("area_id").set_index("area_id")["school_id"]
    bad = set(today.dropna()) - set(schools.index)
    if bad:
        raise InputError(f"today's districts: school {sorted(bad)[0]!r} is not in schools")
    return today.reindex(unit_ids)


def _groups(keep_together: Iterable[Iterable[str]], unit_ids: pd.Index) -> list[list[str]]:
    groups, seen = [], {}
    for g, group in enumerate(keep_together, start=1):
        members = list(dict.fromkeys(group))
        for unit in members:
            if unit not in unit_ids:
                raise InputError(f"keep-together group {g}: {unit!r} is not a unit of the map")
            if unit in seen:
                raise InputError(
                    f"keep-together group {g}: {unit!r} is already in group {seen[unit]}; "
                    "merge the two groups"
                )
            seen[unit] = g
        if len(members) > 1:
            groups.append(members)
    return groups


# --- pairs ------------------------------------------------------------------------------------


@dataclass
class _Pairs:
    """Allowed (unit, school) pairs with their travel minutes and contiguity status."""

    minutes: dict[tuple[str, str], float]
    beyond: set[tuple[str, str]]  # longer than max_minutes (only where nothing nearer works)
    exempt: set[str]  # units that cannot be joined through neighbours (islands)
    messages: list[str]


def _allowed_pairs(
    unit_ids: pd.Index,
    travel: pd.DataFrame,
    schools: pd.DataFrame,
    today: pd.Series,
    neighbours: dict[str, list[str]],
    groups: list[list[str]],
    rules: DistrictRules,
) -> _Pairs:
    active = schools.index[schools["status"] != "closed"]
    rows = travel[travel["school_id"].isin(active) & travel["area_id"].isin(unit_ids)]
    rows = rows.sort_values(["area_id", "minutes", "school_id"], kind="stable")
    full = {(a, s): float(m) for a, s, m in rows[["area_id", "school_id", "minutes"]].itertuples(
        index=False)}  # fmt: skip
    homes = schools.loc[active, "area_id"]
    for school, home in homes.items():
        full.setdefault((home, school), 0.0)
    limit = np.inf if rules.max_minutes is None else rules.max_minutes
    near = rows[rows["minutes"] <= limit]
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
    messages: list[str] = []
    exempt = {u for u in unit_ids if not neighbours.get(u)} if rules.contiguous else set()
    if exempt:
        messages.append(
            f"{len(exempt)} unit(s) have no neighbour and join a school on their own: "
            + ", ".join(sorted(exempt)[:5])
        )
    for _ in range(5):  # keep-together and contiguity narrow each other; a few rounds settle it
        before = len(offered)
        offered = _common_schools(offered, groups)
        if rules.contiguous:
            offered = _reachable(offered, neighbours, roots, exempt)
        if len(offered) == before:
            break
    beyond: set[tuple[str, str]] = set()
    has_pair = {a for a, _ in offered}
    lacking = [u for u in unit_ids if u not in has_pair]
    for unit in lacking:
        chain = _chain_to_nearest(unit, full, offered, neighbours, roots, rules.contiguous)
        if chain is None:
            choices = sorted((m, s) for (a, s), m in full.items() if a == unit)
            if not choices:
                raise InputError(
                    f"travel: unit {unit!r} has no travel time to any open school; widen the "
                    "travel cutoff or add a school"
                )
            chain = [(unit, choices[0][1])]
            exempt.add(unit)
        for pair in chain:
            offered[pair] = full[pair]
            if full[pair] > limit:
                beyond.add(pair)
    if lacking:
        messages.append(
            f"{len(lacking)} unit(s) have no school they can join within "
            f"{rules.max_minutes:g} minutes; they go to the nearest reachable school (penalised): "
            + ", ".join(sorted(lacking)[:5])
        )
    for g, group in enumerate(groups, start=1):
        common = set.intersection(*({s for (a, s) in offered if a == u} for u in group))
        if not common:
            raise InputError(
                f"keep-together group {g} ({', '.join(group[:4])}…): no school that every unit "
                "may join (within the travel limit, through neighbours); split the group or "
                "raise the travel limit"
            )
    return _Pairs(offered, beyond, exempt, messages)


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
    roots: set[tuple[str, str]],
    exempt: set[str],
) -> dict[tuple[str, str], float]:
    """Pairs (i, j) reachable from j's own unit through offered pairs, each step nearer to j.

    Per school, units are taken nearest first; a unit is kept when it is the root or has a kept
    neighbour strictly nearer to the school -- the fixed point of the shortest-path-tree rule.
    """
    by_school: dict[str, list[tuple[float, str]]] = {}
    for (a, s), m in offered.items():
        by_school.setdefault(s, []).append((m, a))
    kept: dict[tuple[str, str], float] = {}
    for school, members in by_school.items():
        members.sort(key=lambda ma: ((ma[1], school) not in roots, ma[0]))
        dist: dict[str, float] = {}
        for minutes, a in members:
            ok = (a, school) in roots or a in exempt
            order = -1.0 if (a, school) in roots else minutes  # the root comes first
            if not ok:
                ok = any(dist.get(k, np.inf) < order for k in neighbours.get(a, ()))
            if ok:
                dist[a] = order
                kept[(a, school)] = minutes
    return kept


def _order(pair: tuple[str, str], minutes: dict, roots: set) -> float:
    """Distance used by the shortest-path-tree rule: a school's own unit comes first."""
    return -1.0 if pair in roots else minutes.get(pair, np.inf)


def _chain_to_nearest(
    unit: str,
    full: dict[tuple[str, str], float],
    offered: dict[tuple[str, str], float],
    neighbours: dict[str, list[str]],
    roots: set[tuple[str, str]],
    contiguous: bool,
) -> list[tuple[str, str]] | None:
    """Pairs joining ``unit`` to its nearest school that can be reached step by step."""
    choices = sorted((m, s) for (a, s), m in full.items() if a == unit)
    for _, school in choices[:5]:
        if not contiguous:
            return [(unit, school)]
        chain, here = [(unit, school)], unit
        while (here, school) not in roots:
            d_here = _order((here, school), full, roots)
            steps = [
                (_order((k, school), full, roots), k)
                for k in neighbours.get(here, ())
                if _order((k, school), full, roots) < d_here
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


# --- the model --------------------------------------------------------------------------------


def peak_pressure_year(
    pupils: pd.DataFrame, schools: pd.DataFrame, today: pd.Series, tolerance: float = 0.0
) -> int:
    """The year in which today's districts leave the most pupils above seats (persons).

    Ties (or no overflow at all) go to the year with the most pupils per seat.
    """
    seats = schools.set_index("school_id")["seats"].astype(float) * (1 + tolerance)
    frame = pupils.assign(school_id=pupils["area_id"].map(today))
    enrol = frame.groupby(["year", "school_id"])["pupils"].sum().unstack(fill_value=0.0)
    over = (enrol - seats.reindex(enrol.columns).fillna(0.0)).clip(lower=0).sum(axis=1)
    ratio = enrol.sum(axis=1) / max(float(seats.sum()), 1e-9)
    order = pd.DataFrame({"over": over.round(6), "ratio": ratio}).sort_values(
        ["over", "ratio"], ascending=False
    )
    return int(order.index[0])


def redraw_districts(
    units: gpd.GeoDataFrame,
    pupils: pd.DataFrame,
    schools: pd.DataFrame,
    travel: pd.DataFrame,
    today: pd.Series | None = None,
    rules: DistrictRules | None = None,
    keep_together: Iterable[Iterable[str]] = (),
    balance: pd.Series | None = None,
    plan_year: int | None = None,
    neighbours: pd.DataFrame | None = None,
    options: SolverOptions | None = None,
    warm_start: bool = True,
) -> PlanResult:
    """New attendance districts for one school level (see the module docstring for the model).

    units      GeoDataFrame [area_id, geometry] in metres: the building blocks of districts.
    pupils     [area_id, year, pupils]: children per unit and year (persons); every year given
               gets its own capacity rule.
    schools    [school_id, area_id, seats, status]: status open / closed / new; area_id is the
               unit the school stands in.
    travel     [area_id, school_id, minutes].
    today      area_id -> today's school (default: nearest existing school by travel).
    keep_together  groups of area_ids that must share a school (e.g. one residential compound).
    balance    area_id -> amount of an attribute (e.g. pupils from low-income families) to spread
               evenly: each school's share should match the city's (needs balance_penalty > 0).
    plan_year  the year whose pupils weigh travel and reassignment (default: peak pressure).
    neighbours [area_id, neighbour_id] (default: from the polygons, ``unit_neighbours``).

    Returns a PlanResult whose plans are ``assignment`` (one row per unit), ``enrolment`` (per
    school and year) and ``summary`` (before / after); over-capacity is in ``shortfall``.
    """
    rules = rules or DistrictRules()
    _require(units, ["area_id", "geometry"], "units")
    _require(travel, ["area_id", "school_id", "minutes"], "travel")
    if units["area_id"].duplicated().any():
        dup = units.loc[units["area_id"].duplicated(), "area_id"].iloc[0]
        raise InputError(f"units: area_id {dup!r} appears twice; ids must be unique")
    unit_ids = pd.Index(units["area_id"])
    table = _pupil_table(pupils, unit_ids)
    years = list(table.columns)
    school = _school_table(schools, unit_ids)
    today_s = _today(today, travel, school, unit_ids)
    if plan_year is None:
        plan_year = peak_pressure_year(
            pupils, school.reset_index(), today_s, rules.capacity_tolerance
        )
    if plan_year not in years:
        raise InputError(f"plan year {plan_year} is not among the pupil years {years}")
    groups = _groups(keep_together, unit_ids)
    if neighbours is None:
        neighbours = unit_neighbours(units) if rules.contiguous else pd.DataFrame(
            columns=["area_id", "neighbour_id"])  # fmt: skip
    nbrs = neighbours.groupby("area_id")["neighbour_id"].agg(list).to_dict()
    pairs = _allowed_pairs(unit_ids, travel, school, today_s, nbrs, groups, rules)

    m = PlanModel(f"{len(unit_ids)} units to {int((school['status'] != 'closed').sum())} schools")
    frame = pd.DataFrame(list(pairs.minutes), columns=["demand_id", "site_id"])
    frame["minutes"] = list(pairs.minutes.values())
    frame = frame.sort_values(["demand_id", "minutes"], kind="stable").reset_index(drop=True)
    frame = b.add_assignment(m, frame, binary=True)  # x[i, j]
    var = dict(zip(zip(frame["demand_id"], frame["site_id"], strict=True), frame["var"],
                   strict=True))  # fmt: skip
    p_plan = table[plan_year]

    # one school per unit: every unit is in exactly one district
    b.serve_once(m, frame, unit_ids, family="one school per unit")

    # school's own unit: the unit a school stands in belongs to its district
    active = school[school["status"] != "closed"]
    sole = active.groupby("area_id").size()
    m.add_rules(
        "school's own unit",
        {s: b.rule(b.expression([var[(h, s)]]), EQ, 1) for s, h in active["area_id"].items()
         if sole[h] == 1},
    )  # fmt: skip

    # contiguity: a unit joins j only if a neighbour strictly nearer to j joins j too
    if rules.contiguous:
        roots = {(h, s) for s, h in active["area_id"].items()}
        spt = {}
        for (i, j), x in var.items():
            if (i, j) in roots or i in pairs.exempt:
                continue
            d = pairs.minutes[(i, j)]
            nearer = [
                var[(k, j)]
                for k in nbrs.get(i, ())
                if (k, j) in var
                and k not in pairs.exempt
                and _order((k, j), pairs.minutes, roots) < d
            ]
            lhs = pulp.LpAffineExpression([(x, 1.0)] + [(v, -1.0) for v in nearer])
            spt[(i, j)] = b.rule(lhs, LE, 0)
        m.add_rules("contiguity", spt)

    # capacity (per year): pupils placed at a school stay within seats x (1 + tolerance)
    over_keys = pd.MultiIndex.from_tuples([(s, t) for s in active.index for t in years])
    over = b.add_over_capacity(m, over_keys, rules.over_capacity_penalty)
    limit_of = active["seats"].astype(float) * (1 + rules.capacity_tolerance)
    cap_rules = {}
    for t in years:
        loads = b.sum_by(frame.assign(load=frame["demand_id"].map(table[t])), "site_id", "load")
        for s in active.index:
            lhs = pulp.LpAffineExpression(loads.get(s, {}))
            lhs[over[(s, t)]] = -1.0
            cap_rules[(s, t)] = b.rule(lhs, LE, limit_of[s])
    m.add_rules("capacity", cap_rules)

    # keep together: units of one group share their school
    together = {}
    for g, group in enumerate(groups, start=1):
        head = group[0]
        for other in group[1:]:
            for (i, j), x in var.items():
                if i == head and (other, j) in var:
                    together[(g, other, j)] = b.rule(
                        pulp.LpAffineExpression([(x, 1.0), (var[(other, j)], -1.0)]), EQ, 0
                    )
    m.add_rules("keep together", together)

    # reassignment limit: pupils who leave today's school, within a share of all pupils
    stay = {i: var.get((i, s)) for i, s in today_s.dropna().items()}
    forced = float(sum(p_plan[i] for i in unit_ids if stay.get(i) is None))
    stayers = [(x, float(p_plan[i])) for i, x in stay.items() if x is not None]
    movable = sum(w for _, w in stayers)
    if rules.max_reassigned_share is not None:
        allowed = rules.max_reassigned_share * float(p_plan.sum())
        if forced > allowed:
            pairs.messages.append(
                f"{forced:,.0f} pupils must move (closed school, or today's school out of reach "
                f"within the rules), more than the {rules.max_reassigned_share:.0%} limit; "
                "the limit is raised to them"
            )
        room = max(allowed - forced, 0.0)
        m.add_rules(
            "reassignment limit",
            {"pupils moved": b.rule(pulp.LpAffineExpression(stayers), GE, movable - room)},
        )
    # and the reassignment penalty on every pair other than today's (no objective constant, so
    # the solver's bound and the plan's objective are on the same footing)
    frame["cost"] = frame["demand_id"].map(p_plan) * frame["minutes"]
    elsewhere = frame["site_id"].to_numpy() != frame["demand_id"].map(today_s).to_numpy()
    frame.loc[elsewhere, "cost"] += rules.reassign_penalty * frame.loc[elsewhere, "demand_id"].map(
        p_plan
    )
    beyond = np.array([p in pairs.beyond for p in zip(frame["demand_id"], frame["site_id"],
                                                       strict=True)])  # fmt: skip
    frame.loc[beyond, "cost"] += frame.loc[beyond, "demand_id"].map(p_plan) * (
        rules.over_capacity_penalty
    )
    m.add_term(b.expression(frame["var"], frame["cost"]))

    dev = None
    if balance is not None and rules.balance_penalty > 0:
        dev = _add_balance(m, frame, balance.reindex(unit_ids).fillna(0.0), p_plan, active.index,
                           rules.balance_penalty)  # fmt: skip

    if warm_start:
        _start_from_today(frame, over, today_s, table, limit_of, active.index)

    def read_plans() -> dict[str, pd.DataFrame]:
        return _read_plans(frame, table, school, today_s, travel, plan_year, rules, pairs)

    params = {"rules": asdict(rules), "plan_year": plan_year, "years": years,
              "pairs": len(frame), "keep_together_groups": len(groups)}  # fmt: skip
    result = solve_plan(m, read_plans, options, warm_start=warm_start, params=params)
    result.messages = pairs.messages + result.messages
    if dev is not None and result.has_plan:
        result.plans["balance"] = pd.DataFrame(
            {"school_id": list(dev.index), "imbalance": [v.varValue or 0.0 for v in dev]}
        )
    return result


def _add_balance(
    m: PlanModel,
    frame: pd.DataFrame,
    amount: pd.Series,
    pupils: pd.Series,
    school_ids: pd.Index,
    penalty: float,
) -> pd.Series:
    """dev[j] >= |attribute at j - city share x pupils at j|, penalised (persons)."""
    share = float(amount.sum()) / max(float(pupils.sum()), 1e-9)
    excess = frame["demand_id"].map(amount) - share * frame["demand_id"].map(pupils)
    per_school = b.sum_by(frame.assign(excess=excess), "site_id", "excess")
    dev = pd.Series(m.variables("dev", len(school_ids), 0), index=school_ids)
    upper, lower = {}, {}
    for s in school_ids:
        lhs = pulp.LpAffineExpression(per_school.get(s, {}))
        up = lhs.copy()
        up[dev[s]] = -1.0
        upper[s] = b.rule(up, LE, 0)
        low = lhs.copy()
        low[dev[s]] = 1.0
        lower[s] = b.rule(low, GE, 0)
    m.add_rules("balance (above)", upper)
    m.add_rules("balance (below)", lower)
    m.add_term(b.expression(dev.to_numpy(), [penalty] * len(dev)))
    return dev


def _start_from_today(
    frame: pd.DataFrame,
    over: pd.Series,
    today: pd.Series,
    table: pd.DataFrame,
    limit_of: pd.Series,
    school_ids: pd.Index,
) -> None:
    """Today's districts as a starting plan, where today's pairs are allowed (else nearest)."""
    first = frame.drop_duplicates("demand_id").set_index("demand_id")["site_id"]
    pick = today.reindex(first.index)
    allowed = set(zip(frame["demand_id"], frame["site_id"], strict=True))
    chosen = {
        i: (s if isinstance(s, str) and (i, s) in allowed else first[i]) for i, s in pick.items()
    }
    is_chosen = [chosen.get(i) == s for i, s in zip(frame["demand_id"], frame["site_id"],
                                                    strict=True)]  # fmt: skip
    for x, on in zip(frame["var"], is_chosen, strict=True):
        x.setInitialValue(1 if on else 0)
    load = table.groupby(pd.Series(chosen).reindex(table.index)).sum()
    for (s, t), v in over.items():
        placed = float(load.loc[s, t]) if s in load.index else 0.0
        v.setInitialValue(max(placed - float(limit_of[s]), 0.0))


def _read_plans(
    frame: pd.DataFrame,
    table: pd.DataFrame,
    school: pd.DataFrame,
    today: pd.Series,
    travel: pd.DataFrame,
    plan_year: int,
    rules: DistrictRules,
    pairs: _Pairs,
) -> dict[str, pd.DataFrame]:
    chosen = frame[[(v.varValue or 0.0) > 0.5 for v in frame["var"]]]
    chosen = chosen.drop_duplicates("demand_id").set_index("demand_id")
    minutes_of = travel.set_index(["area_id", "school_id"])["minutes"]
    minutes_of = minutes_of[~minutes_of.index.duplicated()]
    today_minutes = [
        float(minutes_of.get((i, s), np.nan)) if isinstance(s, str) else np.nan
        for i, s in today.items()
    ]
    assignment = pd.DataFrame(
        {
            "area_id": table.index,
            "school_id": chosen["site_id"].reindex(table.index).to_numpy(),
            "minutes": chosen["minutes"].reindex(table.index).to_numpy(dtype=float),
            "school_today": today.to_numpy(),
            "minutes_today": today_minutes,
            "pupils": table[plan_year].to_numpy(),
        }
    )
    for i, s in today.items():  # pairs missing from travel (a school's own unit): model minutes
        known = isinstance(s, str) and (i, s) in pairs.minutes
        if known and np.isnan(minutes_of.get((i, s), np.nan)):
            assignment.loc[assignment["area_id"] == i, "minutes_today"] = pairs.minutes[(i, s)]
    assignment["reassigned"] = assignment["school_id"] != assignment["school_today"]
    assignment["beyond_max_minutes"] = [
        (i, s) in pairs.beyond for i, s in zip(assignment["area_id"], assignment["school_id"],
                                               strict=True)
    ]  # fmt: skip
    enrolment = _enrolment(assignment, table, school, rules.capacity_tolerance)
    summary = _summary(assignment, table, school, plan_year, rules.capacity_tolerance)
    return {"assignment": assignment, "enrolment": enrolment, "summary": summary}


def _enrolment(
    assignment: pd.DataFrame, table: pd.DataFrame, school: pd.DataFrame, tolerance: float
) -> pd.DataFrame:
    """Pupils vs seats per school and year, before (today's districts) and after."""
    rows = []
    for when, column in (("after", "school_id"), ("before", "school_today")):
        mapped = table.groupby(assignment.set_index("area_id")[column].reindex(table.index)).sum()
        for t in table.columns:
            enrol = mapped[t].reindex(school.index).fillna(0.0)
            rows.append(pd.DataFrame({"school_id": school.index, "year": t, "when": when,
                                      "pupils": enrol.to_numpy()}))  # fmt: skip
    long = pd.concat(rows, ignore_index=True)
    wide = long.pivot_table(index=["school_id", "year"], columns="when", values="pupils")
    out = wide.reset_index().rename(columns={"after": "pupils", "before": "pupils_today"})
    out["seats"] = out["school_id"].map(school["seats"]).astype(float)
    out["status"] = out["school_id"].map(school["status"])
    out["limit"] = out["seats"] * (1 + tolerance)
    out.loc[out["status"] == "closed", "limit"] = 0.0
    out["over"] = (out["pupils"] - out["limit"]).clip(lower=0)
    out["utilisation"] = out["pupils"] / out["seats"].where(out["seats"] > 0)
    cols = ["school_id", "status", "year", "seats", "limit", "pupils_today", "pupils", "over",
            "utilisation"]  # fmt: skip
    return out[cols]


def _summary(
    assignment: pd.DataFrame,
    table: pd.DataFrame,
    school: pd.DataFrame,
    plan_year: int,
    tolerance: float,
) -> pd.DataFrame:
    """Before / after figures for the plan year."""
    w = assignment["pupils"]
    limit = school["seats"] * (1 + tolerance)
    limit[school["status"] == "closed"] = 0.0

    def over(column: str) -> tuple[float, int]:
        enrol = w.groupby(assignment[column]).sum().reindex(school.index).fillna(0.0)
        excess = (enrol - limit).clip(lower=0)
        return float(excess.sum()), int((excess > 1e-6).sum())

    def avg(col: str) -> float:
        ok = assignment[col].notna() & (w > 0)
        return float((assignment.loc[ok, col] * w[ok]).sum() / max(w[ok].sum(), 1e-9))

    def worst(col: str) -> float:
        return float(assignment.loc[w > 0, col].max())

    over_before, n_before = over("school_today")
    over_after, n_after = over("school_id")
    moved = float(w[assignment["reassigned"]].sum())
    rows = [
        ("average travel (minutes, pupil-weighted)", avg("minutes_today"), avg("minutes")),
        ("worst travel (minutes)", worst("minutes_today"), worst("minutes")),
        ("pupils above capacity", over_before, over_after),
        ("schools above capacity", n_before, n_after),
        ("pupils reassigned", 0.0, moved),
        ("share of pupils reassigned", 0.0, moved / max(float(w.sum()), 1e-9)),
    ]
    out = pd.DataFrame(rows, columns=["measure", "before", "after"])
    out.attrs["plan_year"] = plan_year
    return out


def district_map(
    units: gpd.GeoDataFrame, assignment: pd.DataFrame, column: str = "school_id"
) -> gpd.GeoDataFrame:
    """The districts as one (multi)polygon per school: [school_id, units, pupils, geometry].

    assignment: [area_id, <column>, pupils] (e.g. ``result.plans['assignment']``); use
    column='school_today' for today's districts.
    """
    merged = units[["area_id", "geometry"]].merge(
        assignment[["area_id", column, "pupils"]], on="area_id", how="inner"
    )
    merged = merged.dropna(subset=[column]).assign(units=1)
    out = merged.dissolve(by=column, aggfunc={"units": "sum", "pupils": "sum"})
    out = out.reset_index().rename(columns={column: "school_id"})
    return gpd.GeoDataFrame(out[["school_id", "units", "pupils", "geometry"]], crs=units.crs)
