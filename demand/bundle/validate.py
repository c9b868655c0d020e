"""Checking a city bundle against its contract, cell by cell, before anything uses it.

Every check reports the file, the rows, the column and what to do; no row is ever dropped.
The cells arrive as text already stripped of surrounding whitespace (`read.RawTable`, stripped
once where the tables are read): the checks compare them as they are.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from demand.bundle.read import RawTable
from demand.bundle.report import ERROR, NOTICE, WARNING, Report
from demand.bundle.schemas import SCHEMAS, Column, TableSchema
from demand.geo import is_metric, metric_crs, reprojection_notice

OVERLAP_TOLERANCE = 0.01  # share of the smaller area that two areas may overlap


def _positions(table: RawTable, mask: np.ndarray | pd.Series) -> list[str]:
    idx = np.flatnonzero(np.asarray(mask))
    return [table.where(int(i)) for i in idx]


def _examples(values: pd.Series, n: int = 3) -> str:
    shown = [repr(v) for v in pd.unique(values)[:n]]
    return ", ".join(shown)


def _flag(
    report: Report,
    table: RawTable,
    mask: np.ndarray | pd.Series,
    message: str,
    column: str | None,
    severity: str = ERROR,
) -> None:
    """Report ``message`` about ``column`` of the rows of ``table`` where ``mask`` holds, if any
    (one line listing them all)."""
    if np.asarray(mask).any():
        report.add(severity, table.file, message, column=column, rows=_positions(table, mask))


def check_columns(table: RawTable, schema: TableSchema, report: Report) -> bool:
    """Required columns present (error) and no unknown columns (warning). True if usable."""
    present = set(table.frame.columns)
    missing = [c for c in schema.required_columns if c not in present]
    for col in missing:
        hint = (
            " (spatial tables must be GeoJSON, GeoPackage or GeoParquet)"
            if col == "geometry"
            else ""
        )
        report.add(
            ERROR,
            table.file,
            f"required column '{col}' is missing; add it ({schema.column(col).description})" + hint,
            column=col,
        )
    known = {c.name for c in schema.columns}
    for col in table.frame.columns:
        if col not in known:
            report.add(
                WARNING,
                table.file,
                f"unknown column '{col}' is not used; expected columns: {', '.join(sorted(known))}",
                column=col,
            )
    return not missing


def _check_number(table: RawTable, col: Column, text: pd.Series, report: Report) -> None:
    empty = text.eq("")
    numbers = table.numbers(col.name)  # NaN where empty or not a number
    not_number = numbers.isna() & ~empty
    nan_text = text.str.lower().isin(["nan", "na", "null", "none"])
    missing = f"missing value in '{col.name}'; give a number ({col.unit or col.dtype})"
    _flag(report, table, empty | nan_text, missing, col.name)
    bad = not_number & ~nan_text
    kind = "whole number" if col.dtype == "int" else "number"
    wrong = f"not a {kind}: {_examples(text[bad])}; write a {kind} of {col.unit or col.name}"
    _flag(report, table, bad, wrong, col.name)
    infinite = numbers.notna() & ~np.isfinite(numbers.astype(float))
    _flag(
        report,
        table,
        infinite,
        f"not a finite number: {_examples(text[infinite])}; write the actual amount of "
        f"{col.unit or col.name}",
        col.name,
    )
    valid = numbers.notna() & ~infinite
    if col.dtype == "int":
        frac = valid & (numbers % 1 != 0)
        _flag(
            report,
            table,
            frac,
            f"not a whole number: {_examples(text[frac])}; counts of "
            f"{col.unit or col.name} must be whole",
            col.name,
        )
    if col.minimum is not None:
        low = valid & (numbers < col.minimum)
        what = "negative" if col.minimum == 0 else f"below {col.minimum:g}"
        message = f"{what} value {_examples(text[low])}; '{col.name}' must be ≥ {col.minimum:g}"
        _flag(report, table, low, message, col.name)


def _check_text(table: RawTable, col: Column, text: pd.Series, report: Report) -> None:
    empty = text.eq("")
    if col.required:
        message = f"empty '{col.name}'; every row needs one ({col.description})"
        _flag(report, table, empty, message, col.name)
    if col.allowed is not None:
        bad = ~text.isin(col.allowed) & ~empty
        _flag(
            report,
            table,
            bad,
            f"unknown value {_examples(text[bad])}; allowed: "
            + ", ".join(a for a in col.allowed if a),
            col.name,
        )
    if col.pattern is not None:
        bad = ~text.str.match(col.pattern) & ~empty
        _flag(
            report,
            table,
            bad,
            f"badly formed value {_examples(text[bad])}; {col.description}",
            col.name,
        )


def _check_date(table: RawTable, col: Column, text: pd.Series, report: Report) -> None:
    parsed = pd.to_datetime(text, errors="coerce", format="mixed")
    bad = parsed.isna()
    _flag(
        report,
        table,
        bad,
        f"not a date: {_examples(text[bad])}; write dates as YYYY-MM-DD",
        col.name,
    )


def check_cells(table: RawTable, schema: TableSchema, report: Report) -> None:
    """Types, missing values, ranges and allowed values of every attribute cell (stripped
    text, as `read_raw_tables` gives it)."""
    for col in schema.columns:
        if col.name not in table.frame.columns or col.dtype == "geometry":
            continue
        text = table.frame[col.name].astype(str)
        if col.dtype in ("int", "float"):
            _check_number(table, col, text, report)
        elif col.dtype == "date":
            _check_date(table, col, text, report)
        else:
            _check_text(table, col, text, report)


def check_unique_key(table: RawTable, schema: TableSchema, report: Report) -> None:
    """No two rows with the same key (ids, or the natural key of a long table)."""
    cols = [c for c in schema.key if c in table.frame.columns]
    if len(cols) < len(schema.key):
        return
    keys = table.frame[cols].astype(str)
    dup = keys.duplicated(keep=False)
    if dup.any():
        first = keys[dup].iloc[0].tolist()
        label = ", ".join(f"{c}={v!r}" for c, v in zip(cols, first, strict=True))
        message = (
            f"duplicate {' + '.join(cols)} (e.g. {label}); each must appear once — merge or "
            "remove the repeated rows"
        )
        _flag(report, table, dup, message, ", ".join(cols))


def check_references(tables: dict[str, RawTable], report: Report) -> None:
    """Every id that refers to another table exists there."""
    for name, table in tables.items():
        for col in SCHEMAS[name].columns:
            if col.references is None or col.name not in table.frame.columns:
                continue
            ref_table, ref_col = col.references.split(".")
            if ref_table not in tables or ref_col not in tables[ref_table].frame.columns:
                continue
            known = set(tables[ref_table].frame[ref_col].astype(str))
            values = table.frame[col.name].astype(str)
            bad = ~values.isin(known) & values.ne("")
            _flag(
                report,
                table,
                bad,
                f"unknown {ref_col} {_examples(values[bad])} (not in "
                f"{tables[ref_table].file}); add it there or correct the id",
                col.name,
            )


def _parse_band(band: str) -> tuple[int, float] | None:
    m = re.fullmatch(r"(\d+)-(\d+)", band)
    if m:
        return int(m.group(1)), int(m.group(2)) + 1
    m = re.fullmatch(r"(\d+)\+", band)
    if m:
        return int(m.group(1)), float("inf")
    return None


def check_age_bands(table: RawTable, report: Report) -> None:
    """Per year, the age bands run from 0 to an open band with no gap or overlap."""
    frame = table.frame
    if not {"age_band", "year"} <= set(frame.columns):
        return
    for year, bands in frame.groupby(frame["year"].astype(str))["age_band"]:
        parsed = {}
        for band in pd.unique(bands.astype(str)):
            p = _parse_band(band)
            if p is not None:
                parsed[band] = p
        if not parsed:
            continue
        ordered = sorted(parsed.items(), key=lambda kv: (kv[1][0], kv[1][1]))
        problems = []
        if ordered[0][1][0] != 0:
            problems.append(f"the first band '{ordered[0][0]}' does not start at age 0")
        for (a, (_, a_hi)), (b, (b_lo, _)) in zip(ordered, ordered[1:], strict=False):
            if b_lo < a_hi:
                problems.append(f"'{a}' and '{b}' overlap")
            elif b_lo > a_hi:
                problems.append(f"gap between '{a}' and '{b}' (ages {a_hi:g}–{b_lo - 1} missing)")
        if ordered[-1][1][1] != float("inf"):
            problems.append(f"the last band '{ordered[-1][0]}' is not open-ended (like '85+')")
        for text in problems:
            rows = _positions(table, frame["year"].astype(str).eq(year))
            report.add(
                ERROR,
                table.file,
                f"age bands of year {year}: {text}; bands must cover every age once",
                column="age_band",
                rows=rows[:1] + ([f"row … ({len(rows)} rows of {year})"] if len(rows) > 1 else []),
            )


def check_history_frequency(table: RawTable, report: Report) -> None:
    """Each series is monthly (first of month) or yearly (1 January), with no gaps."""
    frame = table.frame
    if not {"series_id", "ds"} <= set(frame.columns):
        return
    ds = pd.to_datetime(frame["ds"].astype(str), errors="coerce", format="mixed")
    ids = frame["series_id"].astype(str)
    ok = ds.notna()
    not_start = ok & (ds.dt.day != 1)
    _flag(
        report,
        table,
        not_start,
        "dates must be the first day of their period (YYYY-MM-01 monthly, YYYY-01-01 "
        f"yearly), found {_examples(frame['ds'][not_start])}",
        "ds",
    )
    use = (ok & ~not_start).to_numpy()
    months = (ds.dt.year * 12 + ds.dt.month)[use].astype(np.int64)  # whole: NaT rows left out
    work = pd.DataFrame({"id": ids[use], "m": months, "pos": np.flatnonzero(use)})
    # one row per series and month, in month order, with the first file row of that month
    seen = work.groupby(["id", "m"], sort=True, as_index=False)["pos"].min()
    steps = seen["m"] - seen.groupby("id", sort=False)["m"].shift()
    whole_years = ((steps % 12 == 0) | steps.isna()) & (seen["m"] % 12 == 1)
    yearly = whole_years.groupby(seen["id"]).transform("all")
    gap = steps.notna() & (steps != np.where(yearly, 12, 1))
    if not gap.any():
        return
    gaps = seen[gap].assign(prev=(seen["m"] - steps)[gap].astype(np.int64), yearly=yearly[gap])
    jumps = gaps.groupby("id")["m"].transform("size")
    first = gaps.assign(jumps=jumps).drop_duplicates("id")  # each series' first jump
    order = {sid: i for i, sid in enumerate(pd.unique(work["id"]))}  # as the file lists them
    for r in sorted(first.itertuples(), key=lambda r: order[r.id]):
        freq = "yearly" if r.yearly else "monthly"
        report.add(
            ERROR,
            table.file,
            f"series {r.id!r} is not regular {freq}: jump from {_month(r.prev)} to "
            f"{_month(r.m)} ({r.jumps} gap(s)); fill the missing periods (0 if none) or "
            "split the series",
            column="ds",
            rows=[table.where(int(r.pos))],
        )


def _month(months: int) -> str:
    """YYYY-MM of a count of months (year x 12 + month)."""
    return f"{(months - 1) // 12}-{(months - 1) % 12 + 1:02d}"


def _geometry_ok(table: RawTable, schema: TableSchema, report: Report) -> gpd.GeoSeries | None:
    frame = table.frame
    if not isinstance(frame, gpd.GeoDataFrame) or "geometry" not in frame.columns:
        return None
    geoms = frame.geometry
    if frame.crs is None:
        report.add(
            ERROR,
            table.file,
            "no coordinate reference system (CRS); save the file with its CRS (e.g. EPSG:4326 "
            "or EPSG:32650) so distances can be measured",
            column="geometry",
        )
    elif frame.crs.is_geographic and len(geoms.dropna()):
        minx, miny, maxx, maxy = geoms.dropna().total_bounds
        if min(minx, miny) < -180 or maxx > 180 or maxy > 90:
            report.add(
                ERROR,
                table.file,
                f"coordinates like ({minx:.0f}, {miny:.0f}) are not degrees, but the file's CRS "
                f"is {frame.crs.to_string()} (GeoJSON without a 'crs' member is read as "
                "EPSG:4326); save the file with its real CRS (e.g. EPSG:32650)",
                column="geometry",
            )
            frame.attrs["bad_crs"] = True
    missing = geoms.isna() | geoms.is_empty
    _flag(
        report,
        table,
        missing,
        "empty or missing geometry; every row needs a "
        + ("polygon" if schema.geometry == "Polygon" else "point"),
        "geometry",
    )
    present = ~missing
    invalid = present & ~geoms.is_valid
    if invalid.any():
        reason = shapely.is_valid_reason(geoms[invalid].iloc[0])
        repair = "repair it (QGIS 'Fix geometries', or shapely make_valid)"
        _flag(report, table, invalid, f"invalid geometry ({reason}); {repair}", "geometry")
    wanted = {"Polygon": ("Polygon", "MultiPolygon"), "Point": ("Point",)}[schema.geometry or ""]
    wrong = present & ~geoms.geom_type.isin(wanted)
    _flag(
        report,
        table,
        wrong,
        f"geometry of type {_examples(geoms[wrong].geom_type)}; {table.name} must be "
        f"{' or '.join(wanted)}",
        "geometry",
    )
    return geoms


def _crs_usable(frame: pd.DataFrame) -> bool:
    return getattr(frame, "crs", None) is not None and not frame.attrs.get("bad_crs")


def check_geometry(tables: dict[str, RawTable], report: Report) -> None:
    """Geometry present, valid, of the right type, with a CRS; CRSs aligned; points inside."""
    area_geoms = None
    if "areas" in tables:
        area_geoms = _geometry_ok(tables["areas"], SCHEMAS["areas"], report)
    fac_geoms = None
    if "facilities" in tables:
        fac_geoms = _geometry_ok(tables["facilities"], SCHEMAS["facilities"], report)
    areas = tables.get("areas")
    if area_geoms is None or areas is None or not _crs_usable(areas.frame):
        return
    good_geoms = area_geoms[~(area_geoms.isna() | area_geoms.is_empty)]
    target = metric_crs(good_geoms) if len(good_geoms) else areas.frame.crs
    if not is_metric(areas.frame.crs):
        report.add(
            NOTICE,
            areas.file,
            reprojection_notice(areas.frame.crs, target),
            column="geometry",
        )
    good = ~(area_geoms.isna() | area_geoms.is_empty) & area_geoms.is_valid
    projected = area_geoms[good].to_crs(target)
    _check_overlaps(areas, projected, report)
    facilities = tables.get("facilities")
    if fac_geoms is None or facilities is None or not _crs_usable(facilities.frame):
        return
    if not facilities.frame.crs.equals(areas.frame.crs):
        report.add(
            NOTICE,
            facilities.file,
            f"CRS {facilities.frame.crs.to_string()} differs from the areas' "
            f"{areas.frame.crs.to_string()}; reprojected to match",
            column="geometry",
        )
    present = ~(fac_geoms.isna() | fac_geoms.is_empty)
    points = fac_geoms[present].to_crs(target)
    hit = projected.sindex.query(points.values, predicate="intersects")
    inside = np.zeros(len(points), dtype=bool)
    inside[hit[0]] = True
    if not inside.all():
        outside = np.flatnonzero(present.to_numpy())[~inside]
        mask = np.zeros(len(facilities.frame), dtype=bool)
        mask[outside] = True
        frame = facilities.frame
        ids = frame.loc[mask, "facility_id"] if "facility_id" in frame else pd.Series(["?"])
        message = (
            f"{len(outside)} facility point(s) lie outside every area (e.g. {_examples(ids)}); "
            "check the coordinates and the CRS"
        )
        _flag(report, facilities, mask, message, "geometry", WARNING)


def _check_overlaps(areas: RawTable, projected: gpd.GeoSeries, report: Report) -> None:
    left, right = projected.sindex.query(projected.values, predicate="intersects")
    pairs = left < right
    left, right = left[pairs], right[pairs]
    if len(left) == 0:
        return
    a = projected.values[left]
    b = projected.values[right]
    overlap = shapely.area(shapely.intersection(a, b))
    smaller = np.minimum(shapely.area(a), shapely.area(b))
    bad = overlap > OVERLAP_TOLERANCE * smaller
    if bad.any():
        index = projected.index.to_numpy()
        rows = sorted({int(index[i]) for i in np.concatenate([left[bad], right[bad]])})
        ids = areas.frame["area_id"] if "area_id" in areas.frame else pd.Series(dtype=str)
        first = f"{ids.iloc[index[left[bad][0]]]!r} and {ids.iloc[index[right[bad][0]]]!r}"
        report.add(
            WARNING,
            areas.file,
            f"{int(bad.sum())} pair(s) of areas overlap by more than "
            f"{OVERLAP_TOLERANCE:.0%} of the smaller one (e.g. {first}); people may be "
            "counted twice",
            column="geometry",
            rows=[areas.where(r) for r in rows],
        )


def validate_tables(tables: dict[str, RawTable], unknown: list[str], report: Report) -> None:
    """Run every check on the raw tables of a bundle, adding to `report`.

    The tables' cells must be stripped text, as `read_raw_tables` (and the importer) give them:
    no check strips again."""
    for name, schema in SCHEMAS.items():
        if name not in tables:
            if schema.required:
                report.add(
                    ERROR,
                    name,
                    f"required table '{name}' is missing; add {name}.csv"
                    + (" / .geojson / .gpkg" if schema.geometry else " / .parquet")
                    + " (see docs/data.md)",
                )
            continue
    for item in unknown:
        report.add(
            WARNING,
            item,
            "file is not a table of the bundle and is ignored; tables are: " + ", ".join(SCHEMAS),
        )
    usable = {}
    for name, table in tables.items():
        schema = SCHEMAS[name]
        if check_columns(table, schema, report):
            usable[name] = table
        check_cells(table, schema, report)
        check_unique_key(table, schema, report)
        if len(table.frame) == 0:
            report.add(WARNING, table.file, "the table has no rows")
    check_references(usable, report)
    if "population" in usable:
        check_age_bands(usable["population"], report)
    if "history" in usable:
        check_history_frequency(usable["history"], report)
    check_geometry(usable, report)
    if "history" in usable and "series" not in usable:
        report.add(
            WARNING,
            "series",
            "history is given without a series table; series cannot be linked to services",
        )
