"""Posting the bureau's caseworkers across service centres and months (a PuLP model).

Decision variables, per centre c and month m:
    staff[c,m]       caseworkers posted (whole persons)
    at_counter[c,m]  caseworkers serving at counters in the peak hour (whole persons)
    short[c,m]       servers short of the need at the peak hour (>= 0, penalised)
    moved_in/out     caseworkers posted above / below today's headcount
Rules (each one line in ``allocate_caseworkers``): on-duty staff is the roster after shrinkage;
at most one caseworker per counter; need met or short; every caseworker posted somewhere; moves
per centre and in total within limits.
Objective: visitors affected by shortfall, growing with each further missing server (so a deficit
is spread rather than dumped on one centre), plus a small cost per caseworker-month posted away
from today's centre.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pulp

from demand.errors import InputError
from optimize import blocks as b
from optimize.model import PlanModel, UnmetTerm, solve_plan
from optimize.result import PlanResult
from optimize.solver import SolverOptions

__all__ = ["TransferLimits", "allocate_caseworkers"]

LE, GE, EQ = pulp.LpConstraintLE, pulp.LpConstraintGE, pulp.LpConstraintEQ


@dataclass(frozen=True)
class TransferLimits:
    """How much the posting may change from today.

    max_moves_per_centre: caseworkers a centre may gain or lose against today, in any month.
    max_moves_total: caseworkers posted away from their centre in a month, bureau-wide.
    move_cost: cost of one caseworker-month away from today's centre, in visitors (the
    objective's unit); keeps people home unless a move helps visitors.
    bureau_headcount: caseworkers the bureau has (default: today's total); more = hires.
    """

    max_moves_per_centre: int = 3
    max_moves_total: int = 10
    move_cost: float = 5.0
    bureau_headcount: int | None = None


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


def allocate_caseworkers(
    requirements: pd.DataFrame,
    today: pd.Series,
    counters: pd.Series,
    shrinkage: float,
    limits: TransferLimits | None = None,
    options: SolverOptions | None = None,
) -> PlanResult:
    """Post caseworkers so that as many visitors as possible are served within the target.

    requirements: [facility_id, month, visitors, servers_needed] (``staffing_requirements``).
    today: facility_id -> caseworkers posted today. counters: facility_id -> counters.
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
    staff = pd.Series(m.variables("staff", n, 0), index=idx)
    at_counter = pd.Series(m.variables("at_counter", n, 0), index=idx)
    for var in (*staff, *at_counter):
        var.cat = pulp.LpInteger
    short = pd.Series(m.variables("short", n, 0), index=idx)
    moved_in = pd.Series(m.variables("moved_in", n, 0), index=idx)
    moved_out = pd.Series(m.variables("moved_out", n, 0), index=idx)
    m.unmet.append(UnmetTerm("servers short of need at peak hour", short, pd.Series(1.0, idx)))

    # Caseworkers at counters are at most the roster after shrinkage.
    m.add_rules(
        "on duty within roster",
        {
            k: b.rule(b.expression([at_counter[k], staff[k]], [1, -(1 - shrinkage)]), LE, 0)
            for k in keys
        },
    )
    # At most one caseworker per counter.
    m.add_rules(
        "counters",
        {k: b.rule(b.expression([at_counter[k]]), LE, counters[k[0]]) for k in keys},
    )
    # Servers needed at the peak hour are met, or the gap is counted as short.
    m.add_rules(
        "staffing need",
        {k: b.rule(b.expression([at_counter[k], short[k]]), GE, need[k]) for k in keys},
    )
    # Shortfall costs more with every further missing server: short = sum of unit pieces.
    pieces_rules, piece_vars, piece_costs = {}, [], []
    for k in keys:
        units = int(need[k])
        if units == 0:
            pieces_rules[k] = b.rule(b.expression([short[k]]), EQ, 0)
            continue
        pieces = m.variables("short_piece", units, 0, 1)
        pieces_rules[k] = b.rule(b.expression([short[k], *pieces], [1] + [-1] * units), EQ, 0)
        piece_vars += pieces
        piece_costs += [weight[k] * (j + 1) for j in range(units)]
    m.add_rules("shortfall pieces", pieces_rules)
    # Everyone the bureau employs is posted to some centre, every month.
    months = sorted(labels.unique())
    m.add_rules(
        "everyone posted",
        {
            month: b.rule(
                b.expression([staff[(c, month)] for c in centres if (c, month) in staff]),
                EQ,
                headcount,
            )
            for month in months
        },
    )
    # Moves against today's posting: staff - today = in - out.
    m.add_rules(
        "moves balance",
        {
            k: b.rule(
                b.expression([staff[k], moved_in[k], moved_out[k]], [1, -1, 1]), EQ, today[k[0]]
            )
            for k in keys
        },
    )
    # A centre gains or loses at most max_moves_per_centre caseworkers.
    m.add_rules(
        "moves per centre",
        {
            k: b.rule(b.expression([moved_in[k], moved_out[k]]), LE, limits.max_moves_per_centre)
            for k in keys
        },
    )
    # At most max_moves_total caseworkers are posted away from their centre in a month.
    m.add_rules(
        "moves in total",
        {
            month: b.rule(
                b.expression([moved_out[(c, month)] for c in centres if (c, month) in staff]),
                LE,
                limits.max_moves_total,
            )
            for month in months
        },
    )
    m.add_term(b.expression(piece_vars, piece_costs))
    m.add_term(b.expression([*moved_in, *moved_out], [limits.move_cost] * (2 * n)))

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
        may_give=["everyone posted", "moves per centre", "moves in total"],
        params=params,
    )
