"""Building blocks that models compose: who may serve whom, capacity, coverage, serve-once,
unmet demand, fairness and stability. Each adds variables or rules to a ``PlanModel``.

Pairs are long frames with one row per allowed (demand_id, site_id) and a ``var`` column holding
its PuLP variable; expressions are built in bulk with ``sum_by`` (one pass, no per-row lpSum).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

import numpy as np
import pandas as pd
import pulp

from optimize.model import PlanModel, UnmetTerm

#: The senses of a rule (``rule(lhs, LE, rhs)``): at most, at least, exactly. Models import
#: these from here.
LE, GE, EQ = pulp.LpConstraintLE, pulp.LpConstraintGE, pulp.LpConstraintEQ


# --- who may serve whom -----------------------------------------------------------------------


def allowed_pairs(
    costs: pd.DataFrame,
    max_cost: float | None = None,
    k_nearest: int | None = None,
    keep_sites: Iterable[str] = (),
) -> pd.DataFrame:
    """Rows of ``costs`` [demand_id, site_id, cost] a demand may be served by.

    max_cost: drop pairs costing more (e.g. more than 30 minutes away).
    k_nearest: keep only each demand's k cheapest sites (ties broken by site order), plus any
    pair with a site in ``keep_sites``. Output is sorted by demand then cost.
    """
    pairs = costs
    if max_cost is not None:
        pairs = pairs[pairs["cost"] <= max_cost]
    pairs = pairs.sort_values(["demand_id", "cost"], kind="stable")
    if k_nearest is not None:
        rank = pairs.groupby("demand_id", sort=False).cumcount()
        keep = rank < k_nearest
        keep_sites = set(keep_sites)
        if keep_sites:
            keep |= pairs["site_id"].isin(keep_sites)
        pairs = pairs[keep.to_numpy()]
    return pairs.reset_index(drop=True)


def add_assignment(
    model: PlanModel, pairs: pd.DataFrame, binary: bool = False, prefix: str = "x"
) -> pd.DataFrame:
    """One variable per allowed pair: the share (0..1) of the demand served at the site.

    binary=True makes it single-source (the whole demand goes to one site). Returns ``pairs``
    with a ``var`` column.
    """
    out = pairs.copy()
    out["var"] = model.variables(prefix, len(out), 0, 1, binary=binary)
    return out


def add_site_choice(
    model: PlanModel, site_ids: Iterable[str], fixed_open: Iterable[str] = (), prefix: str = "y"
) -> pd.Series:
    """One binary per site: 1 = open. Sites in ``fixed_open`` (existing facilities) stay open."""
    site_ids = list(dict.fromkeys(site_ids))
    fixed = set(fixed_open)
    unknown = fixed - set(site_ids)
    if unknown:
        raise ValueError(f"fixed sites not among the candidate sites: {sorted(unknown)[:5]}")
    opened = pd.Series(model.variables(prefix, len(site_ids), binary=True), index=site_ids)
    for site in fixed:
        opened[site].lowBound = 1
    return opened


def sum_by(
    frame: pd.DataFrame,
    key: str | list[str],
    coef: str | np.ndarray | None = None,
    var: str = "var",
) -> dict[Hashable, pulp.LpAffineExpression]:
    """{key value: sum of coef * var over its rows}, built in one pass over sorted rows."""
    keys = frame[key] if isinstance(key, str) else pd.MultiIndex.from_frame(frame[key])
    codes, uniques = pd.factorize(keys, sort=False)
    variables = frame[var].to_numpy()
    if coef is None:
        coefs = np.ones(len(frame))
    elif isinstance(coef, str):
        coefs = frame[coef].to_numpy(dtype=float)
    else:
        coefs = np.asarray(coef, dtype=float)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    out: dict[Hashable, pulp.LpAffineExpression] = {}
    for k, name in enumerate(uniques):
        idx = order[bounds[k] : bounds[k + 1]]
        out[name] = pulp.LpAffineExpression(
            zip(variables[idx].tolist(), coefs[idx].tolist(), strict=True)
        )
    return out


def expression(
    variables: Iterable, coefs: Iterable[float] | None = None
) -> pulp.LpAffineExpression:
    """sum coef * var as one PuLP expression, without per-term arithmetic."""
    variables = list(variables)
    coefs = [1.0] * len(variables) if coefs is None else [float(c) for c in coefs]
    return pulp.LpAffineExpression(zip(variables, coefs, strict=True))


def rule(lhs: pulp.LpAffineExpression, sense: int, rhs: float) -> pulp.LpConstraint:
    """lhs (<=, >=, ==) rhs as a PuLP constraint, without copying through operators."""
    return pulp.LpConstraint(lhs, sense, rhs=float(rhs))


# --- rules ------------------------------------------------------------------------------------


def serve_once(
    model: PlanModel,
    pairs: pd.DataFrame,
    demand_ids: Iterable[str],
    unmet: pd.Series | list[pd.Series] | None = None,
    weights: pd.Series | None = None,
    family: str = "serve once",
) -> None:
    """Each demand is served exactly once: its shares add up to 1.

    unmet: share variables (demand_id -> var) that also count, e.g. the unmet share; a list for
    several. weights: scale each demand's rule by its weight, so that an elastic re-solve reports
    the give in persons rather than shares.
    """
    shares = sum_by(pairs, "demand_id")
    others = [] if unmet is None else [unmet] if isinstance(unmet, pd.Series) else list(unmet)
    rules = {}
    for d in demand_ids:
        lhs = shares.get(d, pulp.LpAffineExpression())
        for other in others:
            if d in other.index:
                lhs[other[d]] = 1.0
        w = 1.0 if weights is None else float(weights[d]) or 1.0
        if w != 1.0:
            for var in list(lhs):
                lhs[var] *= w
        rules[d] = rule(lhs, EQ, w)
    model.add_rules(family, rules)


def add_unmet_demand(
    model: PlanModel,
    weights: pd.Series,
    penalty: float | None,
    binary: bool = False,
    family: str = "unmet demand",
) -> pd.Series | None:
    """Share (0..1) of each demand left unserved, costing ``penalty`` per unit of weight.

    Returns None when penalty is None (then serving is a hard rule). binary=True: a demand is
    served whole or not at all. Reported in ``PlanResult.shortfall`` as ``weight * share``.
    """
    if penalty is None:
        return None
    slack = pd.Series(
        model.variables("unmet", len(weights), 0, 1, binary=binary), index=weights.index
    )
    model.unmet.append(UnmetTerm(family, slack, weights.astype(float)))
    model.add_term(expression(slack.to_numpy(), penalty * weights.to_numpy(dtype=float)))
    return slack


def add_over_capacity(
    model: PlanModel,
    places: pd.Index,
    penalty: float,
    family: str = "over capacity",
    prefix: str = "over",
) -> pd.Series:
    """Amount above capacity per place (>= 0, in the capacity's units, e.g. pupils), costing
    ``penalty`` per unit; reported in ``PlanResult.shortfall`` under ``family``.

    Subtract it in the place's capacity rule (load - over <= capacity) so that a plan always
    exists and says where, and by how much, capacity cannot hold.
    """
    over = pd.Series(model.variables(prefix, len(places), 0), index=places)
    model.unmet.append(UnmetTerm(family, over, pd.Series(1.0, index=places)))
    model.add_term(expression(over.to_numpy(), [penalty] * len(over)))
    return over


def only_at_open_sites(
    model: PlanModel, pairs: pd.DataFrame, opened: pd.Series, family: str = "only open sites"
) -> None:
    """A demand may be served at a site only if the site is open (x_ij <= y_j, pair by pair)."""
    y = opened.reindex(pairs["site_id"]).to_numpy()
    rules = {}
    for k, (x, yj) in enumerate(zip(pairs["var"].to_numpy(), y, strict=True)):
        rules[k] = pulp.LpConstraint(pulp.LpAffineExpression([(x, 1.0), (yj, -1.0)]), LE, rhs=0.0)
    model.add_rules(family, rules)


def within_capacity(
    model: PlanModel,
    pairs: pd.DataFrame,
    load: str,
    capacity: pd.Series,
    opened: pd.Series | None = None,
    family: str = "capacity",
) -> None:
    """Load served at each site stays within its capacity (only when open, if ``opened``).

    load: column of ``pairs`` with the amount the pair brings if fully served (e.g. persons).
    capacity: site_id -> capacity in the same units. Sites missing from ``capacity`` are unlimited.
    """
    loads = sum_by(pairs, "site_id", coef=load)
    rules = {}
    for site, lhs in loads.items():
        if site not in capacity.index:
            continue
        cap = float(capacity[site])
        if opened is not None:
            lhs[opened[site]] = lhs.get(opened[site], 0.0) - cap
            rules[site] = rule(lhs, LE, 0.0)
        else:
            rules[site] = rule(lhs, LE, cap)
    model.add_rules(family, rules)


def open_exactly(
    model: PlanModel, opened: pd.Series, p: int, family: str = "sites to open"
) -> None:
    """Exactly p sites open (fixed-open sites count towards p)."""
    model.add_rules(family, {"all sites": rule(expression(opened.to_numpy()), EQ, p)})


def covered_only_if_reached(
    model: PlanModel,
    covering: pd.DataFrame,
    covered: pd.Series,
    opened: pd.Series,
    family: str = "coverage",
) -> None:
    """A demand counts as covered only if an open site reaches it: z_i <= sum_{j reaches i} y_j.

    covering: [demand_id, site_id] pairs within the service radius.
    """
    frame = covering.assign(var=opened.reindex(covering["site_id"]).to_numpy())
    reach = sum_by(frame, "demand_id")
    rules = {}
    for d, z in covered.items():
        lhs = pulp.LpAffineExpression(reach.get(d, {}))
        for var in list(lhs):
            lhs[var] = -lhs[var]
        lhs[z] = 1.0
        rules[d] = rule(lhs, LE, 0.0)
    model.add_rules(family, rules)


def cover_every_demand(
    model: PlanModel,
    covering: pd.DataFrame,
    demand_ids: Iterable[str],
    opened: pd.Series,
    unmet: pd.Series | None = None,
    family: str = "coverage",
) -> None:
    """Every demand is within reach of at least one open site (or counted as unmet)."""
    frame = covering.assign(var=opened.reindex(covering["site_id"]).to_numpy())
    reach = sum_by(frame, "demand_id")
    rules = {}
    for d in demand_ids:
        lhs = pulp.LpAffineExpression(reach.get(d, {}))
        if unmet is not None:
            lhs[unmet[d]] = 1.0
        rules[d] = rule(lhs, GE, 1.0)
    model.add_rules(family, rules)


# --- fairness and stability -------------------------------------------------------------------


def worst_of(
    model: PlanModel,
    values: dict[Hashable, pulp.LpAffineExpression],
    family: str = "worst case",
    prefix: str = "worst",
) -> pulp.LpVariable:
    """A variable w >= every value (minimise it to minimise the worst: min-max fairness).

    Use for the worst shortage share between areas, or the worst travel time (p-center).
    """
    (w,) = model.variables(prefix, 1, low=None)
    rules = {}
    for where, value in values.items():
        lhs = pulp.LpAffineExpression(value)
        lhs.constant = 0
        lhs[w] = lhs.get(w, 0.0) - 1.0
        rules[where] = rule(lhs, LE, -float(value.constant))
    model.add_rules(family, rules)
    return w


def bound_gap_between(
    model: PlanModel,
    values: dict[Hashable, pulp.LpAffineExpression],
    max_gap: float,
    family: str = "gap between areas",
) -> None:
    """max(values) - min(values) <= max_gap (e.g. shortage shares of areas within 10 points)."""
    hi = worst_of(model, values, family=f"{family} (top)", prefix="top")
    (lo,) = model.variables("bottom", 1, low=None)
    rules = {}
    for where, value in values.items():
        lhs = pulp.LpAffineExpression(value)
        constant = float(lhs.constant)
        lhs.constant = 0
        lhs[lo] = lhs.get(lo, 0.0) - 1.0
        rules[where] = rule(lhs, GE, -constant)
    model.add_rules(f"{family} (bottom)", rules)
    model.add_rules(family, {"all": rule(expression([hi, lo], [1, -1]), LE, max_gap)})


def limit_changes(
    model: PlanModel,
    variables: pd.Series,
    today: pd.Series,
    max_change: float,
    weights: pd.Series | None = None,
    family: str = "stability",
) -> pulp.LpAffineExpression:
    """Total |new - today| (weighted) stays within ``max_change``: don't move too much at once.

    variables and today share an index (e.g. (demand, site) shares, or site open flags, with
    today's values; missing today = 0). Returns the change expression for reporting or penalising.
    """
    today = today.reindex(variables.index).fillna(0.0).astype(float)
    weights = (
        pd.Series(1.0, index=variables.index)
        if weights is None
        else weights.reindex(variables.index).fillna(1.0).astype(float)
    )
    up = model.variables("moved_up", len(variables), 0)
    down = model.variables("moved_down", len(variables), 0)
    rules = {}
    for k, (where, v) in enumerate(variables.items()):
        # new - today = up - down
        lhs = pulp.LpAffineExpression([(v, 1.0), (up[k], -1.0), (down[k], 1.0)])
        rules[where] = rule(lhs, EQ, today.iloc[k])
    model.add_rules(f"{family} (change)", rules)
    change = expression(up + down, np.concatenate([weights.to_numpy()] * 2))
    model.add_rules(family, {"total change": rule(change, LE, max_change)})
    return change
