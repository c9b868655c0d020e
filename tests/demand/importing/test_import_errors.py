"""Bad mapping files and bad source files: one clear line each, exit 1, nothing written."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from demand.importing.fixture import write_messy_city
from scenarios.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def raw_files(tmp_path_factory, small_city):
    root = tmp_path_factory.mktemp("raw")
    write_messy_city(small_city, root / "raw")
    return root / "raw"


@pytest.fixture
def raw(raw_files, tmp_path):
    """A private copy of the messy files, free to break."""
    return shutil.copytree(raw_files, tmp_path / "raw")


def run_import(raw, tmp_path):
    result = runner.invoke(
        app, ["import", str(raw / "mapping.toml"), "--out", str(tmp_path / "city")]
    )
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def errors(output: str) -> list[str]:
    lines = [line for line in output.splitlines() if line.startswith(("ERROR", "error:"))]
    return lines


def edit_mapping(raw, old: str, new: str) -> None:
    path = raw / "mapping.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_unknown_column_names_the_file_and_the_nearest_header(raw, tmp_path):
    edit_mapping(
        raw, 'file = "历年人口.csv"', 'file = "历年人口.csv"\ncolumns = { persons = "人 数" }'
    )
    result = run_import(raw, tmp_path)
    assert result.exit_code == 1
    (line,) = errors(result.output)
    assert "历年人口.csv" in line and "'人 数'" in line and "nearest: '人数'" in line
    assert not (tmp_path / "city").exists()


def test_wrong_sheet_lists_the_sheets(raw, tmp_path):
    edit_mapping(raw, 'sheet = "专任教师"', 'sheet = "教师名单"')
    result = run_import(raw, tmp_path)
    assert result.exit_code == 1
    (line,) = errors(result.output)
    assert "教师.xlsx" in line and "no sheet '教师名单'" in line and "专任教师" in line


def test_unknown_mapping_key_and_table_are_named(raw, tmp_path):
    edit_mapping(raw, "skip_rows = 1", "skiprows = 1")
    edit_mapping(raw, "[mobility]", "[mobilty]")
    result = run_import(raw, tmp_path)
    assert result.exit_code == 1
    text = result.output
    assert "unknown key 'skiprows' (did you mean 'skip_rows'?)" in text
    assert "[mobilty] is not a table of the bundle (did you mean 'mobility'?)" in text


def test_code_of_the_wrong_length_names_the_row(raw, tmp_path):
    import pyogrio

    shp = raw / "社区边界.shp"
    frame = pyogrio.read_dataframe(shp, encoding="GB18030")
    frame.loc[3, "社区代码"] = frame.loc[3, "社区代码"][:-1]  # a digit lost
    frame.loc[5, "社区代码"] = "110109" + frame.loc[5, "社区代码"][6:]  # another county's prefix
    pyogrio.write_dataframe(frame, shp, encoding="GBK")
    for cpg in raw.glob("社区边界.cpg"):
        cpg.unlink()
    result = run_import(raw, tmp_path)
    assert result.exit_code == 1
    lines = errors(result.output)
    length = next(line for line in lines if "not 12 digits" in line)
    assert "社区边界.shp" in length and "row 4" in length and "column area_id" in length
    parent = next(line for line in lines if "does not start with its parent" in line)
    assert "row 6" in parent


def test_unmatched_names_are_listed_with_the_nearest_names(raw, tmp_path):
    book = load_workbook(raw / "人口普查.xlsx")
    ws = book.worksheets[0]
    good = ws.cell(row=4, column=1).value
    ws.cell(row=4, column=1).value = good.replace("社区", "小区")
    book.save(raw / "人口普查.xlsx")
    result = run_import(raw, tmp_path)
    assert result.exit_code == 1
    (line,) = errors(result.output)
    assert "人口普查.xlsx" in line and f"sheet {ws.title}" in line and "row 4" in line
    assert "match no name of areas" in line and f"nearest: '{good}'" in line
    assert "nothing was dropped" in line


def test_bad_number_names_sheet_row_and_column(raw, tmp_path):
    book = load_workbook(raw / "人口普查.xlsx")
    ws = book.worksheets[1]
    ws.cell(row=5, column=4).value = "不详"
    book.save(raw / "人口普查.xlsx")
    result = run_import(raw, tmp_path)
    assert result.exit_code == 1
    (line,) = errors(result.output)
    assert f"sheet {ws.title}" in line and "row 5" in line and "男|5-9岁" in line
    assert "column persons" in line and "'不详'" in line


def test_quality_report_lists_excluded_rows_and_flags_bad_counts(raw, tmp_path):
    book = load_workbook(raw / "人口普查.xlsx")
    ws = book.worksheets[0]
    ws.cell(row=4, column=2).value = 9.9  # a stated total of 99,000 persons, far from the bands
    book.save(raw / "人口普查.xlsx")
    staff = pd.read_csv(raw / "医务人员.csv", encoding="gbk")
    staff.loc[len(staff)] = staff.iloc[0]  # a repeated row: a duplicate key
    staff.to_csv(raw / "医务人员.csv", index=False, encoding="gbk")
    result = run_import(raw, tmp_path)
    assert result.exit_code == 1  # the duplicate is an error of the contract
    report = json.loads((tmp_path / "city-quality" / "report.json").read_text(encoding="utf-8"))
    checks = {f["check"]: f for f in report["findings"]}
    assert checks["stated_totals"]["count"] == 1
    assert f"sheet {ws.title}, row 4" in checks["stated_totals"]["rows"][0]
    assert checks["duplicate_keys"]["table"] == "workforce"
    assert len(report["excluded"]) == len(book.worksheets)  # one 合计 row per sheet
    assert all("合计" in e["reason"] for e in report["excluded"])
    assert report["tables"]["workforce"]["score"] < 100
    html = (tmp_path / "city-quality" / "report.zh-CN.html").read_text(encoding="utf-8")
    assert "数据质量报告" in html and "已排除的行" in html


def test_out_folder_that_is_not_a_bundle_is_never_replaced(raw, tmp_path):
    result = runner.invoke(app, ["import", str(raw / "mapping.toml"), "--out", str(raw)])
    assert result.exit_code == 1
    assert "exists and is not a city bundle" in result.output
    assert (raw / "人口普查.xlsx").exists()


def test_road_times_section_is_carried_into_the_bundle(raw, tmp_path):
    import tomllib

    edit_mapping(
        raw, "base_year = ", 'travel = { osm = "roads.osm.pbf", mode = "walk" }\nbase_year = '
    )
    result = run_import(raw, tmp_path)
    assert result.exit_code == 1
    assert "[bundle.travel] osm = 'roads.osm.pbf': no such file" in result.output
    (raw / "roads.osm.pbf").write_bytes(b"extract")
    result = run_import(raw, tmp_path)
    assert result.exit_code == 0, result.output
    meta = tomllib.loads((tmp_path / "city" / "bundle.toml").read_text(encoding="utf-8"))
    assert meta["travel"] == {"osm": "osm/roads.osm.pbf", "mode": "walk"}
    assert (tmp_path / "city" / "osm" / "roads.osm.pbf").read_bytes() == b"extract"
