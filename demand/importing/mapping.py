"""The mapping file: which source feeds each contract table, and how (docs/import.md).

Checked as a whole before any file is read: every unknown key, wrong type or unknown table is
one line naming the mapping file, the table, the source and what to write instead.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from demand.bundle.schemas import SCHEMAS
from demand.errors import InputError
from demand.importing.coords import system_name
from demand.importing.presets import UNITS

#: Order in which tables are built: those that others join to come first.
TABLE_ORDER = (
    "areas",
    "facilities",
    "population",
    "capacity",
    "workforce",
    "mobility",
    "series",
    "history",
    "travel",
    "arrival_profile",
)

SOURCE_KEYS = {
    "file": "source file, relative to the mapping file",
    "sheet": "sheet name or 0-based number (or GeoPackage layer)",
    "sheets": 'several sheets to append: a list of names/numbers, or "*" for all',
    "skip_rows": "rows above the header (titles, notes)",
    "header_rows": "rows the header spans (merged cells: upper|lower)",
    "encoding": "text encoding (utf-8, gbk, gb18030); found by itself when left out",
    "sep": "CSV separator; found by itself when left out",
    "preset": '"zh" (default) for Chinese statistical headers, or "none"',
    "columns": '{ field = "source header" } renames',
    "values": "{ field = value } constants for every row",
    "recode": '{ field = { "source value" = "contract value" } }',
    "units": '{ field = "万人" } unit a number column is given in',
    "wide": '{ columns = [...] or "glob*", into = [...], value = "...", pattern = "regex" }',
    "totals": '"exclude" (default) or "keep": rows labelled 合计/总计/Total',
    "join": '"code" or "name": how rows find their area (default: code when given)',
    "coords": "wgs84, gcj02 (Amap/Tencent) or bd09 (Baidu) for lon/lat columns",
    "crs": "CRS of the file when it has none (shapefile without .prj), e.g. EPSG:3435",
    "x": "column of projected x coordinates (with crs)",
    "y": "column of projected y coordinates (with crs)",
    "code_length": "digits of an area code (12 for 统计用区划代码); checked when given",
    "repair": '"make_valid" (default) or "none": fix invalid polygons, listing each',
}
BUNDLE_KEYS = {"name", "base_year", "description", "crs", "travel"}


@dataclass
class SourceSpec:
    """One source of one table, as the mapping file gives it."""

    table: str
    index: int  # position among the table's sources, for messages
    file: Path
    sheets: list[str | int] | str | None = None
    skip_rows: int = 0
    header_rows: int = 1
    encoding: str | None = None
    sep: str | None = None
    preset: str = "zh"
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, object] = field(default_factory=dict)
    recode: dict[str, dict[str, str]] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    wide: dict | None = None
    totals: str = "exclude"
    join: str | None = None
    coords: str = "wgs84"
    crs: str | None = None
    x: str | None = None
    y: str | None = None
    code_length: int | None = None
    repair: str = "make_valid"

    @property
    def where(self) -> str:
        """'[[population]] #2 (census.xlsx)' for messages about the mapping itself."""
        return f"[{self.table}] source {self.index + 1} ({self.file.name})"


@dataclass
class Mapping:
    """The whole mapping file."""

    path: Path
    bundle: dict
    sources: dict[str, list[SourceSpec]]


def _nearest(word: str, choices) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.5)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _source(table: str, index: int, raw: dict, base: Path, name: str, errors: list[str]):
    where = f"{name}: [{table}] source {index + 1}"
    if not isinstance(raw, dict):
        errors.append(f"{where}: expected a table of keys (file = ..., columns = ...)")
        return None
    for key in raw:
        if key not in SOURCE_KEYS:
            errors.append(
                f"{where}: unknown key '{key}'{_nearest(key, SOURCE_KEYS)}; keys are: "
                + ", ".join(SOURCE_KEYS)
            )
    if "file" not in raw:
        errors.append(f"{where}: 'file' is missing; name the source file")
        return None
    spec = SourceSpec(table, index, base / str(raw["file"]))
    if "sheets" in raw and "sheet" in raw:
        errors.append(f"{where}: give 'sheet' or 'sheets', not both")
    sheets = raw.get("sheets", raw.get("sheet"))
    if sheets is not None:
        if isinstance(sheets, list):
            spec.sheets = sheets
        elif sheets == "*":
            spec.sheets = "*"
        elif isinstance(sheets, str | int):
            spec.sheets = [sheets]
        else:
            errors.append(f"{where}: 'sheet' must be a name or a number")
    for key in ("skip_rows", "header_rows", "code_length"):
        if key in raw:
            value = raw[key]
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                errors.append(f"{where}: '{key}' must be a whole number ≥ 0, got {value!r}")
            else:
                setattr(spec, key, value)
    if spec.header_rows < 1:
        errors.append(f"{where}: 'header_rows' must be at least 1")
    for key in ("encoding", "sep", "crs", "x", "y", "join", "preset", "totals", "repair"):
        if key in raw:
            if not isinstance(raw[key], str):
                errors.append(f"{where}: '{key}' must be text, got {raw[key]!r}")
            else:
                setattr(spec, key, raw[key])
    for key in ("columns", "values", "recode", "units"):
        if key in raw:
            if not isinstance(raw[key], dict):
                errors.append(f"{where}: '{key}' must be a table like {{ field = ... }}")
            else:
                setattr(spec, key, dict(raw[key]))
    for fld, header in spec.columns.items():
        if not isinstance(header, str):
            errors.append(f"{where}: columns.{fld} must be the source header as text")
    for fld, unit in spec.units.items():
        if unit not in UNITS:
            errors.append(
                f"{where}: units.{fld} = {unit!r} is not a known unit; use one of "
                + ", ".join(UNITS)
            )
    if "wide" in raw:
        if not isinstance(raw["wide"], dict):
            errors.append(f"{where}: 'wide' must be a table: {{ columns = ..., into = ... }}")
        else:
            spec.wide = dict(raw["wide"])
            unknown = set(spec.wide) - {"columns", "into", "value", "pattern", "names"}
            if unknown:
                errors.append(
                    f"{where}: unknown key(s) in 'wide': {', '.join(sorted(unknown))}; "
                    "use columns, into, value, pattern, names"
                )
    if spec.join not in (None, "code", "name"):
        errors.append(f'{where}: join must be "code" or "name", got {spec.join!r}')
    if spec.totals not in ("exclude", "keep"):
        errors.append(f'{where}: totals must be "exclude" or "keep", got {spec.totals!r}')
    if spec.preset not in ("zh", "none"):
        errors.append(f'{where}: preset must be "zh" or "none", got {spec.preset!r}')
    if spec.repair not in ("make_valid", "none"):
        errors.append(f'{where}: repair must be "make_valid" or "none"')
    if "coords" in raw:
        try:
            spec.coords = system_name(raw["coords"])
        except InputError as exc:
            errors.append(f"{where}: {exc}")
    if (spec.x is None) != (spec.y is None):
        errors.append(f"{where}: give both 'x' and 'y' (projected coordinates) or neither")
    return spec


def read_mapping(path: str | Path) -> Mapping:
    """The mapping file at `path`, checked; InputError lists every problem, one per line."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such mapping file")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path.name}: not valid TOML ({exc}); fix the syntax") from None
    except UnicodeDecodeError:
        raise InputError(f"{path.name}: save the mapping file as UTF-8 text") from None
    errors: list[str] = []
    bundle = raw.pop("bundle", {})
    if not isinstance(bundle, dict):
        errors.append(f"{path.name}: [bundle] must be a table (name = ..., base_year = ...)")
        bundle = {}
    for key in bundle:
        if key not in BUNDLE_KEYS:
            errors.append(
                f"{path.name}: [bundle] unknown key '{key}'{_nearest(key, BUNDLE_KEYS)}; keys "
                "are: " + ", ".join(sorted(BUNDLE_KEYS))
            )
    travel = bundle.get("travel")
    if travel is not None and not isinstance(travel, dict):
        errors.append(f"{path.name}: [bundle.travel] must be a table (osm = ..., mode = ...)")
    for key in ("osm", "speeds") if isinstance(travel, dict) else ():
        if key in travel and not (path.parent / str(travel[key])).exists():
            errors.append(f"{path.name}: [bundle.travel] {key} = {travel[key]!r}: no such file "
                          "(paths are relative to the mapping file)")  # fmt: skip
    sources: dict[str, list[SourceSpec]] = {}
    for table, value in raw.items():
        if table not in SCHEMAS:
            errors.append(
                f"{path.name}: [{table}] is not a table of the bundle{_nearest(table, SCHEMAS)}; "
                "tables are: " + ", ".join(SCHEMAS)
            )
            continue
        items = value if isinstance(value, list) else [value]
        specs = [
            _source(table, i, item, path.parent, path.name, errors) for i, item in enumerate(items)
        ]
        sources[table] = [s for s in specs if s is not None]
    for table in ("areas", "population", "facilities"):
        if table not in sources and table not in [t for t in raw]:
            errors.append(f"{path.name}: no [{table}] source; every bundle needs {table}")
    if errors:
        raise InputError("; ".join(errors))  # one line, every problem
    return Mapping(path, bundle, {t: sources[t] for t in TABLE_ORDER if t in sources})
