"""Bed rebalancing: move beds between departments and hospitals (and add new ones within a
budget) so that fewer patients find their ward full.

Each ward (hospital x department) is an Erlang loss system: admissions per day x average length
of stay is its load; ``optimize.health.occupancy`` turns that into expected turned-away patients
for any number of beds. That curve is convex and decreasing, so it enters the model exactly as a
sum of marginal beds: the k-th bed above the ward's floor saves ``saving[k]`` patients a year,
savings fall with k, and the LP fills beds in order.

Decision variables, per ward w (and hospital h)
    beds[w]             beds after the plan (whole beds), floor[w] <= beds[w] <= ceiling[w].
    bed_k[w]            the k-th marginal bed above the floor is in use (0..1).
    gained/lost[w]      beds arriving at / leaving the ward.
    imported/exported[h] beds crossing between hospitals; new[h] newly funded beds.
    short[w]            beds below the need at the turn-away target (reported shortfall).
Rules
    beds from marginal beds   beds[w] = floor[w] + sum_k bed_k[w].
    ward change               beds[w] = today[w] + gained[w] - lost[w].
    hospital balance          sum of ward changes in h = imported[h] - exported[h] + new[h].
    beds moved across hospitals  beds leaving hospitals = beds arriving (no bed is lost).
    new-bed budget            sum new[h] <= budget.
    bed need                  beds[w] + short[w] >= beds needed at the turn-away target.
    floor / ceiling           bounds on beds[w] (registered as rules so they can give).
Objective: expected turned-away patients a year (or bed-days short), then the cost of moves: a
bed moved within a hospital costs ``move_cost_within``, one moved to another hospital costs that
plus ``move_cost_across``, a new bed ``new_bed_cost`` (all in turned-away patients a year the move
must save to be worth it).
"""

from __future__ import annotations

import math
from dataclasses import asdict

import numpy as np
import pandas as pd
import pulp

from demand.errors import InputError
from optimize import blocks as b
from optimize.blocks import EQ, GE, LE
from optimize.health._checks import checked
from optimize.health.occupancy import beds_needed, occupancy_at, target_occupancy, turn_away_curve
from optimize.health.rules import BedRules
from optimize.model import PlanModel, UnmetTerm, solve_plan
from optimize.result import PlanResult
from optimize.solver import SolverOptions

__all__ = ["BedRules", "rebalance_beds", "ward_outlook"]


#: Savings below this (patients a year per extra bed) are treated as zero.
NEGLIGIBLE = 1e-6


def _check_wards(wards: pd.DataFrame, limits: pd.DataFrame | None, rules: BedRules) -> pd.DataFrame:
    w = checked(
        wards,
        "wards",
        ["hospital_id", "department"],
        {"beds": 0, "admissions_per_day": 0, "alos_days": 0},
    )
    bad = (w["alos_days"] <= 0).to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"wards, row {row}, column alos_days: average length of stay must be > 0 days "
            f"(ward {w['hospital_id'].iloc[row]} / {w['department'].iloc[row]})."
        )
    w["beds"] = np.round(w["beds"])
    w["floor"] = np.ceil(w["beds"] * rules.floor_share - 1e-9)
    w["ceiling"] = np.floor(w["beds"] * rules.ceiling_share + 1e-9)
    if limits is not None and len(limits):
        lim = limits.copy()
        for col in ("min_beds", "max_beds"):
            if col not in lim.columns:
                lim[col] = np.nan
        lim = lim.reset_index(drop=True)
        keys = checked(lim, "bed limits", ["hospital_id", "department"])
        for col in ("min_beds", "max_beds"):
            vals = pd.to_numeric(lim[col], errors="coerce")
            bad = lim[col].notna() & (vals.isna() | (vals < 0))
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0])
                raise InputError(
                    f"bed limits, row {row}, column {col}: {lim[col].iloc[row]!r} is not a "
                    "number of beds >= 0. Fill in a whole number or leave it blank."
                )
            keys[col] = vals.to_numpy()
        merged = w.merge(keys, on=["hospital_id", "department"], how="left")
        unknown = ~keys.set_index(["hospital_id", "department"]).index.isin(
            w.set_index(["hospital_id", "department"]).index
        )
        if unknown.any():
            row = int(np.flatnonzero(unknown)[0])
            raise InputError(
                f"bed limits, row {row}: ward {keys['hospital_id'].iloc[row]} / "
                f"{keys['department'].iloc[row]} is not in the wards table. Fix the ids."
            )
        w["floor"] = merged["min_beds"].fillna(w["floor"]).to_numpy()
        w["ceiling"] = merged["max_beds"].fillna(w["ceiling"]).to_numpy()
    w["floor"] = np.ceil(w["floor"] - 1e-9)
    w["ceiling"] = np.floor(w["ceiling"] + 1e-9)
    crossed = (w["floor"] > w["ceiling"]).to_numpy()
    if crossed.any():
        row = int(np.flatnonzero(crossed)[0])
        raise InputError(
            f"bed limits for ward {w['hospital_id'].iloc[row]} / {w['department'].iloc[row]}: "
            f"floor {w['floor'].iloc[row]:g} beds is above ceiling {w['ceiling'].iloc[row]:g}. "
            "Lower min_beds or raise max_beds (or ceiling_share)."
        )
    return w


