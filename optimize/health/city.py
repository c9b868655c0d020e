"""The health models' inputs taken from a loaded city (``demand.bundle.City``).

- ``outreach_inputs``: specialist pools, centres and the specialties they host, weekly visit
  need per area that could be seen at a community centre, and travel times (residents to
  centres and hospitals, specialists from hospital to centre).
- ``ward_inputs``: today's beds per hospital and department with next year's admissions per
  day, projected from the admissions history, and the average length of stay.

Need for outreach = outpatient visits a year per area and specialty (``demand.need``: population
by age and sex x the shipped visit rates) x ``share_at_centre`` (follow-up and chronic-care visits
that a visiting specialist can see at a community centre; 医联体 pilots move 15-30% of specialist
outpatient visits down, so 0.2 by default) / 52 weeks.

Admissions are projected per series either by a labelled trend projection (the last 12 months x
the growth of the last 12 months over the 12 before, clipped to -20%..+25%; instant) or by the
forecasting stage's Theta model (``method="theta"``).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from demand.bundle import City
from demand.errors import InputError
from demand.need import residential_need
from supply.travel import city_travel_times, road_source, travel_times_from_geometry

__all__ = [
    "DEFAULT_ALOS_DAYS",
    "OutreachInputs",
    "outreach_inputs",
    "project_admissions",
    "ward_inputs",
]

#: Average length of stay by department, days (typical of Chinese general hospitals, NHC China
#: Health Statistics Yearbook; the sample city is generated with these).
DEFAULT_ALOS_DAYS: dict[str, float] = {
    "internal_medicine": 8.5,
    "surgery": 8.0,
    "paediatrics": 5.5,
    "obstetrics_gynaecology": 4.5,
    "cardiology": 7.5,
    "orthopaedics": 10.0,
    "oncology": 9.5,
    "geriatrics": 12.0,
    "icu": 6.0,
}

TREND_LABEL = "trend projection: last 12 months x year-on-year growth"


@dataclass
class OutreachInputs:
    """Frames for ``plan_specialist_outreach`` (see its docstring for the columns)."""

    pools: pd.DataFrame
    centres: pd.DataFrame
    hosts: pd.DataFrame
    need: pd.DataFrame
    resident_travel: pd.DataFrame
    specialist_travel: pd.DataFrame
    hospital_travel: pd.DataFrame
    population: pd.Series  # persons per area, the need year
    access_travel: pd.DataFrame  # [area_id, facility_id, minutes] to hospitals and centres


def _points(frame: gpd.GeoDataFrame, id_column: str) -> gpd.GeoDataFrame:
    """Facilities as 'areas' (points are their own centroid), for facility-to-facility minutes."""
    return gpd.GeoDataFrame(
        {"area_id": frame[id_column].to_numpy()}, geometry=frame.geometry.to_numpy(), crs=frame.crs
    )


def _travel(city: City, kind: str, cutoff: float, mode: str) -> pd.DataFrame:
    facilities = city.facilities_of(kind)
    if road_source(city) is not None:  # the bundle names an OSM extract: road times
        return city_travel_times(city, facilities, mode, cutoff)
    given = city.travel
    if given is not None and len(given):
        frame = given[given["facility_id"].isin(facilities["facility_id"])]
        return frame[frame["minutes"] <= cutoff].reset_index(drop=True)
    return travel_times_from_geometry(city.areas, facilities, mode=mode, cutoff_minutes=cutoff)


def outreach_inputs(
    city: City,
    year: int | None = None,
    share_at_centre: float = 0.2,
    resident_minutes: float = 30.0,
    hospital_minutes: float = 90.0,
    specialist_minutes: float = 60.0,
    mode: str = "bus",
    mobility_aware: bool = False,
    near_work_share: float = 0.5,
) -> OutreachInputs:
    """Everything the outreach model needs, from the city bundle (need in visits per week).

    mobility_aware: commuters may see the specialist near home or near work. Per area, the
    visits of its working-age residents (20-59) x the share of them commuting to each workplace
    area (the bundle's mobility table, purpose 'commute') x ``near_work_share`` (those who would
    go during the working day) become need rows with ``from_area`` = the workplace area, which
    may be served at centres near home or near work; the rest is served near home only.
    """
    if not 0 < share_at_centre <= 1:
        raise InputError(f"share_at_centre must be in (0, 1], got {share_at_centre!r}")
    if not 0 <= near_work_share <= 1:
        raise InputError(f"near_work_share must be in [0, 1], got {near_work_share!r}")
    year = city.latest_year if year is None else year
    wf = city.workforce
    hospitals = city.facilities_of("hospital")
    spec = wf[
        wf["role"].str.startswith("specialist:") & wf["facility_id"].isin(hospitals["facility_id"])
    ]
    pools = pd.DataFrame(
        {
            "hospital_id": spec["facility_id"].to_numpy(),
            "specialty": spec["role"].str.split(":", n=1).str[1].to_numpy(),
            "specialists": spec["headcount"].astype(float).to_numpy(),
        }
    )
    centre_frame = city.facilities_of("community_health_centre")
    cap = city.capacity[city.capacity["facility_id"].isin(centre_frame["facility_id"])]
    rooms = cap[cap["resource"] == "rooms:consultation"].groupby("facility_id")["amount"].sum()
    centres = pd.DataFrame(
        {
            "centre_id": centre_frame["facility_id"].to_numpy(),
            "rooms": rooms.reindex(centre_frame["facility_id"]).fillna(0.0).to_numpy(),
        }
    )
    hosted = cap[cap["resource"].str.startswith("hosts:") & (cap["amount"] > 0)]
    hosts = pd.DataFrame(
        {
            "centre_id": hosted["facility_id"].to_numpy(),
            "specialty": hosted["resource"].str.split(":", n=1).str[1].to_numpy(),
        }
    ).drop_duplicates()

    pop = city.population_in(year)
    need = residential_need(pop, years=[year])
    resources = "outpatient_visits:" + pools["specialty"].drop_duplicates()
    need = need[need["resource"].isin(set(resources))]
    need = pd.DataFrame(
        {
            "area_id": need["area_id"].to_numpy(),
            "specialty": need["resource"].str.split(":", n=1).str[1].to_numpy(),
            "visits_per_week": need["amount"].to_numpy() * share_at_centre / 52.0,
        }
    )
    if mobility_aware:
        need = _need_near_work(city, pop, year, need, share_at_centre, near_work_share)
    resident = _travel(city, "community_health_centre", resident_minutes, mode)
    to_hospital = _travel(city, "hospital", hospital_minutes, mode)
    specialist = city_travel_times(
        city, centre_frame, mode="drive", cutoff_minutes=specialist_minutes,
        origins=_points(hospitals, "facility_id"),
    )  # fmt: skip
    access_travel = pd.concat(
        [resident, to_hospital[to_hospital["minutes"] <= resident_minutes]], ignore_index=True
    )
    return OutreachInputs(
        pools=pools,
        centres=centres,
        hosts=hosts,
        need=need,
        resident_travel=resident.rename(columns={"facility_id": "centre_id"}),
        specialist_travel=specialist.rename(
            columns={"area_id": "hospital_id", "facility_id": "centre_id"}
        ),
        hospital_travel=to_hospital.rename(columns={"facility_id": "hospital_id"}),
        population=pop.groupby("area_id")["persons"].sum().astype(float),
        access_travel=access_travel,
    )


WORKING_AGE_BANDS = ["20-24", "25-29", "30-34", "35-39", "40-44", "45-49", "50-54", "55-59"]


def _need_near_work(
    city: City,
    pop: pd.DataFrame,
    year: int,
    need: pd.DataFrame,
    share_at_centre: float,
    near_work_share: float,
) -> pd.DataFrame:
    """Split each area's need into visits starting at home and near each workplace area."""
    mob = city.mobility
    commute = mob[(mob["purpose"] == "commute") & (mob["origin_area"] != mob["dest_area"])]
    working = pop[pop["age_band"].isin(WORKING_AGE_BANDS)]
    if commute.empty or working.empty:
        return need
    workers = working.groupby("area_id")["persons"].sum()
    trips = commute.groupby(["origin_area", "dest_area"], as_index=False)["trips_per_day"].sum()
    trips["share"] = trips["trips_per_day"] / trips["origin_area"].map(workers)
    total = trips.groupby("origin_area")["share"].transform("sum")
    trips["share"] = trips["share"] / total.clip(lower=1.0)  # never more commuters than workers
    wneed = residential_need(working, years=[year])
    wneed = wneed[wneed["resource"].isin("outpatient_visits:" + need["specialty"].unique())]
    wneed = pd.DataFrame(
        {
            "area_id": wneed["area_id"].to_numpy(),
            "specialty": wneed["resource"].str.split(":", n=1).str[1].to_numpy(),
            "working": wneed["amount"].to_numpy() * share_at_centre / 52.0,
        }
    )
    away = wneed.merge(trips, left_on="area_id", right_on="origin_area")
    away["visits_per_week"] = away["working"] * away["share"] * near_work_share
    away = away[away["visits_per_week"] > 1e-9]
    away = away.rename(columns={"dest_area": "from_area"})
    moved = away.groupby(["area_id", "specialty"])["visits_per_week"].sum()
    home = need.copy()
    key = pd.MultiIndex.from_frame(home[["area_id", "specialty"]])
    home["visits_per_week"] = home["visits_per_week"] - moved.reindex(key).fillna(0.0).to_numpy()
    home["from_area"] = home["area_id"]
    columns = ["area_id", "specialty", "from_area", "visits_per_week"]
    return pd.concat([home[columns], away[columns]], ignore_index=True)


