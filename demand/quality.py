"""The data-quality report: how complete, consistent and clean a city bundle is, per table.

Computed from the tables as read (text cells, before typing), so a bundle with errors gets a
report too. Checks, each with the rows it concerns (docs/import.md lists them):
- completeness: missing cells per column;
- keys: areas with no population, facilities with no capacity, population or facilities in
  areas absent from the geometry, duplicate keys and duplicate rows;
- consistency: age bands against a row's stated total (import), persons per km² (density
  outliers), beds per 1,000 residents and teachers per 1,000 children aged 5-14 per district,
  seats per teacher per school (robust z-scores: |z| > 3.5 against the city's median and MAD);
- geometry: invalid polygons, repairs made, slivers, overlaps, multipart areas, holes; the CRS;
- every excluded or repaired row (import), every validation problem;
- a score per table: 100 less the share of rows each finding touches (errors count fully,
  warnings half) and half the share of missing cells in optional columns.
Person counts are kept raw here; whoever shows them suppresses small cells.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from demand.bundle.report import ERROR, WARNING, Report
from demand.bundle.schemas import SCHEMAS
from demand.geo import crs_unit, is_metric, metric_crs

Z_LIMIT = 3.5  # robust z beyond which a value is an outlier (Iglewicz & Hoaglin)
SLIVER_COMPACTNESS = 0.05  # 4πA/P² of a sliver (a circle is 1, a 1:60 strip about 0.05)
SLIVER_SHARE = 0.01  # an area under 1% of the median area is a sliver
OVERLAP_SHARE = 0.01
MAX_ROWS = 200
#: Optional columns whose gaps lower a table's score (others, such as a series' facility_id
#: or area_id, are blank by design).
SCORED_OPTIONAL = {
    "areas": ("name", "district"),
    "facilities": ("name",),
    "workforce": ("fte",),
}  # rows listed per check in the report (the count is always complete)


def robust_z(values: pd.Series) -> pd.Series:
    """0.6745 (x - median) / MAD; 0 where the MAD is 0 (Iglewicz & Hoaglin 1993)."""
    x = values.astype(float)
    med = x.median()
    mad = (x - med).abs().median()
    if not np.isfinite(mad) or mad == 0:
        return pd.Series(0.0, index=values.index)
    return 0.6745 * (x - med) / mad


def _numeric(series: pd.Series) -> bool:
    """Numbers already (not booleans): no text to strip or parse."""
    types = pd.api.types
    return types.is_numeric_dtype(series) and not types.is_bool_dtype(series)


def _text(series: pd.Series) -> pd.Series:
    """Cells as text (stripped already, where the tables were read)."""
    return series.astype(str)


BLANKS = ["", "nan", "NaN", "None", "NA"]  # a stripped cell that holds nothing


def _blank(series: pd.Series) -> pd.Series:
    if series.name == "geometry":
        return series.isna() | series.is_empty
    if _numeric(series):
        return series.isna()
    text = series if series.dtype == object else series.astype(str)  # stripped when read
    return series.isna() | text.isin(BLANKS)


def _finding(table, check, severity, title, rows, table_rows=None, detail="", values=None):
    """One check's result: rows as user-facing positions, truncated; the count complete."""
    return {
        "table": table,
        "check": check,
        "severity": severity,
        "title": title,
        "count": len(rows),
        "share": (len(rows) / table_rows) if table_rows else None,
        "detail": detail,
        "rows": list(rows[:MAX_ROWS]),
        "values": (values or [])[:MAX_ROWS],
    }


def _where(table, positions) -> list[str]:
    return [table.where(int(i)) for i in positions]


def completeness(table) -> dict[str, dict]:
    """Missing cells per column: count and share."""
    frame = table.frame
    out = {}
    for col in frame.columns:
        missing = int(_blank(frame[col]).sum())
        out[str(col)] = {"missing": missing, "share": missing / len(frame) if len(frame) else 0.0}
    return out


