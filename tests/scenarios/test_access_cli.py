"""`civicalloc access` on small CSVs: right numbers out, and errors that name file/row/column."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from scenarios.cli import app

runner = CliRunner()


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {k: tmp_path / f"{k}.csv" for k in ("demand", "supply", "cost")}
    paths["demand"].write_text("area_id,persons\nA,100\nB,300\nC,50\n")
    paths["supply"].write_text("facility_id,capacity\nX,10\nY,20\n")
    paths["cost"].write_text("area_id,facility_id,minutes\nA,X,5\nA,Y,25\nB,X,20\nB,Y,10\nC,Y,40\n")
    paths["out"] = tmp_path / "out" / "access.csv"
    return paths


def _run(files: dict[str, Path], *extra: str):
    return runner.invoke(
        app,
        [
            "access",
            "--demand", str(files["demand"]),
            "--supply", str(files["supply"]),
            "--cost", str(files["cost"]),
            "--out", str(files["out"]),
            *extra,
        ],
    )  # fmt: skip


def test_two_step_fca_writes_hand_solved_access(files):
    result = _run(files, "--method", "2sfca", "--threshold", "22")
    assert result.exit_code == 0, result.output
    out = pd.read_csv(files["out"]).set_index("area_id")
    assert out.loc["A", "access"] == pytest.approx(0.025)
    assert out.loc["B", "access"] == pytest.approx(0.025 + 20 / 300)
    assert out.loc["C", "access"] == 0.0
    assert out.loc["C", "nearest_minutes"] == 40
    assert "share beyond 22 min" in result.output


def test_coverage_and_decays(files):
    assert _run(files, "--method", "coverage", "--threshold", "15").exit_code == 0
    covered = pd.read_csv(files["out"]).set_index("area_id")["access"]
    assert covered.to_dict() == {"A": 1.0, "B": 1.0, "C": 0.0}
    assert _run(files, "--method", "e2sfca", "--decay", "gaussian:15").exit_code == 0
    assert _run(files, "--method", "e2sfca", "--decay", "steps:10=1,30=0.5").exit_code == 0
    assert _run(files, "--method", "gravity", "--decay", "power:2").exit_code == 0
    assert (pd.read_csv(files["out"])["access"] > 0).all()


COST = "area_id,facility_id,minutes\n"


@pytest.mark.parametrize(
    ("edit", "args", "message"),
    [
        (("cost", COST + "A,X,5\nB,Y,soon\n"), (), "cost.csv, row 3, column minutes"),
        (("cost", COST + "A,Z,5\n"), (), "cost.csv, row 2, column facility_id: 'Z'"),
        (("demand", "area_id,persons\nA,100\nA,5\n"), (), "demand.csv, row 3, columns area_id"),
        (("supply", "facility_id,beds\nX,1\n"), (), "supply.csv: missing column(s) capacity"),
        (None, ("--decay", "power:2"), "--decay does not apply to --method 2sfca"),
        (None, ("--threshold", "-3"), "--threshold must be > 0"),
    ],
)  # fmt: skip
def test_bad_input_is_one_clear_line(files, edit, args, message):
    if edit:
        files[edit[0]].write_text(edit[1])
    result = _run(files, "--method", "2sfca", *args)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_unknown_method_and_missing_file(files):
    assert "not one of 2sfca" in _run(files, "--method", "3sfca").output
    files["cost"].unlink()
    result = _run(files, "--method", "2sfca")
    assert result.exit_code == 1 and "cost.csv" in result.output
