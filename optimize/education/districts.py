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
                             school's own unit through neighbours, so it is one piece; "closer"
                             is first rings of neighbours from the school's unit, then minutes)
    capacity (per year)      sum_i pupils[i, t] x[i, j] - over[j, t] <= seats[j] (1 + tolerance)
    keep together            x[i, j] = x[k, j] for units i, k of one group
    reassignment limit       pupils leaving today's school <= share x all pupils (plan year)
    max travel               pairs longer than max_minutes are not offered (see below)
Objective (pupil-minutes)
    pupils x travel minutes, plus over_capacity_penalty per pupil over capacity, plus
    reassign_penalty per pupil moved from today's school, plus balance_penalty x imbalance.

Pairs a unit may take: see ``district_pairs``. Neighbours are units sharing a boundary, plus
water crossings (declared ones, and with ``rules.crossings="nearest"`` the narrowest gap joining
each piece of land to the rest). A unit with no school in the travel data, or on land that no
crossing joins to a school, gets no district: it is listed in ``shortfall`` with its pupils and
flagged in the assignment, and the rest of the city is planned.

Solving (``rules.method``): "plain" hands the MIP to the solver with the starting plan as its
start; "regions" (large cities) builds the starting plan, improves it region by region
(``district_search.improve_by_regions``) and then lets the whole MIP prove a bound with the
plan's cost as cutoff. Either way a plan is returned: when the solver finds none better in
time, the starting plan (today's districts, mended where they break the rules), with the
solver's bound and the gap to it.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace

import geopandas as gpd
import numpy as np
import pandas as pd
import pulp
import shapely

from demand.errors import InputError
from optimize import blocks as b
from optimize.blocks import EQ, GE, LE
from optimize.deadline import Deadline
from optimize.education import district_search
from optimize.education.district_pairs import ISLAND, AllowedPairs, allowed_pairs
from optimize.education.district_rules import REGIONS_FROM_PAIRS, DistrictRules
from optimize.education.district_search import (
    SearchModel,
    improve_by_regions,
    moved_pupils,
    plan_cost,
    relaxation,
    school_loads,
    starting_plan,
)
from optimize.education.neighbours import land_pieces, nearest_crossings, unit_neighbours
from optimize.model import PlanModel, solve_plan
from optimize.result import PlanResult
from optimize.solver import OPTIMAL_GAP, SolverOptions, relative_gap, solve

#: Columns of the ``links`` plan: the water crossings counted as neighbours.
LINK_COLUMNS = ["area_id", "neighbour_id", "gap_m", "kind"]

#: Share of the time limit that the region-by-region search may use before the whole MIP takes
#: over to prove a bound and improve the plan (on the 10,000-unit benchmark HiGHS's own search
#: closes the last per cent faster than more region passes would).
REGION_SHARE = 0.3

#: Seconds the LP relaxation may always take, past the time limit if building the model used it
#: up (the LP's bound is what gives a plan its gap; 1-5 s of CPU at 5,000-10,000 units).
LP_FLOOR_S = 30.0

__all__ = ["DistrictRules", "district_map", "peak_pressure_year", "redraw_districts"]


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
    crossings: pd.DataFrame | None = None,
    deadline: Deadline | None = None,
) -> PlanResult:
    """New attendance districts for one school level (see the module docstring for the model).

    units      GeoDataFrame [area_id, geometry] in metres: the building blocks of districts.
    pupils     [area_id, year, pupils]: children per unit and year (persons); every year given
               gets its own capacity rule.
    schools    [school_id, area_id, seats, status]: status open / closed / new; area_id is the
               unit the school stands in.
    travel     [area_id, school_id, minutes]; a unit with no row for any open school gets no
               district (a shortfall "no school within the travel cutoff", not an error).
    today      area_id -> today's school (default: nearest existing school by travel).
    keep_together  groups of area_ids that must share a school (e.g. one residential compound).
    balance    area_id -> amount of an attribute (e.g. pupils from low-income families) to spread
               evenly: each school's share should match the city's (needs balance_penalty > 0).
    plan_year  the year whose pupils weigh travel and reassignment (default: peak pressure).
    neighbours [area_id, neighbour_id] (default: from the polygons, ``unit_neighbours``).
    crossings  [area_id, neighbour_id]: water crossings (ferry, bridge) that join units as
               neighbours; with ``rules.crossings="nearest"`` the nearest gaps are added too.
    deadline   the run's deadline (default: ``options.time_limit_s`` from now); building the
               model counts against it.

    Returns a PlanResult whose plans are ``assignment`` (one row per unit), ``enrolment`` (per
    school and year), ``summary`` (before / after) and ``links`` (the water crossings used as
    neighbours); over-capacity and units without a district are in ``shortfall``. A plan is
    always returned: the starting plan (today's districts, mended where they break the rules)
    when the solver finds none better in time.
    """
    rules = rules or DistrictRules()
    options = options or SolverOptions()
    deadline = deadline or Deadline.after(options.time_limit_s)
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
    active = school[school["status"] != "closed"]
    land = _land(units, unit_ids, neighbours, crossings, active, rules)
    pairs = allowed_pairs(unit_ids, travel, school, today_s, land.nbrs, groups, rules,
                          land.unplaced)  # fmt: skip
    pairs.messages[:0] = land.messages
    groups = [g for g in ([u for u in group if u not in pairs.unplaced] for group in groups)
              if len(g) > 1]  # fmt: skip
    placed = unit_ids[~unit_ids.isin(list(pairs.unplaced))]

    m = PlanModel(f"{len(unit_ids)} units to {len(active)} schools")
    frame = pd.DataFrame(list(pairs.minutes), columns=["demand_id", "site_id"])
    frame["minutes"] = list(pairs.minutes.values())
    frame = frame.sort_values(["demand_id", "minutes"], kind="stable").reset_index(drop=True)
    frame = b.add_assignment(m, frame, binary=True)  # x[i, j]
    key = list(zip(frame["demand_id"], frame["site_id"], strict=True))
    var = dict(zip(key, frame["var"], strict=True))
    p_plan = table[plan_year]

    # one school per unit: every unit is in exactly one district
    b.serve_once(m, frame, placed, family="one school per unit")

    # school's own unit: the unit a school stands in belongs to its district
    sole = active.groupby("area_id").size()
    home = {s: (h, s) for s, h in active["area_id"].items() if sole[h] == 1}
    m.add_rules("school's own unit",
                {s: b.rule(b.expression([var[p]]), EQ, 1) for s, p in home.items()})  # fmt: skip

    # contiguity: a unit joins j only if a neighbour strictly nearer to j joins j too
    carriers = pairs.carriers(land.nbrs) if rules.contiguous else {}
    m.add_rules("contiguity", {
        p: b.rule(pulp.LpAffineExpression([(var[p], 1.0)] + [(var[q], -1.0) for q in qs]), LE, 0)
        for p, qs in carriers.items()})  # fmt: skip

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
    stay = {i: var.get((i, s)) for i, s in today_s.dropna().items() if i in placed}
    forced = float(sum(p_plan[i] for i in placed if stay.get(i) is None))
    stayers = [(x, float(p_plan[i])) for i, x in stay.items() if x is not None]
    movable = sum(w for _, w in stayers)
    room = None
    if rules.max_reassigned_share is not None:
        allowed = rules.max_reassigned_share * float(p_plan.sum())
        if forced > allowed:
            pairs.messages.append(
                f"{forced:,.0f} pupils must move (closed school, or today's school out of reach "
                f"within the rules), more than the {rules.max_reassigned_share:.0%} limit; "
                "the limit is raised to them"
            )
        room = max(allowed - forced, 0.0)
    # the reassignment penalty sits on every pair other than today's (no objective constant,
    # so the solver's bound and the plan's objective are on the same footing)
    frame["cost"] = frame["demand_id"].map(p_plan) * frame["minutes"]
    elsewhere = frame["site_id"].to_numpy() != frame["demand_id"].map(today_s).to_numpy()
    frame.loc[elsewhere, "cost"] += rules.reassign_penalty * frame.loc[elsewhere, "demand_id"].map(
        p_plan
    )
    beyond = np.array([p in pairs.beyond for p in key])
    frame.loc[beyond, "cost"] += frame.loc[beyond, "demand_id"].map(p_plan) * (
        rules.over_capacity_penalty
    )
    m.add_term(b.expression(frame["var"], frame["cost"]))

    dev = None
    if balance is not None and rules.balance_penalty > 0:
        dev = _add_balance(m, frame, balance.reindex(unit_ids).fillna(0.0), p_plan, active.index,
                           rules.balance_penalty)  # fmt: skip

    search = _search_model(frame, key, carriers, pairs.distance, placed, active, table, limit_of,
                           home, today_s, p_plan, groups, room, rules)  # fmt: skip
    start = starting_plan(search)
    if start.plan is not None and room is not None:
        needed = moved_pupils(search, start.plan)
        if needed > room + 1e-6:  # today's districts break the rules in more places than room
            pairs.messages.append(
                f"mending today's districts where they break the rules moves {needed:,.0f} "
                f"pupils, more than the {rules.max_reassigned_share:.0%} limit leaves; the limit "
                "is raised to them"
            )
            room = search.room = needed
    if room is not None:
        m.add_rules(
            "reassignment limit",
            {"pupils moved": b.rule(pulp.LpAffineExpression(stayers), GE, movable - room)},
        )

    def read_plans() -> dict[str, pd.DataFrame]:
        return _read_plans(frame, table, school, today_s, travel, plan_year, rules, pairs,
                           land.links)  # fmt: skip

    method = rules.method
    if method == "auto":
        method = "regions" if len(frame) >= REGIONS_FROM_PAIRS and dev is None else "plain"
    if method == "regions" and dev is not None:
        raise InputError("method 'regions' does not take a balance attribute; use 'plain'")
    params = {"rules": asdict(rules), "plan_year": plan_year, "years": years, "method": method,
              "pairs": len(frame), "keep_together_groups": len(groups)}  # fmt: skip
    fill = functools.partial(_set_plan, frame["var"].to_numpy(), over, search)
    if method == "regions" and start.plan is not None:
        result = _solve_by_regions(m, search, start, fill, read_plans, options, deadline, params)
    else:
        if warm_start and start.plan is not None:
            fill(start.plan)  # the starting plan as the solver's start (CBC reads it)
        result = solve_plan(m, read_plans, options, deadline=deadline, warm_start=warm_start,
                            params=params)  # fmt: skip
        if start.plan is not None:
            result = _at_least_the_start(result, m, search, start, fill, read_plans)
    result.messages = pairs.messages + start.notes + result.messages
    target = 1e-4 if options.gap_rel is None else options.gap_rel
    if (
        result.status == "stopped at time limit with best plan"
        and deadline.limit_s is not None
        and not (result.gap is not None and result.gap <= target)
    ):
        shown = "unknown" if result.gap is None else f"{result.gap:.1%}"
        result.messages.append(
            f"the {deadline.limit_s:g} s time limit ended the solve at a gap of {shown} "
            f"(asked: {target:.2%}) for {len(placed):,} units; a longer limit "
            "(solver.time_limit_s, --time-limit) gives a better plan and a smaller gap"
        )
    if result.has_plan and len(result.plans["links"]["school_id"].dropna()):
        crossing = result.plans["links"].dropna(subset=["school_id"])
        result.messages.append(
            f"{crossing['school_id'].nunique()} district(s) cross water (their map is in more "
            "than one piece): " + ", ".join(
                f"{r.school_id} ({r.area_id}–{r.neighbour_id}, {r.kind})"
                for r in crossing.head(5).itertuples(index=False))
        )  # fmt: skip
    if pairs.unplaced and result.has_plan:
        result.shortfall = pd.concat(
            [result.shortfall, _unplaced_shortfall(pairs.unplaced, table)], ignore_index=True
        )
    if dev is not None and result.has_plan:
        result.plans["balance"] = pd.DataFrame(
            {"school_id": list(dev.index), "imbalance": [v.varValue or 0.0 for v in dev]}
        )
    return result


