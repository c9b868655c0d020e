"""Turning mapped sources into contract tables, keeping every row's place in its source file.

Each step that drops or changes rows says so: totals rows are excluded with a notice, invalid
polygons made valid with the row listed, names joined to codes with the unmatched ones named
(and the nearest names offered). Nothing is dropped silently.
"""

from __future__ import annotations

import difflib
import fnmatch
import re
import unicodedata
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from demand.bundle.report import ERROR, NOTICE, WARNING, Report
from demand.bundle.schemas import SCHEMAS
from demand.importing import presets
from demand.importing.coords import to_wgs84
from demand.importing.mapping import SourceSpec
from demand.importing.sources import SourceTable, excel_sheet_names, read_source

#: Fields a source may give that are not contract columns, used while building.
HELPER_FIELDS = (
    "area_name",
    "area_district",
    "facility_name",
    "parent_code",
    "stated_total",
    "lon",
    "lat",
)
LABEL_FIELDS = (
    "area_id",
    "area_name",
    "name",
    "district",
    "area_district",
    "facility_id",
    "facility_name",
)
#: Wide → long defaults per table: the fields the header holds, and the value's field.
WIDE_DEFAULTS = {
    "population": (["sex", "age_band"], "persons"),
    "capacity": (["resource"], "amount"),
    "workforce": (["role"], "headcount"),
    "arrival_profile": (["hour"], "visits"),
}
CODE_LEVELS = (2, 4, 6, 9, 12)  # province, city, county, township (街道), village (社区)


@dataclass(slots=True)
class Origin:
    """Where a row of a built table came from."""

    file: str
    sheet: str | None
    row: int
    column: str | None = None  # the source column of a value made long from a wide table


@dataclass
class Built:
    """A contract table being built: text cells (+ geometry) and each row's origin."""

    frame: pd.DataFrame
    origins: list[Origin]


@dataclass
class ImportLog:
    """What the import did to rows, for the data-quality report."""

    excluded: list[dict] = field(default_factory=list)  # table, where, reason
    repaired: list[dict] = field(default_factory=list)  # table, where, what
    stated_totals: list[dict] = field(default_factory=list)  # area_id, stated, where
    sources: list[dict] = field(default_factory=list)  # table, file, sheet, rows, encoding


def where(origin: Origin) -> str:
    """'census.xlsx, sheet 东城, row 9, column 男|0-4岁'."""
    parts = [origin.file]
    if origin.sheet:
        parts.append(f"sheet {origin.sheet}")
    parts.append(f"row {origin.row}")
    if origin.column:
        parts.append(f"column {origin.column}")
    return ", ".join(parts)


def row_label(origin: Origin) -> str:
    """'row 9' or 'row 9 (sheet 东城)' when a source spans several sheets."""
    return f"row {origin.row}" + (f" (sheet {origin.sheet})" if origin.sheet else "")


def _nearest(word: str, choices: list[str], n: int = 1) -> list[str]:
    return difflib.get_close_matches(word, choices, n=n, cutoff=0.3)


class SourceProblem(Exception):
    """A problem that stops one source from being used (reported, the others go on)."""


def _read_all(spec: SourceSpec, report: Report) -> list[SourceTable]:
    sheets = spec.sheets
    if sheets == "*":
        sheets = excel_sheet_names(spec.file)
    tables = [
        read_source(spec.file, sheet, spec.skip_rows, spec.header_rows, spec.encoding, spec.sep)
        for sheet in (sheets or [None])
    ]
    first = tables[0]
    for other in tables[1:]:
        missing = [c for c in first.frame.columns if c not in other.frame.columns]
        extra = [c for c in other.frame.columns if c not in first.frame.columns]
        if missing or extra:
            raise SourceProblem(
                f"{other.label()}: its headers differ from sheet {first.sheet}'s "
                f"(missing: {', '.join(map(repr, missing)) or '-'}; extra: "
                f"{', '.join(map(repr, extra)) or '-'}); sheets appended must have the same "
                "columns"
            )
    for t in tables:
        if t.encoding and t.encoding not in ("UTF-8",):
            how = "" if spec.encoding else " (found from its bytes; set encoding to override)"
            if t.file.lower().endswith(".shp") and not spec.encoding:
                cpg = any(
                    p.suffix.lower() == ".cpg" for p in spec.file.parent.glob(spec.file.stem + ".*")
                )
                how = " (as its .cpg says)" if cpg else " (no .cpg: found from the .dbf's bytes)"
            report.add(NOTICE, t.label(), f"read as {t.encoding} text{how}")
    return tables


