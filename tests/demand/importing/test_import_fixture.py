"""`civicalloc import` on the messy departmental files made from the sample city."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from demand.bundle import load_city
from demand.importing.fixture import write_messy_city
from scenarios.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def imported(tmp_path_factory, small_city):
    """The small sample city as messy files, imported through the CLI."""
    root = tmp_path_factory.mktemp("import")
    crosswalk = write_messy_city(small_city, root / "raw")
    result = runner.invoke(
        app, ["import", str(root / "raw" / "mapping.toml"), "--out", str(root / "city")]
    )
    return root, crosswalk, result


def test_import_rebuilds_the_sample_city(imported, small_city):
    root, crosswalk, result = imported
    assert result.exit_code == 0, result.output
    city = load_city(root / "city")
    code = crosswalk["areas"]
    # same persons per area, year, sex and band
    want = small_city.population.assign(area_id=small_city.population["area_id"].map(code))
    key = ["area_id", "year", "sex", "age_band"]
    got = city.population.set_index(key)["persons"].sort_index()
    assert got.equals(want.set_index(key)["persons"].sort_index().astype(got.dtype))
    # facilities where they were, to within a few metres (GCJ-02 / BD-09 undone)
    a = small_city.facilities.set_index("facility_id").geometry
    b = city.facilities.set_index("facility_id").geometry.to_crs(a.crs)
    assert set(a.index) == set(b.index)
    gap = a.distance(b.reindex(a.index))
    assert gap.max() < 0.05, gap.sort_values().tail()
    # each in the area it stood in; kinds, capacity and staff as they were
    assert (
        city.facilities.set_index("facility_id")["area_id"]
        == small_city.facilities.set_index("facility_id")["area_id"].map(code)
    ).all()
    for table, cols, value in (
        ("capacity", ["facility_id", "resource"], "amount"),
        ("workforce", ["facility_id", "role"], "headcount"),
    ):
        mine = city.table(table).set_index(cols)[value].sort_index()
        theirs = small_city.table(table).set_index(cols)[value].sort_index()
        assert mine.index.equals(theirs.index), table
        assert np.allclose(mine, theirs), table
    assert len(city.mobility) == len(small_city.mobility)
    assert len(city.history) == len(small_city.history)


def test_import_says_what_it_did(imported):
    _, _, result = imported
    out = result.output
    assert "社区边界.shp: read as GB18030" in out  # GBK .dbf without .cpg
    assert "BD09 converted to WGS-84" in out and "GCJ02 converted to WGS-84" in out
    assert "totals row(s) excluded" in out
    assert "Traceback" not in out


def test_areas_carry_12_digit_codes_and_chinese_names(imported):
    root, _, _ = imported
    areas = pd.read_csv(root / "city" / "population.csv", dtype=str)
    assert areas["area_id"].str.fullmatch(r"\d{12}").all()
    city = load_city(root / "city")
    assert city.areas["name"].str.endswith("社区").all()
    assert city.areas["district"].str.endswith("街道").all()
