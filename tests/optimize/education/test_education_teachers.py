"""Teacher allocation: norms met where teachers exist, few moves, shortage reported."""

from __future__ import annotations

import pandas as pd
import pytest

from optimize.education import TeacherRules, allocate_teachers

SHARES = {"math": 0.5, "chinese": 0.5}


def workforce(counts: dict[str, dict[str, int]]) -> pd.DataFrame:
    rows = [(school, f"teacher:{subject}", n, float(n))
            for school, subjects in counts.items() for subject, n in subjects.items()]  # fmt: skip
    return pd.DataFrame(rows, columns=["facility_id", "role", "headcount", "fte"])


def test_teachers_follow_the_pupils_with_few_moves():
    staff = workforce({"S1": {"math": 7, "chinese": 7}, "S2": {"math": 3, "chinese": 3}})
    pupils = pd.Series({"S1": 190.0, "S2": 190.0})  # 10 teachers each, 5 per subject
    rules = TeacherRules(pupils_per_teacher=19, subject_shares=SHARES, max_transfers_per_school=4)
    result = allocate_teachers(pupils, staff, "primary", rules)
    post = result.plans["postings"].set_index(["school_id", "subject"])
    assert (post["posted"] >= post["required"] - 1e-6).all()
    assert post["moved_out"].sum() == 4  # two per subject, from S1 to S2
    assert result.shortfall.empty
    assert post.groupby("subject")["posted"].sum().to_dict() == {"math": 10, "chinese": 10}


def test_transfer_limit_per_school_holds():
    staff = workforce({"S1": {"math": 10, "chinese": 10}, "S2": {"math": 0, "chinese": 0}})
    pupils = pd.Series({"S1": 190.0, "S2": 190.0})
    rules = TeacherRules(pupils_per_teacher=19, subject_shares=SHARES, max_transfers_per_school=3)
    result = allocate_teachers(pupils, staff, "primary", rules)
    post = result.plans["postings"]
    per_school = post.groupby("school_id")[["moved_in", "moved_out"]].sum()
    assert (per_school <= 3).all().all()
    assert result.shortfall["amount"].sum() == pytest.approx(10 - 3)  # S2 needs 10, gets 3


def test_city_short_of_a_subject_is_reported():
    staff = workforce({"S1": {"math": 2, "chinese": 5}, "S2": {"math": 2, "chinese": 5}})
    pupils = pd.Series({"S1": 190.0, "S2": 190.0})
    rules = TeacherRules(pupils_per_teacher=19, subject_shares=SHARES)
    result = allocate_teachers(pupils, staff, "primary", rules)
    subjects = result.plans["subjects"].set_index("subject")
    assert subjects.loc["math", "city_shortage"] == pytest.approx(6)
    assert subjects.loc["chinese", "city_shortage"] == 0
    assert any("lacks 6 math teacher" in m for m in result.messages)
    short = result.shortfall.groupby(result.shortfall["where"].str.endswith("math"))["amount"]
    assert short.sum()[True] == pytest.approx(6)
    # the deficit is spread: each school is 3 short, not one school 6
    post = result.plans["postings"].set_index(["school_id", "subject"])
    assert post.loc[("S1", "math"), "short"] == pytest.approx(3)


def test_a_hiring_budget_fills_the_shortage_where_it_is():
    staff = workforce({"S1": {"math": 2, "chinese": 5}, "S2": {"math": 2, "chinese": 5}})
    pupils = pd.Series({"S1": 190.0, "S2": 190.0})  # math: 10 required, 4 in post
    rules = TeacherRules(pupils_per_teacher=19, subject_shares=SHARES, new_teachers=4)
    result = allocate_teachers(pupils, staff, "primary", rules)
    subjects = result.plans["subjects"].set_index("subject")
    assert subjects["hired"].to_dict() == {"math": 4, "chinese": 0}  # not where none is short
    assert subjects.loc["math", "city_shortage"] == pytest.approx(2)
    post = result.plans["postings"].set_index(["school_id", "subject"])
    assert post.xs("math", level="subject")["posted"].sum() == 8
    assert post.loc[("S1", "math"), "short"] == pytest.approx(1)  # the rest spread, not dumped
    assert any("4 hired" in m for m in result.messages)
    no_budget = allocate_teachers(pupils, staff, "primary", TeacherRules(19, SHARES))
    assert no_budget.plans["subjects"]["hired"].sum() == 0
    assert no_budget.objective > result.objective


def test_a_city_wide_budget_is_shared_by_the_levels_short_of_teachers():
    from optimize.education import share_new_teachers

    staff = workforce({"S1": {"math": 2, "chinese": 5}, "M1": {"math": 9, "chinese": 9}})
    pupils = {"primary": pd.Series({"S1": 190.0}), "middle": pd.Series({"M1": 0.0})}
    assert share_new_teachers(7, pupils, staff) == {"primary": 7, "middle": 0}  # none short
    both = share_new_teachers(5, {**pupils, "middle": pd.Series({"M1": 400.0})}, staff)
    assert sum(both.values()) == 5 and min(both.values()) > 0
    assert share_new_teachers(0, pupils, staff) == {"primary": 0, "middle": 0}