def _resolve_columns(spec: SourceSpec, headers: list[str]) -> tuple[dict[str, str], list[str]]:
    """field → source header, from the mapping's columns, the preset and exact names."""
    schema = SCHEMAS[spec.table]
    known_fields = {c.name for c in schema.columns} | set(HELPER_FIELDS)
    fields: dict[str, str] = {}
    problems = []
    for fld, header in spec.columns.items():
        if fld not in known_fields and fld not in ("x", "y"):
            problems.append(
                f"columns.{fld}: '{fld}' is not a field of {spec.table}; fields are: "
                + ", ".join(sorted(known_fields))
            )
            continue
        if header not in headers:
            near = _nearest(header, headers)
            hint = f" (nearest: {near[0]!r})" if near else ""
            problems.append(
                f"column {header!r} (columns.{fld}) is not in the file{hint}; its headers are: "
                + ", ".join(repr(h) for h in headers[:30])
            )
            continue
        fields[fld] = header
    used = set(fields.values())
    for header in headers:
        if header in used:
            continue
        fld = header if header in known_fields else None
        if fld is None and spec.preset == "zh":
            fld = presets.header_field(spec.table, header)
        if fld is not None and fld not in fields:
            fields[fld] = header
            used.add(header)
    return fields, problems


def _exclude_totals(
    spec: SourceSpec,
    frame: pd.DataFrame,
    fields: dict[str, str],
    origins: list[Origin],
    log: ImportLog,
    report: Report,
    label: str,
) -> tuple[pd.DataFrame, list[Origin]]:
    cols = [fields[f] for f in LABEL_FIELDS if f in fields]
    if len(frame.columns):
        first = [c for c in frame.columns if c != "geometry"][:1]
        cols = list(dict.fromkeys(cols + first))
    if not cols or spec.totals == "keep":
        return frame, origins
    is_total = np.zeros(len(frame), dtype=bool)
    for c in cols:
        is_total |= _map_unique(frame[c], presets.is_total_label).to_numpy(dtype=bool)
    if not is_total.any():
        return frame, origins
    rows = np.flatnonzero(is_total)
    for i in rows:
        label_text = next(
            str(frame[c].iloc[i]) for c in cols if presets.is_total_label(frame[c].iloc[i])
        )
        log.excluded.append(
            {
                "table": spec.table,
                "where": where(origins[i]),
                "reason": f"totals row ('{label_text}')",
            }  # fmt: skip
        )
    report.add(
        NOTICE,
        label,
        f'{len(rows)} totals row(s) excluded (合计/总计/Total; set totals = "keep" to keep them)',
        rows=[row_label(origins[i]) for i in rows],
    )
    keep = ~is_total
    return frame[keep].reset_index(drop=True), [o for o, k in zip(origins, keep, strict=True) if k]


def _clean_number(text: pd.Series) -> pd.Series:
    """Number cells as plain digits: full-width digits folded, thousands separators out."""
    text = text.astype(str)
    wide = ~text.map(str.isascii)
    if wide.any():
        text = text.where(~wide, text[wide].map(lambda s: unicodedata.normalize("NFKC", s)))
    return text.str.replace(r"[,\s]", "", regex=True)


