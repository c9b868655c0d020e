"""The districts model in index space: a starting plan that always exists, and better plans
found region by region.

``redraw_districts`` states the model in PuLP (``districts.py``); this module holds the same
model as arrays (``SearchModel``: one entry per allowed pair, its school, cost, pupils and the
pairs that may carry it under the contiguity rule) and three things done with them:

- ``starting_plan``: a plan that keeps every hard rule of the model (one school per unit, the
  school's own unit, contiguity, keep-together; capacity is an elastic slack). Today's districts
  are kept wherever they keep the contiguity rule; the other units are grown onto districts
  nearest first, like a multi-source shortest-path search, and a unit left without a district
  takes a chain of units towards its nearest school.
- ``plan_cost``: the model's objective of a plan, computed from the arrays.
- ``improve_by_regions``: fix-and-optimise over regions of neighbouring schools. A region's
  subproblem is the model restricted to the units now in the region's districts and to the
  region's schools, everything else fixed; its optimum can only lower the city's objective
  (the objective is a sum over districts and the reassignment budget is shared through a
  ledger). Regions overlap from pass to pass, so units move across any border.

Index conventions: units 0..n-1, schools 0..m-1, pairs 0..P-1. An assignment is an int array
``unit -> pair`` (the pair fixes the school).
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

#: Relative improvement of a region's objective below this is noise, not progress.
IMPROVE_TOL = 1e-7

#: A region's MIP: solved to this relative gap, within this many search nodes (a work limit,
#: so that the search gives the same plan on a busy machine as on a quiet one).
REGION_GAP = 1e-4
REGION_NODES = 500

#: Allowed pairs per region (about): small enough that HiGHS settles a region in a second.
REGION_PAIRS = 800


class _Rows:
    """Rows of a sparse model gathered one by one, handed over in CSR form."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.index: list[np.ndarray] = []
        self.value: list[np.ndarray] = []
        self.lo: list[float] = []
        self.hi: list[float] = []
        self.count = 0

    def add(self, cols: np.ndarray, vals: np.ndarray, lo: float, hi: float) -> None:
        self.starts.append(self.count)
        self.index.append(np.asarray(cols, dtype=np.int32))
        self.value.append(np.asarray(vals, dtype=float))
        self.lo.append(lo)
        self.hi.append(hi)
        self.count += len(cols)

    @property
    def count_rows(self) -> int:
        return len(self.lo)

    def arrays(self):
        return (
            np.array(self.starts, dtype=np.int32),
            np.concatenate(self.index) if self.index else np.zeros(0, np.int32),
            np.concatenate(self.value) if self.value else np.zeros(0),
            np.array(self.lo, dtype=float),
            np.array(self.hi, dtype=float),
        )


@dataclass
class SearchModel:
    """The districts model as arrays (see the module docstring).

    pair_unit, pair_school  unit and school index of each allowed pair.
    order        the contiguity rule's distance of each pair (minutes; -1 for a school's own
                 unit, the root of its district).
    cost         objective coefficient of each pair (pupil-minutes, reassignment and
                 beyond-limit penalties included).
    pupils       units x years pupils (persons); capacity holds in every year.
    limit        school -> seats x (1 + tolerance) (persons).
    penalty      objective per pupil above a school's limit, per year.
    preds        pair -> the pairs that may carry it (its unit's neighbours at the same school,
                 strictly nearer); None for pairs without the rule (roots, units exempt).
    fixed        unit -> the pair it must take (a school's own unit), or -1.
    stay         unit -> today's pair, or -1 (today's school not allowed or unknown).
    weight       unit -> plan-year pupils (persons), for the reassignment budget.
    room         pupils who may leave a school they could keep (None = no limit).
    forced_moved pupils who must move whatever the plan (today's pair not allowed).
    groups       keep-together groups as unit index arrays.
    """

    n_units: int
    n_schools: int
    pair_unit: np.ndarray
    pair_school: np.ndarray
    order: np.ndarray
    cost: np.ndarray
    pupils: np.ndarray
    limit: np.ndarray
    penalty: float
    preds: list[np.ndarray | None]
    fixed: np.ndarray
    stay: np.ndarray
    weight: np.ndarray
    room: float | None
    groups: list[np.ndarray] = field(default_factory=list)
    pairs_of_unit: list[np.ndarray] = field(init=False)
    succs: list[list[int]] = field(init=False)
    group_of: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        by_unit: list[list[int]] = [[] for _ in range(self.n_units)]
        for p, u in enumerate(self.pair_unit):
            by_unit[u].append(p)
        self.pairs_of_unit = [
            np.array(sorted(ps, key=lambda p: (self.order[p], p)), dtype=np.int64) for ps in by_unit
        ]
        self.succs = [[] for _ in range(len(self.pair_unit))]
        for p, ps in enumerate(self.preds):
            if ps is not None:
                for q in ps:
                    self.succs[q].append(p)
        self.group_of = np.full(self.n_units, -1, dtype=np.int64)
        for g, members in enumerate(self.groups):
            self.group_of[members] = g

    @property
    def n_pairs(self) -> int:
        return len(self.pair_unit)