def duplicates(name: str, table) -> list[dict]:
    """Duplicate keys and fully duplicated rows."""
    frame = table.frame
    found = []
    key = [c for c in SCHEMAS[name].key if c in frame.columns]
    if key and len(key) == len(SCHEMAS[name].key):
        dup = frame[key].apply(_text).duplicated(keep=False)
        if dup.any():
            found.append(
                _finding(
                    name,
                    "duplicate_keys",
                    ERROR,
                    f"rows share a key ({' + '.join(key)})",
                    _where(table, np.flatnonzero(dup)),
                    len(frame),
                )
            )
    attrs = [c for c in frame.columns if c != "geometry"]
    if attrs:
        exact = frame[attrs].astype(str).duplicated(keep="first")
        if exact.any():
            found.append(
                _finding(
                    name,
                    "duplicate_rows",
                    WARNING,
                    "rows repeated exactly",
                    _where(table, np.flatnonzero(exact)),
                    len(frame),
                )
            )
    return found


def _metric_geoms(table) -> gpd.GeoSeries | None:
    frame = table.frame
    if not isinstance(frame, gpd.GeoDataFrame) or frame.crs is None:
        return None
    geoms = frame.geometry
    ok = ~(geoms.isna() | geoms.is_empty)
    if not ok.any():
        return None
    if frame.crs.is_geographic:
        bounds = geoms[ok].total_bounds
        if min(bounds[0], bounds[1]) < -180 or bounds[2] > 180 or bounds[3] > 90:
            return None
    target = metric_crs(geoms[ok])
    return geoms.to_crs(target) if target is not None and not geoms.crs.equals(target) else geoms


def geometry_checks(table) -> tuple[list[dict], dict]:
    """Invalid polygons, slivers, overlaps, multipart areas and holes; the CRS in words."""
    frame = table.frame
    found: list[dict] = []
    crs = getattr(frame, "crs", None)
    info = {
        "crs": crs.to_string() if crs is not None else None,
        "crs_name": crs.name if crs is not None else None,
        "unit": crs_unit(crs) if crs is not None else None,
        "metric": is_metric(crs) if crs is not None else False,
    }
    geoms = _metric_geoms(table)
    if geoms is None:
        return found, info
    info["measured_in"] = geoms.crs.to_string() if geoms.crs is not None else None
    n = len(frame)
    values = geoms.to_numpy()
    present = ~(geoms.isna() | geoms.is_empty).to_numpy()
    valid = np.zeros(n, dtype=bool)
    valid[present] = shapely.is_valid(values[present])
    bad = present & ~valid
    if bad.any():
        found.append(
            _finding(
                "areas",
                "invalid",
                ERROR,
                "invalid polygons",
                _where(table, np.flatnonzero(bad)),
                n,
                values=[shapely.is_valid_reason(values[i]) for i in np.flatnonzero(bad)],
            )
        )
    usable = present & valid
    area = np.zeros(n)
    area[usable] = shapely.area(values[usable])
    perimeter = np.zeros(n)
    perimeter[usable] = shapely.length(values[usable])
    info["total_km2"] = float(area.sum() / 1e6)
    median = np.median(area[usable]) if usable.any() else 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        compact = np.where(perimeter > 0, 4 * np.pi * area / perimeter**2, 1.0)
    sliver = usable & ((compact < SLIVER_COMPACTNESS) | (area < SLIVER_SHARE * median))
    if sliver.any():
        found.append(
            _finding(
                "areas",
                "slivers",
                WARNING,
                "sliver areas (very thin, or under 1% of the median area)",
                _where(table, np.flatnonzero(sliver)),
                n,
                values=[
                    f"{area[i]:,.0f} m², compactness {compact[i]:.3f}"
                    for i in np.flatnonzero(sliver)
                ],
            )
        )
    multi = usable & (shapely.get_num_geometries(values) > 1)
    if multi.any():
        found.append(
            _finding(
                "areas",
                "multipart",
                "info",
                "areas made of several parts (islands, enclaves split off)",
                _where(table, np.flatnonzero(multi)),
                n,
            )
        )
    holes = np.zeros(n, dtype=int)
    for i in np.flatnonzero(usable):
        holes[i] = sum(
            shapely.get_num_interior_rings(p) for p in getattr(values[i], "geoms", [values[i]])
        )
    if holes.any():
        found.append(
            _finding(
                "areas",
                "holes",
                "info",
                "areas with holes (an enclave inside)",
                _where(table, np.flatnonzero(holes > 0)),
                n,
            )
        )
    idx = np.flatnonzero(usable)
    if len(idx) > 1:
        tree = shapely.STRtree(values[idx])
        left, right = tree.query(values[idx], predicate="intersects")
        keep = left < right
        left, right = idx[left[keep]], idx[right[keep]]
        if len(left):
            inter = shapely.area(shapely.intersection(values[left], values[right]))
            smaller = np.minimum(area[left], area[right])
            over = inter > OVERLAP_SHARE * smaller
            if over.any():
                rows = sorted(set(left[over]) | set(right[over]))
                found.append(
                    _finding(
                        "areas",
                        "overlaps",
                        WARNING,
                        f"areas overlapping by more than {OVERLAP_SHARE:.0%} of the smaller one",
                        _where(table, rows),
                        n,
                        detail=f"{int(over.sum())} pair(s), "
                        f"{inter[over].sum() / 1e6:,.3f} km² counted twice",
                    )
                )
    info["areas_m2"] = area
    return found, info