def _map_unique(series: pd.Series, fn) -> pd.Series:
    """fn applied once per distinct value (columns repeat a few values many times)."""
    values = series.astype(str)
    lookup = {v: fn(v) for v in pd.unique(values)}
    return values.map(lookup)


def _wide_columns(spec: SourceSpec, frame: pd.DataFrame, into: list[str]) -> list[str]:
    wide = spec.wide or {}
    headers = [c for c in frame.columns if c != "geometry"]
    chosen = wide.get("columns")
    if isinstance(chosen, list):
        missing = [c for c in chosen if c not in headers]
        if missing:
            near = _nearest(str(missing[0]), headers)
            hint = f" (nearest: {near[0]!r})" if near else ""
            raise SourceProblem(f"wide.columns: {missing[0]!r} is not a header of the file{hint}")
        return list(chosen)
    if isinstance(chosen, str):
        return [h for h in headers if fnmatch.fnmatch(h, chosen)]
    if "pattern" in wide:
        return [h for h in headers if re.search(wide["pattern"], h)]
    if "names" in wide:
        return [h for h in headers if h in wide["names"]]
    if spec.table == "population":
        return [h for h in headers if presets.sex_and_band(h)[1] is not None]
    if spec.preset == "zh" and into == ["resource"]:
        vp = presets.value_preset("resource")
        return [h for h in headers if presets.normalise(presets.split_unit(h)[0]) in vp]
    if spec.preset == "zh" and into == ["role"]:
        vp = presets.value_preset("role")
        return [h for h in headers if presets.normalise(presets.split_unit(h)[0]) in vp]
    return []


def _header_values(spec: SourceSpec, header: str, into: list[str]) -> dict[str, str] | None:
    wide = spec.wide or {}
    if "names" in wide and header in wide["names"]:
        value = wide["names"][header]
        values = value if isinstance(value, list) else [value]
        return dict(zip(into, map(str, values), strict=False))
    if "pattern" in wide:
        m = re.search(wide["pattern"], header)
        if not m:
            return None
        groups = m.groupdict() or dict(zip(into, m.groups(), strict=False))
        return {k: v for k, v in groups.items() if k in into and v is not None}
    if spec.table == "population" and set(into) == {"sex", "age_band"}:
        sex, band = presets.sex_and_band(header)
        if sex is None or band is None:
            return None
        return {"sex": sex, "age_band": band}
    parts = [p for p in header.split("|") if p]
    if len(parts) == len(into):
        return dict(zip(into, parts, strict=True))
    return {into[0]: presets.split_unit(header)[0]} if len(into) == 1 else None


def _to_long(
    spec: SourceSpec,
    frame: pd.DataFrame,
    fields: dict[str, str],
    origins: list[Origin],
    report: Report,
    label: str,
) -> tuple[pd.DataFrame, list[Origin], dict[str, str]]:
    """Wide → long: one row per (source row, wide column), header parsed into fields."""
    into, value = WIDE_DEFAULTS.get(spec.table, ([], ""))
    wide = spec.wide or {}
    into = wide.get("into", into)
    into = [into] if isinstance(into, str) else list(into)
    value = wide.get("value", value)
    if not into or not value:
        raise SourceProblem("wide: say which fields the headers hold (into) and the value field")
    columns = _wide_columns(spec, frame, into)
    used = set(fields.values())
    columns = [c for c in columns if c not in used]
    if not columns:
        raise SourceProblem(
            "wide: no column of the file matches; give wide.columns as a list of headers or a "
            'pattern like "*岁*"'
        )
    parsed = {}
    skipped = []
    for c in columns:
        vals = _header_values(spec, c, into)
        if vals is None or set(vals) != set(into):
            skipped.append(c)
        else:
            parsed[c] = vals
    if skipped:
        report.add(
            NOTICE,
            label,
            f"{len(skipped)} column(s) left out of wide → long, their headers do not say "
            f"{' and '.join(into)}: " + ", ".join(repr(s) for s in skipped[:6]),
        )
    if not parsed:
        raise SourceProblem(f"wide: no header says {' and '.join(into)}; give wide.pattern")
    ident = {f: h for f, h in fields.items() if f not in into and f != value}
    pieces, long_origins = [], []
    unit = spec.units.get(value)
    for c, vals in parsed.items():
        cells = frame[c].astype(str)
        blank = cells.str.strip().eq("").to_numpy()
        keep = ~blank if spec.table != "population" else np.ones(len(frame), dtype=bool)
        piece = pd.DataFrame({f: frame[h].to_numpy()[keep] for f, h in ident.items()})
        header_unit = presets.split_unit(c)[1]
        if unit is None and header_unit is not None:
            piece["__unit__"] = header_unit
        for f, v in vals.items():
            piece[f] = v
        piece[value] = cells.to_numpy()[keep]
        if "geometry" in frame.columns:
            piece["geometry"] = frame.geometry.to_numpy()[keep]
        pieces.append(piece)
        long_origins += [
            Origin(o.file, o.sheet, o.row, c) for o, k in zip(origins, keep, strict=True) if k
        ]
    out = pd.DataFrame(pd.concat(pieces, ignore_index=True))
    new_fields = {f: f for f in out.columns if f not in ("geometry", "__unit__")}
    return out, long_origins, new_fields


