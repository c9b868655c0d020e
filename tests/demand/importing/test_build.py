"""Building one table from one source: wide → long, units, names joined within their 街道."""

from __future__ import annotations

import pandas as pd

from demand.bundle.report import Report
from demand.importing.build import Built, ImportLog, Origin, build_source, join_by_name
from demand.importing.mapping import SourceSpec


def test_single_row_wide_headers_and_wan_ren(tmp_path):
    path = tmp_path / "人口.csv"
    pd.DataFrame(
        {
            "社区": ["东风社区", "合计"],
            "街道": ["东山街道", ""],
            "男0-4岁": ["0.0123", "0.0123"],
            "女 85岁及以上": ["0.0004", "0.0004"],
        }  # fmt: skip
    ).to_csv(path, index=False, encoding="gbk")
    spec = SourceSpec("population", 0, path, units={"persons": "万人"}, values={"year": 2024})
    report, log = Report(), ImportLog()
    built = build_source(spec, log, report)
    frame = built.frame.sort_values("sex")
    assert frame[["sex", "age_band", "persons"]].values.tolist() == [
        ["F", "85+", "4"], ["M", "0-4", "123"]]  # fmt: skip
    assert set(frame["area_name"]) == {"东风社区"} and set(frame["year"]) == {"2024"}
    assert [o.row for o in built.origins] == [2, 2]  # the 合计 line (3) is out, and said so
    assert log.excluded[0]["where"] == "人口.csv, row 3"
    lines = report.lines()
    assert any("converted to persons (x10,000)" in x for x in lines)
    assert any("1 totals row(s) excluded" in x for x in lines)


def _areas() -> pd.DataFrame:
    return pd.DataFrame({"area_id": ["1", "2", "3"], "name": ["东风社区", "东风社区", "西湖社区"],
                         "district": ["东山街道", "西山街道", "西山街道"]})  # fmt: skip


def _built(names, districts=None) -> Built:
    frame = pd.DataFrame({"area_name": names})
    if districts is not None:
        frame["area_district"] = districts
    return Built(frame, [Origin("人口.xlsx", "一季度", i + 5) for i in range(len(names))])


def test_names_shared_by_two_areas_are_told_apart_by_their_district():
    built, report = (
        _built(["东风社区", "东风社区", "西湖社区"], ["西山街道", "东山街道", "西山街道"]),
        Report(),
    )
    join_by_name(built, "areas", "area_name", "area_district", _areas(), "area_id", "name",
                 "district", report, "人口.xlsx")  # fmt: skip
    assert report.ok
    assert built.frame["area_id"].tolist() == ["2", "1", "3"]


def test_a_shared_name_without_its_district_asks_for_it():
    built, report = _built(["东风社区", "西湖社区"]), Report()
    join_by_name(built, "areas", "area_name", None, _areas(), "area_id", "name", "district",
                 report, "人口.xlsx")  # fmt: skip
    (line,) = [x for x in report.lines() if x.startswith("ERROR")]
    assert "used by several areas (e.g. '东风社区')" in line and "街道" in line
    assert "row 5 (sheet 一季度)" in line
