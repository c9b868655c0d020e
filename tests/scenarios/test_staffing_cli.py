"""`civicalloc staff` from CSVs: a plan table, a plan CSV, and one-line errors for bad input."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from scenarios.cli import app

runner = CliRunner()


def write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def test_staff_command_plans_from_csvs_and_writes_the_plan(tmp_path):
    caseload = write(
        tmp_path / "caseload.csv",
        "facility_id,month,cases\nA,2026-01,4000\nA,2026-02,3600\nB,2026-01,7000\nB,2026-02,6500\n",
    )
    centres = write(
        tmp_path / "centres.csv", "facility_id,caseworkers,counters\nA,22,14\nB,12,14\n"
    )
    out = tmp_path / "plan.csv"
    result = runner.invoke(
        app,
        ["staff", "--caseload", str(caseload), "--centres", str(centres), "--target", "0.8",
         "--within-min", "20", "--aht-min", "12", "--online-share", "0.1", "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "optimal" in result.output and "before" in result.output
    plan = pd.read_csv(out, dtype={"facility_id": str})
    assert set(plan["facility_id"]) == {"A", "B"} and len(plan) == 4
    # B is short today; the plan moves caseworkers from A (within 3 per centre) and lifts B.
    b = plan[plan["facility_id"] == "B"]
    assert (b["caseworkers"] > 12).all() and (b["caseworkers"] <= 15).all()
    assert (b["month_level_after"] > b["month_level_before"]).all()
    assert (plan.groupby("month")["caseworkers"].sum() == 34).all()


def test_staff_command_names_the_bad_row(tmp_path):
    caseload = write(tmp_path / "caseload.csv", "facility_id,month,cases\nA,2026-01,4000\n")
    centres = write(tmp_path / "centres.csv", "facility_id,caseworkers,counters\nA,ten,14\n")
    result = runner.invoke(app, ["staff", "--caseload", str(caseload), "--centres", str(centres)])
    assert result.exit_code == 1
    assert "row 2, column caseworkers" in result.output
    assert "Traceback" not in result.output


def test_staff_command_refuses_a_target_given_in_percent(tmp_path):
    caseload = write(tmp_path / "caseload.csv", "facility_id,month,cases\nA,2026-01,4000\n")
    centres = write(tmp_path / "centres.csv", "facility_id,caseworkers,counters\nA,10,14\n")
    result = runner.invoke(
        app, ["staff", "--caseload", str(caseload), "--centres", str(centres), "--target", "80"]
    )
    assert result.exit_code == 1 and "target must be a share" in result.output


def test_staff_command_needs_inputs():
    result = runner.invoke(app, ["staff"])
    assert result.exit_code == 1 and "--bundle" in result.output