# --- land, crossings and units without a district ---------------------------------------------


@dataclass
class _Land:
    """Which units count as neighbours (land and water crossings) and who gets no district."""

    nbrs: dict[str, list[str]]
    links: pd.DataFrame  # the water crossings counted: [area_id, neighbour_id, gap_m, kind]
    unplaced: dict[str, str]
    messages: list[str]


def _land(
    units: gpd.GeoDataFrame,
    unit_ids: pd.Index,
    neighbours: pd.DataFrame | None,
    crossings: pd.DataFrame | None,
    active: pd.DataFrame,
    rules: DistrictRules,
) -> _Land:
    empty = pd.DataFrame(
        {c: pd.Series(dtype=float if c == "gap_m" else object) for c in LINK_COLUMNS}
    )
    if not rules.contiguous:
        return _Land({}, empty, {}, [])
    if neighbours is None:
        neighbours = unit_neighbours(units)
    links = [neighbours[["area_id", "neighbour_id"]]]
    used = [empty]
    if crossings is not None and len(crossings):
        _require(crossings, ["area_id", "neighbour_id"], "crossings")
        bad = ~crossings["area_id"].isin(unit_ids) | ~crossings["neighbour_id"].isin(unit_ids)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                f"crossings, row {row + 2}: {crossings['area_id'].iloc[row]!r} – "
                f"{crossings['neighbour_id'].iloc[row]!r} is not a pair of units of the map"
            )
        declared = crossings[["area_id", "neighbour_id"]].assign(gap_m=np.nan, kind="declared")
        links.append(declared[["area_id", "neighbour_id"]])
        used.append(declared)
    messages = []
    if rules.crossings == "nearest":
        joined = pd.concat(links, ignore_index=True)
        near = nearest_crossings(units, joined, rules.max_crossing_m)
        if len(near):
            links.append(near[["area_id", "neighbour_id"]])
            used.append(near.assign(kind="nearest"))
            messages.append(
                f"{len(near)} water crossing(s) join land that no shared boundary joins, each "
                "across the narrowest gap (rules.crossings='nearest'): "
                + ", ".join(
                    f"{a}–{b} ({g:,.0f} m)"
                    for a, b, g in near.head(5)[["area_id", "neighbour_id", "gap_m"]].itertuples(
                        index=False
                    )
                )  # fmt: skip
            )
    both = pd.concat(links, ignore_index=True)
    both = pd.concat([both, both.rename(columns={"area_id": "neighbour_id",
                                                 "neighbour_id": "area_id"})])  # fmt: skip
    both = both[both["area_id"] != both["neighbour_id"]].drop_duplicates()
    nbrs = both.groupby("area_id")["neighbour_id"].agg(list).to_dict()
    piece = land_pieces(unit_ids, both)
    with_school = set(piece[piece.index.isin(active["area_id"])])
    cut_off = piece.index[~piece.isin(with_school)]
    unplaced = {u: ISLAND for u in cut_off}
    if unplaced:
        messages.append(
            f"{len(unplaced)} unit(s) lie on land that no crossing joins to a school and get no "
            "district (shortfall 'land that no crossing joins to a school'); declare a crossing "
            "(ferry, bridge) or use rules.crossings='nearest': " + ", ".join(sorted(unplaced)[:5])
        )
    links_used = pd.concat([u for u in used if len(u)] or [empty], ignore_index=True)
    return _Land(nbrs, links_used, unplaced, messages)


