"""Every bad input of issue #20's lists: one clear line and exit 1 (or a warning), no traceback.

Each test feeds one input that used to give a traceback or exit 0 with wrong output.
"""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from scenarios.cli import app
from scenarios.errors import OneLineErrors

cli = CliRunner()


def run(*args: object, env: dict | None = None):
    return cli.invoke(app, [str(a) for a in args], env={"COLUMNS": "100", **(env or {})})


def refused(result, *words: str) -> str:
    """Assert exit 1 with one error line (containing ``words``), no traceback; return it."""
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 1, result.output
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output and "np.float64" not in result.output
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def warned(result, *words: str) -> str:
    """Assert exit 0 with one warning line containing ``words``; return it."""
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def files(tmp_path):
    """Small valid inputs for the file-based commands."""
    (tmp_path / "d.csv").write_text("area_id,persons\na1,100\na2,50\n")
    (tmp_path / "s.csv").write_text("facility_id,capacity\nf1,10\n")
    (tmp_path / "c.csv").write_text("area_id,facility_id,minutes\na1,f1,10\na2,f1,20\n")
    rows = [f"d{i},s{j},{(i * 7 + j * 3) % 20 + 1}" for i in range(6) for j in range(3)]
    (tmp_path / "cost.csv").write_text("demand_id,site_id,cost\n" + "\n".join(rows) + "\n")
    months = [f"s1,{2015 + i // 12}-{i % 12 + 1:02d}-01,{100 + i % 12 * 3 + i // 12}" for i in
              range(120)]  # fmt: skip
    (tmp_path / "h.csv").write_text("series_id,ds,y\n" + "\n".join(months) + "\n")
    (tmp_path / "folder").mkdir()
    return tmp_path


ACCESS = ["access", "--method", "2sfca"]


def access_args(f, **extra) -> list:
    args = [*ACCESS, "--demand", f / "d.csv", "--supply", f / "s.csv", "--cost", f / "c.csv"]
    for key, value in extra.items():
        args += [f"--{key.replace('_', '-')}", value]
    return args


# ---- tracebacks that must be one line -------------------------------------------------------


def test_out_that_is_a_folder(files):
    refused(run(*access_args(files, out=files / "folder")), "is a folder")
    forecast = ["forecast", "--history", files / "h.csv", "--jobs", "1"]
    refused(run(*forecast, "--out", files / "folder"), "is a folder")
    # and a folder option given a file is refused before the demo's minutes of work
    refused(run("demo", "--no-serve", "--out", files / "d.csv"), "d.csv", "is a file")


def test_export_into_an_existing_file_and_compare_edge_cases(tmp_path):
    from scenarios.store import RunRecord, connect, save_run

    db = f"sqlite:///{tmp_path / 's.sqlite'}"
    engine = connect(db)
    for name in ("a", "b"):
        save_run(engine, RunRecord(name, "health", "", "{}", "f" * 64, "0", 1.0,
                                   pd.DataFrame(columns=["service", "kpi", "value", "unit"]),
                                   {}, []))  # fmt: skip
    (tmp_path / "file.txt").write_text("x")
    refused(run("export", "a", "--out", tmp_path / "file.txt", "--db", db), "is a file")
    refused(run("compare", "a", "--db", db), "at least two runs")
    refused(run("compare", "a", "b", "--db", db), "has KPIs to compare")
    refused(run("compare", "a", "b", "--db", db, "--export", tmp_path / "x.txt"), ".csv or .xlsx")


def test_out_in_a_missing_folder_is_made(files):
    out = files / "new" / "deeper" / "sites.json"
    result = run("locate", "--model", "p-median", "--p", "1", "--cost", files / "cost.csv",
                 "--out", out)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["status"] == "optimal"


def test_db_that_is_not_a_database(tmp_path):
    (tmp_path / "x.sqlite").write_text("hello, not a database")
    refused(run("runs", "--db", f"sqlite:///{tmp_path / 'x.sqlite'}"), "not a database")
    refused(run("runs", "--db", f"sqlite:///{tmp_path / 'no' / 'x.sqlite'}"), "does not exist")


def test_scenario_in_gbk_a_too_small_sample_city_and_no_models(tmp_path):
    db = f"sqlite:///{tmp_path / 's.sqlite'}"
    gbk = tmp_path / "gbk.toml"
    gbk.write_bytes('name = "今天"\nowner = "health"\n'.encode("gbk"))
    refused(run("run", gbk, "--db", db), "gbk.toml", "not UTF-8", "GBK")
    small = tmp_path / "small.toml"
    small.write_text('name = "x"\nowner = "health"\ncity = "sample:5"\n')
    refused(run("run", small, "--db", db), "key 'city'", "20 to 20,000 areas")
    empty = tmp_path / "empty.toml"
    empty.write_text('name = "x"\nowner = "health"\ncity = "sample:40:3"\nmodels = []\n')
    refused(run("run", empty, "--db", db), "key 'models'", "at least one model")


