"""`civicalloc health outreach|beds` on a small sample-city bundle."""

from typer.testing import CliRunner

from scenarios.cli import app

runner = CliRunner()


def test_beds_command_prints_hospitals_and_writes_plans(small_bundle_dir, tmp_path):
    out = tmp_path / "plans"
    args = [
        "health",
        "beds",
        "--bundle",
        str(small_bundle_dir),
        "--budget",
        "10",
        "--out",
        str(out),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Beds per hospital" in result.output and "turned away a year" in result.output
    assert (out / "beds_wards.csv").exists() and (out / "beds_result.json").exists()


def test_outreach_command_prints_the_schedule(small_bundle_dir, tmp_path):
    args = ["health", "outreach", "--bundle", str(small_bundle_dir), "--out", str(tmp_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Weekly schedule" in result.output
    assert (tmp_path / "outreach_schedule.csv").exists()


def test_outreach_command_can_solve_one_specialty_at_a_time(small_bundle_dir, tmp_path):
    args = ["health", "outreach", "--bundle", str(small_bundle_dir), "--by-specialty"]
    result = runner.invoke(app, [*args, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Weekly schedule" in result.output
    saved = (tmp_path / "outreach_result.json").read_text()
    assert '"by_specialty": true' in saved


def test_bad_options_give_one_line_errors(small_bundle_dir):
    result = runner.invoke(
        app, ["health", "beds", "--bundle", str(small_bundle_dir), "--max-turn-away", "3"]
    )
    assert result.exit_code == 1
    assert "max_turn_away must be a share" in result.output
    result = runner.invoke(app, ["health", "outreach", "--solver", "gurobi"])
    assert result.exit_code == 1 and "--solver must be cbc or highs" in result.output