# --- checking and scoring a plan -------------------------------------------------------------


def school_loads(model: SearchModel, plan: np.ndarray) -> np.ndarray:
    """schools x years pupils placed by ``plan`` (unit -> pair)."""
    loads = np.zeros((model.n_schools, model.pupils.shape[1]))
    np.add.at(loads, model.pair_school[plan], model.pupils)
    return loads


def moved_pupils(model: SearchModel, plan: np.ndarray) -> float:
    """Pupils who could stay at today's school but are moved by ``plan`` (persons)."""
    could = model.stay >= 0
    return float(model.weight[could & (plan != model.stay)].sum())


def plan_cost(model: SearchModel, plan: np.ndarray) -> float:
    """The model's objective for ``plan``: pair costs plus the over-capacity penalty."""
    over = np.clip(school_loads(model, plan) - model.limit[:, None], 0.0, None)
    return float(model.cost[plan].sum() + model.penalty * over.sum())


def broken_rules(model: SearchModel, plan: np.ndarray, budget: bool = True) -> list[str]:
    """The hard rules ``plan`` breaks, in words (empty when it keeps them all); budget=False
    leaves out the reassignment limit."""
    out = []
    if (model.pair_unit[plan] != np.arange(model.n_units)).any():
        out.append("a unit is given another unit's pair")
    fixed = model.fixed >= 0
    if (plan[fixed] != model.fixed[fixed]).any():
        out.append("a school's own unit is not in its district")
    at = np.full(model.n_pairs, False)
    at[plan] = True
    for u in range(model.n_units):
        ps = model.preds[plan[u]]
        if ps is not None and not at[ps].any():
            out.append(f"contiguity: unit {u} has no nearer neighbour in its district")
            break
    for members in model.groups:
        if len(set(model.pair_school[plan[members]])) > 1:
            out.append("a keep-together group is split")
            break
    room = model.room if budget else None
    if room is not None and moved_pupils(model, plan) > room * (1 + 1e-9) + 1e-6:
        out.append("more pupils moved than the reassignment limit allows")
    return out


# --- the starting plan ---------------------------------------------------------------------


@dataclass
class StartingPlan:
    """A plan that keeps the hard rules, and how it was made."""

    plan: np.ndarray | None  # unit -> pair; None when no plan could be made
    kept_today: int  # units that keep today's school
    grown: int  # units placed by growing districts
    chained: int  # units placed by a chain towards their nearest school
    notes: list[str]


def starting_plan(model: SearchModel) -> StartingPlan:
    """Today's districts where they keep the rules, the rest grown onto districts (see module)."""
    n = model.n_units
    plan = np.full(n, -1, dtype=np.int64)
    has_fixed = model.fixed >= 0
    plan[has_fixed] = model.fixed[has_fixed]
    today = (model.stay >= 0) & ~has_fixed
    plan[today] = model.stay[today]
    plan = _keep_supported(model, plan)
    kept = int(((plan >= 0) & (plan == model.stay)).sum())
    before = int((plan >= 0).sum())
    plan = _grow(model, plan)
    grown = int((plan >= 0).sum()) - before
    chained = 0
    seen: set[bytes] = set()
    for _ in range(min(4 * n + 10, 2_000)):  # each round places a chain
        lacking = np.flatnonzero(plan < 0)
        if not len(lacking) or plan.tobytes() in seen:  # done, or going round in circles
            break
        seen.add(plan.tobytes())
        placed = _chain(model, plan, int(lacking[0]))
        if placed is None:
            return StartingPlan(None, kept, grown, chained, [
                f"no starting plan: unit {int(lacking[0])} cannot be joined to any school "
                "through its neighbours without breaking another district"])  # fmt: skip
        plan = _keep_supported(model, placed)
        plan = _grow(model, plan)
        chained += 1
    if (plan < 0).any():
        return StartingPlan(None, kept, grown, chained, ["no starting plan: repairs cycled"])
    broken = broken_rules(model, plan, budget=False)  # (the caller raises the limit to it)
    if broken:  # e.g. a keep-together group holding two schools' own units: the MIP says why
        return StartingPlan(None, kept, grown, chained, [f"no starting plan: {broken[0]}"])
    notes = []
    lost = int((model.stay >= 0).sum()) - kept
    if lost:
        notes.append(
            f"starting plan: today's districts kept for {kept:,} units; {lost:,} units whose "
            "district today breaks the model's rules were placed by growing the districts "
            "nearest first"
        )
    return StartingPlan(plan, kept, grown, chained, notes)