def _ids_not_in(table, column: str, known: set, check: str, severity: str, title: str):
    """One finding for the rows of `table` whose `column` is not in `known` (none if all are)."""
    ids = _text(table.frame[column])
    bad = ~ids.isin(known)
    if not bad.any():
        return []
    return [_finding(table.name, check, severity, title, _where(table, np.flatnonzero(bad)),
                     len(table.frame), values=list(pd.unique(ids[bad])))]  # fmt: skip


def _latest_population(pop) -> pd.DataFrame:
    frame = pop.frame
    years = pop.numbers("year") if "year" in frame.columns else pd.Series(0, index=frame.index)
    latest = years == years.max()
    part = frame[latest]
    return pd.DataFrame(
        {
            "area_id": _text(part["area_id"]),
            "age_band": _text(part.get("age_band", pd.Series("", index=part.index))),
            "persons": pop.numbers("persons")[latest].fillna(0),
        }
    )


def _band_low(band: str) -> int:
    digits = band.split("-")[0].rstrip("+")
    return int(digits) if digits.isdigit() else -1


def across_checks(tables: dict, geo_info: dict) -> list[dict]:
    """Checks that need two tables: keys, density, beds and teachers per 1,000."""
    found: list[dict] = []
    areas, pop = tables.get("areas"), tables.get("population")
    fac, cap = tables.get("facilities"), tables.get("capacity")
    area_ids = (
        set(_text(areas.frame["area_id"]))
        if areas is not None and "area_id" in areas.frame
        else set()
    )
    if pop is not None and {"area_id", "persons"} <= set(pop.frame.columns):
        pop_ids = _text(pop.frame["area_id"])
        if areas is not None and area_ids:
            found += _ids_not_in(pop, "area_id", area_ids, "area_missing", ERROR,
                                 "population of areas absent from the geometry")  # fmt: skip
            a_ids = _text(areas.frame["area_id"])
            found += _ids_not_in(areas, "area_id", set(pop_ids), "no_population", WARNING,
                                 "areas with no population")  # fmt: skip
            latest = _latest_population(pop)
            persons = latest.groupby("area_id")["persons"].sum()
            m2 = geo_info.get("areas_m2")
            if m2 is not None:
                km2 = pd.Series(m2 / 1e6, index=a_ids.to_numpy())
                km2 = km2[~km2.index.duplicated()]
                both = persons.index.intersection(km2.index[km2 > 0])
                density = persons[both] / km2[both]
                lived = density[density > 0]
                if len(lived) >= 8:
                    z = robust_z(np.log10(lived))
                    out = z[z.abs() > Z_LIMIT]
                    if len(out):
                        pos = {a: i for i, a in enumerate(a_ids)}
                        found.append(
                            _finding(
                                "areas",
                                "density_outliers",
                                WARNING,
                                f"persons per km² far from the city's (robust |z| > {Z_LIMIT})",
                                _where(areas, [pos[a] for a in out.index]),
                                len(areas.frame),
                                detail=f"city median {lived.median():,.0f} persons/km²",
                                values=[
                                    {
                                        "area_id": a,
                                        "persons": float(persons[a]),
                                        "per_km2": round(float(density[a]), 1),
                                        "z": float(z[a]),
                                    }
                                    for a in out.index
                                ],
                            )
                        )
    if fac is not None and "facility_id" in fac.frame.columns:
        if cap is not None and "facility_id" in cap.frame.columns:
            found += _ids_not_in(fac, "facility_id", set(_text(cap.frame["facility_id"])),
                                 "no_capacity", WARNING, "facilities with no capacity")  # fmt: skip
        if area_ids and "area_id" in fac.frame.columns:
            found += _ids_not_in(fac, "area_id", area_ids, "area_missing", ERROR,
                                 "facilities in areas absent from the geometry")  # fmt: skip
        found += _per_1000(tables)
    return found