def _apply_units(
    spec: SourceSpec, frame: pd.DataFrame, headers: dict[str, str], report: Report, label: str
) -> None:
    schema = SCHEMAS[spec.table]
    numeric = {c.name for c in schema.columns if c.dtype in ("int", "float")} | {"stated_total"}
    for fld in [f for f in frame.columns if f in numeric]:
        frame[fld] = _clean_number(frame[fld])
        unit = spec.units.get(fld)
        if unit is None and fld in headers:
            unit = presets.split_unit(headers[fld])[1]
        per_row = (
            frame["__unit__"] if "__unit__" in frame.columns and fld != "stated_total" else None
        )
        if unit is None and per_row is None:
            continue
        factors = (
            per_row.map(presets.UNITS).astype(float)
            if per_row is not None and unit is None
            else pd.Series(presets.UNITS[unit], index=frame.index)
        )
        numbers = pd.to_numeric(frame[fld], errors="coerce")
        ok = numbers.notna() & factors.ne(1)
        if not ok.any():
            continue
        scaled = numbers[ok] * factors[ok]
        whole = (
            next(c for c in schema.columns if c.name == fld).dtype == "int"
            if fld in {c.name for c in schema.columns}
            else True
        )
        frame.loc[ok, fld] = [str(int(round(v))) if whole else repr(float(v)) for v in scaled]
        used = unit or ", ".join(sorted(set(per_row[ok])))
        what = "persons" if fld in ("persons", "stated_total") else "units"
        report.add(
            NOTICE,
            label,
            f"'{fld}' given in {used}: converted to {what} (x{factors[ok].iloc[0]:,.0f})",
            column=fld,
        )
    if "__unit__" in frame.columns:
        frame.drop(columns="__unit__", inplace=True)


def _recode(spec: SourceSpec, frame: pd.DataFrame) -> None:
    for fld in frame.columns:
        if fld == "geometry":
            continue
        user = {presets.normalise(k): str(v) for k, v in spec.recode.get(fld, {}).items()}
        preset = presets.value_preset(fld) if spec.preset == "zh" else {}
        if fld == "age_band":
            frame[fld] = _map_unique(
                frame[fld],
                lambda v, lk=user: lk.get(presets.normalise(v)) or presets.age_band(v) or v,
            )
            continue
        if not user and not preset:
            continue
        lookup = {**preset, **user}
        frame[fld] = _map_unique(frame[fld], lambda v, lk=lookup: lk.get(presets.normalise(v), v))