def _unplaced_shortfall(unplaced: dict[str, str], table: pd.DataFrame) -> pd.DataFrame:
    """Pupils of units without a district, per unit and year: [constraint, where, amount]."""
    rows = [(why, f"{u} / {t}", float(table.loc[u, t]))
            for u, why in sorted(unplaced.items()) for t in table.columns]  # fmt: skip
    return pd.DataFrame(rows, columns=["constraint", "where", "amount"])


# --- solving: the start, the plain MIP, regions -----------------------------------------------


def _search_model(frame, key, carriers, distance, placed, active, table, limit_of, home, today_s,
                  p_plan, groups, room, rules) -> SearchModel:  # fmt: skip
    """The model above as arrays (``district_search.SearchModel``), pair k = frame row k."""
    unit_pos = pd.Series(np.arange(len(placed)), index=placed)
    school_pos = pd.Series(np.arange(len(active)), index=active.index)
    pair_pos = {p: k for k, p in enumerate(key)}
    order = np.array([distance(p, m) for p, m in zip(key, frame["minutes"], strict=True)])
    preds = [None if p not in carriers else np.array([pair_pos[q] for q in carriers[p]], np.int64)
             for p in key]  # fmt: skip
    fixed = np.full(len(placed), -1, dtype=np.int64)
    for p in home.values():
        fixed[unit_pos[p[0]]] = pair_pos[p]
    stay = np.full(len(placed), -1, dtype=np.int64)
    for i, s in today_s.dropna().items():
        if (i, s) in pair_pos:
            stay[unit_pos[i]] = pair_pos[(i, s)]
    return SearchModel(
        n_units=len(placed),
        n_schools=len(active),
        pair_unit=unit_pos[frame["demand_id"]].to_numpy(),
        pair_school=school_pos[frame["site_id"]].to_numpy(),
        order=order,
        cost=frame["cost"].to_numpy(dtype=float),
        pupils=table.loc[placed].to_numpy(dtype=float),
        limit=limit_of.to_numpy(dtype=float),
        penalty=rules.over_capacity_penalty,
        preds=preds,
        fixed=fixed,
        stay=stay,
        weight=p_plan[placed].to_numpy(dtype=float),
        room=room,
        groups=[unit_pos[g].to_numpy() for g in groups],
    )


