"""`civicalloc districts` and `civicalloc teachers` on a small bundle."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from typer.testing import CliRunner

from scenarios.cli import app

runner = CliRunner()


def test_districts_writes_a_map_with_one_piece_per_school(small_bundle_dir, tmp_path):
    out = tmp_path / "primary.geojson"
    result = runner.invoke(
        app,
        ["districts", str(small_bundle_dir), "--years", "2025-2026", "--time-limit", "5",
         "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "pupils reassigned" in result.output and "plan year" in result.output
    districts = gpd.read_file(out)
    assignment = pd.read_csv(tmp_path / "primary_assignment.csv")
    assert set(districts["school_id"]) == set(assignment["school_id"])
    assert set(districts.geom_type) == {"Polygon"}
    assert districts["units"].sum() == len(assignment)
    enrolment = pd.read_csv(tmp_path / "primary_enrolment.csv")
    assert sorted(enrolment["year"].unique()) == [2025, 2026]


def test_districts_unknown_school_to_close_is_one_clear_line(small_bundle_dir):
    result = runner.invoke(app, ["districts", str(small_bundle_dir), "--close", "P999"])
    assert result.exit_code == 1
    assert "closed schools: 'P999' is not a primary_school" in result.output
    assert "Traceback" not in result.output


def test_teachers_prints_the_shortage_per_subject(small_bundle_dir, tmp_path):
    out = tmp_path / "postings.csv"
    result = runner.invoke(
        app, ["teachers", str(small_bundle_dir), "--level", "middle", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    postings = pd.read_csv(out)
    assert {"school_id", "subject", "today", "posted", "required", "short"} <= set(postings)
    moves = postings.groupby("school_id")[["moved_in", "moved_out"]].sum()
    assert (moves <= 4).all().all()
    assert "science" in result.output


def test_districts_today_file_naming_an_unknown_school_is_one_clear_line(
    small_bundle_dir, tmp_path
):
    today = tmp_path / "today.csv"
    today.write_text("area_id,school_id\nA0001,P404\n", encoding="utf-8")
    result = runner.invoke(app, ["districts", str(small_bundle_dir), "--today", str(today)])
    assert result.exit_code == 1
    assert "today's districts: school 'P404' is not in schools" in result.output
