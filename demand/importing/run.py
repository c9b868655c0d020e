"""``civicalloc import``: a mapping file and the bureau's files in, a checked city bundle out."""

from __future__ import annotations

import shutil
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import tomli_w

from demand.bundle.city import City
from demand.bundle.load import typed_city
from demand.bundle.read import RawTable, strip_cells
from demand.bundle.report import ERROR, NOTICE, Report
from demand.bundle.schemas import SCHEMAS
from demand.bundle.validate import validate_tables
from demand.errors import InputError
from demand.importing.build import (
    HELPER_FIELDS,
    Built,
    ImportLog,
    Origin,
    SourceProblem,
    build_source,
    check_codes,
    join_by_name,
    points_from_columns,
    repair_polygons,
    row_label,
)
from demand.importing.mapping import Mapping, SourceSpec, read_mapping

Progress = Callable[[str, float], None]


@dataclass
class SourcedTable(RawTable):
    """A built table whose rows are named by their place in the source files."""

    labels: list[str] = field(default_factory=list)

    def where(self, index: int) -> str:
        """'row 9, column 男|0-4岁' (the file and sheet are the table's `file`)."""
        return self.labels[index]


@dataclass
class ImportResult:
    """What an import produced: the report, the log of changed rows, the bundle if valid."""

    report: Report
    log: ImportLog
    mapping: Mapping
    out: Path | None = None
    city: City | None = None
    tables: dict[str, SourcedTable] = field(default_factory=dict)


def _label(spec: SourceSpec) -> str:
    return spec.file.name


def sourced(name: str, built: Built) -> SourcedTable:
    """The built table as a RawTable whose rows are named in the source's terms."""
    origins = built.origins
    places = {(o.file, o.sheet) for o in origins}
    if len(places) == 1:
        file, sheet = next(iter(places))
        label = f"{file}, sheet {sheet}" if sheet else file
        rows = [f"row {o.row}" + (f" ({o.column})" if o.column else "") for o in origins]
    else:
        label = ", ".join(sorted({o.file for o in origins})) or name
        rows = [
            f"row {o.row} ({o.file}{', sheet ' + o.sheet if o.sheet else ''}"
            + (f", column {o.column}" if o.column else "")
            + ")"
            for o in origins
        ]
    frame = built.frame.drop(columns=[c for c in HELPER_FIELDS if c in built.frame.columns])
    for col in frame.columns:
        if col != "geometry":
            values = frame[col]
            frame[col] = values.astype(str).where(values.notna(), "")
    strip_cells(frame)  # as read_raw_tables does: the checks and the typing do not strip again
    return SourcedTable(name, frame, f"{name} ← {label}", labels=rows)


def _fill_optional(table: str, pieces: list[Built], report: Report) -> None:
    """An optional column some sources give and others do not: default, or said how filled."""
    present = set().union(*(set(p.frame.columns) for p in pieces))
    for col in SCHEMAS[table].columns:
        if col.required or col.name not in present:
            continue
        for p in pieces:
            if col.name in p.frame.columns:
                continue
            file = p.origins[0].file if p.origins else table
            if table == "workforce" and col.name == "fte" and "headcount" in p.frame.columns:
                p.frame["fte"] = p.frame["headcount"]
                report.add(
                    NOTICE,
                    file,
                    "no FTE column: staff counted as full-time (fte = "
                    "headcount); add a 全时当量 column if some work part-time",
                    column="fte",
                )
            else:
                p.frame[col.name] = "" if col.default is None else str(col.default)


def _concat(pieces: list[Built]) -> Built:
    frames = [p.frame for p in pieces]
    geo = [f for f in frames if isinstance(f, gpd.GeoDataFrame)]
    if geo:
        crs = geo[0].crs
        frames = [
            f.to_crs(crs)
            if isinstance(f, gpd.GeoDataFrame) and f.crs and crs and f.crs != crs
            else f
            for f in frames
        ]
        frame = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=crs)
    else:
        frame = pd.concat(frames, ignore_index=True)
    return Built(frame, [o for p in pieces for o in p.origins])