def _set_plan(xs: np.ndarray, over: pd.Series, search: SearchModel, plan: np.ndarray) -> None:
    """Put ``plan`` (unit -> pair) into the PuLP variables: x and the over-capacity slacks."""
    chosen = np.zeros(len(xs), dtype=bool)
    chosen[plan] = True
    for x, on in zip(xs, chosen, strict=True):
        x.varValue = 1.0 if on else 0.0
        x.setInitialValue(1.0 if on else 0.0)
    excess = np.clip(school_loads(search, plan) - search.limit[:, None], 0.0, None)
    for v, value in zip(over.to_numpy(), excess.reshape(-1), strict=True):  # (school, year)
        v.varValue = float(value)
        v.setInitialValue(float(value))


def _at_least_the_start(result, m, search, start, fill, read_plans) -> PlanResult:
    """The solver's plan, or the starting plan when the solver found none or a worse one."""
    start_cost = plan_cost(search, start.plan)
    if result.has_plan and (result.objective or 0.0) <= start_cost * (1 + 1e-9) + 1e-6:
        return result
    fill(start.plan)
    bound = result.best_bound
    result.status = "stopped at time limit with best plan"
    result.objective = float(pulp.value(m.problem.objective))
    if bound is not None:
        bound = min(bound, result.objective)
    result.best_bound, result.gap = bound, relative_gap(result.objective, bound)
    result.plans = read_plans()
    result.shortfall = m.shortfall()
    result.binding = result.binding.iloc[0:0]
    result.messages.append(
        "the solver found no plan better than the starting plan in time; the plan is the "
        "starting plan (today's districts, mended where they break the rules)"
    )
    return result