def ward_outlook(wards: pd.DataFrame, max_turn_away: float = 0.03) -> pd.DataFrame:
    """Per ward today: load, beds needed at the target, occupancy now and the size-based target.

    wards: [hospital_id, department, beds, admissions_per_day, alos_days]. Adds load_beds
    (occupied beds if nobody were turned away), beds_needed, occupancy (carried load / beds),
    target_occupancy (for today's size), turned_away_per_year.
    """
    w = checked(
        wards,
        "wards",
        ["hospital_id", "department"],
        {"beds": 0, "admissions_per_day": 0, "alos_days": 0},
    )
    w["load_beds"] = w["admissions_per_day"] * w["alos_days"]
    w["beds_needed"] = [beds_needed(a, max_turn_away) for a in w["load_beds"]]
    w["occupancy"] = [
        occupancy_at(int(n), a) for n, a in zip(w["beds"], w["load_beds"], strict=True)
    ]
    w["target_occupancy"] = [
        target_occupancy(int(n), max_turn_away) if n >= 1 else np.nan for n in w["beds"]
    ]
    w["turned_away_per_year"] = [
        365.0 * turn_away_curve(lam, los, int(n))[-1]
        for lam, los, n in zip(w["admissions_per_day"], w["alos_days"], w["beds"], strict=True)
    ]
    return w