def build_source(spec: SourceSpec, log: ImportLog, report: Report) -> Built:
    """One source of one table: read, columns resolved, totals out, long, units, recoded."""
    tables = _read_all(spec, report)
    label = tables[0].file if len(tables) > 1 else tables[0].label()
    frame = pd.concat([t.frame for t in tables], ignore_index=True)
    if any(isinstance(t.frame, gpd.GeoDataFrame) for t in tables):
        frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=tables[0].crs)
    origins = [Origin(t.file, t.sheet, int(r)) for t in tables for r in t.rows]
    for t in tables:
        log.sources.append(
            {
                "table": spec.table,
                "file": t.file,
                "sheet": t.sheet,
                "rows": len(t.frame),
                "encoding": t.encoding,
            }
        )
    headers = [c for c in frame.columns if c != "geometry"]
    fields, problems = _resolve_columns(spec, headers)
    if problems:
        raise SourceProblem("; ".join(problems))
    frame, origins = _exclude_totals(spec, frame, fields, origins, log, report, label)
    value_field = WIDE_DEFAULTS.get(spec.table, ([], ""))[1]
    wants_long = spec.wide is not None or (
        spec.table in WIDE_DEFAULTS and (spec.wide or {}).get("value", value_field) not in fields
    )
    stated = fields.get("stated_total")
    if wants_long:
        if spec.table == "population" and stated is not None:
            fields = {f: h for f, h in fields.items() if f != "stated_total"}
        long, long_origins, long_fields = _to_long(spec, frame, fields, origins, report, label)
        wide_frame, wide_origins = frame, origins
        frame, origins, source_headers = long, long_origins, {}
        fields = long_fields
    else:
        out = pd.DataFrame({f: frame[h].to_numpy() for f, h in fields.items()})
        if "geometry" in frame.columns:
            out = gpd.GeoDataFrame(out, geometry=frame.geometry.values, crs=frame.crs)
        source_headers = dict(fields)
        frame = out
    for fld, value in spec.values.items():
        frame[fld] = str(value)
    _apply_units(spec, frame, source_headers, report, label)
    if wants_long and spec.table == "population" and stated is not None:
        _record_totals(wide_frame, stated, wide_origins, frame, origins, spec, log)
    _recode(spec, frame)
    if isinstance(frame, gpd.GeoDataFrame) or "geometry" in frame.columns:
        frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=tables[0].crs)
    return Built(frame.reset_index(drop=True), origins)


def _record_totals(frame, stated_header, origins, long, long_origins, spec, log) -> None:
    """Each source row's own total (常住人口/合计) beside the sum of its bands, for the report."""
    unit = spec.units.get("stated_total") or presets.split_unit(stated_header)[1]
    factor = presets.UNITS.get(unit, 1) if unit else 1
    stated = pd.to_numeric(_clean_number(frame[stated_header]), errors="coerce") * factor
    value = long["persons"] if "persons" in long.columns else None
    if value is None:
        return
    keys = np.array([f"{o.file}|{o.sheet}|{o.row}" for o in long_origins], dtype=object)
    sums = pd.to_numeric(value, errors="coerce").groupby(keys).sum()
    for i, o in enumerate(origins):
        total = stated.iloc[i]
        bands = sums.get(f"{o.file}|{o.sheet}|{o.row}")
        if pd.isna(total) or bands is None:
            continue
        log.stated_totals.append({"where": where(o), "stated": float(total), "bands": float(bands)})


def significant_prefix(code: str) -> str:
    """The part of a division code that names the unit: 110101001000 → 110101001."""
    code = code.strip()
    for level in CODE_LEVELS:
        if level <= len(code) and set(code[level:]) <= {"0"}:
            return code[:level]
    return code