def _solve_by_regions(m, search, start, fill, read_plans, options, deadline, params) -> PlanResult:
    """Start, LP, improve region by region, then let the whole MIP prove a bound (see module)."""
    started = time.perf_counter()
    search_deadline = None if deadline.at is None else (
        started + REGION_SHARE * max(deadline.at - started, 0.0))  # fmt: skip
    # the LP's bound is the gap's floor: it gets at least LP_FLOOR_S (or a fifth of the limit),
    # even when the build ate the time: a plan without a gap tells the user little
    lp_deadline = None if deadline.at is None else max(
        search_deadline, started + max(LP_FLOOR_S, 0.2 * (deadline.limit_s or 0.0)))  # fmt: skip
    lp = relaxation(search, start.plan, lp_deadline)
    target = 1e-4 if options.gap_rel is None else options.gap_rel
    good_enough = None if lp.bound is None else lp.bound / max(1.0 - target, 1e-9)
    found = improve_by_regions(
        search, start.plan, search_deadline, lp.price, target_pairs=district_search.REGION_PAIRS,
        good_enough=good_enough,
    )  # fmt: skip
    m.set_objective()
    build_seconds = time.perf_counter() - m.started
    fill(found.plan)
    cutoff = found.cost + max(1e-9 * abs(found.cost), 1e-6)
    proving = replace(options, cutoff=cutoff)
    outcome = solve(m.problem, proving, warm_start=True, deadline=deadline)
    messages = [
        f"regions: starting plan {found.start_cost:,.0f}; {found.regions_improved} of "
        f"{found.regions_solved} region MIPs improved it in {found.passes} pass(es) "
        f"({found.seconds:.1f} s) to {found.cost:,.0f}"
        + ("" if found.converged else "; stopped by the clock")
        + (f"; LP bound {lp.bound:,.0f} in {lp.seconds:.1f} s" if lp.bound is not None else "")
    ] + outcome.messages
    if outcome.has_plan and outcome.objective is not None and outcome.objective < found.cost:
        objective = outcome.objective
        messages.append("the whole MIP improved the regions' plan")
    else:
        fill(found.plan)
        objective = float(pulp.value(m.problem.objective))
    if outcome.status == "infeasible":  # nothing beats the cutoff: the plan is proven best
        bound = objective
    else:
        bounds = [b for b in (outcome.best_bound, lp.bound) if b is not None]
        bound = min(max(bounds), objective) if bounds else None
    gap = relative_gap(objective, bound)
    if gap is not None and gap <= OPTIMAL_GAP:
        status = "optimal"
    elif outcome.status == "stopped at time limit with best plan" or (
        outcome.status == "no solution found"
    ):
        status = "stopped at time limit with best plan"
    else:
        status = "feasible within gap"
    result = PlanResult(
        model=m.name, status=status, objective=objective, best_bound=bound, gap=gap,
        build_seconds=build_seconds, solve_seconds=time.perf_counter() - started,
        solver=outcome.solver, messages=messages, params=params,
    )  # fmt: skip
    result.params["regions"] = {
        "start_cost": found.start_cost, "regions_cost": found.cost, "passes": found.passes,
        "regions_solved": found.regions_solved, "regions_improved": found.regions_improved,
        "seconds": round(found.seconds, 2), "converged": found.converged,
    }  # fmt: skip
    result.plans = read_plans()
    result.shortfall = m.shortfall()
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