def project_admissions(
    history: pd.DataFrame, basis: str = "year", method: str = "trend"
) -> pd.DataFrame:
    """Next 12 months' admissions per day per series.

    history: [series_id, ds, y] monthly. basis "year" = average day of next year; "peak month" =
    the busiest month's average day (wards must cope with winter). method "trend" = the labelled
    trend projection (last 12 months x year-on-year growth); "theta" = the forecasting stage's
    ``ThetaForecaster`` (statsforecast AutoTheta, a few seconds for 100 series). Returns
    [series_id, admissions_per_day, growth, method]. Series under 24 months raise InputError.
    """
    if basis not in ("year", "peak month"):
        raise InputError(f"admissions basis must be 'year' or 'peak month', got {basis!r}")
    if method not in ("trend", "theta"):
        raise InputError(f"admissions forecast method must be 'trend' or 'theta', got {method!r}")
    history = history.sort_values(["series_id", "ds"])
    short = history.groupby("series_id").size()
    if (short < 24).any():
        sid = short[short < 24].index[0]
        raise InputError(
            f"history series {sid}: {short[sid]} months; projecting admissions needs 24 or more"
        )
    if method == "theta":
        from forecasting.models import ThetaForecaster

        future = ThetaForecaster().fit(history).predict(12)[["series_id", "ds", "yhat"]]
        future = future.rename(columns={"yhat": "y"})
        label = "forecasting: AutoTheta (statsforecast), next 12 months"
    else:
        future, label = None, TREND_LABEL
    rows = []
    for sid, g in history.groupby("series_id", sort=True):
        last, before = g.iloc[-12:], g.iloc[-24:-12]
        if future is None:
            growth = float(np.clip(last["y"].sum() / max(before["y"].sum(), 1e-9), 0.8, 1.25))
            ahead = last.assign(y=last["y"] * growth)
        else:
            ahead = future[future["series_id"] == sid]
            growth = float(ahead["y"].sum() / max(last["y"].sum(), 1e-9))
        if basis == "year":
            per_day = ahead["y"].sum() / 365.0
        else:
            per_day = float((ahead["y"].to_numpy() / ahead["ds"].dt.days_in_month.to_numpy()).max())
        rows.append((sid, per_day, growth, label))
    return pd.DataFrame(rows, columns=["series_id", "admissions_per_day", "growth", "method"])