def check_codes(
    built: Built, spec: SourceSpec, fields_present: set[str], report: Report, label: str
) -> None:
    """Division codes of the given length (digits only); an area's code starts with its parent's."""
    frame = built.frame
    if "area_id" not in frame.columns:
        return
    ids = frame["area_id"].astype(str).str.strip()
    if spec.code_length:
        bad = ~ids.str.fullmatch(rf"\d{{{spec.code_length}}}")
        if bad.any():
            report.add(
                ERROR,
                label,
                f"area code {ids[bad].iloc[0]!r} is not {spec.code_length} digits "
                f"({int(bad.sum())} such row(s)); 统计用区划代码 have {spec.code_length} digits "
                "— check for lost leading digits or a code of another level",
                column="area_id",
                rows=[row_label(built.origins[i]) for i in np.flatnonzero(bad.to_numpy())],
            )
    if "parent_code" in frame.columns:
        parents = frame["parent_code"].astype(str).str.strip()
        prefix = parents.map(significant_prefix)
        given = parents.ne("")
        bad = given & ~pd.Series(
            [i.startswith(p) for i, p in zip(ids, prefix, strict=True)], index=ids.index
        )
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            report.add(
                ERROR,
                label,
                f"area code {ids.iloc[i]!r} does not start with its parent's code "
                f"{parents.iloc[i]!r} ({int(bad.sum())} such row(s)); an area's 12-digit code "
                "begins with its 街道's — one of the two codes is wrong",
                column="area_id",
                rows=[row_label(built.origins[j]) for j in np.flatnonzero(bad.to_numpy())],
            )


def join_by_name(
    built: Built,
    table: str,
    name_field: str,
    district_field: str | None,
    target: pd.DataFrame,
    target_id: str,
    target_name: str,
    target_district: str | None,
    report: Report,
    label: str,
) -> None:
    """Replace a name column by the id it names in `target`; unmatched and ambiguous named."""
    frame = built.frame
    names = frame[name_field].astype(str).str.strip()
    t_names = target[target_name].astype(str).str.strip()
    by_name: dict[str, list[int]] = {}
    for i, n in enumerate(t_names):
        by_name.setdefault(presets.normalise(n), []).append(i)
    t_dist = (
        target[target_district].astype(str).str.strip().map(presets.normalise)
        if target_district
        else None
    )
    ids = target[target_id].astype(str).to_numpy()
    out = np.empty(len(frame), dtype=object)
    unmatched: dict[str, list[int]] = {}
    ambiguous: dict[str, list[int]] = {}
    dists = (
        frame[district_field].astype(str).str.strip().map(presets.normalise)
        if district_field and district_field in frame.columns
        else None
    )
    for i, n in enumerate(names):
        hits = by_name.get(presets.normalise(n), [])
        if len(hits) > 1 and dists is not None and t_dist is not None:
            hits = [h for h in hits if t_dist.iloc[h] == dists.iloc[i]]
        if not hits:
            unmatched.setdefault(n, []).append(i)
        elif len(hits) > 1:
            ambiguous.setdefault(n, []).append(i)
        else:
            out[i] = ids[hits[0]]
    choices = list(dict.fromkeys(t_names))
    if unmatched:
        shown = []
        for n in list(unmatched)[:5]:
            near = _nearest(n, choices, 2)
            shown.append(f"{n!r} (nearest: {', '.join(map(repr, near))})" if near else repr(n))
        rows = sorted(i for idx in unmatched.values() for i in idx)
        report.add(
            ERROR,
            label,
            f"{len(unmatched)} name(s) match no {target_name} of {table}: "
            + "; ".join(shown)
            + f"; correct the names or add the {table} (nothing was dropped)",
            column=name_field,
            rows=list(dict.fromkeys(row_label(built.origins[i]) for i in rows)),
        )
    if ambiguous:
        n = next(iter(ambiguous))
        report.add(
            ERROR,
            label,
            f"{len(ambiguous)} name(s) are used by several {table} (e.g. {n!r}); give the "
            "街道 (area_district) column to tell them apart, or join by code",
            column=name_field,
            rows=[row_label(built.origins[i]) for i in ambiguous[n]],
        )
    frame[target_id] = out