def rebalance_beds(
    wards: pd.DataFrame,
    rules: BedRules | None = None,
    limits: pd.DataFrame | None = None,
    options: SolverOptions | None = None,
) -> PlanResult:
    """Beds per hospital and department that turn the fewest patients away, moves at least cost.

    wards   [hospital_id, department, beds, admissions_per_day, alos_days]: today's beds and the
            forecast admissions per day and average length of stay (days).
    limits  optional [hospital_id, department, min_beds, max_beds] overriding the floor and
            ceiling shares for some wards (blank = use the share).

    Plans: ``wards`` (beds, occupancy, turned away per year before/after, beds needed, target
    occupancy at the new size), ``hospitals`` (beds before/after, moved in/out, new),
    ``what_binds`` (the rules that stop a better plan).
    """
    rules = rules or BedRules()
    options = options or SolverOptions("highs", gap_rel=1e-4)
    w = _check_wards(wards, limits, rules)
    model = PlanModel("bed rebalancing")
    n = len(w)
    days = rules.days_per_year
    w["load_beds"] = w["admissions_per_day"] * w["alos_days"]
    w["beds_needed"] = [beds_needed(a, rules.max_turn_away) for a in w["load_beds"]]

    # --- decision variables -------------------------------------------------------------------
    beds = model.variables("beds", n, 0, integer=True, numbered_from=0)
    gained = model.variables("gained", n, 0)
    lost = model.variables("lost", n, 0)
    short = model.variables("short", n, 0)
    hospitals = list(dict.fromkeys(w["hospital_id"]))
    imported = pd.Series(model.variables("imported", len(hospitals), 0), index=hospitals)
    exported = pd.Series(model.variables("exported", len(hospitals), 0), index=hospitals)
    new = pd.Series(
        model.variables("new", len(hospitals), 0, integer=True, numbered_from=0), index=hospitals
    )
    curves: list[np.ndarray] = []
    turned_terms: list[tuple[pulp.LpVariable, float]] = []
    turned_constant = 0.0
    marginal_rules, change_rules, floor_rules, ceiling_rules = {}, {}, {}, {}
    for k, row in enumerate(w.itertuples(index=False)):
        where = (row.hospital_id, row.department)
        top = int(max(row.ceiling, row.floor, row.beds))
        curve = days * turn_away_curve(row.admissions_per_day, row.alos_days, top + 1)
        curves.append(curve)  # one bed beyond the top, to say what the next bed would save
        low = int(min(row.floor, top))
        saving = curve[low:top] - curve[low + 1 : top + 1]  # saved by bed low+1, low+2 ... top
        useful = int(np.sum(saving > NEGLIGIBLE))
        steps = model.variables("bed_k", useful, 0, 1)
        (spare,) = model.variables("spare", 1, 0, top - low - useful)
        turned_constant += float(curve[low])
        turned_terms += [(v, -float(s)) for v, s in zip(steps, saving[:useful], strict=True)]
        # beds are the floor plus the marginal beds in use (and beds that save nobody)
        lhs = pulp.LpAffineExpression([(beds[k], 1.0), (spare, -1.0)] + [(v, -1.0) for v in steps])
        marginal_rules[where] = b.rule(lhs, EQ, low)
        # beds after = today + gained - lost
        lhs = pulp.LpAffineExpression([(beds[k], 1.0), (gained[k], -1.0), (lost[k], 1.0)])
        change_rules[where] = b.rule(lhs, EQ, row.beds)
        floor_rules[where] = b.rule(pulp.LpAffineExpression([(beds[k], 1.0)]), GE, row.floor)
        ceiling_rules[where] = b.rule(pulp.LpAffineExpression([(beds[k], 1.0)]), LE, row.ceiling)
    model.add_rules("beds from marginal beds", marginal_rules)
    model.add_rules("ward change", change_rules)
    model.add_rules("department floor", floor_rules)
    model.add_rules("department ceiling", ceiling_rules)

    # --- rules between wards ------------------------------------------------------------------
    frame = pd.DataFrame({"hospital_id": w["hospital_id"], "g": gained, "l": lost})
    balance = {}
    for h, g in frame.groupby("hospital_id", sort=False):
        # every bed a hospital's wards gain came from its own wards, another hospital or funding
        lhs = b.expression(list(g["g"]) + list(g["l"]), [1.0] * len(g) + [-1.0] * len(g))
        lhs.addInPlace(b.expression([imported[h], exported[h], new[h]], [-1.0, 1.0, -1.0]))
        balance[h] = b.rule(lhs, EQ, 0.0)
    model.add_rules("hospital balance", balance)
    # beds leaving hospitals arrive at other hospitals
    across = b.expression(
        list(imported) + list(exported), [1.0] * len(hospitals) + [-1.0] * len(hospitals)
    )
    model.add_rules("beds moved across hospitals", {"city": b.rule(across, EQ, 0.0)})
    # new beds within the budget
    model.add_rules(
        "new-bed budget", {"city": b.rule(b.expression(new.to_numpy()), LE, rules.new_bed_budget)}
    )
    # beds below the need at the turn-away target are counted (and, by objective, penalised)
    need_rules = {}
    for k, row in enumerate(w.itertuples(index=False)):
        lhs = pulp.LpAffineExpression([(beds[k], 1.0), (short[k], 1.0)])
        need_rules[(row.hospital_id, row.department)] = b.rule(lhs, GE, row.beds_needed)
    model.add_rules("bed need at target", need_rules)
    index = pd.Index(list(zip(w["hospital_id"], w["department"], strict=True)))
    model.unmet.append(
        UnmetTerm(
            "beds short of need at target occupancy",
            pd.Series(short, index=index),
            pd.Series(1.0, index=index),
        )  # fmt: skip
    )

    # --- objective ----------------------------------------------------------------------------
    if rules.objective == "turned_away":
        turned = pulp.LpAffineExpression(turned_terms)
        turned.constant = turned_constant
        model.add_term(turned)
        model.add_term(b.expression(short, [1e-3] * n))  # keeps 'short' honest, never decides
    else:
        model.add_term(b.expression(short, [days] * n))  # bed-days a year short
    model.add_term(b.expression(lost, [rules.move_cost_within] * n))
    model.add_term(b.expression(imported.to_numpy(), [rules.move_cost_across] * len(hospitals)))
    model.add_term(b.expression(new.to_numpy(), [rules.new_bed_cost] * len(hospitals)))

    def read_plans() -> dict[str, pd.DataFrame]:
        return _read_plans(w, beds, curves, imported, exported, new, rules)

    may_give = ["department floor", "department ceiling", "new-bed budget"]
    return solve_plan(model, read_plans, options, may_give=may_give, params=asdict(rules))