def test_sweep_with_an_unreachable_scheduler(tmp_path):
    (tmp_path / "s.toml").write_text('name = "x"\nowner = "health"\ncity = "sample:40:3"\n')
    db = f"sqlite:///{tmp_path / 's.db'}"
    result = run("sweep", tmp_path / "s.toml", "--vary", "rules.max_travel_minutes=20,30",
                 "--scheduler", "tcp://127.0.0.1:1", "--db", db)  # fmt: skip
    refused(result, "--scheduler tcp://127.0.0.1:1", "cannot reach a Dask scheduler")


def test_bundle_geojson_in_gbk(bundle_copy):
    areas = json.loads((bundle_copy / "areas.geojson").read_text(encoding="utf-8"))
    for i, feature in enumerate(areas["features"]):
        feature["properties"]["name"] = f"南湖{i}"
    (bundle_copy / "areas.geojson").write_bytes(json.dumps(areas, ensure_ascii=False).encode("gbk"))
    refused(run("validate", bundle_copy), "areas.geojson", "not UTF-8")
    refused(run("districts", bundle_copy), "areas.geojson", "not UTF-8")


def test_districts_years_backwards_and_out_checked_first(small_bundle_dir, tmp_path):
    refused(run("districts", small_bundle_dir, "--years", "2030-2025"), "runs backwards")
    # the output name is refused before the bundle is even read
    refused(run("districts", tmp_path / "no-such-bundle", "--out", tmp_path / "x.txt"), "x.txt")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "is empty"),
        (b"hello world\n", "missing column(s) school_id, pupils"),
        ("school_id,pupils,备注\nP001,10,学校\n".encode("gbk"), "not UTF-8"),
        (b"school_id,pupils\nP001,\n", "row 2, column pupils"),  # NaN was dropped silently
        (b"school_id,pupils\nP001,10\nP001,20\n", "row 3"),  # a duplicated school was summed
        (b"school_id,pupils\nNOPE,10\n", "'NOPE' is not a known primary_school"),
    ],
)
def test_teachers_enrolment_file(small_bundle_dir, tmp_path, content, words):
    enrolment = tmp_path / "enrolment.csv"
    enrolment.write_bytes(content)
    refused(run("teachers", small_bundle_dir, "--enrolment", enrolment), words)


def test_teachers_solver_and_year(small_bundle_dir):
    refused(run("teachers", small_bundle_dir, "--solver", "gurobi"), "--solver", "'gurobi'")
    refused(run("teachers", small_bundle_dir, "--year", "3000"), "--year 3000")


# ---- exit 0 with wrong output: refused or warned ------------------------------------------


def test_locate_refuses_negative_radius_and_time_limit(files):
    base = ["locate", "--cost", files / "cost.csv", "--out", files / "r.json"]
    refused(run(*base, "--model", "mclp", "--p", "1", "--radius", "-5"), "--radius")
    refused(run(*base, "--model", "p-median", "--p", "1", "--time-limit", "-1"), "--time-limit")


def test_locate_warns_of_weights_without_cost_rows(files):
    weights = files / "w.csv"
    weights.write_text("demand_id,weight\n" + "".join(f"d{i},1\n" for i in range(6)) + "zz,5\n")
    result = run("locate", "--model", "p-median", "--p", "1", "--cost", files / "cost.csv",
                 "--weights", weights, "--out", files / "r.json")  # fmt: skip
    warned(result, "w.csv", "'zz'", "row 8", "no cost rows")


def test_access_refuses_nan_and_negative_threshold(files):
    refused(run(*access_args(files, out=files / "a.csv", threshold="nan")), "--threshold nan")
    refused(run(*access_args(files, out=files / "a.csv", threshold="-5")), "--threshold")


def staff_args(folder, caseload_rows: str, centre_rows: str) -> list:
    """`staff` on a caseload and a centres CSV written to ``folder`` (rows after the header)."""
    caseload, centres = folder / "caseload.csv", folder / "centres.csv"
    caseload.write_text("facility_id,month,cases\n" + caseload_rows)
    centres.write_text("facility_id,caseworkers,counters\n" + centre_rows)
    return ["staff", "--caseload", caseload, "--centres", centres]


