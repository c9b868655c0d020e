"""Reading sources as bureaus save them: encodings, .cpg, .xls, GeoPackage, Parquet, headers."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
import statsmodels

from demand.errors import InputError
from demand.importing import presets
from demand.importing.build import significant_prefix
from demand.importing.sources import read_source

TABLE = pd.DataFrame({"社区": ["西山1号社区", "东山2号社区"], "常住人口（万人）": [0.3456, 1.2]})


@pytest.mark.parametrize(
    ("encoding", "found"),
    [
        ("utf-8", None),
        ("utf-8-sig", "UTF-8 with BOM"),
        ("gbk", "GB18030 (GBK)"),
        ("gb18030", "GB18030 (GBK)"),
    ],
)
def test_csv_encodings_are_found(tmp_path, encoding, found):
    path = tmp_path / "人口.csv"
    TABLE.to_csv(path, index=False, encoding=encoding)
    table = read_source(path)
    assert list(table.frame.columns) == list(TABLE.columns)
    assert table.frame["社区"].tolist() == TABLE["社区"].tolist()
    assert table.encoding == (found or "UTF-8")
    assert table.rows.tolist() == [2, 3]  # the lines a user sees


def test_wrong_encoding_given_says_so(tmp_path):
    path = tmp_path / "人口.csv"
    TABLE.to_csv(path, index=False, encoding="gbk")
    with pytest.raises(InputError, match="cannot be read as utf-8"):
        read_source(path, encoding="utf-8")


def _gbk_shapefile(path: Path, cpg: bool) -> None:
    frame = gpd.GeoDataFrame(
        {"名称": ["西山街道", "东山街道"]},
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)],
        crs=4490,
    )
    pyogrio.write_dataframe(frame, path, encoding="GBK")
    if not cpg:
        path.with_suffix(".cpg").unlink()


@pytest.mark.parametrize("cpg", [True, False])
def test_gbk_shapefile_is_readable_with_or_without_cpg(tmp_path, cpg):
    path = tmp_path / "街道.shp"
    _gbk_shapefile(path, cpg)
    table = read_source(path)
    assert table.frame["名称"].tolist() == ["西山街道", "东山街道"]
    assert table.encoding == ("GBK" if cpg else "GB18030")
    assert table.crs.to_epsg() == 4490


def test_xls_workbook_reads_with_dates_as_text():
    xls = Path(statsmodels.__file__).parent / "datasets/macrodata/src/macrodata.xls/macrodata.xls"
    table = read_source(xls, sheet="Quarterly")
    assert table.frame.columns[0] == "DATE"
    assert table.frame["DATE"].iloc[0] == "1947-01-01"
    assert table.rows[0] == 2
    with pytest.raises(InputError, match="no sheet 'Yearly'; the workbook has: README"):
        read_source(xls, sheet="Yearly")


def test_xls_with_merged_two_row_header_and_totals_row(tmp_path):
    """An Excel 97-2003 census sheet: a title row, 社区 merged down two rows, 男/女 merged across
    their age bands, a 合计 row; read as the .xlsx path reads it, rows counted as Excel shows."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet("人口")
    ws.write_merge(0, 0, 0, 4, "2024年常住人口（按性别、年龄）")
    ws.write_merge(1, 2, 0, 0, "社区")
    ws.write_merge(1, 1, 1, 2, "男")
    ws.write_merge(1, 1, 3, 4, "女")
    for col, band in enumerate(["0-4岁", "85岁及以上", "0-4岁", "85岁及以上"], start=1):
        ws.write(2, col, band)
    for row, values in enumerate([["西山1号社区", 12, 3, 11, 5], ["合计", 12, 3, 11, 5]], start=3):
        for col, value in enumerate(values):
            ws.write(row, col, value)
    book.save(str(tmp_path / "人口.xls"))
    table = read_source(tmp_path / "人口.xls", sheet="人口", skip_rows=1, header_rows=2)
    assert list(table.frame.columns) == ["社区", "男|0-4岁", "男|85岁及以上", "女|0-4岁",
                                         "女|85岁及以上"]  # fmt: skip
    assert table.frame.iloc[0].tolist() == ["西山1号社区", "12", "3", "11", "5"]
    assert table.rows.tolist() == [4, 5]
    assert presets.sex_and_band(table.frame.columns[4]) == ("F", "85+")
    assert presets.is_total_label(table.frame["社区"].iloc[1])


def test_geopackage_layer_and_parquet(tmp_path):
    frame = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[shapely.Point(1, 2)] * 2, crs=32650)
    frame.to_file(tmp_path / "x.gpkg", layer="学校", driver="GPKG")
    table = read_source(tmp_path / "x.gpkg", sheet="学校")
    assert table.frame["id"].tolist() == ["a", "b"] and table.crs.to_epsg() == 32650
    with pytest.raises(InputError, match="no layer 'schools'"):
        read_source(tmp_path / "x.gpkg", sheet="schools")
    pd.DataFrame({"n": [1, 2]}).to_parquet(tmp_path / "x.parquet")
    assert read_source(tmp_path / "x.parquet").frame["n"].tolist() == ["1", "2"]


def test_chinese_headers_and_values():
    assert presets.sex_and_band("男|0-4岁") == ("M", "0-4")
    assert presets.sex_and_band("女85岁及以上") == ("F", "85+")
    assert presets.age_band("5～9岁") == "5-9"
    assert presets.split_unit("常住人口（万人）") == ("常住人口", "万人")
    assert presets.header_field("population", "常住人口（万人）") == "stated_total"
    assert presets.header_field("facilities", "经度") == "lon"
    assert presets.is_total_label("合 计") and presets.is_total_label("Total")
    assert presets.value_preset("resource")[presets.normalise("一年级")] == "seats:grade_1"
    assert significant_prefix("110108004000") == "110108004"
    assert significant_prefix("110108000000") == "110108"


def test_import_docs_list_every_key_and_preset():
    from demand.importing.docs import import_reference

    text = (Path(__file__).parents[3] / "docs" / "import.md").read_text(encoding="utf-8")
    assert import_reference() in text, "docs/import.md is stale: python -m demand.importing.docs"


def test_csv_saved_from_merged_headers_keeps_its_groups(tmp_path):
    path = tmp_path / "人口.csv"
    path.write_text(
        "2024年人口\n社区,常住人口,男,,女,\n,,0-4岁,85岁及以上,0-4岁,85岁及以上\n甲社区,10,1,2,3,4\n",
        encoding="gbk",
    )
    table = read_source(path, skip_rows=1, header_rows=2)
    assert list(table.frame.columns) == ["社区", "常住人口", "男|0-4岁", "男|85岁及以上",
                                         "女|0-4岁", "女|85岁及以上"]  # fmt: skip
    assert table.rows.tolist() == [4]


def test_damaged_files_say_what_to_do(tmp_path):
    for name in ("人口.xlsx", "出行.parquet"):
        (tmp_path / name).write_bytes(b"not really")
        with pytest.raises(InputError, match=f"{name}: cannot be read as .*save it again"):
            read_source(tmp_path / name)