def admissions_from_need(city: City, cutoff_minutes: float = 120.0) -> pd.DataFrame:
    """[hospital_id, department, admissions_per_day, method] for a city with no admissions
    history: the latest year's admissions need (need rates x residents) of each area, sent to
    its nearest hospital by travel time. Areas reaching no hospital raise InputError."""
    from supply.catchment import city_need_at_nearest

    per = city_need_at_nearest(city, "admissions:", "hospital", cutoff_minutes)
    return pd.DataFrame(
        {
            "hospital_id": per["facility_id"].to_numpy(),
            "department": per["resource"].str.split(":", n=1).str[1].to_numpy(),
            "admissions_per_day": per["amount"].to_numpy(dtype=float) / 365.0,
            "method": "need rates (no history)",
        }
    )


def ward_inputs(
    city: City,
    alos_days: dict[str, float] | None = None,
    basis: str = "year",
    method: str = "trend",
) -> pd.DataFrame:
    """[hospital_id, department, beds, admissions_per_day, alos_days, method] for every ward.

    Wards are the 'beds:<department>' capacity rows of hospitals; admissions come from the
    'admissions:<department>' history series of the same hospital, or, in a city with no
    admissions history at all, from need rates (``admissions_from_need``). A ward without
    admissions or without a length of stay raises InputError naming it.
    """
    alos = dict(DEFAULT_ALOS_DAYS if alos_days is None else alos_days)
    hospitals = city.facilities_of("hospital")["facility_id"]
    cap = city.capacity
    beds = cap[cap["facility_id"].isin(hospitals) & cap["resource"].str.startswith("beds:")]
    wards = pd.DataFrame(
        {
            "hospital_id": beds["facility_id"].to_numpy(),
            "department": beds["resource"].str.split(":", n=1).str[1].to_numpy(),
            "beds": beds["amount"].to_numpy(dtype=float),
        }
    )
    series = city.series[city.series["measure"].str.startswith("admissions:")]
    series = series.assign(department=series["measure"].str.split(":", n=1).str[1])
    if series.empty:  # no admissions history at all (a city built from OpenStreetMap)
        projected = admissions_from_need(city)
    else:
        hist = city.history[city.history["series_id"].isin(series["series_id"])]
        projected = project_admissions(hist, basis, method).merge(
            series[["series_id", "facility_id", "department"]], on="series_id"
        )
        projected = projected.rename(columns={"facility_id": "hospital_id"})
    wards = wards.merge(
        projected[["hospital_id", "department", "admissions_per_day", "method"]],
        on=["hospital_id", "department"],
        how="left",
    )
    missing = wards["admissions_per_day"].isna()
    if missing.any():
        r = wards[missing].iloc[0]
        raise InputError(
            f"ward {r['hospital_id']} / {r['department']}: no 'admissions:{r['department']}' "
            "history series for this hospital. Add the series to history.csv and series.csv."
        )
    unknown = sorted(set(wards["department"]) - set(alos))
    if unknown:
        raise InputError(
            f"no average length of stay for department(s) {', '.join(unknown)}; pass alos_days "
            "with a value in days for each"
        )
    wards.insert(4, "alos_days", wards["department"].map(alos).astype(float))
    return wards