def _keep_supported(model: SearchModel, plan: np.ndarray) -> np.ndarray:
    """Unassign every unit whose pair has no carrier in ``plan`` until all that remain do.

    Pairs are visited by increasing ``order`` so that one sweep settles a district: a carrier is
    always strictly nearer than the pair it carries. Keep-together groups are kept only whole.
    """
    plan = plan.copy()
    while True:
        at = np.full(model.n_pairs, False)
        placed = np.flatnonzero(plan >= 0)
        at[plan[placed]] = True
        dropped = False
        for u in sorted(placed, key=lambda u: model.order[plan[u]]):
            p = plan[u]
            ps = model.preds[p]
            if ps is None or at[ps].any() or model.fixed[u] >= 0:
                continue
            at[p] = False
            plan[u] = -1
            dropped = True
        for members in model.groups:
            got = plan[members]
            if (got < 0).any() or len(set(model.pair_school[got[got >= 0]])) > 1:
                for u in members:
                    if model.fixed[u] < 0 and plan[u] >= 0:
                        plan[u] = -1
                        dropped = True
        if not dropped:
            return plan


def _grow(model: SearchModel, plan: np.ndarray) -> np.ndarray:
    """Place unassigned units onto districts, nearest pair first (a multi-source search).

    A pair may be taken when one of its carriers is in the plan; taking it may let further
    pairs be taken (its successors). A keep-together group is placed whole when every member
    has a carrier at that school (members may carry each other).
    """
    plan = plan.copy()
    at = np.full(model.n_pairs, False)
    placed = plan >= 0
    at[plan[placed]] = True
    heap: list[tuple[float, int]] = []

    def push_free(p: int) -> None:
        if plan[model.pair_unit[p]] < 0:
            heapq.heappush(heap, (float(model.order[p]), p))

    for u in np.flatnonzero(~placed):
        for p in model.pairs_of_unit[u]:
            ps = model.preds[p]
            if ps is None or at[ps].any():
                push_free(int(p))
    while heap:
        _, p = heapq.heappop(heap)
        u = int(model.pair_unit[p])
        if plan[u] >= 0:
            continue
        g = model.group_of[u]
        if g >= 0:
            taken = _place_group(model, plan, at, g, int(model.pair_school[p]))
        else:
            ps = model.preds[p]
            taken = [p] if ps is None or at[ps].any() else []
        for q in taken:
            plan[model.pair_unit[q]] = q
            at[q] = True
        for q in taken:
            for r in model.succs[q]:
                push_free(r)
    return plan


def _place_group(
    model: SearchModel, plan: np.ndarray, at: np.ndarray, g: int, school: int
) -> list[int]:
    """The pairs placing group ``g`` whole at ``school``, or [] when some member lacks a
    carrier (inside or outside the group) or is fixed elsewhere."""
    members = model.groups[g]
    if (plan[members] >= 0).any():
        return []
    pairs = []
    for u in members:
        mine = [p for p in model.pairs_of_unit[u] if model.pair_school[p] == school]
        if not mine or (model.fixed[u] >= 0 and model.fixed[u] != mine[0]):
            return []
        pairs.append(mine[0])
    trial = at.copy()
    pending = sorted(pairs, key=lambda p: model.order[p])
    for _ in range(len(pending)):
        progress = False
        for p in list(pending):
            ps = model.preds[p]
            if ps is None or trial[ps].any():
                trial[p] = True
                pending.remove(p)
                progress = True
        if not pending or not progress:
            break
    return [] if pending else pairs


