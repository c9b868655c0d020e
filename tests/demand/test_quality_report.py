"""`civicalloc validate --report`: the data-quality report of a bundle, what it flags and hides."""

from __future__ import annotations

import json

import pandas as pd
from typer.testing import CliRunner

from scenarios.cli import app

runner = CliRunner()


def test_report_flags_density_outliers_and_hides_small_counts(bundle_copy, tmp_path):
    pop = pd.read_csv(bundle_copy / "population.csv", dtype=str, keep_default_na=False)
    areas = sorted(pop["area_id"].unique())
    crowded, empty = areas[3], areas[7]
    mask = pop["area_id"].eq(crowded)
    pop.loc[mask, "persons"] = (pop.loc[mask, "persons"].astype(int) * 1000).astype(str)
    tiny = pop["area_id"].eq(empty)
    pop.loc[tiny, "persons"] = "0"
    pop.loc[tiny & pop["age_band"].eq("30-34") & pop["sex"].eq("F"), "persons"] = "3"
    pop.to_csv(bundle_copy / "population.csv", index=False)
    cap = pd.read_csv(bundle_copy / "capacity.csv", dtype=str)
    pd.concat([cap, cap.iloc[:1]]).to_csv(bundle_copy / "capacity.csv", index=False)

    result = runner.invoke(app, ["validate", str(bundle_copy), "--report", str(tmp_path / "q")])
    assert result.exit_code == 1  # the repeated capacity row is an error of the contract
    assert "data-quality report" in result.output
    report = json.loads((tmp_path / "q" / "report.json").read_text(encoding="utf-8"))
    checks = {f["check"]: f for f in report["findings"]}
    flagged = {v["area_id"]: v for v in checks["density_outliers"]["values"]}
    assert crowded in flagged and empty in flagged
    assert flagged[empty]["persons"] == "<10"  # 3 persons are never shown
    assert flagged[empty]["per_km2"] == "–"  # nor a density that would give them away
    assert flagged[crowded]["z"] > 3.5
    assert checks["duplicate_keys"]["table"] == "capacity"
    assert report["tables"]["capacity"]["score"] < report["tables"]["areas"]["score"]
    assert not report["ok"] and report["errors"] >= 1
    html = (tmp_path / "q" / "report.html").read_text(encoding="utf-8")
    assert "persons per km²" in html and ">3<" not in html


def test_report_of_a_clean_bundle_scores_100(small_bundle_dir, tmp_path):
    result = runner.invoke(app, ["validate", str(small_bundle_dir), "--report", str(tmp_path)])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["ok"] and all(t["score"] == 100 for t in report["tables"].values())
    assert report["crs"]["crs"] == "EPSG:32650" and report["crs"]["total_km2"] > 10
