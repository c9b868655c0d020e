"""What a brief needs of a run's city — the areas (outlines, names, districts), the facilities
as the run's scenario sees them, the inputs fingerprint the city would give today and the
city's data-quality report — cached in the store, keyed by the bundle's content.

Building a 5,000-area city from its bundle and checking its quality takes longer than the
rest of a brief together, and a brief is written in a fresh process each time. So the first
brief of a bundle reads it once (the same read, checks and typing as `load_city`, and the
data-quality report from the same raw tables), keeps these few things in the store's table
``brief_city_cache``, and later briefs read them back in a fraction of a second.

The key is a SHA-256 of the bundle's files (each file's name, size and content) and of the
code version (``scenarios.pipeline.code_version``): a changed file or another civicalloc
misses the cache, so what a brief shows is always what the bundle gives now. A sample city
(``sample:N``) is made by code, so its key is its name and the code version. The scenario's
part (facilities after its levers, the fingerprint) is kept per scenario as stored. The table
is derived data outside the versioned schema: created on first use, dropped at no cost but
speed, and a store that cannot be written to (read-only file, a user without CREATE) just
means the city is read each time.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from scenarios.records import frame_from_parquet, frame_to_parquet

#: Bumped when what is cached, or how, changes.
CACHE_FORMAT = 1
AREA_COLUMNS = ["area_id", "name", "district", "geometry"]
FACILITY_COLUMNS = ["facility_id", "kind", "x", "y"]

cache_table = sa.Table(
    "brief_city_cache",
    sa.MetaData(),
    sa.Column("key", sa.String(64), primary_key=True),  # the bundle's content and code version
    sa.Column("part", sa.String(80), primary_key=True),  # areas, quality, scenario:SHA
    sa.Column("city", sa.Text, nullable=False),  # the scenario's city, to drop stale entries
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
)


@dataclass
class CityFacts:
    """The bundle's part: areas (GeoDataFrame of area_id, name, district, geometry in the
    bundle's metric CRS) and the whole data-quality report (small counts suppressed), or None
    and why it could not be made. cached: read from the store's cache (else from the bundle)."""

    areas: pd.DataFrame
    quality: dict | None
    quality_error: str
    cached: bool


@dataclass
class ScenarioCity:
    """The scenario's part: its facilities after its levers (facility_id, kind, x, y in the
    areas' CRS) and ``scenarios.pipeline.fingerprint`` of the city it sees now."""

    facilities: pd.DataFrame
    fingerprint: str
    cached: bool


def city_facts(engine: Engine, city: str) -> CityFacts:
    """The areas and quality report of a scenario's city (a bundle path or 'sample…')."""
    return _city_facts(engine, city, bundle_key(city))


@functools.lru_cache(maxsize=8)
def _city_facts(engine: Engine, city: str, key: str) -> CityFacts:
    found = _read(engine, key, ("areas", "quality"))
    if len(found) == 2:
        quality = json.loads(found["quality"])
        return CityFacts(frame_from_parquet(found["areas"], spatial=True),
                         quality.get("report"), quality.get("error", ""), cached=True)  # fmt: skip
    base, report, error = _loaded(city, key)
    areas = base.areas.reindex(columns=AREA_COLUMNS).reset_index(drop=True)
    quality = {"report": report} if report is not None else {"error": error}
    _write(engine, key, city, {
        "areas": frame_to_parquet(areas)[0],
        "quality": json.dumps(quality, ensure_ascii=False, default=str).encode(),
    })  # fmt: skip
    return CityFacts(areas, report, error, cached=False)


def scenario_city(engine: Engine, scenario_json: str) -> ScenarioCity:
    """The facilities and inputs fingerprint of the city a stored scenario sees now."""
    from scenarios.spec import scenario_from_dict

    city = scenario_from_dict(json.loads(scenario_json)).city
    return _scenario_city(engine, scenario_json, bundle_key(city))


@functools.lru_cache(maxsize=8)
def _scenario_city(engine: Engine, scenario_json: str, key: str) -> ScenarioCity:
    from scenarios.spec import scenario_from_dict

    scenario = scenario_from_dict(json.loads(scenario_json))
    part = f"scenario:{hashlib.sha256(scenario_json.encode()).hexdigest()[:32]}"
    found = _read(engine, key, (part,))
    if part in found:
        data = json.loads(found[part])
        return ScenarioCity(pd.DataFrame(data["facilities"], columns=FACILITY_COLUMNS),
                            data["fingerprint"], cached=True)  # fmt: skip
    from scenarios.levers import apply_levers  # scikit-learn comes with it: only when read
    from scenarios.pipeline import fingerprint

    seen = apply_levers(_loaded(scenario.city, key)[0], scenario)
    fac = seen.facilities
    facilities = pd.DataFrame({"facility_id": fac["facility_id"].astype(str).to_numpy(),
                               "kind": fac["kind"].astype(str).to_numpy(),
                               "x": fac.geometry.x.to_numpy(float),
                               "y": fac.geometry.y.to_numpy(float)})  # fmt: skip
    made = ScenarioCity(facilities, fingerprint(seen), cached=False)
    data = {"fingerprint": made.fingerprint, "facilities": facilities.to_dict("list")}
    _write(engine, key, scenario.city, {part: json.dumps(data).encode()})
    return made


