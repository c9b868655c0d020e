"""Placing subject teachers across schools to meet pupil-teacher norms with few moves.

Requirement of school j in subject s: pupils[j] / pupils_per_teacher x subject_share[s]
(teachers; e.g. primary 19 pupils per teacher, 22% of posts in maths).

Decision variables, per school j and subject s
    posted[j, s]      teachers of s posted at j (whole persons)
    moved_in/out      teachers posted above / below today's headcount (>= 0)
    short[j, s]       teachers short of the requirement, in two pieces: the first up to 10% of
                      the requirement, the rest (>= 0, penalised; the second piece costs more so
                      a city-wide deficit is spread across schools rather than dumped on one)
Rules
    posting           posted[j, s] - today[j, s] = moved_in - moved_out
    norm              posted[j, s] + short[j, s] >= requirement[j, s]
    everyone posted   sum_j posted[j, s] = teachers of s in the city today
    transfers         sum_s moved_in[j, s] <= limit, sum_s moved_out[j, s] <= limit (per school)
Objective: short_penalty x teachers short (x3 beyond 10% of a school's need) + 1 per move.
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
    # everyone posted: each subject's teachers all stay in post somewhere
    m.add_rules(
        "everyone posted",
        {
            s: b.rule(total([posted[(j, s)] for j in schools]), EQ, int(today[s].sum()))
            for s in subjects
        },
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
        subj["city_shortage"] = (subj["required"] - subj["teachers"]).clip(lower=0)
        return {"postings": post, "subjects": subj.reset_index()}

    params = {"rules": asdict(rules), "pupils_per_teacher": ratio, "level": level.name}
    result = solve_plan(m, read_plans, options, params=params)
    if result.has_plan:
        short = result.plans["subjects"]
        lacking = short[short["city_shortage"] > 0.5]
        for rec in lacking.itertuples():
            result.messages.append(
                f"the city lacks {rec.city_shortage:.0f} {rec.subject} teacher(s): "
                f"{rec.teachers} in post, {rec.required:.0f} required"
            )
    return result
