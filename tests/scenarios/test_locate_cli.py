"""`civicalloc locate` on long CSV files: JSON out, and errors that name file, row and column."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from scenarios.cli import app

runner = CliRunner()


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(0)
    rows = [(f"d{i}", f"s{j}", float(rng.integers(1, 40))) for i in range(12) for j in range(5)]
    pd.DataFrame(rows, columns=["demand_id", "site_id", "cost"]).to_csv(
        tmp_path / "cost.csv", index=False
    )
    pd.DataFrame({"demand_id": [f"d{i}" for i in range(12)], "weight": [2] * 12}).to_csv(
        tmp_path / "w.csv", index=False
    )
    pd.DataFrame({"site_id": [f"s{j}" for j in range(5)], "capacity": [10] * 5}).to_csv(
        tmp_path / "cap.csv", index=False
    )
    return tmp_path


def run(files, *args):
    return runner.invoke(
        app,
        [
            "locate",
            "--cost",
            str(files / "cost.csv"),
            "--weights",
            str(files / "w.csv"),
            "--out",
            str(files / "r.json"),
            *args,
        ],
    )


def test_cap_p_median_writes_the_plan_as_json(files):
    res = run(
        files,
        "--model",
        "cap-p-median",
        "--capacity",
        str(files / "cap.csv"),
        "--p",
        "3",
        "--fixed",
        "s4",
        "--solver",
        "highs",
    )
    assert res.exit_code == 0, res.output
    out = json.loads((files / "r.json").read_text())
    assert out["status"] == "optimal"
    assert out["best_bound"] == pytest.approx(out["objective"])
    assert {"build_seconds", "solve_seconds", "gap"} <= set(out)
    sites = pd.DataFrame(out["plans"]["open_sites"])
    assert len(sites) == 3 and "s4" in set(sites["site_id"])
    assert (sites["weight_served"] <= 10).all()
    assert len(out["plans"]["assignment"]) == 12


def test_too_few_places_is_an_answer_not_a_crash(files):
    res = run(files, "--model", "cap-p-median", "--capacity", str(files / "cap.csv"), "--p", "2")
    assert res.exit_code == 0, res.output
    out = json.loads((files / "r.json").read_text())
    assert out["status"] == "infeasible"
    assert sum(r["amount"] for r in out["shortfall"]) == pytest.approx(24 - 20)


@pytest.mark.parametrize(
    "model,extra",
    [
        ("p-median", ["--p", "2"]),
        ("p-center", ["--p", "2"]),
        ("mclp", ["--p", "2", "--radius", "10"]),
        ("lscp", ["--radius", "30"]),
    ],
)
def test_every_model_runs(files, model, extra):
    res = run(files, "--model", model, *extra)
    assert res.exit_code == 0, res.output
    assert json.loads((files / "r.json").read_text())["model"]


def test_bad_cost_names_file_row_and_column(files):
    cost = pd.read_csv(files / "cost.csv")
    cost["cost"] = cost["cost"].astype(object)
    cost.loc[6, "cost"] = "far"
    cost.to_csv(files / "cost.csv", index=False)
    res = run(files, "--model", "p-median", "--p", "2")
    assert res.exit_code == 1
    assert "cost.csv, row 8, column cost" in res.output
    assert "'far'" in res.output


def test_missing_weight_and_missing_option_are_explained(files):
    pd.DataFrame({"demand_id": ["d0"], "weight": [1]}).to_csv(files / "w.csv", index=False)
    res = run(files, "--model", "p-median", "--p", "2")
    assert res.exit_code == 1 and "w.csv" in res.output and "no weight for demand" in res.output
    res = run(files, "--model", "mclp", "--p", "2")
    assert res.exit_code == 1 and "--radius" in res.output