def _finish_areas(b: Built, spec: SourceSpec, log: ImportLog, report: Report) -> None:
    label = _label(spec)
    if not isinstance(b.frame, gpd.GeoDataFrame):
        raise SourceProblem(
            "areas need polygons: give a shapefile, GeoPackage, GeoJSON or GeoParquet"
        )
    if b.frame.crs is None:
        if spec.crs is None:
            raise SourceProblem(
                "no coordinate reference system (a shapefile without .prj?); set crs = "
                '"EPSG:..." in the mapping (e.g. EPSG:4490 for CGCS2000 degrees)'
            )
        b.frame = b.frame.set_crs(spec.crs)
    repair_polygons(b, spec, log, report, label)
    check_codes(b, spec, set(b.frame.columns), report, label)


def _facility_places(b: Built, spec: SourceSpec, areas: Built | None, report: Report) -> None:
    label = _label(spec)
    points_from_columns(b, spec, report, label)
    if not isinstance(b.frame, gpd.GeoDataFrame):
        raise SourceProblem(
            "facilities need a place: lon/lat columns (经度/纬度), x/y with crs, or a spatial file"
        )
    if b.frame.crs is None and spec.crs:
        b.frame = b.frame.set_crs(spec.crs)
    has_id = (
        "area_id" in b.frame.columns and b.frame["area_id"].astype(str).str.strip().ne("").all()
    )
    if has_id or areas is None or "area_name" in b.frame.columns:
        return
    polys = areas.frame
    pts = b.frame.geometry
    present = ~(pts.isna() | pts.is_empty)
    inside = np.full(len(pts), None, dtype=object)
    if present.any() and polys.crs is not None:
        moved = pts[present].to_crs(polys.crs)
        hit_pt, hit_area = polys.sindex.query(moved.values, predicate="intersects")
        ids = polys["area_id"].astype(str).to_numpy()
        first = pd.Series(hit_area).groupby(hit_pt).first()
        positions = np.flatnonzero(present.to_numpy())
        inside[positions[first.index.to_numpy()]] = ids[first.to_numpy()]
    missing = np.array([v is None for v in inside]) & present.to_numpy()
    if missing.any():
        report.add(
            ERROR,
            label,
            f"{int(missing.sum())} facility point(s) lie in no area; check the coordinates and "
            "'coords' (wgs84 / gcj02 / bd09), or give the area (社区) column",
            column="geometry",
            rows=[row_label(b.origins[i]) for i in np.flatnonzero(missing)],
        )
    b.frame["area_id"] = inside
    report.add(NOTICE, label, "area of each facility found from its point (point in polygon)")


def _join_keys(table: str, b: Built, spec: SourceSpec, built: dict[str, Built], report: Report):
    label = _label(spec)
    cols = set(b.frame.columns)
    want_name = spec.join == "name" or ("area_id" not in cols and "area_name" in cols)
    if want_name and "areas" in built and table != "areas":
        if "area_name" not in cols:
            raise SourceProblem('join = "name" but no area name column (社区); map area_name')
        areas = built["areas"].frame
        join_by_name(
            b,
            "areas",
            "area_name",
            "area_district",
            areas,
            "area_id",
            "name",
            "district" if "district" in areas.columns else None,
            report,
            label,
        )
    if "facility_name" in cols and "facility_id" not in cols and "facilities" in built:
        join_by_name(
            b,
            "facilities",
            "facility_name",
            None,
            built["facilities"].frame,
            "facility_id",
            "name",
            None,
            report,
            label,
        )


