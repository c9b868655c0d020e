"""A city bundle from an OpenStreetMap extract: areas, facilities, capacities and population.

- **Areas**: administrative boundaries at the level the user picks, or a hexagon grid of a
  given size over the extract (hexagons with no road and no building are left out, counted).
- **Facilities** from tags (``FACILITY_TAGS``): hospitals; clinics and doctors as community
  health centres; schools (primary or middle by ``isced:level``, else by name words, else
  primary: assumed) and kindergartens; social facilities and town halls as social insurance
  centres. Each keeps its OSM name (or "<kind> <osm id>" when it has none).
- **Capacity and staff** from tags where OSM has them (``beds``, ``capacity``), otherwise the
  defaults below, and every facility given a default is listed in bundle.toml ``[osm]
  assumed_capacity`` so that every page showing it can say "assumed".
- **Population** from a table the user gives (area_id, persons; or the full contract table),
  or estimated from residential buildings (``supply.osm.buildings``) and split by sex and
  age with the stationary population of the shipped 2020 life table; bundle.toml ``[osm]
  population = "estimate"`` then flags it everywhere it is shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from demand.bundle.sample_city import DEPARTMENTS, GRADES, PUPILS_PER_TEACHER, SPECIALTIES, SUBJECTS
from demand.bundle.schemas import AGE_BANDS
from demand.errors import InputError
from supply.osm.buildings import estimated_residents
from supply.osm.network import utm_crs
from supply.osm.read import ATTRIBUTION, check_extract, read_features, read_highways

#: OSM tag (key, value) -> civicalloc facility kind; 'school' is split by level below.
FACILITY_TAGS: dict[tuple[str, str], str] = {
    ("amenity", "hospital"): "hospital",
    ("healthcare", "hospital"): "hospital",
    ("amenity", "clinic"): "community_health_centre",
    ("amenity", "doctors"): "community_health_centre",
    ("healthcare", "clinic"): "community_health_centre",
    ("healthcare", "doctor"): "community_health_centre",
    ("healthcare", "centre"): "community_health_centre",
    ("amenity", "school"): "school",
    ("amenity", "kindergarten"): "kindergarten",
    ("amenity", "social_facility"): "social_insurance_centre",
    ("amenity", "townhall"): "social_insurance_centre",
}
KINDS = (
    "hospital",
    "community_health_centre",
    "primary_school",
    "middle_school",
    "kindergarten",
    "social_insurance_centre",
)
#: Words in a school's name that give its level when isced:level is absent.
MIDDLE_WORDS = re.compile(
    r"middle|secondary|junior high|yläaste|lukio|gymnas|högstadie|中学|初中|高中", re.IGNORECASE
)
PRIMARY_WORDS = re.compile(r"primary|elementary|ala-aste|lågstadie|小学", re.IGNORECASE)

#: Defaults where OSM has no figure (flagged as assumed in the bundle and on every page).
DEFAULT_HOSPITAL_BEDS = 200
DEFAULT_SPECIALISTS_PER_SPECIALTY = 4
DEFAULT_CENTRE_ROOMS = 6
DEFAULT_CENTRE_GPS = 8
DEFAULT_SCHOOL_SEATS = {"primary": 600, "middle": 540}  # over all grades of the level
DEFAULT_KINDERGARTEN_SEATS = 60
DEFAULT_COUNTERS = 4
DEFAULT_CASEWORKERS = 8
#: Hexagon size, metres across the flats, when the extract has no boundaries at the level.
DEFAULT_HEX_M = 400.0


@dataclass
class OsmCity:
    """What city-from-osm made, and what it had to assume (for the CLI's report)."""

    areas: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    capacity: pd.DataFrame
    workforce: pd.DataFrame
    population: pd.DataFrame
    assumed: list[str]
    population_source: str  # 'estimate' or 'given'
    area_source: str
    notes: list[str] = field(default_factory=list)


def hexagon_grid(outline: shapely.Polygon, size_m: float) -> list[shapely.Polygon]:
    """Flat-topped hexagons ``size_m`` across the flats covering ``outline`` (metres)."""
    if size_m <= 0:
        raise InputError(f"--hex-size must be > 0 metres, got {size_m:g}")
    r = size_m / np.sqrt(3.0)  # centre to corner
    dx, dy = 1.5 * r, size_m
    x0, y0, x1, y1 = outline.bounds
    cols = np.arange(x0 - r, x1 + 2 * r, dx)
    corners = np.array([(np.cos(a), np.sin(a)) for a in np.radians(np.arange(0, 360, 60))]) * r
    cells = []
    for k, cx in enumerate(cols):
        for cy in np.arange(y0 - dy, y1 + 2 * dy, dy) + (dy / 2 if k % 2 else 0.0):
            hexagon = shapely.Polygon(corners + (cx, cy))
            if hexagon.intersects(outline):
                cells.append(hexagon)
    return cells


def _areas_from_boundaries(boundaries: list[dict], level: int, crs) -> gpd.GeoDataFrame:
    rows = [b for b in boundaries if str(b.get("admin_level", "")).strip() == str(level)]
    if not rows:
        levels = sorted({str(b.get("admin_level")) for b in boundaries if b.get("admin_level")})
        raise InputError(
            f"the extract has no administrative boundaries at admin_level {level} (it has "
            f"{', '.join(levels) or 'none'}); pick one of those, or use --hex-size"
        )
    frame = gpd.GeoDataFrame(rows, crs=4326).to_crs(crs)
    names = frame.get("name", pd.Series([""] * len(frame))).fillna("").astype(str)
    return gpd.GeoDataFrame(
        {
            "area_id": [f"B{i + 1:03d}" for i in range(len(frame))],
            "name": [n or f"Area {oid}" for n, oid in zip(names, frame["osm_id"], strict=True)],
            "district": f"admin level {level}",
            "zone": "",
        },
        geometry=frame.geometry.to_numpy(),
        crs=crs,
    )


def _areas_from_hexagons(outline, size_m, homes, road_xy, crs) -> tuple[gpd.GeoDataFrame, int]:
    cells = gpd.GeoSeries(hexagon_grid(outline, size_m), crs=crs)
    has_home = np.zeros(len(cells), bool)
    if len(homes):
        hit = cells.sindex.query(homes.geometry, predicate="within")
        has_home[np.unique(hit[1])] = True
    road_pts = gpd.GeoSeries(gpd.points_from_xy(road_xy[:, 0], road_xy[:, 1]), crs=crs)
    has_road = np.zeros(len(cells), bool)
    hit = cells.sindex.query(road_pts, predicate="within")
    has_road[np.unique(hit[1])] = True
    keep = has_home | has_road
    kept = cells[keep].reset_index(drop=True)
    frame = gpd.GeoDataFrame(
        {
            "area_id": [f"H{i + 1:03d}" for i in range(len(kept))],
            "name": [f"Hexagon {i + 1}" for i in range(len(kept))],
            "district": f"{size_m:g} m hexagons",
            "zone": "",
        },
        geometry=kept.to_numpy(),
        crs=crs,
    )
    return frame, int((~keep).sum())


def _school_level(tags: dict) -> tuple[str, bool]:
    """('primary' | 'middle', assumed?) from isced:level, else the name, else primary."""
    isced = str(tags.get("isced:level", ""))
    levels = {int(d) for d in re.findall(r"\d", isced)}
    if levels & {2, 3} and not levels & {1}:
        return "middle", False
    if 1 in levels:
        return "primary", False
    name = str(tags.get("name", ""))
    if MIDDLE_WORDS.search(name):
        return "middle", False
    if PRIMARY_WORDS.search(name):
        return "primary", False
    return "primary", True


def _number_tag(tags: dict, key: str) -> float | None:
    match = re.match(r"^\s*(\d+(?:\.\d+)?)", str(tags.get(key, "")))
    return float(match.group(1)) if match else None


#: A node and an outline of one facility (same kind and name) lie within this many metres.
SAME_PLACE_M = 150.0


def _one_per_place(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Drop a named node that repeats a facility also mapped as an outline nearby (OSM often
    has both); unnamed facilities and same-named ones farther apart all stay."""
    centre = frame.geometry.representative_point()
    drop = np.zeros(len(frame), bool)
    named = frame[frame["name"] != ""]
    for (_kind, _name), group in named.groupby(["kind", "name"]):
        if len(group) < 2:
            continue
        outlines = group[~group["osm_id"].str.startswith("n")]
        for i in group.index[group["osm_id"].str.startswith("n")]:
            if len(outlines) and centre.loc[outlines.index].distance(centre.loc[i]).min() <= (
                SAME_PLACE_M
            ):
                drop[frame.index.get_loc(i)] = True
    return frame[~drop].reset_index(drop=True)


def _facilities(amenities: list[dict], crs, kind_of: dict[str, str]) -> gpd.GeoDataFrame:
    rows = []
    for tags in amenities:
        kind = next(
            (k for (key, value), k in FACILITY_TAGS.items() if tags.get(key) == value), None
        )
        if kind is None:
            continue
        kind_assumed = False
        if tags.get("name") in kind_of:  # the user's own reading of this facility
            kind, kind_assumed = kind_of[tags["name"]], True
        elif kind == "school":
            level, kind_assumed = _school_level(tags)
            kind = f"{level}_school"
        rows.append(
            {
                "osm_id": tags["osm_id"],
                "kind": kind,
                "name": tags.get("name") or "",
                "kind_assumed": kind_assumed,
                "tags": tags,
                "geometry": tags["geometry"],
            }
        )
    if not rows:
        raise InputError(
            "the extract has no hospitals, clinics, doctors, schools, kindergartens, social "
            "facilities or town halls (amenity/healthcare tags); use an extract of a city"
        )
    frame = gpd.GeoDataFrame(rows, crs=4326).to_crs(crs)
    # a building mapped both as a node and as an outline: keep the outline, drop the node
    frame = _one_per_place(frame)
    prefix = {
        "hospital": "H",
        "community_health_centre": "C",
        "primary_school": "P",
        "middle_school": "M",
        "kindergarten": "K",
        "social_insurance_centre": "S",
    }
    frame["facility_id"] = [
        f"{prefix[k]}{i + 1:03d}"
        for k, i in zip(frame["kind"], frame.groupby("kind").cumcount(), strict=True)
    ]
    frame["name"] = [
        n or f"{k.replace('_', ' ')} {o}"
        for n, k, o in zip(frame["name"], frame["kind"], frame["osm_id"], strict=True)
    ]
    frame["geometry"] = frame.geometry.representative_point()
    return frame


def _capacity_and_staff(facilities: gpd.GeoDataFrame) -> tuple[pd.DataFrame, pd.DataFrame, list]:
    cap, staff, assumed = [], [], []
    for f in facilities.itertuples():
        tags, fid = f.tags, f.facility_id
        if f.kind == "hospital":
            beds = _number_tag(tags, "beds")
            if beds is None:
                beds, _ = DEFAULT_HOSPITAL_BEDS, assumed.append(fid)
            for dept, (share, _stay) in DEPARTMENTS.items():
                cap.append((fid, f"beds:{dept}", round(beds * share)))
            for spec in SPECIALTIES:  # OSM never says how many specialists: always assumed
                staff.append((fid, f"specialist:{spec}", DEFAULT_SPECIALISTS_PER_SPECIALTY))
            if fid not in assumed:
                assumed.append(fid)
        elif f.kind == "community_health_centre":
            cap.append((fid, "rooms:consultation", DEFAULT_CENTRE_ROOMS))
            cap += [(fid, f"hosts:{spec}", 1) for spec in SPECIALTIES]
            staff.append((fid, "gp", DEFAULT_CENTRE_GPS))
            assumed.append(fid)
        elif f.kind in ("primary_school", "middle_school"):
            level = f.kind.split("_")[0]
            seats = _number_tag(tags, "capacity")
            if seats is None:
                seats = DEFAULT_SCHOOL_SEATS[level]
            grades = list(GRADES[level])
            cap += [(fid, f"seats:grade_{g}", round(seats / len(grades))) for g in grades]
            teachers = seats / PUPILS_PER_TEACHER[level]
            staff += [
                (fid, f"teacher:{subject}", max(1, round(teachers * share)))
                for subject, share in SUBJECTS[level].items()
            ]
            assumed.append(fid)  # teachers are always assumed; seats too without a tag
        elif f.kind == "kindergarten":
            seats = _number_tag(tags, "capacity")
            cap.append((fid, "seats:kindergarten", seats or DEFAULT_KINDERGARTEN_SEATS))
            if seats is None:
                assumed.append(fid)
        else:
            cap.append((fid, "counters", DEFAULT_COUNTERS))
            staff.append((fid, "caseworker", DEFAULT_CASEWORKERS))
            assumed.append(fid)
    capacity = pd.DataFrame(cap, columns=["facility_id", "resource", "amount"])
    workforce = pd.DataFrame(staff, columns=["facility_id", "role", "headcount"])
    workforce["fte"] = workforce["headcount"].astype(float)
    return capacity, workforce, assumed


def age_profile() -> pd.DataFrame:
    """Share of residents by sex and age band: the stationary population of the shipped 2020
    life table (births equal deaths, half of births female). An estimate for areas whose
    population is known only as a total."""
    from importlib import resources

    with resources.files("forecasting.data").joinpath("china_life_table_2020.csv").open() as fh:
        table = pd.read_csv(fh)
    rows = []
    for sex in ("F", "M"):
        rates = table[table["sex"] == sex].set_index("age_band")["death_rate"]
        alive = 1.0
        for band in AGE_BANDS:
            m = float(rates.get(band, rates.iloc[-1]))
            survive = np.exp(-5.0 * m)
            years = 5.0 * (1 + survive) / 2 if band != AGE_BANDS[-1] else 1.0 / max(m, 1e-6)
            rows.append((sex, band, alive * years))
            alive *= survive
    frame = pd.DataFrame(rows, columns=["sex", "age_band", "weight"])
    frame["share"] = frame["weight"] / frame["weight"].sum()
    return frame[["sex", "age_band", "share"]]


def _population(persons: pd.Series, year: int) -> pd.DataFrame:
    """area_id -> persons split by the age profile into whole persons (largest remainder)."""
    profile = age_profile()
    rows = []
    for area_id, total in persons.items():
        raw = profile["share"].to_numpy() * float(total)
        whole = np.floor(raw)
        short = int(round(float(total))) - int(whole.sum())
        if short > 0:
            whole[np.argsort(-(raw - whole), kind="stable")[:short]] += 1
        rows.append(
            pd.DataFrame(
                {
                    "area_id": area_id,
                    "year": year,
                    "sex": profile["sex"],
                    "age_band": profile["age_band"],
                    "persons": whole.astype(int),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def read_population_table(path: Path, area_ids: pd.Index, year: int) -> pd.DataFrame:
    """A user's population: area_id, persons (split by the age profile) or the contract table."""
    from demand.checks import require_columns, require_ids, require_known, require_numbers

    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: no such population table") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"{path.name}: cannot be read as CSV ({exc})") from None
    require_columns(frame, ["area_id", "persons"], path.name)
    frame = frame.assign(
        area_id=require_ids(frame, "area_id", path.name),
        persons=require_numbers(frame, "persons", path.name),
    )
    require_known(frame, "area_id", area_ids, path.name, "area")
    if {"year", "sex", "age_band"} <= set(frame.columns):
        return frame[["area_id", "year", "sex", "age_band", "persons"]]
    totals = frame.groupby("area_id")["persons"].sum().reindex(area_ids).fillna(0.0)
    return _population(totals, year)


def city_from_osm(
    path: str | Path,
    admin_level: int | None = None,
    hex_m: float = DEFAULT_HEX_M,
    population: Path | None = None,
    year: int = 2025,
    kind_of: dict[str, str] | None = None,
) -> OsmCity:
    """Areas, facilities, capacity, workforce and population from an extract (module doc)."""
    path = check_extract(path)
    highways = read_highways(path)
    ok = np.isfinite(highways.lon)
    if not ok.any():
        raise InputError(f"{path.name}: the extract has no roads; give the extract of a city")
    crs = utm_crs(highways.lon[ok], highways.lat[ok])
    features = read_features(path)
    road_xy = np.column_stack(
        gpd.GeoSeries(gpd.points_from_xy(highways.lon[ok], highways.lat[ok]), crs=4326)
        .to_crs(crs)
        .get_coordinates()
        .to_numpy()
        .T
    )
    if features.buildings:
        b = gpd.GeoDataFrame(features.buildings, crs=4326).to_crs(crs)
        homes = gpd.GeoDataFrame(
            {"residents": estimated_residents(b)},
            geometry=b.geometry.representative_point().to_numpy(),
            crs=crs,
        )
    else:
        homes = gpd.GeoDataFrame({"residents": []}, geometry=[], crs=crs)
    notes = []
    if admin_level is not None:
        areas = _areas_from_boundaries(features.boundaries, admin_level, crs)
        area_source = f"administrative boundaries, admin_level {admin_level}"
    else:
        outline = shapely.MultiPoint(road_xy).convex_hull
        areas, empty = _areas_from_hexagons(outline, hex_m, homes, road_xy, crs)
        area_source = f"hexagons {hex_m:g} m across"
        if empty:
            notes.append(f"{empty} hexagon(s) with no road and no building left out")
    kind_of = dict(kind_of or {})
    bad = {k: v for k, v in kind_of.items() if v not in KINDS}
    if bad:
        name, kind = next(iter(bad.items()))
        raise InputError(f"--kind-of {name}={kind}: {kind!r} is not one of {', '.join(KINDS)}")
    facilities = _facilities(features.amenities, crs, kind_of)
    unknown = set(kind_of) - set(facilities["name"])
    if unknown:
        raise InputError(
            f"--kind-of: no facility named {sorted(unknown)[0]!r} in the extract; "
            "use the name as OSM spells it"
        )
    inside = gpd.sjoin(
        facilities[["facility_id", "geometry"]],
        areas[["area_id", "geometry"]],
        predicate="within",
        how="left",
    ).drop_duplicates("facility_id")
    outside = inside["area_id"].isna().to_numpy()
    if outside.any():  # a facility in no area: the nearest area, said out loud
        nearest = gpd.sjoin_nearest(
            facilities[outside][["facility_id", "geometry"]], areas[["area_id", "geometry"]]
        ).drop_duplicates("facility_id")
        inside.loc[outside, "area_id"] = nearest["area_id"].to_numpy()
        notes.append(
            f"{int(outside.sum())} facilit(ies) outside every area joined to the nearest area"
        )
    facilities["area_id"] = inside["area_id"].to_numpy()
    capacity, workforce, assumed = _capacity_and_staff(facilities)
    if population is not None:
        pop = read_population_table(Path(population), pd.Index(areas["area_id"]), year)
        source = "given"
    else:
        hit = gpd.sjoin(homes, areas[["area_id", "geometry"]], predicate="within")
        persons = hit.groupby("area_id")["residents"].sum().reindex(areas["area_id"]).fillna(0)
        pop = _population(persons.round(), year)
        source = "estimate"
    kind_assumed = facilities.loc[facilities["kind_assumed"], "facility_id"].tolist()
    if kind_assumed:
        notes.append(
            f"{len(kind_assumed)} facilit(ies) whose kind is assumed (a school with "
            f"no level taken as primary, or --kind-of): {', '.join(kind_assumed[:5])}"
        )
        assumed += kind_assumed
    columns = ["facility_id", "kind", "name", "area_id", "geometry"]
    return OsmCity(
        areas=areas,
        facilities=gpd.GeoDataFrame(facilities[columns], crs=crs),
        capacity=capacity,
        workforce=workforce,
        population=pop,
        assumed=sorted(set(assumed)),
        population_source=source,
        area_source=area_source,
        notes=notes,
    )


def write_osm_bundle(
    built: OsmCity, extract: Path, out: Path, name: str, year: int, mode: str = "drive"
) -> Path:
    """Write the bundle folder: contract tables, a copy of the extract, bundle.toml with
    ``[travel]`` (road times for every model) and ``[osm]`` (attribution, what is assumed)."""
    import shutil

    from demand.bundle.city import City
    from demand.bundle.write import write_bundle

    empty = {
        name: pd.DataFrame()
        for name in ("mobility", "series", "history", "travel", "arrival_profile")
    }
    from demand.bundle.schemas import SCHEMAS

    for table in empty:
        empty[table] = pd.DataFrame(columns=[c.name for c in SCHEMAS[table].columns])
    city = City(
        areas=built.areas,
        population=built.population,
        facilities=built.facilities,
        capacity=built.capacity,
        workforce=built.workforce,
        name=name,
        base_year=year,
        **empty,
    )
    out = Path(out)
    write_bundle(city, out)
    for table in empty:  # optional tables stay absent rather than empty files
        (out / f"{table}.csv").unlink(missing_ok=True)
    (out / "osm").mkdir(exist_ok=True)
    local = out / "osm" / extract.name
    if local.resolve() != extract.resolve():
        shutil.copyfile(extract, local)
    assumed = ", ".join(f'"{fid}"' for fid in built.assumed)
    with (out / "bundle.toml").open("a", encoding="utf-8") as fh:
        fh.write(
            f'\n[travel]\nosm = "osm/{local.name}"\nmode = "{mode}"\n'
            f'\n[osm]\nextract = "osm/{local.name}"\nattribution = "{ATTRIBUTION}"\n'
            f'areas = "{built.area_source}"\npopulation = "{built.population_source}"\n'
            f"assumed_capacity = [{assumed}]\n"
        )
    return out


def build_osm_bundle(
    extract: Path,
    out: Path,
    admin_level: int | None = None,
    hex_m: float = DEFAULT_HEX_M,
    population: Path | None = None,
    year: int = 2025,
    mode: str = "drive",
    name: str | None = None,
    kind_of: dict[str, str] | None = None,
) -> OsmCity:
    """city-from-osm in one call: build the city, write the bundle, check that it validates."""
    from demand.bundle import check_bundle
    from supply.osm.speeds import MODES

    if mode not in MODES:
        raise InputError(f"--mode {mode!r} is not one of {', '.join(MODES)}")
    extract = Path(extract)
    built = city_from_osm(extract, admin_level, hex_m, population, year, kind_of)
    write_osm_bundle(built, extract, out, name or extract.name.split(".")[0], year, mode)
    city, report = check_bundle(out)
    if city is None:
        raise InputError(f"{out}: the bundle written does not validate: {report.errors[0].line()}")
    return built