def _ratio_finding(table, key: str, where_table: str, check: str, title: str,
                   ratio: pd.Series, detail: str, digits: int) -> dict:  # fmt: skip
    """A ratio per district or school against the city's: robust |z| beyond Z_LIMIT flagged."""
    z = robust_z(ratio)
    out = z[z.abs() > Z_LIMIT]
    positions = {v: i for i, v in enumerate(_text(table.frame[key]))}
    return _finding(
        where_table,
        check,
        WARNING if len(out) else "pass",
        f"{title} (robust |z| > {Z_LIMIT} flagged)",
        _where(table, [positions[v] for v in out.index if v in positions]),
        len(ratio),
        detail=detail,
        values=[
            {key: v, "value": round(float(ratio[v]), digits), "z": round(float(z[v]), 2)}
            for v in ratio.index
        ],
    )


def _per_1000(tables: dict) -> list[dict]:
    """Beds per 1,000 residents and teachers per 1,000 children 5-14 per district; seats/teacher."""
    areas, pop, fac = tables["areas"], tables.get("population"), tables["facilities"]
    cap, work = tables.get("capacity"), tables.get("workforce")
    if pop is None or areas is None or "district" not in areas.frame.columns:
        return []
    found = []
    district_of = dict(
        zip(_text(areas.frame["area_id"]), _text(areas.frame["district"]), strict=False)
    )
    latest = _latest_population(pop)
    latest["district"] = latest["area_id"].map(district_of)
    residents = latest.groupby("district")["persons"].sum()
    children = (
        latest[latest["age_band"].map(_band_low).between(5, 14)]
        .groupby("district")["persons"]
        .sum()
    )
    fac_district = pd.Series(
        _text(fac.frame["area_id"]).map(district_of).to_numpy() if "area_id" in fac.frame else [],
        index=_text(fac.frame["facility_id"]).to_numpy(),
    )
    fac_district = fac_district[~fac_district.index.duplicated()]

    def per_district(table, prefix, col):
        frame = table.frame
        mine = _text(frame[prefix[0]]).str.startswith(prefix[1])
        amounts = table.numbers(col)[mine].fillna(0)
        return amounts.groupby(_text(frame["facility_id"][mine]).map(fac_district).to_numpy()).sum()

    for table, prefix, col, base, what in (
        (cap, ("resource", "beds:"), "amount", residents, "beds per 1,000 residents"),
        (work, ("role", "teacher:"), "headcount", children, "teachers per 1,000 children 5-14"),
    ):
        if table is None or not {prefix[0], col, "facility_id"} <= set(table.frame.columns):
            continue
        amount = per_district(table, prefix, col)
        if amount.sum() == 0:
            continue
        ratio = (amount.reindex(base.index).fillna(0) / base.where(base > 0) * 1000).dropna()
        without = int((ratio == 0).sum())
        ratio = ratio[ratio > 0]  # districts with none are counted, not scored
        if len(ratio) < 4:
            continue
        found.append(
            _ratio_finding(
                areas,
                "district",
                "across",
                "per_1000_" + what.split()[0],
                f"{what} per district",
                ratio,
                f"median {ratio.median():.2f} over {len(ratio)} districts"
                + (f"; {without} district(s) have none" if without else ""),
                digits=2,
            )
        )
    if (
        cap is not None
        and work is not None
        and {"resource", "amount"} <= set(cap.frame.columns)
        and {"role", "headcount"} <= set(work.frame.columns)
    ):
        seats = _text(cap.frame["resource"]).str.startswith("seats:")
        teachers = _text(work.frame["role"]).str.startswith("teacher:")
        s = (
            cap.numbers("amount")[seats]
            .groupby(_text(cap.frame["facility_id"][seats]).to_numpy())
            .sum()
        )
        t = (
            work.numbers("headcount")[teachers]
            .groupby(_text(work.frame["facility_id"][teachers]).to_numpy())
            .sum()
        )
        both = s.index.intersection(t.index[t > 0])
        if len(both) >= 6:
            ratio = s[both] / t[both]
            found.append(
                _ratio_finding(
                    fac,
                    "facility_id",
                    "facilities",
                    "seats_per_teacher",
                    "seats per teacher per school",
                    ratio,
                    f"city median {ratio.median():.1f}",
                    digits=1,
                )
            )
    return found