def _read_plans(
    frame: pd.DataFrame,
    table: pd.DataFrame,
    school: pd.DataFrame,
    today: pd.Series,
    travel: pd.DataFrame,
    plan_year: int,
    rules: DistrictRules,
    pairs: AllowedPairs,
    links: pd.DataFrame,
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
    assignment["reassigned"] = assignment["school_id"].notna() & (
        assignment["school_id"] != assignment["school_today"]
    )
    limit = np.inf if rules.max_minutes is None else rules.max_minutes
    assignment["beyond_max_minutes"] = (assignment["minutes"] > limit + 1e-9) | np.array([
        (i, s) in pairs.beyond for i, s in zip(assignment["area_id"], assignment["school_id"],
                                               strict=True)
    ])  # fmt: skip
    assignment["unplaced"] = assignment["area_id"].map(pairs.unplaced).fillna("")
    enrolment = _enrolment(assignment, table, school, rules.capacity_tolerance)
    summary = _summary(assignment, table, school, plan_year, rules.capacity_tolerance)
    at = assignment.set_index("area_id")["school_id"]
    links = links.reset_index(drop=True)
    ends = links["area_id"].map(at), links["neighbour_id"].map(at)
    links["school_id"] = ends[0].where(ends[0] == ends[1])  # the district that crosses there
    return {"assignment": assignment, "enrolment": enrolment, "summary": summary,
            "links": links}  # fmt: skip


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
    """The districts as one (multi)polygon per school: [school_id, units, pupils, pieces,
    geometry]; ``pieces`` counts the separate pieces of land on the map (more than 1 where a
    unit is itself in several parts, e.g. with islands, or where a district crosses water).

    assignment: [area_id, <column>, pupils] (e.g. ``result.plans['assignment']``); use
    column='school_today' for today's districts.
    """
    merged = units[["area_id", "geometry"]].merge(
        assignment[["area_id", column, "pupils"]], on="area_id", how="inner"
    )
    merged = merged.dropna(subset=[column]).assign(units=1)
    out = merged.dissolve(by=column, aggfunc={"units": "sum", "pupils": "sum"})
    out = out.reset_index().rename(columns={column: "school_id"})
    out["pieces"] = shapely.get_num_geometries(out.geometry.to_numpy())
    cols = ["school_id", "units", "pupils", "pieces", "geometry"]
    return gpd.GeoDataFrame(out[cols], crs=units.crs)