def _chain(model: SearchModel, plan: np.ndarray, unit: int) -> np.ndarray | None:
    """``plan`` with ``unit`` joined to the nearest school it can reach through a chain of
    carriers: the units along the chain move to that school too (their old districts are
    mended by the caller). Fixed units are never moved. None when no chain exists."""
    at = np.full(model.n_pairs, False)
    placed = plan >= 0
    at[plan[placed]] = True
    for p in model.pairs_of_unit[unit]:
        path = _carrier_path(model, plan, at, int(p))
        if path is None:
            continue
        out = plan.copy()
        for q in path:
            out[model.pair_unit[q]] = q
        g = model.group_of[unit]
        if g >= 0:  # the rest of the group follows (the caller checks it keeps the rules)
            school = model.pair_school[p]
            for u in model.groups[g]:
                mine = [q for q in model.pairs_of_unit[u] if model.pair_school[q] == school]
                if not mine:
                    break
                out[u] = mine[0]
            else:
                return out
            continue
        return out
    return None


def _carrier_path(model: SearchModel, plan: np.ndarray, at: np.ndarray, p: int) -> list[int] | None:
    """Pairs from ``p`` down through carriers to a pair already in the plan (or a root),
    avoiding units fixed elsewhere; depth-first, nearest carrier first."""
    stack = [(p, [p])]
    seen = {p}
    while stack:
        q, path = stack.pop()
        ps = model.preds[q]
        if ps is None or at[ps].any():
            return path
        for r in sorted(ps, key=lambda r: -model.order[r]):  # nearest popped first
            r = int(r)
            u = model.pair_unit[r]
            if r in seen or (model.fixed[u] >= 0 and model.fixed[u] != r):
                continue
            seen.add(r)
            stack.append((r, [*path, r]))
    return None


# --- fix-and-optimise over regions ------------------------------------------------------------


@dataclass
class RegionSearch:
    """What the region-by-region search did."""

    plan: np.ndarray
    cost: float
    start_cost: float
    passes: int
    regions_solved: int
    regions_improved: int
    seconds: float
    converged: bool  # a whole pass found nothing better (not stopped by the clock)
    history: list[tuple[float, float]] = field(default_factory=list)  # (seconds, cost)


def school_links(model: SearchModel) -> list[dict[int, int]]:
    """school -> {other school: number of units that may take both} (which schools compete)."""
    links: list[dict[int, int]] = [{} for _ in range(model.n_schools)]
    for ps in model.pairs_of_unit:
        schools = sorted(set(model.pair_school[ps].tolist()))
        for a in schools:
            for b in schools:
                if a != b:
                    links[a][b] = links[a].get(b, 0) + 1
    return links


def region_around(
    seed: int, links: Sequence[dict[int, int]], pairs_at: np.ndarray, target_pairs: int
) -> list[int]:
    """``seed`` and the schools most linked to the region so far, until the region's schools
    hold about ``target_pairs`` allowed pairs (best-first growth, ties by index)."""
    region = [seed]
    inside = {seed}
    total = int(pairs_at[seed])
    score: dict[int, int] = {}
    for b, w in links[seed].items():
        score[b] = score.get(b, 0) + w
    while total < target_pairs and score:
        best = min(score, key=lambda b: (-score[b], b))
        del score[best]
        region.append(best)
        inside.add(best)
        total += int(pairs_at[best])
        for b, w in links[best].items():
            if b not in inside:
                score[b] = score.get(b, 0) + w
    return region


