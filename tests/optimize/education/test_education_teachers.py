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