def _read_plans(
    w: pd.DataFrame,
    beds: list[pulp.LpVariable],
    curves: list[np.ndarray],
    imported: pd.Series,
    exported: pd.Series,
    new: pd.Series,
    rules: BedRules,
) -> dict[str, pd.DataFrame]:
    out = w[["hospital_id", "department", "admissions_per_day", "alos_days", "load_beds",
             "beds_needed", "floor", "ceiling"]].copy()  # fmt: skip
    out.insert(2, "beds_before", w["beds"].astype(int))
    out.insert(3, "beds_after", [int(round(v.varValue or 0)) for v in beds])
    out["change"] = out["beds_after"] - out["beds_before"]
    out["occupancy_before"] = [
        occupancy_at(int(n), a) for n, a in zip(out["beds_before"], out["load_beds"], strict=True)
    ]
    out["occupancy_after"] = [
        occupancy_at(int(n), a) for n, a in zip(out["beds_after"], out["load_beds"], strict=True)
    ]
    out["target_occupancy_after"] = [
        target_occupancy(int(n), rules.max_turn_away) if n >= 1 else math.nan
        for n in out["beds_after"]
    ]
    before = zip(curves, out["beds_before"], strict=True)
    after = list(zip(curves, out["beds_after"], strict=True))
    out["turned_away_before"] = [_turned(c, n) for c, n in before]
    out["turned_away_after"] = [_turned(c, n) for c, n in after]
    # what the next bed would save and the last bed saves (patients a year): the price of a rule
    out["next_bed_saves"] = [_turned(c, n) - _turned(c, n + 1) for c, n in after]
    out["last_bed_saves"] = [
        _turned(c, n - 1) - _turned(c, n) if n > 0 else math.inf for c, n in after
    ]
    hosp = out.groupby("hospital_id", sort=False)[["beds_before", "beds_after"]].sum()
    hosp["moved_in"] = [round(imported[h].varValue or 0.0) for h in hosp.index]
    hosp["moved_out"] = [round(exported[h].varValue or 0.0) for h in hosp.index]
    hosp["new_beds"] = [round(new[h].varValue or 0.0) for h in hosp.index]
    hosp["turned_away_before"] = out.groupby("hospital_id", sort=False)["turned_away_before"].sum()
    hosp["turned_away_after"] = out.groupby("hospital_id", sort=False)["turned_away_after"].sum()
    return {
        "wards": out,
        "hospitals": hosp.reset_index(),
        "what_binds": _what_binds(out, hosp, rules),
    }


def _turned(curve: np.ndarray, beds: int) -> float:
    """Turned away a year with ``beds`` beds, read off the ward's curve."""
    return float(curve[min(max(int(beds), 0), len(curve) - 1)])


def _what_binds(out: pd.DataFrame, hosp: pd.DataFrame, rules: BedRules) -> pd.DataFrame:
    """Rules that stop a better plan, with what relaxing them by one bed would save a year."""
    rows = []
    # a bed taken from the ward that gives it most cheaply (within a hospital)
    cheapest = out.loc[out["beds_after"] > out["floor"], "last_bed_saves"].min()
    cheapest = float(cheapest) if pd.notna(cheapest) else math.inf
    for r in out.itertuples(index=False):
        where = f"{r.hospital_id} / {r.department}"
        if r.beds_after >= r.ceiling and r.next_bed_saves > NEGLIGIBLE:
            rows.append(("department ceiling", where, r.ceiling, r.next_bed_saves))
        if r.beds_after <= r.floor and r.last_bed_saves < cheapest - NEGLIGIBLE:
            rows.append(("department floor", where, r.floor, cheapest - r.last_bed_saves))
    new_total = float(hosp["new_beds"].sum())
    best_next = float(out.loc[out["beds_after"] < out["ceiling"], "next_bed_saves"].max() or 0.0)
    if new_total >= rules.new_bed_budget and best_next > rules.new_bed_cost:
        rows.append(("new-bed budget", "city", float(rules.new_bed_budget), best_next))
    return pd.DataFrame(rows, columns=["rule", "where", "limit_beds", "saves_per_year_if_relaxed"])
