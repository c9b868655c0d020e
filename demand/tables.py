"""The plain CSV files commands read besides a city bundle, their schemas, and the one reader
that checks them.

``read_table(path, SCHEMA)`` reads a CSV as text (UTF-8, a BOM is fine), then checks it against
its schema, the same ``Column`` / ``TableSchema`` vocabulary as the bundle's tables: required
columns, ids not blank, numbers finite and within their minimum, whole numbers where counts
must be whole, allowed values, one row per key. The first problem is one ``InputError`` line
naming file, row and column (rows numbered as in the file: the header is row 1), so a command
never shows a traceback and never drops a row.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from demand.bundle.schemas import Column, TableSchema
from demand.checks import require_columns, require_ids, require_numbers, require_unique
from demand.errors import InputError

__all__ = [
    "AREA_DEMAND",
    "CASELOAD",
    "CENTRE_STAFF",
    "COSTS",
    "ENROLMENT",
    "FACILITY_SUPPLY",
    "SITE_CAPACITY",
    "TODAY_DISTRICTS",
    "WATER_CROSSINGS",
    "VISIT_PROFILE",
    "WEIGHTS",
    "read_table",
    "read_text",
]


def _id(name: str, what: str) -> Column:
    return Column(name, "str", what)


COSTS = TableSchema(
    "cost",
    "Long cost table of a location model: one row per pair a demand may be served by.",
    (
        _id("demand_id", "Demand point (area, block)."),
        _id("site_id", "Candidate site."),
        Column(
            "cost",
            "float",
            "Cost of serving the demand at the site.",
            "minutes or metres",
            minimum=0,
        ),
    ),  # fmt: skip
    key=("demand_id", "site_id"),
)
WEIGHTS = TableSchema(
    "weights",
    "Weight of each demand point (persons, visits).",
    (_id("demand_id", "Demand point."), Column("weight", "float", "Weight.", minimum=0)),
    key=("demand_id",),
)
SITE_CAPACITY = TableSchema(
    "capacity",
    "Capacity of each candidate site, in the weights' units.",
    (_id("site_id", "Candidate site."), Column("capacity", "float", "Capacity.", minimum=0)),
    key=("site_id",),
)
AREA_DEMAND = TableSchema(
    "demand",
    "Residents (or need) per area, for access measures.",
    (_id("area_id", "Area."), Column("persons", "float", "Residents.", "persons", minimum=0)),
    key=("area_id",),
)
FACILITY_SUPPLY = TableSchema(
    "supply",
    "Capacity per facility, for access measures.",
    (_id("facility_id", "Facility."), Column("capacity", "float", "Capacity.", minimum=0)),
    key=("facility_id",),
)
CASELOAD = TableSchema(
    "caseload",
    "Cases a month per social-insurance centre.",
    (
        _id("facility_id", "Centre."),
        Column("month", "str", "Month, 2026-01 or 2026-01-01.", pattern=r"^\d{4}-\d{2}(-\d{2})?$"),
        Column("cases", "float", "Visits in the month.", "cases", minimum=0),
    ),
    key=("facility_id", "month"),
)
CENTRE_STAFF = TableSchema(
    "centres",
    "Caseworkers and counters per centre today.",
    (
        _id("facility_id", "Centre."),
        Column("caseworkers", "int", "Caseworkers posted today.", "persons", minimum=0),
        Column("counters", "float", "Counters.", "counters", minimum=0),
    ),
    key=("facility_id",),
)
VISIT_PROFILE = TableSchema(
    "profile",
    "Visits by weekday and opening hour per centre, aggregated over a period.",
    (
        _id("facility_id", "Centre."),
        Column("weekday", "int", "Day of week, 0 = Monday.", minimum=0),
        Column("hour", "int", "Hour the visit started.", minimum=0),
        Column("visits", "float", "Visits counted in that slot.", "visits", minimum=0),
    ),
    key=("facility_id", "weekday", "hour"),
)
ENROLMENT = TableSchema(
    "enrolment",
    "Pupils per school (e.g. a districts run's enrolment), optionally per year.",
    (
        _id("school_id", "School."),
        Column("pupils", "float", "Pupils.", "pupils", minimum=0),
        Column("year", "int", "Year of the enrolment.", "year", minimum=1900, required=False),
    ),
    key=("school_id", "year"),
)
TODAY_DISTRICTS = TableSchema(
    "today's districts",
    "The school each area belongs to today.",
    (_id("area_id", "Area."), _id("school_id", "School of the area's district today.")),
    key=("area_id",),
)
WATER_CROSSINGS = TableSchema(
    "water crossings",
    "Pairs of areas joined across water (a ferry, a bridge the polygons lack): neighbours for "
    "the districts' contiguity rule.",
    (_id("area_id", "Area on one side."), _id("neighbour_id", "Area on the other side.")),
    key=("area_id", "neighbour_id"),
)


def read_text(path: Path, what: str) -> pd.DataFrame:
    """A CSV file as text cells (nothing coerced or dropped); InputError when it cannot be read.

    ``what`` names the file's role in messages ("cost", "enrolment")."""
    from demand.bundle.read import read_csv_text

    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: {what} file not found. Check the path.")
    if path.is_dir():
        raise InputError(f"{path}: is a folder; give the {what} CSV file")
    return read_csv_text(path)


def read_table(path: Path, schema: TableSchema) -> pd.DataFrame:
    """The CSV at ``path`` checked against ``schema`` and typed: ids as stripped text, numbers
    as floats (whole numbers as ints), text as stripped text; other columns kept as text."""
    path = Path(path)
    frame = read_text(path, schema.name)
    source = path.name
    require_columns(frame, schema.required_columns, source)
    out = frame.copy()
    for col in schema.columns:
        if col.name not in frame.columns:
            continue
        if col.dtype in ("int", "float"):
            values = require_numbers(frame, col.name, source, minimum=col.minimum)
            if col.dtype == "int":
                _require_whole(values, frame, col, source)
                values = values.astype(np.int64)
            out[col.name] = values.to_numpy()
        elif col.required:
            out[col.name] = require_ids(frame, col.name, source).to_numpy()
        else:
            out[col.name] = frame[col.name].astype(str).str.strip().to_numpy()
        if col.allowed is not None or col.pattern is not None:
            _require_allowed(out[col.name].astype(str), col, source)
    key = [c for c in schema.key if c in out.columns]
    if key:
        require_unique(out, key, source)
    return out


def _require_whole(values: pd.Series, frame: pd.DataFrame, col: Column, source: str) -> None:
    fractional = (values % 1 != 0).to_numpy()
    if fractional.any():
        pos = int(np.flatnonzero(fractional)[0])
        raise InputError(
            f"{source}, row {pos + 2}, column {col.name}: {frame[col.name].iloc[pos]!r} is not a "
            f"whole number ({int(fractional.sum())} such row(s)). Counts of "
            f"{col.unit or col.name} must be whole."
        )


def _require_allowed(values: pd.Series, col: Column, source: str) -> None:
    bad = np.zeros(len(values), dtype=bool)
    if col.allowed is not None:
        bad |= ~values.isin(col.allowed).to_numpy()
    if col.pattern is not None:
        bad |= ~values.str.match(col.pattern).to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        hint = ", ".join(col.allowed) if col.allowed is not None else col.description
        raise InputError(
            f"{source}, row {pos + 2}, column {col.name}: {values.iloc[pos]!r} is not allowed "
            f"({int(bad.sum())} such row(s)). Use {hint}"
        )