@functools.lru_cache(maxsize=2)
def _loaded(city: str, key: str):
    """(City, quality report or None, why not), from one read of the bundle: the City as
    `load_scenario_city` makes it, the report as ``city_quality`` does (from the same raw
    tables, or the bundle's own fresh ``quality/report.json``)."""
    from demand.bundle.load import _read_meta, load_city, typed_city
    from demand.bundle.read import read_raw_tables
    from demand.bundle.report import Report
    from demand.bundle.validate import validate_tables
    from demand.errors import InputError
    from demand.quality import build_quality, raw_tables_of
    from scenarios.pipeline import load_scenario_city
    from scenarios.quality_report import city_quality, safe_report

    failed = (InputError, OSError, ValueError, TypeError, KeyError)  # as quality_blocks says
    path = Path(city)
    if city.startswith("sample") or not path.is_dir() or _fresh_saved_report(path):
        made = load_scenario_city(city)
        try:
            if city.startswith("sample"):  # as city_quality does, from the City just made
                return made, safe_report(build_quality(raw_tables_of(made), Report(), None,
                                                       city)), ""  # fmt: skip
            return made, city_quality(city), ""
        except failed as exc:
            return made, None, _why(exc)
    tables, unknown = read_raw_tables(path)
    report = Report()
    validate_tables(tables, unknown, report)
    if not report.ok:
        load_city(path)  # raises load_city's one line naming the first problem
    made = typed_city(tables, _read_meta(path), path)
    try:
        return made, safe_report(build_quality(tables, report, None, str(path))), ""
    except failed as exc:
        return made, None, _why(exc)


def _fresh_saved_report(path: Path) -> bool:
    """Whether the bundle's own quality/report.json is newer than its files (then
    ``city_quality`` reads it instead of checking the bundle)."""
    saved = path / "quality" / "report.json"
    if not saved.exists():
        return False
    newest = max((p.stat().st_mtime for p in path.iterdir() if p.is_file()), default=0)
    return saved.stat().st_mtime >= newest


def _why(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def bundle_key(city: str) -> str:
    """SHA-256 of the cache format, the code version and the city: a bundle's files (a folder's
    own files, or the one file) by name, size and content; a sample city by its name."""
    from scenarios.pipeline import code_version

    digest = hashlib.sha256(f"{CACHE_FORMAT}|{code_version()}|".encode())
    path = Path(city)
    if city.startswith("sample") or not path.exists():
        digest.update(city.encode())
        return digest.hexdigest()
    files = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
    for file in files:
        digest.update(f"{file.name}|{file.stat().st_size}|".encode())
        with file.open("rb") as handle:
            digest.update(hashlib.file_digest(handle, "sha256").digest())
    return digest.hexdigest()


def _read(engine: Engine, key: str, parts: tuple[str, ...]) -> dict[str, bytes]:
    """The cached parts of `key` there are (none when the table does not exist yet)."""
    query = sa.select(cache_table.c.part, cache_table.c.content).where(
        cache_table.c.key == key, cache_table.c.part.in_(parts)
    )
    try:
        with engine.connect() as conn:
            return {row.part: bytes(row.content) for row in conn.execute(query)}
    except sa.exc.SQLAlchemyError:
        return {}


def _write(engine: Engine, key: str, city: str, parts: dict[str, bytes]) -> None:
    """Keep `parts` under `key`, dropping the entries of an older state of the same city; a
    store that cannot be written to keeps nothing (the next brief reads the bundle again)."""
    now = datetime.now(UTC)
    try:
        cache_table.create(engine, checkfirst=True)
        with engine.begin() as conn:
            conn.execute(cache_table.delete().where(
                cache_table.c.city == city, cache_table.c.key != key))  # fmt: skip
            conn.execute(cache_table.delete().where(
                cache_table.c.key == key, cache_table.c.part.in_(list(parts))))  # fmt: skip
            conn.execute(cache_table.insert(), [
                {"key": key, "part": part, "city": city, "created_at": now, "content": content}
                for part, content in parts.items()])  # fmt: skip
    except sa.exc.SQLAlchemyError:
        pass


def clear_city_cache(engine: Engine) -> int:
    """Forget every cached city of the store (the next brief of each reads its bundle);
    returns how many entries there were."""
    try:
        with engine.begin() as conn:
            return conn.execute(cache_table.delete()).rowcount or 0
    except sa.exc.SQLAlchemyError:
        return 0