def improve_by_regions(
    model: SearchModel,
    plan: np.ndarray,
    deadline: float | None,
    price: float = 0.0,
    target_pairs: int = REGION_PAIRS,
    max_passes: int = 12,
    good_enough: float | None = None,
) -> RegionSearch:
    """Fix-and-optimise: solve the model on one region of schools at a time (see module).

    price: objective per pupil moved from today's school while passes find something (the LP's
    price of the reassignment budget, so that the first regions do not spend the whole city's
    budget on small gains); the last pass prices moves at 0 to spend what is left.
    deadline: ``time.perf_counter()`` reading after which no new region is started (None = none).
    Each region's MIP has a node limit, so the search is repeatable; it stops when a pass with
    price 0 improves nothing, after ``max_passes``, at the deadline, or once the cost is at or
    below ``good_enough`` (e.g. within the gap asked for of a proven bound).
    """
    started = time.perf_counter()
    links = school_links(model)
    pairs_at = np.bincount(model.pair_school, minlength=model.n_schools)
    cost = start_cost = plan_cost(model, plan)
    history = [(0.0, cost)]
    solved = improved = passes = 0
    converged = False
    order = list(range(model.n_schools))
    while passes < max_passes:
        passes += 1
        covered = np.zeros(model.n_schools, dtype=bool)
        pass_gain = 0.0
        stopped = False
        for seed in order:
            if covered[seed]:
                continue
            if deadline is not None and time.perf_counter() >= deadline:
                stopped = True
                break
            if good_enough is not None and cost <= good_enough:
                converged = stopped = True
                break
            region = region_around(seed, links, pairs_at, target_pairs)
            covered[region] = True
            better = solve_region(model, plan, np.array(region), deadline, price)
            solved += 1
            if better is None:
                continue
            gain = _priced(model, plan, cost, price) - _priced(model, better, None, price)
            if gain > IMPROVE_TOL * max(abs(cost), 1.0):
                pass_gain += gain
                plan, cost = better, plan_cost(model, better)
                improved += 1
                history.append((time.perf_counter() - started, cost))
        if stopped:
            break
        if pass_gain <= IMPROVE_TOL * max(abs(cost), 1.0):
            if price == 0.0:
                converged = True
                break
            price = 0.0  # the priced passes have settled: spend what is left of the budget
        order = order[1:] + order[:1]  # shift the seeds so the next pass's borders differ
    return RegionSearch(plan, cost, start_cost, passes, solved, improved,
                        time.perf_counter() - started, converged, history)  # fmt: skip


def _priced(model: SearchModel, plan: np.ndarray, cost: float | None, price: float) -> float:
    """The objective of ``plan`` plus ``price`` per pupil moved (``cost``: its objective)."""
    cost = plan_cost(model, plan) if cost is None else cost
    return cost + (price * moved_pupils(model, plan) if price else 0.0)


@dataclass
class _Region:
    """A region's subproblem as HiGHS arrays: x columns for ``sub`` pairs, then over[s, t]."""

    sub: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    cost: np.ndarray
    rows: _Rows
    budget_row: int | None


def _region_model(
    model: SearchModel, plan: np.ndarray, region: np.ndarray, price: float = 0.0
) -> _Region | None:
    """The model restricted to the units now at ``region``'s schools and to those schools, the
    rest of ``plan`` fixed; ``price`` is added per pupil moved from today's school."""
    in_region = np.zeros(model.n_schools, dtype=bool)
    in_region[region] = True
    free = np.flatnonzero(in_region[model.pair_school[plan]])
    if len(free) == 0:
        return None
    sub = np.concatenate([model.pairs_of_unit[u] for u in free])
    sub = sub[in_region[model.pair_school[sub]]]
    col = np.full(model.n_pairs, -1, dtype=np.int64)
    col[sub] = np.arange(len(sub))
    years = model.pupils.shape[1]
    n_x = len(sub)
    over_col = {s: n_x + k * years for k, s in enumerate(region)}
    n_cols = n_x + len(region) * years
    lower = np.zeros(n_cols)
    upper = np.concatenate([np.ones(n_x), np.full(n_cols - n_x, np.inf)])
    for u in free:
        if model.fixed[u] >= 0:  # a school's own unit stays
            for p in model.pairs_of_unit[u]:
                if col[p] >= 0:
                    lower[col[p]] = upper[col[p]] = float(p == model.fixed[u])
    pair_cost = model.cost[sub].copy()
    if price:
        unit = model.pair_unit[sub]
        moving = (model.stay[unit] >= 0) & (model.stay[unit] != sub)
        pair_cost[moving] += price * model.weight[unit[moving]]
    cost = np.concatenate([pair_cost, np.full(n_cols - n_x, model.penalty)])
    rows = _Rows()
    for u in free:  # one school per unit
        cols = col[model.pairs_of_unit[u]]
        cols = cols[cols >= 0]
        rows.add(cols, np.ones(len(cols)), 1.0, 1.0)
    for p in sub:  # contiguity (carriers outside the sub-model are at other schools: 0)
        ps = model.preds[p]
        if ps is None:
            continue
        carriers = col[ps]
        carriers = carriers[carriers >= 0]
        rows.add(np.concatenate([[col[p]], carriers]),
                 np.concatenate([[1.0], -np.ones(len(carriers))]), -np.inf, 0.0)  # fmt: skip
    for s in region:  # capacity, each year
        mine = sub[model.pair_school[sub] == s]
        for t in range(years):
            loads = model.pupils[model.pair_unit[mine], t]
            rows.add(np.concatenate([col[mine], [over_col[s] + t]]),
                     np.concatenate([loads, [-1.0]]), -np.inf, float(model.limit[s]))  # fmt: skip
    for members in model.groups:  # keep together (a group is free whole or not at all)
        if not in_region[model.pair_school[plan[members[0]]]]:
            continue
        head = members[0]
        for other in members[1:]:
            for p in model.pairs_of_unit[head]:
                if col[p] < 0:
                    continue
                school = model.pair_school[p]
                twin = [q for q in model.pairs_of_unit[other] if model.pair_school[q] == school]
                if twin:
                    rows.add(np.array([col[p], col[twin[0]]]), np.array([1.0, -1.0]), 0.0, 0.0)
                else:
                    upper[col[p]] = 0.0
    budget_row = None
    if model.room is not None:  # the reassignment budget: what is left of it outside
        outside = plan.copy()
        outside[free] = -2  # (never equal to a stay pair)
        used_outside = moved_pupils(model, outside) - float(
            model.weight[free][model.stay[free] >= 0].sum()
        )
        stays = model.stay[free]
        can = (stays >= 0) & (col[np.maximum(stays, 0)] >= 0)
        forced_here = float(model.weight[free][(stays >= 0) & ~can].sum())
        w = model.weight[free][can]
        budget = model.room - used_outside - forced_here
        budget_row = rows.count_rows
        rows.add(col[stays[can]], w, float(w.sum()) - budget, np.inf)
    return _Region(sub, lower, upper, cost, rows, budget_row)


