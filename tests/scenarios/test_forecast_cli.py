"""`civicalloc forecast` / `backtest`: tables printed, CSVs written, bad files named precisely."""

from __future__ import annotations

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from scenarios.cli import app

runner = CliRunner()


def write_history(path, n_series: int = 2, n: int = 60) -> None:
    rng = np.random.default_rng(5)
    ds = pd.date_range("2021-01-01", periods=n, freq="MS")
    t = np.arange(n)
    frames = [
        pd.DataFrame(
            {
                "series_id": f"area{i}",
                "ds": ds.strftime("%Y-%m-%d"),
                "y": (100 + 20 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 4, n)).round(),
            }
        )
        for i in range(n_series)
    ]
    pd.concat(frames).to_csv(path, index=False)


def test_forecast_writes_intervals_and_explains_choice(tmp_path):
    hist, out = tmp_path / "H.csv", tmp_path / "F.csv"
    write_history(hist)
    res = runner.invoke(
        app,
        [
            "forecast",
            "--history",
            str(hist),
            "--horizon",
            "6",
            "--level",
            "80",
            "--level",
            "95",
            "--out",
            str(out),
            "--jobs",
            "1",
            "--choices",
            str(tmp_path / "C.csv"),
        ],
    )
    assert res.exit_code == 0, res.output
    why = pd.read_csv(tmp_path / "C.csv")
    assert list(why["series_id"]) == ["area0", "area1"] and why["reason"].str.len().min() > 40
    assert {"model", "weights", "n_windows", "level_shift"} <= set(why.columns)
    assert "area0: Ensemble of" in res.output or "area0: " in res.output
    assert "backtest MASE" in res.output and "monthly origins" in res.output
    fc = pd.read_csv(out)
    assert len(fc) == 12
    assert {"yhat", "yhat-lo-80", "yhat-hi-95", "model"} <= set(fc.columns)
    assert (fc["yhat-lo-95"] <= fc["yhat-lo-80"]).all() and (
        fc["yhat-hi-80"] <= fc["yhat-hi-95"]
    ).all()


def test_backtest_prints_scores_beside_seasonal_naive(tmp_path):
    hist, out = tmp_path / "H.csv", tmp_path / "B.csv"
    write_history(hist)
    res = runner.invoke(
        app,
        [
            "backtest",
            "--history",
            str(hist),
            "--horizon",
            "6",
            "--windows",
            "2",
            "--out",
            str(out),
            "--jobs",
            "1",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "SeasonalNaive" in res.output and "AutoSelect" in res.output
    scores = pd.read_csv(out)
    assert set(scores["series_id"]) == {"area0", "area1"}
    assert (scores["n_windows"] == 2).all()


def test_bad_file_names_file_row_and_column(tmp_path):
    hist, out = tmp_path / "H.csv", tmp_path / "F.csv"
    write_history(hist)
    lines = hist.read_text().splitlines()
    lines[6] = lines[6].rsplit(",", 1)[0] + ",lots"
    hist.write_text("\n".join(lines) + "\n")
    res = runner.invoke(app, ["forecast", "--history", str(hist), "--out", str(out)])
    assert res.exit_code == 1
    message = " ".join(res.output.split())
    assert f"{hist}: row 7, column y (series area0): 'lots' is not a number" in message
    assert "Traceback" not in res.output and not out.exists()