def build_tables(
    mapping: Mapping, report: Report, log: ImportLog, progress: Progress | None = None
) -> dict[str, Built]:
    """Every table of the mapping built from its sources (problems go to `report`)."""
    built: dict[str, Built] = {}
    total = sum(len(s) for s in mapping.sources.values()) or 1
    done = 0
    for table, specs in mapping.sources.items():
        pieces = []
        for spec in specs:
            if progress:
                progress(f"{table}: {spec.file.name}", done / total)
            try:
                b = build_source(spec, log, report)
                if table == "areas":
                    _finish_areas(b, spec, log, report)
                _join_keys(table, b, spec, built, report)
                if table == "facilities":
                    _facility_places(b, spec, built.get("areas"), report)
                pieces.append(b)
            except (SourceProblem, InputError) as exc:
                text = str(exc)
                prefix = f"{spec.file.name}: "
                report.add(ERROR, spec.file.name, text.removeprefix(prefix))
            done += 1
        if pieces:
            if len(pieces) > 1:
                _fill_optional(table, pieces, report)
            built[table] = _concat(pieces)
    return built


def _write(tables: dict[str, SourcedTable], mapping: Mapping, out: Path) -> dict:
    areas = tables["areas"].frame
    crs = mapping.bundle.get("crs") or areas.crs
    out.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        frame = table.frame
        if SCHEMAS[name].geometry is not None:
            frame = frame.to_crs(crs) if frame.crs != crs else frame
            target = out / f"{name}.geojson"
            target.unlink(missing_ok=True)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                pyogrio.write_dataframe(frame, target, driver="GeoJSON")
        else:
            frame.to_csv(out / f"{name}.csv", index=False, encoding="utf-8")
    meta = {k: v for k, v in mapping.bundle.items() if k in ("name", "base_year", "description")}
    travel = mapping.bundle.get("travel")
    if isinstance(travel, dict):  # road times (docs/osm.md): files copied into the bundle
        travel = dict(travel)
        for key in ("osm", "speeds"):
            if key in travel:
                source = mapping.path.parent / str(travel[key])  # checked by read_mapping
                (out / "osm").mkdir(exist_ok=True)
                shutil.copy2(source, out / "osm" / source.name)
                travel[key] = f"osm/{source.name}"
        meta["travel"] = travel
    (out / "bundle.toml").write_text(tomli_w.dumps(meta), encoding="utf-8")
    return meta


def _check_out(out: Path, mapping: Mapping) -> None:
    """`out` may be replaced only if it is absent, empty, or a city bundle (never the sources)."""
    if not out.exists():
        return
    if out.is_file():
        raise InputError(f"{out}: is a file; give a folder for the bundle")
    files = [p for p in out.iterdir() if not p.name.startswith(".")]
    bundle_like = (out / "bundle.toml").exists() or any(p.stem == "areas" for p in files)
    sources = {s.file.resolve() for specs in mapping.sources.values() for s in specs}
    if files and (not bundle_like or any(p.resolve() in sources for p in files)):
        raise InputError(
            f"{out}: exists and is not a city bundle (it would be replaced); give a new folder"
        )


def import_city(
    mapping_path: str | Path, out: str | Path, progress: Progress | None = None
) -> ImportResult:
    """Build, check and (when it has no errors) write the bundle the mapping describes.

    The bundle is written to a temporary folder and moved to `out` only once `validate`
    accepts it, so a failed import never leaves a half-written bundle behind.
    """
    mapping = read_mapping(mapping_path)
    _check_out(Path(out), mapping)
    report, log = Report(), ImportLog()
    built = build_tables(mapping, report, log, progress)
    result = ImportResult(report, log, mapping)
    if not report.ok:
        return result
    tables = {name: sourced(name, b) for name, b in built.items()}
    result.tables = tables
    if progress:
        progress("checking the tables", 0.8)
    validate_tables(tables, [], report)
    if not report.ok:
        return result
    out = Path(out)
    staging = Path(tempfile.mkdtemp(prefix=".import-", dir=out.parent if out.parent.exists()
                                    else None))  # fmt: skip
    try:
        meta = _write(tables, mapping, staging)
        if out.exists():
            shutil.rmtree(out) if out.is_dir() else out.unlink()
        shutil.move(str(staging), str(out))
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    # the tables passed validate_tables as written: typed here instead of read back and
    # checked twice (tests read the written bundles back with load_city)
    city = typed_city(tables, meta, out)
    result.out, result.city = out, city
    if progress:
        progress("done", 1.0)
    return result


__all__ = ["ImportResult", "Origin", "import_city", "build_tables", "sourced"]
