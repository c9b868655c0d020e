"""Validation of city bundles: every broken fixture gives one line naming file, row and column."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from demand.bundle import check_bundle, load_city
from demand.errors import InputError
from scenarios.cli import app

runner = CliRunner()


def _csv(path, name):
    return pd.read_csv(path / f"{name}.csv", dtype=str, keep_default_na=False)


def _save(frame, path, name):
    frame.to_csv(path / f"{name}.csv", index=False)


def _validate(path):
    result = runner.invoke(app, ["validate", str(path)])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result


def _error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("ERROR")]


def test_sample_bundle_is_valid(small_bundle_dir):
    result = _validate(small_bundle_dir)
    assert result.exit_code == 0, result.output
    assert "valid" in result.output


def test_text_in_persons_names_file_row_and_column(bundle_copy):
    pop = _csv(bundle_copy, "population")
    pop.loc[16, "persons"] = "abc"
    _save(pop, bundle_copy, "population")
    result = _validate(bundle_copy)
    assert result.exit_code == 1
    errors = _error_lines(result.output)
    assert len(errors) == 1
    assert "population.csv" in errors[0]
    assert "row 18," in errors[0]  # the row a spreadsheet shows: the header is row 1
    assert "column persons" in errors[0]
    assert "'abc'" in errors[0]


def test_cells_padded_with_spaces_are_read_stripped_once(bundle_copy):
    """Spaces (also the ideographic space of a Chinese spreadsheet) around cells are stripped
    where the bundle is read: ids still match, numbers parse, the typed city has no padding,
    and a cell of spaces alone is a missing value named by row and column."""
    cap = _csv(bundle_copy, "capacity")
    cap["facility_id"] = " " + cap["facility_id"] + "\u3000"
    cap["amount"] = cap["amount"] + "  "
    _save(cap, bundle_copy, "capacity")
    city = load_city(bundle_copy)
    assert set(city.capacity["facility_id"]) <= set(city.facilities["facility_id"])
    assert city.capacity["amount"].dtype == "float64"
    assert city.capacity["amount"].tolist() == pd.to_numeric(cap["amount"]).tolist()
    cap.loc[2, "amount"] = " \u3000 "
    _save(cap, bundle_copy, "capacity")
    errors = _error_lines(_validate(bundle_copy).output)
    assert len(errors) == 1, errors
    assert "capacity.csv, row 4, column amount" in errors[0] and "missing value" in errors[0]


@pytest.mark.parametrize(
    ("value", "words"), [("-5", "negative"), ("", "missing value"), ("NaN", "missing value")]
)
def test_negative_or_missing_counts_are_errors(bundle_copy, value, words):
    pop = _csv(bundle_copy, "population")
    pop.loc[3, "persons"] = value
    _save(pop, bundle_copy, "population")
    errors = _error_lines(_validate(bundle_copy).output)
    assert len(errors) == 1 and words in errors[0] and "row 5," in errors[0]


def test_missing_required_column(bundle_copy):
    _save(_csv(bundle_copy, "capacity").drop(columns="amount"), bundle_copy, "capacity")
    result = _validate(bundle_copy)
    assert result.exit_code == 1
    assert any(
        "capacity.csv" in e and "column amount" in e and "missing" in e
        for e in _error_lines(result.output)
    )


def test_missing_required_table(bundle_copy):
    (bundle_copy / "workforce.csv").unlink()
    result = _validate(bundle_copy)
    assert result.exit_code == 1
    assert any("'workforce' is missing" in e for e in _error_lines(result.output))


def test_unknown_extra_column_is_a_warning(bundle_copy):
    cap = _csv(bundle_copy, "capacity")
    cap["colour"] = "red"
    _save(cap, bundle_copy, "capacity")
    result = _validate(bundle_copy)
    assert result.exit_code == 0
    assert "WARNING capacity.csv, column colour" in result.output


def test_duplicate_ids(bundle_copy):
    wf = _csv(bundle_copy, "workforce")
    wf = pd.concat([wf, wf.iloc[[2]]], ignore_index=True)
    _save(wf, bundle_copy, "workforce")
    errors = _error_lines(_validate(bundle_copy).output)
    assert len(errors) == 1
    assert "duplicate facility_id + role" in errors[0]
    assert f"rows 4, {len(wf) + 1}," in errors[0]


def test_unknown_facility_and_area_references(bundle_copy):
    cap = _csv(bundle_copy, "capacity")
    cap.loc[5, "facility_id"] = "H999"
    _save(cap, bundle_copy, "capacity")
    mob = _csv(bundle_copy, "mobility")
    mob.loc[0, "dest_area"] = "Z1"
    _save(mob, bundle_copy, "mobility")
    errors = _error_lines(_validate(bundle_copy).output)
    assert any("capacity.csv" in e and "'H999'" in e and "row 7," in e for e in errors)
    assert any("mobility.csv" in e and "'Z1'" in e and "column dest_area" in e for e in errors)
    assert len(errors) == 2


def _rewrite_geo(path, name, change):
    frame = gpd.read_file(path / f"{name}.geojson")
    frame = change(frame)
    (path / f"{name}.geojson").unlink()
    frame.to_file(path / f"{name}.geojson", driver="GeoJSON")


def test_invalid_and_empty_geometry(bundle_copy):
    bowtie = shapely.Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])

    def change(frame):
        frame.loc[2, "geometry"] = shapely.affinity.translate(
            bowtie, *frame.geometry.iloc[2].centroid.coords[0]
        )
        frame.loc[5, "geometry"] = shapely.Polygon()
        return frame

    _rewrite_geo(bundle_copy, "areas", change)
    errors = _error_lines(_validate(bundle_copy).output)
    assert any(
        "invalid geometry" in e and "row 3" in e and "Self-intersection" in e for e in errors
    )
    assert any("empty or missing geometry" in e and "row 6" in e for e in errors)


def test_point_outside_every_area_is_a_warning(bundle_copy):
    def change(frame):
        frame.loc[0, "geometry"] = shapely.Point(0, 0)
        return frame

    _rewrite_geo(bundle_copy, "facilities", change)
    result = _validate(bundle_copy)
    assert result.exit_code == 0
    assert "WARNING facilities.geojson, row 1, column geometry" in result.output


def test_overlapping_areas_warn(bundle_copy):
    def change(frame):
        frame.loc[1, "geometry"] = frame.geometry.iloc[1].union(frame.geometry.iloc[0])
        return frame

    _rewrite_geo(bundle_copy, "areas", change)
    result = _validate(bundle_copy)
    assert result.exit_code == 0
    assert "overlap" in result.output and "'A0001'" in result.output


def test_missing_crs_is_an_error(bundle_copy):
    def change(frame):
        return frame.set_crs(None, allow_override=True)

    _rewrite_geo(bundle_copy, "areas", change)
    errors = _error_lines(_validate(bundle_copy).output)
    assert any("areas.geojson" in e and "not degrees" in e and "CRS" in e for e in errors)


def test_missing_crs_in_geopackage_is_an_error(bundle_copy):
    frame = gpd.read_file(bundle_copy / "areas.geojson").set_crs(None, allow_override=True)
    (bundle_copy / "areas.geojson").unlink()
    frame.to_file(bundle_copy / "areas.gpkg", driver="GPKG")
    errors = _error_lines(_validate(bundle_copy).output)
    assert any("areas.gpkg" in e and "coordinate reference system" in e for e in errors)


def test_mixed_crs_is_reprojected_with_a_notice(bundle_copy, small_city):
    _rewrite_geo(bundle_copy, "facilities", lambda f: f.to_crs("EPSG:4326"))
    city, report = check_bundle(bundle_copy)
    assert report.ok
    assert any("reprojected" in p.message for p in report.problems)
    moved = city.facilities.geometry.distance(small_city.facilities.geometry)
    assert moved.max() < 0.01  # metres


def test_age_band_gap_and_overlap(bundle_copy):
    pop = _csv(bundle_copy, "population")
    pop.loc[pop["age_band"] == "10-14", "age_band"] = "11-14"
    pop.loc[(pop["age_band"] == "20-24") & (pop["year"] == "2022"), "age_band"] = "18-24"
    _save(pop, bundle_copy, "population")
    errors = _error_lines(_validate(bundle_copy).output)
    assert any("gap between '5-9' and '11-14'" in e for e in errors)
    assert any("year 2022" in e and "overlap" in e for e in errors)


def test_history_duplicates_and_gaps(bundle_copy):
    hist = _csv(bundle_copy, "history")
    first = hist["series_id"].iloc[0]
    rows = hist.index[hist["series_id"] == first]
    hist = hist.drop(index=rows[10:13])
    hist = pd.concat([hist, hist.iloc[[0]]], ignore_index=True)
    _save(hist, bundle_copy, "history")
    errors = _error_lines(_validate(bundle_copy).output)
    assert any("duplicate series_id + ds" in e for e in errors)
    assert any("not regular monthly" in e and "2016-10 to 2017-02" in e for e in errors)


def test_a_tables_numbers_are_parsed_once_for_every_stage(bundle_copy):
    """Validation, typing and the quality report read one parse of a column: blanks and text
    are NaN, 'inf' is inf (validation names each), and the typed city has those numbers."""
    from demand.bundle.load import typed_city
    from demand.bundle.read import RawTable, read_raw_tables
    from demand.bundle.report import Report
    from demand.bundle.validate import validate_tables
    from demand.quality import build_quality

    frame = pd.DataFrame({"persons": ["12", "", "abc", "inf", "3.5"]})
    parsed = RawTable("population", frame, "population.csv").numbers("persons")
    assert parsed.tolist()[:1] + parsed.tolist()[3:] == [12.0, float("inf"), 3.5]
    assert parsed.iloc[1:3].isna().all()
    tables, unknown = read_raw_tables(bundle_copy)
    report = Report()
    validate_tables(tables, unknown, report)
    kept = tables["population"].numbers("persons")
    assert tables["population"].numbers("persons") is kept  # the same parse, not another
    city = typed_city(tables, {}, bundle_copy)
    assert city.population["persons"].tolist() == kept.astype("int64").tolist()
    quality = build_quality(tables, report, None, "city")
    assert tables["population"].numbers("persons") is kept and quality["ok"]


def _frequency_problems_one_series_at_a_time(frame: pd.DataFrame) -> list[str]:
    """What check_history_frequency said when it looped over the series (the reference): per
    series in file order, its months sorted, the first jump that is not its step."""
    import numpy as np

    ds = pd.to_datetime(frame["ds"], errors="coerce", format="mixed")
    use = ds.notna() & (ds.dt.day == 1)
    lines = []
    for sid in pd.unique(frame["series_id"][use]):
        mine = use & (frame["series_id"] == sid)
        months = (ds.dt.year * 12 + ds.dt.month)[mine].astype(int)
        m = np.sort(months.unique())
        steps = np.diff(m)
        step = 12 if (steps % 12 == 0).all() and (m % 12 == 1).all() else 1
        gaps = np.flatnonzero(steps != step)
        if len(m) < 2 or len(gaps) == 0:
            continue
        i = gaps[0]
        row = int(np.flatnonzero(mine & (ds.dt.year * 12 + ds.dt.month == m[i + 1]))[0]) + 2
        label = [f"{(v - 1) // 12}-{(v - 1) % 12 + 1:02d}" for v in (m[i], m[i + 1])]
        lines.append(f"ERROR history.csv, row {row}, column ds: series {sid!r} is not regular "
                     f"{'yearly' if step == 12 else 'monthly'}: jump from {label[0]} to "
                     f"{label[1]} ({len(gaps)} gap(s)); fill the missing periods (0 if none) "
                     "or split the series")  # fmt: skip
    return lines


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "c", "d"]),
            st.integers(2018, 2021),
            st.integers(1, 12),
            st.sampled_from(["01", "01", "01", "01", "15", "bad"]),
        ),
        max_size=40,
    )
)
def test_irregular_series_are_named_as_one_series_at_a_time_found_them(cells):
    """check_history_frequency works on all series at once: the same lines, in the same order,
    as the loop over series it replaced; a bad date beside a gap is no crash (it was)."""
    from demand.bundle.read import RawTable
    from demand.bundle.report import Report
    from demand.bundle.validate import check_history_frequency

    frame = pd.DataFrame(
        {"series_id": [c[0] for c in cells],
         "ds": [f"{y}-{m:02d}-{d}" if d != "bad" else "2020-13-01" for _, y, m, d in cells],
         "y": "1"}, columns=["series_id", "ds", "y"],
    )  # fmt: skip
    report = Report()
    check_history_frequency(RawTable("history", frame, "history.csv"), report)
    irregular = [line for line in report.lines() if "not regular" in line]
    assert irregular == _frequency_problems_one_series_at_a_time(frame)


def test_load_city_raises_input_error_listing_problems(bundle_copy):
    pop = _csv(bundle_copy, "population")
    pop.loc[0, "sex"] = "X"
    _save(pop, bundle_copy, "population")
    with pytest.raises(InputError, match=r"population.csv, row 2, column sex"):
        load_city(bundle_copy)


def test_no_row_is_dropped_on_load(small_bundle_dir, small_city):
    city = load_city(small_bundle_dir)
    for name in ("population", "mobility", "capacity", "workforce", "history", "series"):
        assert len(city.table(name)) == len(small_city.table(name)), name
    assert city.population["persons"].sum() == small_city.population["persons"].sum()
    assert city.history["ds"].dtype.kind == "M"
