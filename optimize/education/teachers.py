"""Placing subject teachers across schools to meet pupil-teacher norms with few moves.

Requirement of school j in subject s: pupils[j] / pupils_per_teacher x subject_share[s]
(teachers; e.g. primary 19 pupils per teacher, 22% of posts in maths).

Decision variables, per school j and subject s
    posted[j, s]      teachers of s posted at j (whole persons)
    moved_in/out      teachers posted above / below today's headcount (>= 0)
    hired[s]          new teachers of s (whole persons; only with a budget, rules.new_teachers)
    short[j, s]       teachers short of the requirement, in two pieces: the first up to 10% of
                      the requirement, the rest (>= 0, penalised; the second piece costs more so
                      a city-wide deficit is spread across schools rather than dumped on one)
Rules
    posting           posted[j, s] - today[j, s] = moved_in - moved_out
    norm              posted[j, s] + short[j, s] >= requirement[j, s]
    everyone posted   sum_j posted[j, s] = teachers of s in the city today + hired[s]
    hires             sum_s hired[s] <= new_teachers
    transfers         sum_s moved_in[j, s] <= limit, sum_s moved_out[j, s] <= limit (per school)
Objective: short_penalty x teachers short (x3 beyond 10% of a school's need) + 1 per move
+ HIRE_COST per hire (a hire is preferred to a move, and made only where the norm is short).
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import pandas as pd
import pulp

from demand.errors import InputError
from optimize import blocks as b
from optimize.blocks import EQ, GE, LE
from optimize.education.levels import Level, level_named
from optimize.education.teacher_rules import TeacherRules
from optimize.model import PlanModel, UnmetTerm, solve_plan
from optimize.result import PlanResult
from optimize.solver import SolverOptions

#: Cost of one hire, in moves: below a move, so that a short school gets a new teacher before
#: another school's; above zero, so that nobody is hired where the norm is met.
HIRE_COST = 0.5


def teachers_today(workforce: pd.DataFrame, school_ids: list[str]) -> pd.DataFrame:
    """Schools x subjects table of teacher headcount from workforce rows 'teacher:<subject>'."""
    rows = workforce[workforce["role"].str.startswith("teacher:")]
    rows = rows[rows["facility_id"].isin(school_ids)]
    subject = rows["role"].str.split(":", n=1).str[1]
    table = rows.assign(subject=subject).pivot_table(
        index="facility_id", columns="subject", values="headcount", aggfunc="sum", fill_value=0
    )
    return table.reindex(school_ids).fillna(0).astype(int)


def allocate_teachers(
    enrolment: pd.Series,
    workforce: pd.DataFrame,
    level: str | Level = "primary",
    rules: TeacherRules | None = None,
    options: SolverOptions | None = None,
) -> PlanResult:
    """Post subject teachers where the pupils will be, moving as few as possible.

    enrolment: school_id -> pupils expected (persons; e.g. a redistricting's plan-year
    enrolment). workforce: [facility_id, role, headcount] with roles 'teacher:<subject>'.
    Returns plans ``postings`` (school, subject: today, posted, required, short, moved) and
    ``subjects`` (city-wide: teachers, required, shortage); teachers short are in ``shortfall``.
    """
    level = level_named(level) if isinstance(level, str) else level
    rules = rules or TeacherRules()
    today, need, ratio = _today_and_need(enrolment, workforce, level, rules)
    schools, subjects = list(today.index), list(today.columns)
    keys = [(j, s) for j in schools for s in subjects]
    m = PlanModel(f"{level.name} teachers at {len(schools)} schools")
    # whole teachers per school and subject, named posted_1, posted_2, ... (new_name): the solvers
    # order columns by name, and a tie between equally good postings is broken by that order
    posted = pd.Series(
        [pulp.LpVariable(m.new_name("posted"), 0, None, pulp.LpInteger) for _ in keys],
        index=pd.MultiIndex.from_tuples(keys),
    )
    moved_in = pd.Series(m.variables("moved_in", len(keys), 0), index=posted.index)
    moved_out = pd.Series(m.variables("moved_out", len(keys), 0), index=posted.index)
    cap = need.stack().reindex(posted.index) * 0.1
    short_a = pd.Series(m.variables("short", len(keys), 0), index=posted.index)
    short_b = pd.Series(m.variables("short_more", len(keys), 0), index=posted.index)
    for k, v in short_a.items():
        v.upBound = float(cap[k])
    m.unmet.append(UnmetTerm("teachers short", short_a, pd.Series(1.0, index=posted.index)))
    m.unmet.append(UnmetTerm("teachers short", short_b, pd.Series(1.0, index=posted.index)))

    def total(variables: list) -> pulp.LpAffineExpression:
        return b.expression(variables)

    # posting: the change against today is what moved in minus what moved out
    m.add_rules(
        "posting",
        {
            k: b.rule(b.expression([posted[k], moved_in[k], moved_out[k]], [1, -1, 1]), EQ,
                      today.loc[k])
            for k in keys
        },
    )  # fmt: skip
    # norm: teachers posted (plus those short) cover the requirement
    m.add_rules(
        "norm",
        {k: b.rule(total([posted[k], short_a[k], short_b[k]]), GE, need.loc[k]) for k in keys},
    )
    hired = pd.Series(0, index=subjects, dtype=object)
    if rules.new_teachers:  # no budget, no variables: the model and its plans stay as they were
        hired = pd.Series(m.variables("hired", len(subjects), 0, integer=True), index=subjects)
        # hires: at most the budget, city-wide
        m.add_rules("hires", {"all": b.rule(total(list(hired)), LE, rules.new_teachers)})
        m.add_term(b.expression(hired.to_numpy(), [HIRE_COST] * len(subjects)))

    # everyone posted: each subject's teachers (and its hires) all in post somewhere
    def in_post(s: str) -> pulp.LpAffineExpression:
        here = [posted[(j, s)] for j in schools]
        if not rules.new_teachers:
            return total(here)
        return b.expression([*here, hired[s]], [1.0] * len(here) + [-1.0])

    m.add_rules(
        "everyone posted", {s: b.rule(in_post(s), EQ, int(today[s].sum())) for s in subjects}
    )
    # transfers: a school gains, and loses, at most the limit
    if rules.max_transfers_per_school is not None:
        limit = rules.max_transfers_per_school
        m.add_rules(
            "transfers in",
            {j: b.rule(total([moved_in[(j, s)] for s in subjects]), LE, limit) for j in schools},
        )
        m.add_rules(
            "transfers out",
            {j: b.rule(total([moved_out[(j, s)] for s in subjects]), LE, limit) for j in schools},
        )
    m.add_term(b.expression(short_a.to_numpy(), [rules.short_penalty] * len(keys)))
    m.add_term(b.expression(short_b.to_numpy(), [3 * rules.short_penalty] * len(keys)))
    m.add_term(b.expression(moved_out.to_numpy()))

    def read_plans() -> dict[str, pd.DataFrame]:
        post = pd.DataFrame(
            {
                "school_id": [j for j, _ in keys],
                "subject": [s for _, s in keys],
                "today": [int(today.loc[k]) for k in keys],
                "posted": [round(posted[k].varValue or 0.0) for k in keys],
                "required": [float(need.loc[k]) for k in keys],
            }
        )
        post["short"] = (post["required"] - post["posted"]).clip(lower=0)
        post["moved_in"] = (post["posted"] - post["today"]).clip(lower=0)
        post["moved_out"] = (post["today"] - post["posted"]).clip(lower=0)
        subj = post.groupby("subject", sort=False).agg(
            teachers=("today", "sum"), required=("required", "sum"), short=("short", "sum"),
            moved=("moved_out", "sum"))  # fmt: skip
        subj["hired"] = [round(_value(hired[s])) for s in subj.index]
        subj["city_shortage"] = (subj["required"] - subj["teachers"] - subj["hired"]).clip(lower=0)
        return {"postings": post, "subjects": subj.reset_index()}

    params = {"rules": asdict(rules), "pupils_per_teacher": ratio, "level": level.name}
    result = solve_plan(m, read_plans, options, params=params)
    if result.has_plan:
        short = result.plans["subjects"]
        lacking = short[short["city_shortage"] > 0.5]
        for rec in lacking.itertuples():
            result.messages.append(
                f"the city lacks {rec.city_shortage:.0f} {rec.subject} teacher(s): "
                f"{rec.teachers} in post{f' and {rec.hired} hired' if rec.hired else ''}, "
                f"{rec.required:.0f} required"
            )
    return result


def city_shortage(
    enrolment: pd.Series,
    workforce: pd.DataFrame,
    level: str | Level = "primary",
    rules: TeacherRules | None = None,
) -> float:
    """Teachers the city lacks for ``enrolment`` under the norm, summed over subjects (each
    subject's requirement less its teachers in post, if positive): what hires could fill."""
    level = level_named(level) if isinstance(level, str) else level
    today, need, _ = _today_and_need(enrolment, workforce, level, rules or TeacherRules())
    return float((need.sum() - today.sum()).clip(lower=0).sum())


def _today_and_need(
    enrolment: pd.Series, workforce: pd.DataFrame, level: Level, rules: TeacherRules
) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """Schools x subjects: teachers in post today, teachers the norm requires; and the norm."""
    ratio = rules.pupils_per_teacher or level.pupils_per_teacher
    shares = rules.subject_shares or level.subject_shares
    for col in ("facility_id", "role", "headcount"):
        if col not in workforce.columns:
            raise InputError(
                f"workforce: missing column {col}; expected facility_id, role, headcount"
            )
    if (enrolment < 0).any():
        raise InputError(f"enrolment of {enrolment[enrolment < 0].index[0]!r} is negative")
    schools = [str(s) for s in enrolment.index]
    today = teachers_today(workforce, schools)
    subjects = list(dict.fromkeys(list(shares) + list(today.columns)))
    today = today.reindex(columns=subjects, fill_value=0)
    need = pd.DataFrame(
        np.outer(enrolment.to_numpy(dtype=float) / ratio, [shares.get(s, 0.0) for s in subjects]),
        index=schools,
        columns=subjects,
    )
    return today, need, ratio


def _value(v) -> float:
    """A variable's value in the plan, or a plain number as it is."""
    return float(v.varValue or 0.0) if isinstance(v, pulp.LpVariable) else float(v)