def test_staff_refuses_a_repeated_month_and_part_caseworkers(tmp_path):
    args = staff_args(tmp_path, "A,2026-01,4000\nA,2026-01,3600\n", "A,22,14\n")
    caseload, centres = args[2], args[4]
    refused(run(*args), "row 3", "appears more than once")
    caseload.write_text("facility_id,month,cases\nA,2026-01,4000\n")
    centres.write_text("facility_id,caseworkers,counters\nA,2.5,14\n")
    refused(run(*args), "centres.csv, row 2, column caseworkers", "whole number")


def test_staff_online_share_has_the_scenarios_bounds(tmp_path):
    """`staff --online-share` and a scenario file refuse the same shares (the model's 0 to 0.95)."""
    args = staff_args(tmp_path, "A,2026-01,4000\n", "A,22,14\n")
    refused(run(*args, "--online-share", "0.99"), "--online-share", "0.95")
    refused(run(*args, "--online-share", "-0.1"), "--online-share")
    scenario = tmp_path / "s.toml"
    scenario.write_text('name = "x"\nowner = "social_security"\n[rules]\nonline_share = 0.99\n')
    refused(run("run", scenario), "online_share", "0.95")


def test_validate_refuses_infinite_capacity(bundle_copy):
    capacity = pd.read_csv(bundle_copy / "capacity.csv", dtype=str)
    capacity.loc[2, "amount"] = "inf"
    capacity.to_csv(bundle_copy / "capacity.csv", index=False)
    result = run("validate", bundle_copy)
    assert result.exit_code == 1
    assert "capacity.csv, row 4, column amount: not a finite number: 'inf'" in result.output


def test_forecast_of_a_short_series_warns_and_shows_no_nan(tmp_path):
    (tmp_path / "h3.csv").write_text("series_id,ds,y\ns1,2024-01-01,1\ns1,2024-02-01,2\n"
                                     "s1,2024-03-01,3\n")  # fmt: skip
    result = run("forecast", "--history", tmp_path / "h3.csv", "--out", tmp_path / "f.csv",
                 "--jobs", "1")  # fmt: skip
    warned(result, "too short to backtest", "3 observations")
    assert "nan" not in result.stdout


def test_backtest_says_how_many_windows_fit(files):
    result = run("backtest", "--history", files / "h.csv", "--out", files / "b.csv",
                 "--windows", "50", "--jobs", "1")  # fmt: skip
    line = warned(result, "of the 50 windows")
    used = int(line.split("only ")[1].split(" ")[0])
    assert used < 50 and f"up to {used} windows" in result.stdout


def test_one_row_numbering_everywhere(bundle_copy, files):
    """The same convention in validate and in the commands: row N is the file's line N."""
    pop = pd.read_csv(bundle_copy / "population.csv", dtype=str)
    pop.loc[3, "persons"] = "abc"  # line 5 of the file
    pop.to_csv(bundle_copy / "population.csv", index=False)
    assert "population.csv, row 5, column persons" in run("validate", bundle_copy).output
    (files / "d.csv").write_text("area_id,persons\na1,100\na2,50\na3,7\na4,abc\n")  # line 5
    refused(run(*access_args(files, out=files / "a.csv")), "d.csv, row 5, column persons")


def test_bad_option_values_exit_1_with_one_line(files):
    forecast = ["forecast", "--history", files / "h.csv", "--out", files / "f.csv"]
    refused(run(*forecast, "--horizon", "0"), "--horizon")
    refused(run(*forecast, "--horizon", "abc"), "--horizon")
    refused(run("locate", "--cost", files / "cost.csv"), "Missing option")
    refused(run("no-such-command"), "No such command")


def test_an_unexpected_error_is_one_line_naming_its_traceback_file():
    broken = typer.Typer(cls=OneLineErrors)

    @broken.command()
    def crash() -> None:
        raise RuntimeError("boom")

    @broken.command()
    def other() -> None:  # two commands, so the app is a group
        pass

    result = cli.invoke(broken, ["crash"])
    line = refused(result, "unexpected RuntimeError: boom", "please report it")
    path = line.split("details in ")[1].split(";")[0]
    assert "Traceback" in open(path, encoding="utf-8").read()
    shutil.os.unlink(path)


def test_an_error_before_the_first_step_is_the_whole_output(tmp_path):
    """Commands with a progress bar printed an empty line before the error line."""
    refused(result := run("health", "outreach", "--bundle", tmp_path / "missing"), "missing")
    assert result.stdout == ""
    (tmp_path / "m.toml").write_text("x = 1\n")
    refused(result := run("import", tmp_path / "m.toml", "--out", tmp_path / "o"), "m.toml")
    assert result.stdout == ""
