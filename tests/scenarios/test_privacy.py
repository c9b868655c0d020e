"""Small-cell suppression is a property of a measure's unit, and spreadsheets never run a cell."""

from __future__ import annotations

import io

import numpy as np
import openpyxl
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from scenarios.export import export_table, safe_plan
from scenarios.privacy import (
    counts_people,
    drawable,
    plan_units,
    shown_text,
    shown_texts,
    suppress,
    suppress_difference,
    suppress_frame,
    suppress_kpis,
)
from scenarios.quality_report import safe_report
from scenarios.spreadsheet import csv_text, neutralise, write_csv


def test_whether_a_number_counts_people_is_read_from_its_unit():
    for unit in ("persons", "pupils", "patients/year", "visits/week", "visits per week", "cases",
                 "cases per month", "occupied beds"):  # fmt: skip
        assert counts_people(unit), unit
    for unit in ("beds", "seats", "teachers", "minutes", "share", "capacity/need",
                 "beds per 1,000", "need units", "", None):  # fmt: skip
        assert not counts_people(unit), unit


def test_small_counts_of_people_are_hidden_whatever_shows_them():
    assert suppress(7.4, "pupils") == "<10"  # the shortfalls map's A0068
    assert suppress(0.4, "persons") == "<10"  # rounding would show 0 people: still hidden
    assert suppress(0.0, "persons") == 0.0 and suppress(12.0, "pupils") == 12.0
    assert suppress(3.0, "beds") == 3.0  # beds are not people
    assert suppress(3.0, "cases", threshold=3) == 3.0  # a scenario's own threshold
    # one column, a unit per row: access_by_area's need is beds on some rows, pupils on others
    assert suppress([4.0, 4.0], ["beds", "pupils"]).tolist() == [4.0, "<10"]
    assert drawable(pd.Series([3.0, 50.0]), "persons").isna().tolist() == [True, False]
    assert shown_text(1242.4, "pupils") == "1,242" and shown_text(5, "pupils") == "<10"
    assert shown_text(0.253, "share") == "0.25"
    assert suppress(np.float64(7.0), "pupils") == "<10" and suppress("7", "cases") == "<10"
    assert suppress("<10", "pupils") == "<10"  # already hidden stays hidden
    values, units = [5.0, 1242.4, np.nan, 3.0], ["pupils", "pupils", "pupils", "beds"]
    one_by_one = [shown_text(v, u) for v, u in zip(values, units, strict=True)]
    assert shown_texts(values, units) == one_by_one
    assert shown_texts(values, units) == ["<10", "1,242", "—", "3.00"]


def test_plans_are_suppressed_by_their_columns_units():
    enrolment = pd.DataFrame({"school_id": ["P1", "P2", "P3"], "seats": [4.0, 900.0, 6.0],
                              "pupils": [900.0, 12.0, 5.0], "over": [2.7, 4.72, 9.7],
                              "utilisation": [0.5, 0.9, 0.02]})  # fmt: skip
    safe = safe_plan("enrolment_primary", enrolment)
    assert safe["over"].tolist() == ["<10", "<10", "<10"]  # the 2.70, 4.72, 9.70
    assert safe["pupils"].tolist() == [900.0, 12.0, "<10"]
    assert safe["seats"].tolist() == [4.0, 900.0, 6.0]
    assert safe["utilisation"].tolist() == [0.5, 0.9, 0.02]
    access = pd.DataFrame(
        {
            "area_id": ["A1", "A2"],
            "service_line": ["hospital beds", "primary school"],
            "need": [300.0, 7.4],
            "access": [0.3, 0.2],
        }
    )
    assert safe_plan("access_by_area", access)["need"].tolist() == [300.0, "<10"]
    units = plan_units("access_by_area", access)
    assert units["need"].tolist() == ["occupied beds", "pupils"]
    assert suppress_frame(access, {"need": "beds"})["need"].tolist() == [300.0, 7.4]


