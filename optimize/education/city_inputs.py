"""Everything a redistricting of one school level needs, taken from a ``City``.

Units are the city's areas; pupils are children of the level's ages per area and year; schools
are the level's facilities with their seats (sum of 'seats:grade_<g>' over the level's grades);
travel is minutes from each area to each school (the city's own travel table when it covers
the schools, else straight-line bus time from geometry); today's district of an area is its
nearest school by travel unless the user supplies one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from demand.bundle import City
from demand.errors import InputError
from optimize.education.levels import Level, level_named
from optimize.education.pupils import pupils_by_area
from supply.travel import city_travel_times

SCHOOL_COLUMNS = ["school_id", "name", "area_id", "seats", "status"]
STATUSES = ("open", "closed", "new")


@dataclass
class EducationInputs:
    """Inputs of one level's redistricting.

    units    GeoDataFrame [area_id, name, zone, geometry] (metres).
    pupils   [area_id, year, pupils, basis]: children of the level's ages (persons).
    schools  [school_id, name, area_id, seats, status]: seats = places over all grades of the
             level; status 'open', 'closed' (takes no pupils) or 'new' (not there today).
    travel   [area_id, school_id, minutes].
    today    area_id -> school_id of today's district.
    """

    level: Level
    units: gpd.GeoDataFrame
    pupils: pd.DataFrame
    schools: pd.DataFrame
    travel: pd.DataFrame
    today: pd.Series


def level_seats(capacity: pd.DataFrame, level: Level) -> pd.Series:
    """facility_id -> seats over the level's grades (persons)."""
    wanted = {f"seats:grade_{g}" for g in level.grades}
    rows = capacity[capacity["resource"].isin(wanted)]
    return rows.groupby("facility_id")["amount"].sum()


def education_inputs(
    city: City,
    level: str | Level = "primary",
    years: Iterable[int] | None = None,
    closed: Iterable[str] = (),
    new_schools: pd.DataFrame | None = None,
    today: pd.Series | None = None,
    mode: str = "bus",
    cutoff_minutes: float = 60.0,
) -> EducationInputs:
    """Units, pupils, schools, travel and today's districts of ``level`` in ``city``.

    years: pupil years (default: the city's population years; later years are projected).
    closed: school ids that will take no pupils. new_schools: [school_id, area_id, seats] of
    schools to open (placed at their area's inside point). today: area_id -> school_id when
    today's districts are known (default: nearest school by travel).
    """
    level = level_named(level) if isinstance(level, str) else level
    facilities = city.facilities_of(level.kind)
    if facilities.empty:
        raise InputError(f"facilities: the city has no {level.kind}; nothing to redistrict")
    seats = level_seats(city.capacity, level)
    no_seats = [f for f in facilities["facility_id"] if f not in seats.index]
    if no_seats:
        raise InputError(
            f"capacity: school {no_seats[0]!r} has no 'seats:grade_{level.grades[0]}'…"
            f"'seats:grade_{level.grades[-1]}' rows; add its seats per grade"
        )
    schools = pd.DataFrame(
        {
            "school_id": facilities["facility_id"].to_numpy(),
            "name": facilities["name"].to_numpy(),
            "area_id": facilities["area_id"].to_numpy(),
            "seats": seats.reindex(facilities["facility_id"]).to_numpy(dtype=float),
            "status": "open",
        }
    )
    closed = set(closed)
    unknown = closed - set(schools["school_id"])
    if unknown:
        raise InputError(
            f"closed schools: {sorted(unknown)[0]!r} is not a {level.kind} of this city"
        )
    schools.loc[schools["school_id"].isin(closed), "status"] = "closed"
    points = facilities[["facility_id", "geometry"]]
    if new_schools is not None and len(new_schools):
        new = _check_new_schools(new_schools, city, schools)
        schools = pd.concat([schools, new[SCHOOL_COLUMNS]], ignore_index=True)
        inside = city.areas.set_index("area_id").geometry.representative_point()
        new_points = gpd.GeoDataFrame(
            {"facility_id": new["school_id"].to_numpy()},
            geometry=inside.reindex(new["area_id"]).to_numpy(),
            crs=city.areas.crs,
        )
        points = pd.concat([points, new_points], ignore_index=True)
    travel = _travel(city, gpd.GeoDataFrame(points, crs=city.areas.crs), mode, cutoff_minutes)
    years = sorted(city.population["year"].unique()) if years is None else years
    pupils = pupils_by_area(city.population, level, years)
    if today is None:
        today = nearest_school(travel, schools[schools["status"] != "new"]["school_id"])
    units = city.areas[["area_id", "name", "zone", "geometry"]].reset_index(drop=True)
    return EducationInputs(level, units, pupils, schools, travel, today)


def nearest_school(travel: pd.DataFrame, school_ids: Iterable[str]) -> pd.Series:
    """area_id -> the nearest of ``school_ids`` by travel minutes (today's district)."""
    rows = travel[travel["school_id"].isin(set(school_ids))]
    best = rows.sort_values(["area_id", "minutes", "school_id"], kind="stable")
    best = best.drop_duplicates("area_id")
    return best.set_index("area_id")["school_id"]


def _travel(city: City, points: gpd.GeoDataFrame, mode: str, cutoff_minutes: float) -> pd.DataFrame:
    frame = city_travel_times(city, points, mode, cutoff_minutes)
    return frame.rename(columns={"facility_id": "school_id"})[["area_id", "school_id", "minutes"]]


def _check_new_schools(new: pd.DataFrame, city: City, schools: pd.DataFrame) -> pd.DataFrame:
    source = "new schools"
    missing = {"school_id", "area_id", "seats"} - set(new.columns)
    if missing:
        raise InputError(
            f"{source}: missing column(s) {', '.join(sorted(missing))}; "
            "give school_id, area_id, seats"
        )
    areas = set(city.areas["area_id"])
    for row, rec in enumerate(new.itertuples(index=False), start=2):
        if rec.school_id in set(schools["school_id"]):
            raise InputError(
                f"{source}, row {row}, column school_id: {rec.school_id!r} already exists"
            )
        if rec.area_id not in areas:
            raise InputError(f"{source}, row {row}, column area_id: unknown area {rec.area_id!r}")
        if not float(rec.seats) > 0:
            raise InputError(f"{source}, row {row}, column seats: must be > 0, got {rec.seats}")
    out = new.copy()
    out["seats"] = out["seats"].astype(float)
    if "name" not in out.columns:
        out["name"] = "New school " + out["school_id"].astype(str)
    out["status"] = "new"
    return out