def repair_polygons(built: Built, spec: SourceSpec, log: ImportLog, report: Report, label: str):
    """Invalid polygons made valid (polygonal parts kept), each row listed."""
    geoms = built.frame.geometry
    present = ~(geoms.isna() | geoms.is_empty)
    invalid = present & ~geoms.is_valid
    if not invalid.any() or spec.repair == "none":
        return
    rows = np.flatnonzero(invalid.to_numpy())
    fixed = []
    for i in rows:
        geom = geoms.iloc[i]
        reason = shapely.is_valid_reason(geom)
        valid = shapely.make_valid(geom)
        polys = [
            g
            for g in getattr(valid, "geoms", [valid])
            if g.geom_type in ("Polygon", "MultiPolygon")
        ]
        parts = []
        for g in polys:
            parts.extend(getattr(g, "geoms", [g]))
        new = shapely.MultiPolygon(parts) if len(parts) > 1 else (parts[0] if parts else valid)
        fixed.append(new)
        change = (new.area - geom.buffer(0).area) if geom.area else 0.0
        log.repaired.append(
            {
                "table": spec.table,
                "where": where(built.origins[i]),
                "what": f"invalid polygon ({reason}) made valid",
                "area_change": float(change),
            }
        )
    values = built.frame.geometry.to_numpy().copy()
    values[rows] = fixed
    built.frame = built.frame.set_geometry(gpd.GeoSeries(values, crs=built.frame.crs))
    report.add(
        WARNING,
        label,
        f"{len(rows)} invalid polygon(s) made valid (self-intersections, bow-ties); check them",
        column="geometry",
        rows=[row_label(built.origins[i]) for i in rows],
    )


def points_from_columns(built: Built, spec: SourceSpec, report: Report, label: str) -> None:
    """lon/lat (WGS-84, GCJ-02 or BD-09) or x/y (+ crs) columns → point geometry in WGS-84."""
    frame = built.frame
    if spec.x is not None:
        x = pd.to_numeric(_clean_number(frame[spec.x]), errors="coerce")
        y = pd.to_numeric(_clean_number(frame[spec.y]), errors="coerce")
        crs = spec.crs
    elif {"lon", "lat"} <= set(frame.columns):
        lon = pd.to_numeric(_clean_number(frame["lon"]), errors="coerce").to_numpy()
        lat = pd.to_numeric(_clean_number(frame["lat"]), errors="coerce").to_numpy()
        bad = np.isnan(lon) | np.isnan(lat) | (np.abs(lon) > 180) | (np.abs(lat) > 90)
        if bad.any():
            swapped = bad & (np.abs(lat) > 90) & (np.abs(lon) <= 90)
            hint = ""
            if swapped.sum() > bad.sum() / 2:
                hint = " — they look swapped: check which column is 经度 (longitude)"
            report.add(
                ERROR,
                label,
                "longitude/latitude missing or not degrees; give decimal degrees (e.g. 116.39, "
                "39.91)" + hint,
                column="lon, lat",
                rows=[row_label(built.origins[i]) for i in np.flatnonzero(bad)],
            )
        x, y = to_wgs84(np.where(bad, 0, lon), np.where(bad, 0, lat), spec.coords)
        x, y = np.where(bad, np.nan, x), np.where(bad, np.nan, y)
        crs = "EPSG:4326"
        if spec.coords != "wgs84":
            report.add(
                NOTICE,
                label,
                f"lon/lat in {spec.coords.upper()} converted to WGS-84 (published transform, "
                "within about 1 m)",
                column="lon, lat",
            )
    else:
        return
    points = gpd.points_from_xy(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    points = [None if p.is_empty or np.isnan(p.x) else p for p in points]
    built.frame = gpd.GeoDataFrame(
        frame.drop(columns=["lon", "lat", "geometry"], errors="ignore"), geometry=points, crs=crs
    )