def test_a_difference_is_derived_from_what_is_shown_beside_it():
    # Compare once showed 12,942.0 and 12,942.4 pupils with a Δ of "<10", which reveals it.
    assert suppress_difference(12942.0, 12942.4, "pupils") == 0.0
    assert suppress_difference(12942.0, 12950.0, "pupils") == 8.0  # both shown: so is Δ
    assert suppress_difference(5.0, 500.0, "pupils") == "<10"  # one hidden: Δ would reveal it
    assert suppress_difference(0.2, 0.5, "share") == 0.3 or abs(
        suppress_difference(0.2, 0.5, "share") - 0.3) < 1e-12  # fmt: skip
    kpis = pd.DataFrame({"service": ["education"] * 2, "kpi": ["pupils above capacity", "gap"],
                         "unit": ["persons", "share"], "today": [12942.0, 0.2],
                         "more seats": [12942.4, 0.5]})  # fmt: skip
    kpis["Δ more seats"] = kpis["more seats"] - kpis["today"]
    shown = suppress_kpis(kpis, value_columns=["today", "more seats", "Δ more seats"])
    assert shown["Δ more seats"].tolist()[0] == 0.0


@given(st.floats(0, 1e5), st.floats(0, 1e5), st.integers(1, 50))
def test_differences_are_consistent_with_the_values_shown(a, b, threshold):
    diff = suppress_difference(a, b, "persons", threshold)
    shown_a, shown_b = suppress(a, "persons", threshold), suppress(b, "persons", threshold)
    if isinstance(shown_a, str) or isinstance(shown_b, str):
        assert diff == f"<{threshold}"
    else:
        assert diff == round(b) - round(a)


def test_no_cell_of_a_written_table_runs_as_a_formula(tmp_path):
    evil = '=HYPERLINK("http://evil.example","x")'
    frame = pd.DataFrame(
        {
            "service": ["health"] * 5,
            "kpi": [evil, "+1", "-2+3", "@SUM(A1)", "\tx"],
            "unit": ["persons"] * 5,
            evil: [-3.5, 20.0, 30.0, 40.0, 50.0],
        }
    )
    text = csv_text(frame)
    read = pd.read_csv(io.StringIO(text.removeprefix("\ufeff")), dtype=str)
    assert read.columns[-1].startswith("'=")
    assert read["kpi"].str.startswith("'").all()
    assert read.iloc[0, -1] == "-3.5"  # numbers stay numbers
    write_csv(frame, tmp_path / "t.csv")
    assert pd.read_csv(tmp_path / "t.csv", dtype=str)["kpi"].str.startswith("'").all()
    export_table(frame, tmp_path / "t.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    cells = [c.value for row in sheet.iter_rows() for c in row]
    assert not any(isinstance(c, str) and c.startswith(("=", "+", "-", "@", "\t")) for c in cells)
    assert sheet.cell(2, 4).value == -3.5
    assert neutralise(pd.DataFrame({"a": ["ok", None]}))["a"].tolist() == ["ok", None]


def test_a_data_quality_report_hides_small_counts_and_what_is_derived_from_them():
    found = {"table": "population", "check": "stated_totals", "values": [
        {"stated_persons": 7.0, "bands_persons": 12.0},  # the "every message"
        {"stated_persons": 900.0, "bands_persons": 880.0}]}  # fmt: skip
    dense = {"table": "areas", "check": "density_outliers", "values": [
        {"area_id": "A1", "persons": 3.0, "per_km2": 2.1, "z": -4.0}]}  # fmt: skip
    safe = safe_report({"findings": [found, dense]})["findings"]
    assert safe[0]["values"][0]["stated_persons"] == "<10"
    assert safe[0]["values"][1] == {"stated_persons": 900.0, "bands_persons": 880.0}
    assert safe[1]["values"][0] == {"area_id": "A1", "persons": "<10", "per_km2": "–", "z": "–"}