def stated_totals_check(log) -> list[dict]:
    """Age bands against the total each source row states (常住人口), from the import log."""
    rows = [r for r in (log.stated_totals if log else []) if r.get("stated") is not None]
    if not rows:
        return []
    bad = [r for r in rows if abs(r["bands"] - r["stated"]) > max(0.51, 5e-4 * r["stated"])]
    return [
        _finding(
            "population",
            "stated_totals",
            WARNING if bad else "pass",
            "age bands adding up to the row's stated total",
            [r["where"] for r in bad],
            len(rows),
            detail=f"{len(rows)} row(s) with a stated total checked",
            values=[{"stated_persons": r["stated"], "bands_persons": r["bands"]} for r in bad],
        )
    ]


def _score(name: str, rows: int, findings: list[dict], problems: list, filled: dict) -> float:
    if rows == 0:
        return 0.0
    penalty = 0.0
    for f in findings:
        if f["table"] == name and f["severity"] in (ERROR, WARNING):
            weight = 1.0 if f["severity"] == ERROR else 0.5
            penalty += weight * min(1.0, f["count"] / rows)
    for p in problems:
        weight = 1.0 if p.severity == ERROR else 0.5
        penalty += weight * min(1.0, (len(p.rows) or rows) / rows)
    optional = [c for c in SCORED_OPTIONAL.get(name, ()) if c in filled]
    if optional:
        penalty += 0.5 * float(np.mean([filled[c]["share"] for c in optional]))
    return round(max(0.0, 100.0 * (1.0 - min(1.0, penalty))), 1)


def build_quality(tables: dict, report: Report, log=None, title: str = "") -> dict:
    """The report as plain data (JSON-ready): per table, across tables, rows changed, problems.

    ``tables`` are RawTables as `read_raw_tables` (or `raw_tables_of`, or the importer) gives
    them: text cells already stripped, read as they are."""
    findings: list[dict] = []
    geo_info: dict = {}
    per_table: dict[str, dict] = {}
    if "areas" in tables:
        geo, geo_info = geometry_checks(tables["areas"])
        findings += geo
    for name, table in tables.items():
        findings += duplicates(name, table)
    findings += across_checks(tables, geo_info)
    findings += stated_totals_check(log)
    for name, table in tables.items():
        filled = completeness(table)
        problems = [
            p for p in report.problems if p.file == table.file and p.severity in (ERROR, WARNING)
        ]
        per_table[name] = {
            "file": table.file,
            "rows": len(table.frame),
            "columns": [str(c) for c in table.frame.columns],
            "completeness": filled,
            "score": _score(name, len(table.frame), findings, problems, filled),
            "problems": [asdict(p) for p in problems],
        }
    crs = {k: v for k, v in geo_info.items() if k != "areas_m2"}
    return {
        "title": title,
        "generated": dt.datetime.now().isoformat(timespec="seconds"),
        "ok": report.ok,
        "errors": len(report.errors),
        "warnings": len(report.warnings),
        "crs": crs,
        "tables": per_table,
        "findings": findings,
        "excluded": list(log.excluded) if log else [],
        "repaired": list(log.repaired) if log else [],
        "sources": list(log.sources) if log else [],
        "problems": [asdict(p) | {"line": p.line()} for p in report.problems],
    }


def raw_tables_of(city) -> dict:
    """A loaded City's tables as text RawTables (for a city built in memory, e.g. the sample)."""
    from demand.bundle.read import RawTable, _as_text

    out = {}
    for name, schema in SCHEMAS.items():
        frame = city.table(name)
        if len(frame) or schema.required:
            out[name] = RawTable(name, _as_text(frame), name)
    return out
