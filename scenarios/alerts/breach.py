"""Time to breach for a city: when forecast need passes what its schools, wards and service
centres can take, and how likely that is by a date (``forecasting.surveillance.breach``).

- **Schools**, per school and grade: pupils projected by grade progression from the cohort
  population forecast (``forecasting.enrolment``) against seats; the projection's uncertainty
  is measured, not assumed: it is refitted without the last 2 years and its log errors on them
  (1 and 2 years ahead) give the spread, growing with the square root of the horizon after.
  One alert per school: its first grade to pass its seats.
- **Wards**, per hospital and department: monthly admissions forecast with intervals (the
  project's forecaster), turned into occupied beds (admissions per day x length of stay) against
  the beds the ward can run at its target occupancy (``optimize.health.target_occupancy``: at
  most 3% of patients turned away).
- **Service centres**: monthly caseload forecast with intervals, turned into the caseworkers
  its peak hour needs at the service-level target (Erlang C, ``optimize.staffing``) against
  today's caseworkers. Each quantile is mapped through the same (monotone) rule.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from demand.bundle import City
from forecasting.surveillance.breach import time_to_breach
from scenarios.alerts.store import ALERT_COLUMNS
from scenarios.privacy import shown_text

__all__ = ["LEVELS", "city_breach_alerts", "school_breaches", "ward_breaches", "centre_breaches"]

LEVELS = (50, 80, 95)  # interval levels read as quantiles
SCHOOL_YEARS = 5
MONTHS = 24
BACKTEST_YEARS = 2
MAX_TURN_AWAY = 0.03


def _quantiles(yhat: np.ndarray, sd_log: np.ndarray) -> dict[str, np.ndarray]:
    """Interval columns for a log-normal spread ``sd_log`` around ``yhat``."""
    out = {"yhat": yhat}
    for lv in LEVELS:
        z = stats.norm.ppf(0.5 + lv / 200)
        out[f"yhat-lo-{lv}"] = yhat * np.exp(-z * sd_log)
        out[f"yhat-hi-{lv}"] = yhat * np.exp(z * sd_log)
    return out


def school_breaches(city: City) -> pd.DataFrame:
    """Per school and grade: the projected pupils with quantiles, seats and time to breach."""
    from forecasting.cohort import CohortProjection
    from forecasting.enrolment import EnrolmentProjection, enrolment_from_history

    enr = enrolment_from_history(city.history, city.series, city.facilities)
    proj = CohortProjection().fit(city.population, source="population").predict(SCHOOL_YEARS)
    population = pd.concat([city.population, proj], ignore_index=True).drop_duplicates(
        ["area_id", "year", "sex", "age_band"], keep="first"
    )
    model = EnrolmentProjection(n_years=3).fit(enr, population)
    ahead = model.predict(population, years=SCHOOL_YEARS)
    # the projection's own error on the last years it did not see
    last = int(enr["year"].max())
    past = enr[enr["year"] <= last - BACKTEST_YEARS]
    back = EnrolmentProjection(n_years=3).fit(past, population).predict(population, BACKTEST_YEARS)
    seen = back.merge(enr, on=["facility_id", "grade", "year"], suffixes=("", "_seen"))
    seen = seen[(seen["pupils"] > 0) & (seen["pupils_seen"] > 0)]
    err = np.log(seen["pupils_seen"] / seen["pupils"])
    h_seen = seen["year"] - (last - BACKTEST_YEARS)
    sd_by_h = {int(h): float(np.sqrt(np.mean(e**2))) for h, e in err.groupby(h_seen)}
    sd1 = sd_by_h.get(1, 0.05)
    h = (ahead["year"] - last).to_numpy()
    sd = np.array([sd_by_h.get(int(k), sd1 * np.sqrt(k)) for k in h])
    fc = pd.DataFrame(
        {"series_id": ahead["facility_id"] + ":grade_" + ahead["grade"].astype(str),
         "ds": pd.to_datetime(ahead["year"].astype(str) + "-01-01"),
         **_quantiles(ahead["pupils"].to_numpy(float), sd)}
    )  # fmt: skip
    cap = city.capacity[city.capacity["resource"].astype(str).str.startswith("seats:grade_")]
    seats = pd.DataFrame(
        {"series_id": cap["facility_id"] + ":" + cap["resource"].str.split(":").str[1],
         "capacity": cap["amount"].astype(float)}
    ).groupby("series_id", as_index=False)["capacity"].sum()  # fmt: skip
    out = time_to_breach(fc, seats)
    out["facility_id"] = out["series_id"].str.split(":").str[0]
    out["grade"] = out["series_id"].str.split("_").str[-1].astype(int)
    latest = enr[enr["year"] == last]
    latest = latest.assign(
        series_id=latest["facility_id"] + ":grade_" + latest["grade"].astype(str)
    )
    out["now"] = out["series_id"].map(latest.set_index("series_id")["pupils"])
    out.attrs["spread"] = sd_by_h
    return out


def _forecast(history: pd.DataFrame, months: int) -> pd.DataFrame:
    from forecasting.surveillance.detectors import best_single_forecaster

    model = best_single_forecaster(("SeasonalNaive", "AutoTheta"))
    return model.fit(history).predict(months, level=LEVELS)


def _interval_columns(frame: pd.DataFrame) -> list[str]:
    return ["yhat"] + [c for c in frame.columns if c.startswith(("yhat-lo-", "yhat-hi-"))]


def ward_breaches(city: City, months: int = MONTHS) -> pd.DataFrame:
    """Per hospital and department: occupied beds forecast against beds at target occupancy."""
    from optimize.health import DEFAULT_ALOS_DAYS, target_occupancy

    meta = city.series[city.series["measure"].astype(str).str.startswith("admissions:")]
    if meta.empty:
        return pd.DataFrame()
    hist = city.history[city.history["series_id"].isin(meta["series_id"])]
    fc = _forecast(hist, months)
    meta = meta.assign(department=meta["measure"].str.split(":", n=1).str[1])
    fc = fc.merge(meta[["series_id", "facility_id", "department"]], on="series_id")
    fc = fc[fc["department"].isin(DEFAULT_ALOS_DAYS)]
    alos = fc["department"].map(DEFAULT_ALOS_DAYS).to_numpy(float)
    days = fc["ds"].dt.days_in_month.to_numpy(float)
    for col in _interval_columns(fc):
        fc[col] = fc[col].to_numpy(float) / days * alos  # admissions -> occupied beds
    cap = city.capacity[city.capacity["resource"].astype(str).str.startswith("beds:")]
    beds = pd.DataFrame(
        {"facility_id": cap["facility_id"], "department": cap["resource"].str.split(":").str[1],
         "beds": cap["amount"].astype(int)}
    )  # fmt: skip
    beds = beds[beds["beds"] > 0]
    beds["capacity"] = [b * target_occupancy(int(b), MAX_TURN_AWAY) for b in beds["beds"]]
    beds = beds.merge(meta[["series_id", "facility_id", "department"]])
    out = time_to_breach(fc[["series_id", "ds", *_interval_columns(fc)]], beds)
    out = out.merge(beds[["series_id", "facility_id", "department", "beds"]], on="series_id")
    # occupied beds over the last 12 months: a ward already above its target is not a breach
    # ahead but today's state (the bed plan deals with it)
    recent = hist.sort_values("ds").groupby("series_id").tail(12)
    recent = recent.merge(meta[["series_id", "department"]], on="series_id")
    recent = recent.assign(occ=recent["y"] / recent["ds"].dt.days_in_month
                           * recent["department"].map(DEFAULT_ALOS_DAYS))  # fmt: skip
    out["now"] = out["series_id"].map(recent.groupby("series_id")["occ"].mean())
    return out


def centre_breaches(city: City, months: int = MONTHS) -> pd.DataFrame:
    """Per service centre: caseworkers its peak hour needs at the service-level target against
    today's caseworkers."""
    from forecasting.arrivals import learn_arrival_profile, split_into_hourly_arrivals
    from optimize.staffing import ServiceTarget
    from optimize.staffing.city import centre_inputs
    from optimize.staffing.requirements import staffing_requirements

    meta = city.series[city.series["measure"].astype(str).str.startswith("caseload:")]
    if meta.empty:
        return pd.DataFrame()
    hist = city.history.merge(meta[["series_id", "facility_id"]], on="series_id")
    per_centre = hist.groupby(["facility_id", "ds"], as_index=False)["y"].sum()
    per_centre = per_centre.rename(columns={"facility_id": "series_id"})
    fc = _forecast(per_centre, months)
    profile = learn_arrival_profile(city.arrival_profile, fc["series_id"].unique())
    target = ServiceTarget()
    for col in _interval_columns(fc):
        load = pd.DataFrame({"facility_id": fc["series_id"], "month": fc["ds"], "cases": fc[col]})
        req = staffing_requirements(split_into_hourly_arrivals(load, profile), target)
        need = req.set_index(["facility_id", "month"])["caseworkers_needed"]
        fc[col] = need.reindex(pd.MultiIndex.from_arrays([fc["series_id"], fc["ds"]])).to_numpy(
            float
        )
    staff = centre_inputs(city).caseworkers
    capacity = pd.DataFrame({"series_id": staff.index, "capacity": staff.to_numpy(float)})
    out = time_to_breach(fc[["series_id", "ds", *_interval_columns(fc)]], capacity)
    out.attrs["target"] = target
    return out


