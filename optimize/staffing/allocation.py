"""Posting the bureau's caseworkers across service centres and months (a PuLP model).

Each centre c and month m picks one staffing level within ``max_moves_per_centre`` of today's
posting (binary pick[c,m,level]). A level fixes, before solving: caseworkers posted, moves in
and out, caseworkers at counters (the roster after shrinkage, rounded down, at most one per
counter) and servers short of the peak-hour need. Read out per centre-month as
    staff, moved_in, moved_out, at_counter, short (penalised; reported as shortfall).
Rules (each one line in ``allocate_caseworkers``): one level per centre-month; every caseworker
posted somewhere each month; at most ``max_moves_total`` away from their centre each month.
Objective: the k-th missing server at a centre-month costs k x the visitors behind one server of
its need (so a deficit is spread rather than dumped on one centre), plus ``move_cost`` per
caseworker-month posted away from today's centre.
Choosing among precomputed levels (a multiple-choice knapsack per month) keeps the LP bound
tight: writing floor(staff x (1 - shrinkage)) as integer rounding instead made CBC branch for
minutes on 5 centres.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd
import pulp

from demand.errors import InputError
from optimize import blocks as b
from optimize.blocks import EQ, LE
from optimize.model import PlanModel, UnmetTerm, solve_plan
from optimize.result import PlanResult
from optimize.solver import SolverOptions
from optimize.staffing.rules import TransferLimits

__all__ = ["LateVisitors", "TransferLimits", "allocate_caseworkers"]

#: (facility_id, month 'YYYY-MM', servers at counters) -> visitors not served in time that month.
LateVisitors = Callable[[str, str, int], float]


def _check_centres(requirements: pd.DataFrame, today: pd.Series, counters: pd.Series) -> None:
    centres = set(requirements["facility_id"])
    for name, table in (("caseworker headcount", today), ("counters", counters)):
        missing = sorted(centres - set(table.index))
        if missing:
            raise InputError(
                f"no {name} for centre(s) {', '.join(missing[:5])}; give one for every centre "
                "with caseload"
            )
        bad = table[(table < 0) | table.isna()]
        if not bad.empty:
            raise InputError(
                f"{name} for centre {bad.index[0]} is {bad.iloc[0]!r}; give a number >= 0"
            )


def _staffing_levels(
    keys: list[tuple[str, str]],
    today: pd.Series,
    counters: pd.Series,
    need: pd.Series,
    weight: pd.Series,
    shrinkage: float,
    limits: TransferLimits,
    late_visitors: LateVisitors | None = None,
) -> pd.DataFrame:
    """The staffing levels each centre-month may take, with what each level means.

    Columns: facility_id, month, staff, moved_in, moved_out, at_counter (min(floor(staff x
    (1 - shrinkage)), counters)), short (servers short of need), cost: the k-th missing server
    costs k x weight (x shortfall_weight), plus the visitors not served in time at that many
    servers when ``late_visitors`` is given, plus move_cost per caseworker moved.
    """
    rows = []
    reach = int(limits.max_moves_per_centre)
    for fid, month in keys:
        now = int(round(today[fid]))
        cap = int(math.floor(counters[fid]))
        for staff in range(max(0, now - reach), now + reach + 1):
            servers = min(math.floor(staff * (1 - shrinkage) + 1e-9), cap)
            short = max(0, int(need[(fid, month)]) - servers)
            moved = abs(staff - now)
            cost = limits.shortfall_weight * weight[(fid, month)] * short * (short + 1) / 2
            if late_visitors is not None:
                cost += late_visitors(fid, month, servers)
            cost += limits.move_cost * moved
            rows.append(
                (fid, month, staff, max(staff - now, 0), max(now - staff, 0), servers, short, cost)
            )
    return pd.DataFrame(
        rows,
        columns=["facility_id", "month", "staff", "moved_in", "moved_out", "at_counter", "short",
                 "cost"],
    )  # fmt: skip


def allocate_caseworkers(
    requirements: pd.DataFrame,
    today: pd.Series,
    counters: pd.Series,
    shrinkage: float,
    limits: TransferLimits | None = None,
    options: SolverOptions | None = None,
    late_visitors: LateVisitors | None = None,
) -> PlanResult:
    """Post caseworkers so that as many visitors as possible are served within the target.

    requirements: [facility_id, month, visitors, servers_needed] (``staffing_requirements``).
    today: facility_id -> caseworkers posted today. counters: facility_id -> counters.
    late_visitors: optional (facility_id, 'YYYY-MM', servers) -> visitors not served in time;
    when given, the objective adds those visitors (Erlang C over all opening hours) to the
    shortfall penalty (the k-th missing server costs k x visitors per needed server).
    Returns a PlanResult whose plan ``posting`` has one row per centre and month [facility_id,
    month, caseworkers_today, caseworkers, moved_in, moved_out, servers_needed, at_counter,
    short_servers]; ``shortfall`` lists servers short per centre / month.
    """
    limits = limits or TransferLimits()
    today = today.astype(float)
    counters = counters.astype(float)
    _check_centres(requirements, today, counters)
    req = requirements.sort_values(["facility_id", "month"]).reset_index(drop=True)
    centres = sorted(req["facility_id"].unique())
    headcount = limits.bureau_headcount
    headcount = int(round(today.reindex(centres).sum())) if headcount is None else int(headcount)
    labels = pd.to_datetime(req["month"]).dt.strftime("%Y-%m")
    keys = list(zip(req["facility_id"], labels, strict=True))
    idx = pd.MultiIndex.from_tuples(keys, names=["facility_id", "month"])
    need = pd.Series(req["servers_needed"].to_numpy(dtype=float), index=idx)
    # Visitors behind one server of need: what one missing server costs, first unit.
    weight = pd.Series(
        req["visitors"].to_numpy(dtype=float) / req["servers_needed"].clip(lower=1).to_numpy(),
        index=idx,
    )

    m = PlanModel("caseworker posting")
    n = len(keys)
    # Each centre-month picks one staffing level within the move limit of today's posting;
    # everything about a level (servers at counters, shortfall, moves) is known beforehand, so
    # the solver chooses among levels instead of branching on rounding.
    levels = _staffing_levels(keys, today, counters, need, weight, shrinkage, limits, late_visitors)
    levels["pick"] = m.variables("pick", len(levels), binary=True)
    staff = pd.Series(m.variables("staff", n, 0), index=idx)
    at_counter = pd.Series(m.variables("at_counter", n, 0), index=idx)
    short = pd.Series(m.variables("short", n, 0), index=idx)
    moved_in = pd.Series(m.variables("moved_in", n, 0), index=idx)
    moved_out = pd.Series(m.variables("moved_out", n, 0), index=idx)
    m.unmet.append(UnmetTerm("servers short of need at peak hour", short, pd.Series(1.0, idx)))

    # One staffing level per centre and month; a centre gains or loses at most
    # max_moves_per_centre caseworkers (the levels offered).
    picks = b.sum_by(levels, ["facility_id", "month"], var="pick")
    m.add_rules("one level per centre", {k: b.rule(picks[k], EQ, 1) for k in keys})

    def define(family: str, variables: pd.Series, column: str) -> None:
        values = b.sum_by(levels, ["facility_id", "month"], coef=column, var="pick")
        rules = {}
        for k in keys:
            lhs = pulp.LpAffineExpression(values[k])
            lhs[variables[k]] = -1.0
            rules[k] = b.rule(lhs, EQ, 0)
        m.add_rules(family, rules)

    # Caseworkers posted, and moves against today's posting.
    define("caseworkers posted", staff, "staff")
    define("moved in", moved_in, "moved_in")
    define("moved out", moved_out, "moved_out")
    # Caseworkers at counters: the roster after shrinkage, at most one per counter.
    define("on duty at counters", at_counter, "at_counter")
    # Servers needed at the peak hour that the level leaves uncovered.
    define("staffing need", short, "short")
    # Everyone the bureau employs is posted to some centre, every month.
    months = sorted(labels.unique())
    by_month = {month: [k for k in keys if k[1] == month] for month in months}
    m.add_rules(
        "everyone posted",
        {
            month: b.rule(b.expression([staff[k] for k in ks]), EQ, headcount)
            for month, ks in by_month.items()
        },
    )
    # At most max_moves_total caseworkers are posted away from their centre in a month.
    m.add_rules(
        "moves in total",
        {
            month: b.rule(b.expression([moved_out[k] for k in ks]), LE, limits.max_moves_total)
            for month, ks in by_month.items()
        },
    )
    # Visitors not served in time (or the shortfall proxy), plus a little per move.
    m.add_term(b.expression(levels["pick"], levels["cost"]))

    def read_plans() -> dict[str, pd.DataFrame]:
        def values(s: pd.Series) -> list[float]:
            return [round(v.varValue or 0.0, 6) for v in s]

        posting = req[["facility_id", "month", "servers_needed"]].copy()
        posting["caseworkers_today"] = posting["facility_id"].map(today).astype(int)
        posting["caseworkers"] = [int(round(v)) for v in values(staff)]
        posting["moved_in"] = [int(round(v)) for v in values(moved_in)]
        posting["moved_out"] = [int(round(v)) for v in values(moved_out)]
        posting["at_counter"] = [int(round(v)) for v in values(at_counter)]
        posting["counters"] = posting["facility_id"].map(counters).astype(int)
        posting["short_servers"] = values(short)
        return {
            "posting": posting[
                [
                    "facility_id",
                    "month",
                    "caseworkers_today",
                    "caseworkers",
                    "moved_in",
                    "moved_out",
                    "counters",
                    "servers_needed",
                    "at_counter",
                    "short_servers",
                ]
            ]  # fmt: skip
        }

    params = {
        "shrinkage": shrinkage,
        "bureau_headcount": headcount,
        "max_moves_per_centre": limits.max_moves_per_centre,
        "max_moves_total": limits.max_moves_total,
        "move_cost": limits.move_cost,
    }
    return solve_plan(
        m,
        read_plans,
        options,
        may_give=["everyone posted", "moves in total"],
        params=params,
    )