def _highs(region: _Region, integer: bool, deadline: float | None):
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", 1)
    if deadline is not None:
        h.setOptionValue("time_limit", max(1.0, deadline - time.perf_counter()))
    n_cols, n_x = len(region.lower), len(region.sub)
    h.addVars(n_cols, region.lower, region.upper)
    h.changeColsCost(n_cols, np.arange(n_cols, dtype=np.int32), region.cost)
    if integer:
        kinds = np.full(n_x, int(highspy.HighsVarType.kInteger), np.uint8)
        h.changeColsIntegrality(n_x, np.arange(n_x, dtype=np.int32), kinds)
    starts, index, value, lo, hi = region.rows.arrays()
    h.addRows(len(lo), lo, hi, len(index), starts, index, value)
    return h


def solve_region(
    model: SearchModel,
    plan: np.ndarray,
    region: np.ndarray,
    deadline: float | None,
    price: float = 0.0,
) -> np.ndarray | None:
    """The best plan that changes only units now at ``region``'s schools, moving them only
    among those schools; None when HiGHS finds nothing (the plan is then kept)."""
    sub_model = _region_model(model, plan, region, price)
    if sub_model is None:
        return None
    h = _highs(sub_model, True, deadline)
    h.setOptionValue("mip_rel_gap", REGION_GAP)
    h.setOptionValue("mip_max_nodes", REGION_NODES)
    h.run()
    if h.getInfo().primal_solution_status != 2:
        return None
    x = np.asarray(h.getSolution().col_value)[: len(sub_model.sub)]
    out = plan.copy()
    chosen = sub_model.sub[x > 0.5]
    out[model.pair_unit[chosen]] = chosen
    if (model.pair_unit[out] != np.arange(model.n_units)).any():
        return None  # (a unit without a pair: numerical trouble; keep the plan)
    return out


@dataclass
class Relaxation:
    """The whole model's LP relaxation: a proven lower bound and the reassignment budget's
    price (objective per pupil of budget: what one more pupil allowed to move would save)."""

    bound: float | None
    price: float
    seconds: float


def relaxation(model: SearchModel, plan: np.ndarray, deadline: float | None) -> Relaxation:
    """Solve the LP relaxation of the whole model (every unit free, every school)."""
    started = time.perf_counter()
    whole = _region_model(model, plan, np.arange(model.n_schools))
    h = _highs(whole, False, deadline)
    h.run()
    import highspy

    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return Relaxation(None, 0.0, time.perf_counter() - started)
    bound = float(h.getInfo().objective_function_value)
    price = 0.0
    if whole.budget_row is not None:
        price = abs(float(h.getSolution().row_dual[whole.budget_row]))
    return Relaxation(bound, price, time.perf_counter() - started)