def _when(ts: pd.Timestamp, yearly: bool) -> str:
    return f"{ts:%Y}" if yearly else f"{ts:%Y-%m}"


def city_breach_alerts(city: City) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """Time-to-breach alerts for the city's schools, wards and service centres, and the scope
    they cover (open breach alerts in it that are no longer forecast get resolved)."""
    rows, scope, checked, notes = [], [("breach", "breach|")], 0, []
    area = city.facilities.set_index("facility_id")["area_id"].astype(str).to_dict()
    names = city.facilities.set_index("facility_id")["name"].astype(str).to_dict()
    has = city.series["measure"].astype(str)
    if has.str.startswith("enrolment:grade_").any():
        schools = school_breaches(city)
        checked += len(schools)
        ahead = schools["breach_ds"].notna() & ~(schools["now"] > schools["capacity"])
        over_now = int((schools["now"] > schools["capacity"]).sum())
        if over_now:
            notes.append(f"{over_now} school grade(s) already above their seats: no breach ahead")
        for fid, g in schools[ahead].groupby("facility_id"):
            first = g.sort_values(["breach_ds", "probability"], ascending=[True, False]).iloc[0]
            grades = ", ".join(str(x) for x in sorted(g["grade"]))
            rows.append(_alert(
                "education", f"breach|school|{fid}", fid, area.get(fid), first,
                "pupils", "grade progression + cohort projection",
                f"School {fid} {names.get(fid, '')} passes its grade-{first['grade']} seats in "
                f"{_when(first['breach_ds'], True)}: {shown_text(first['need'], 'pupils')} "
                f"pupils for {first['capacity']:,.0f} seats (probability "
                f"{first['probability']:.2f} by {_when(first['by_ds'], True)}); grades over "
                f"within {SCHOOL_YEARS} years: {grades}", {"grades": grades},
            ))  # fmt: skip
    if has.str.startswith("admissions:").any():
        wards = ward_breaches(city)
        checked += len(wards)
        over = wards["now"] > wards["capacity"]
        if over.any():
            notes.append(
                f"{int(over.sum())} ward(s) already above their target occupancy over the last "
                "12 months: today's state, for the bed plan, not a breach ahead"
            )
        for r in wards[wards["breach_ds"].notna() & ~over].to_dict("records"):
            fid = r["facility_id"]
            rows.append(_alert(
                "health", f"breach|ward|{r['series_id']}", fid, area.get(fid), r,
                "occupied beds", "admissions forecast x length of stay",
                f"Ward {fid} {names.get(fid, '')} / {r['department']} passes its target "
                f"occupancy in {_when(r['breach_ds'], False)}: "
                f"{shown_text(r['need'], 'occupied beds', digits=1)} beds occupied for "
                f"{r['capacity']:.1f} ({r['beds']} beds; probability {r['probability']:.2f} by "
                f"{_when(r['by_ds'], False)})", {"department": r["department"]},
            ))  # fmt: skip
    if has.str.startswith("caseload:").any():
        centres = centre_breaches(city)
        checked += len(centres)
        for r in centres[centres["breach_ds"].notna()].to_dict("records"):
            fid = r["series_id"]
            rows.append(_alert(
                "social_security", f"breach|centre|{fid}", fid, area.get(fid), r,
                "caseworkers", "caseload forecast x Erlang C at the service-level target",
                f"Centre {fid} {names.get(fid, '')} needs more caseworkers than it has in "
                f"{_when(r['breach_ds'], False)}: {r['need']:.0f} for {r['capacity']:.0f} "
                f"today (probability {r['probability']:.2f} by {_when(r['by_ds'], False)})", {},
            ))  # fmt: skip
    frame = pd.DataFrame(rows, columns=ALERT_COLUMNS)
    frame.attrs["checked"] = checked
    frame.attrs["notes"] = notes
    if has.str.startswith("enrolment:grade_").any():
        frame.attrs["schools"] = schools
    return frame, scope


def _alert(bureau, key, fid, area_id, r, unit, method, message, detail) -> dict:
    p = float(r["probability"])
    return {
        "key": key, "bureau": bureau, "kind": "breach", "subject": str(r["series_id"]),
        "facility_id": fid, "area_id": area_id, "ds": r["breach_ds"], "observed": r["need"],
        "expected": None, "threshold": r["capacity"], "score": p, "unit": unit,
        "method": method, "severity": "critical" if p >= 0.8 else "warning",
        "message": message, "run_id": None,
        "detail": {**detail, "by_ds": str(r["by_ds"]), "probability": p},
    }  # fmt: skip
