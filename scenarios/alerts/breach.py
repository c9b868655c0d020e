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
  most 3% of patients turned away). One alert per hospital: its first ward to pass, the
  others listed.
- **Service centres**: monthly caseload forecast with intervals, turned into the caseworkers
  its peak hour needs at the service-level target (Erlang C, ``optimize.staffing``) against
  today's caseworkers. Each quantile is mapped through the same (monotone) rule.
- **Specialist sessions**, per community health centre and specialty, against a stored
  outreach plan (``health.outreach``: its ``schedule`` and ``visits_served``): the visits a week
  the plan sends to the centre from each area, grown with that area's projected need for the
  specialty (population by the cohort projection x the shipped visit rates, ``demand.need``),
  against the visits its planned sessions hold (``visit_capacity`` = sessions x visits per
  session). The spread is measured as for schools: the projection refitted without the last 2
  years, its log errors on the centres' need in them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from demand.bundle import City
from demand.errors import InputError
from forecasting.surveillance.breach import time_to_breach
from scenarios.alerts.store import ALERT_COLUMNS
from scenarios.privacy import shown_text

__all__ = [
    "LEVELS",
    "OutreachPlan",
    "centre_breaches",
    "city_breach_alerts",
    "need_growth",
    "session_breaches",
    "session_need_forecast",
    "sessions_against_plan",
    "school_breaches",
    "stored_outreach_plan",
    "ward_breaches",
]

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


#: Years ahead the sessions are checked: outreach plans are agreed and revised a year at a time
#: and a session is added within weeks, so a breach further ahead is a planning matter.
SESSION_YEARS = 3
#: Log spread one year ahead when the population has too few years to back-test the projection.
DEFAULT_SPREAD = 0.05
OUTREACH_PLANS = ("outreach_schedule", "outreach_visits_served")
#: A centre "needs more sessions" when its need passes the planned sessions' visits by more
#: than this share of one session: a session's patients vary (12-20 is usual) and absorb less,
#: and the sessions needed, rounded to whole sessions, then exceed the plan's.
SESSION_SLACK = 0.5


@dataclass
class OutreachPlan:
    """A stored outreach plan (``health.outreach``): the run it is from and its frames."""

    run_id: str
    scenario: str
    schedule: pd.DataFrame  # hospital_id, specialty, centre_id, sessions, visit_capacity, ...
    served: pd.DataFrame  # area_id, specialty, centre_id, visits_per_week, ...


def stored_outreach_plan(engine, ref: str | None = None) -> OutreachPlan | None:
    """The outreach plan of run ``ref`` (run id or scenario name); without ``ref``, that of the
    latest published run (the baseline) that has one, else of the latest run that has one.
    None when no stored run has an outreach plan; a named run without one is an error."""
    import sqlalchemy as sa

    from scenarios.store import find_run, load_plans, plans, published_runs, runs

    if ref is not None:
        run = find_run(engine, ref)
    else:
        has_plan = sa.exists().where(
            (plans.c.run_id == runs.c.run_id) & (plans.c.name == OUTREACH_PLANS[0])
        )
        published = sa.exists().where(published_runs.c.run_id == runs.c.run_id)
        q = (
            sa.select(runs.c.run_id, runs.c.scenario)
            .where(has_plan)
            .order_by(sa.case((published, 0), else_=1), runs.c.created_at.desc())
            .limit(1)
        )
        with engine.connect() as conn:
            row = conn.execute(q).mappings().first()
        if row is None:
            return None
        run = dict(row)
    frames = load_plans(engine, run["run_id"], list(OUTREACH_PLANS))
    missing = [name for name in OUTREACH_PLANS if name not in frames]
    if missing:
        raise InputError(
            f"--plan {ref}: run {run['scenario']!r} ({run['run_id'][:8]}) has no "
            f"{' or '.join(missing)} plan; give a run of a scenario with the health.outreach model"
        )
    schedule, served = (frames[name] for name in OUTREACH_PLANS)
    for name, frame, cols in (
        (OUTREACH_PLANS[0], schedule, ["centre_id", "specialty", "sessions", "visit_capacity"]),
        (OUTREACH_PLANS[1], served, ["area_id", "specialty", "centre_id", "visits_per_week"]),
    ):
        lack = [c for c in cols if c not in frame.columns]
        if lack:
            raise InputError(
                f"run {run['scenario']!r} ({run['run_id'][:8]}), plan {name}: missing "
                f"column(s) {', '.join(lack)}"
            )
    return OutreachPlan(str(run["run_id"]), str(run["scenario"]), schedule, served)


def _area_need(population: pd.DataFrame, specialties) -> pd.DataFrame:
    """Specialist outpatient visits a year per area, specialty and year (``demand.need``)."""
    from demand.need import residential_need

    need = residential_need(population)
    resources = {f"outpatient_visits:{s}" for s in specialties}
    need = need[need["resource"].isin(resources)]
    return pd.DataFrame(
        {
            "area_id": need["area_id"].astype(str).to_numpy(),
            "specialty": need["resource"].str.split(":", n=1).str[1].to_numpy(),
            "year": need["period"].astype(int).to_numpy(),
            "need": need["amount"].to_numpy(float),
        }
    )


def need_growth(population: pd.DataFrame, specialties, years: int) -> pd.DataFrame:
    """Per area, specialty and year after the population's last: ``factor``, the projected
    specialist need over the last year's (population by ``CohortProjection``, persons x the
    shipped visit rates). An area with no need in the last year keeps a factor of 1."""
    from forecasting.cohort import CohortProjection

    proj = CohortProjection().fit(population, source="population").predict(years)
    need = _area_need(proj, specialties)
    base_year = int(need["year"].min())
    base = need[need["year"] == base_year].set_index(["area_id", "specialty"])["need"]
    ahead = need[need["year"] > base_year].copy()
    now = base.reindex(pd.MultiIndex.from_frame(ahead[["area_id", "specialty"]])).to_numpy()
    ahead["factor"] = np.where(now > 0, ahead["need"].to_numpy() / np.where(now > 0, now, 1), 1.0)
    return ahead[["area_id", "specialty", "year", "factor"]].reset_index(drop=True)


def _centre_need(served: pd.DataFrame, growth: pd.DataFrame) -> pd.DataFrame:
    """Per centre, specialty and year: the plan's visits a week grown with each area's need."""
    flows = served.groupby(["area_id", "specialty", "centre_id"], as_index=False)[
        "visits_per_week"
    ].sum()
    flows["area_id"] = flows["area_id"].astype(str)
    rows = []
    for year in sorted(growth["year"].unique()):
        g = growth[growth["year"] == year].set_index(["area_id", "specialty"])["factor"]
        f = g.reindex(pd.MultiIndex.from_frame(flows[["area_id", "specialty"]])).fillna(1.0)
        rows.append(flows.assign(year=int(year), need=flows["visits_per_week"] * f.to_numpy()))
    per = pd.concat(rows, ignore_index=True)
    return per.groupby(["centre_id", "specialty", "year"], as_index=False)["need"].sum()


def session_need_forecast(
    served: pd.DataFrame, growth: pd.DataFrame, spread: dict[int, float], base_year: int
) -> pd.DataFrame:
    """The forecast frame (``series_id`` = centre:specialty, ``ds`` = 1 January of the year,
    ``yhat`` and 50/80/95% interval columns) of visits a week at each centre, from the plan's
    ``served`` visits and the areas' need ``growth``; ``spread`` is the log sd by years ahead
    (horizons it lacks grow from 1 year ahead with the square root of the horizon)."""
    need = _centre_need(served, growth)
    h = (need["year"] - base_year).to_numpy()
    sd1 = spread.get(1, DEFAULT_SPREAD)
    sd = np.array([spread.get(int(k), sd1 * np.sqrt(k)) for k in h])
    return pd.DataFrame(
        {"series_id": need["centre_id"].astype(str) + ":" + need["specialty"].astype(str),
         "ds": pd.to_datetime(need["year"].astype(str) + "-01-01"),
         **_quantiles(need["need"].to_numpy(float), sd)}
    )  # fmt: skip


def _session_spread(population: pd.DataFrame, served: pd.DataFrame) -> dict[int, float]:
    """Log sd of the centres' projected need by years ahead, measured: the projection refitted
    without the last ``BACKTEST_YEARS`` years, its errors on the centres' need in them."""
    years = sorted(population["year"].unique())
    if len(years) < BACKTEST_YEARS + 2:  # migration needs two years before the cut
        return {}
    cut = int(years[-1]) - BACKTEST_YEARS
    specialties = served["specialty"].unique()
    projected = _centre_need(
        served, need_growth(population[population["year"] <= cut], specialties, BACKTEST_YEARS)
    )
    need = _area_need(population[population["year"] >= cut], specialties)
    base = need[need["year"] == cut].set_index(["area_id", "specialty"])["need"]
    seen = need[need["year"] > cut].copy()
    now = base.reindex(pd.MultiIndex.from_frame(seen[["area_id", "specialty"]])).to_numpy()
    seen["factor"] = np.where(now > 0, seen["need"].to_numpy() / np.where(now > 0, now, 1), 1.0)
    actual = _centre_need(served, seen[["area_id", "specialty", "year", "factor"]])
    both = projected.merge(actual, on=["centre_id", "specialty", "year"], suffixes=("", "_seen"))
    both = both[(both["need"] > 0) & (both["need_seen"] > 0)]
    err = np.log(both["need_seen"] / both["need"])
    return {int(k): float(np.sqrt(np.mean(e**2))) for k, e in err.groupby(both["year"] - cut)}


def session_breaches(city: City, plan: OutreachPlan, years: int = SESSION_YEARS) -> pd.DataFrame:
    """Per community health centre and specialty: the visits a week the stored outreach plan's
    catchment will need, with quantiles, against the visits its planned sessions hold plus
    ``SESSION_SLACK`` of a session (``capacity``); time to breach
    (``forecasting.surveillance.breach``) with ``centre_id``, ``specialty``, ``sessions``,
    ``planned`` (sessions x visits per session), ``visits_per_session`` and ``now`` (the plan's
    visits a week there)."""
    served = plan.served[plan.served["visits_per_week"] > 0]
    if served.empty or not (plan.schedule["sessions"] > 0).any():
        return pd.DataFrame()
    growth = need_growth(city.population, served["specialty"].unique(), years)
    spread = _session_spread(city.population, served)
    return sessions_against_plan(plan, growth, spread, city.latest_year)


def sessions_against_plan(
    plan: OutreachPlan, growth: pd.DataFrame, spread: dict[int, float], base_year: int
) -> pd.DataFrame:
    """``session_breaches`` on a given need ``growth`` (area_id, specialty, year, factor) and
    log ``spread`` by years ahead after ``base_year`` (the plan's year)."""
    served = plan.served[plan.served["visits_per_week"] > 0]
    cap = plan.schedule.groupby(["centre_id", "specialty"], as_index=False)[
        ["sessions", "visit_capacity"]
    ].sum()
    cap = cap[cap["sessions"] > 0]
    fc = session_need_forecast(served, growth, spread, base_year)
    per_session = cap["visit_capacity"].astype(float) / cap["sessions"].astype(float)
    capacity = pd.DataFrame(
        {"series_id": cap["centre_id"].astype(str) + ":" + cap["specialty"].astype(str),
         "capacity": cap["visit_capacity"].astype(float) + SESSION_SLACK * per_session}
    )  # fmt: skip
    out = time_to_breach(fc, capacity)
    keys = out["series_id"].str.split(":", n=1)
    out["centre_id"], out["specialty"] = keys.str[0], keys.str[1]
    per = cap.assign(series_id=capacity["series_id"].to_numpy()).set_index("series_id")
    out["sessions"] = out["series_id"].map(per["sessions"]).astype(float)
    out["planned"] = out["series_id"].map(per["visit_capacity"]).astype(float)
    out["visits_per_session"] = out["planned"] / out["sessions"]
    now = served.groupby(["centre_id", "specialty"])["visits_per_week"].sum()
    out["now"] = [float(now.get((c, s), 0.0)) for c, s in zip(out["centre_id"], out["specialty"],
                                                              strict=True)]  # fmt: skip
    out.attrs["spread"] = spread
    return out


def _when(ts: pd.Timestamp, yearly: bool) -> str:
    return f"{ts:%Y}" if yearly else f"{ts:%Y-%m}"


def city_breach_alerts(
    city: City, outreach: OutreachPlan | None = None
) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """Time-to-breach alerts for the city's schools, wards, service centres and (given a stored
    ``outreach`` plan) specialist sessions per community health centre, and the scope they
    cover (open breach alerts in it that are no longer forecast get resolved)."""
    rows, scope, checked, notes = [], [], 0, []
    area = city.facilities.set_index("facility_id")["area_id"].astype(str).to_dict()
    names = city.facilities.set_index("facility_id")["name"].astype(str).to_dict()
    has = city.series["measure"].astype(str)
    if has.str.startswith("enrolment:grade_").any():
        schools = school_breaches(city)
        scope.append(("breach", "breach|school|"))
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
                _soon_by(first, SCHOOL_YEARS, True),
            ))  # fmt: skip
    if has.str.startswith("admissions:").any():
        wards = ward_breaches(city)
        scope.append(("breach", "breach|ward|"))
        checked += len(wards)
        over = wards["now"] > wards["capacity"]
        if over.any():
            notes.append(
                f"{int(over.sum())} ward(s) already above their target occupancy over the last "
                "12 months: today's state, for the bed plan, not a breach ahead"
            )
        for fid, g in wards[wards["breach_ds"].notna() & ~over].groupby("facility_id"):
            r = g.sort_values(["breach_ds", "probability"], ascending=[True, False]).iloc[0]
            others = sorted(set(g["department"]) - {r["department"]})
            also = f"; also within {MONTHS} months: {', '.join(others)}" if others else ""
            rows.append(_alert(
                "health", f"breach|ward|{fid}", fid, area.get(fid), r,
                "occupied beds", "admissions forecast x length of stay",
                f"Ward {fid} {names.get(fid, '')} / {r['department']} passes its target "
                f"occupancy in {_when(r['breach_ds'], False)}: "
                f"{shown_text(r['need'], 'occupied beds', digits=1)} beds occupied for "
                f"{r['capacity']:.1f} ({r['beds']} beds; probability {r['probability']:.2f} by "
                f"{_when(r['by_ds'], False)}){also}",
                {"department": r["department"], "others": others}, _soon_by(r, MONTHS, False),
            ))  # fmt: skip
    if has.str.startswith("caseload:").any():
        centres = centre_breaches(city)
        scope.append(("breach", "breach|centre|"))
        checked += len(centres)
        for r in centres[centres["breach_ds"].notna()].to_dict("records"):
            fid = r["series_id"]
            rows.append(_alert(
                "social_security", f"breach|centre|{fid}", fid, area.get(fid), r,
                "caseworkers", "caseload forecast x Erlang C at the service-level target",
                f"Centre {fid} {names.get(fid, '')} needs more caseworkers than it has in "
                f"{_when(r['breach_ds'], False)}: {r['need']:.0f} for {r['capacity']:.0f} "
                f"today (probability {r['probability']:.2f} by {_when(r['by_ds'], False)})", {},
                _soon_by(r, MONTHS, False),
            ))  # fmt: skip
    has_centres = (city.facilities["kind"] == "community_health_centre").any()
    if has_centres and outreach is None:
        notes.append(
            "no stored outreach plan (health.outreach): specialist sessions per centre not "
            "checked; store a run of a scenario with that model first"
        )
    elif has_centres:
        sessions = session_breaches(city, outreach)
        scope.append(("breach", "breach|sessions|"))
        checked += len(sessions)
        if len(sessions):
            rows += _session_alerts(sessions, outreach, area, names, notes)
    frame = pd.DataFrame(rows, columns=ALERT_COLUMNS)
    frame.attrs["checked"] = checked
    frame.attrs["notes"] = notes
    if has.str.startswith("enrolment:grade_").any():
        frame.attrs["schools"] = schools
    return frame, scope


def _session_alerts(sessions, plan: OutreachPlan, area, names, notes) -> list[dict]:
    """One alert per centre: its first specialty whose need passes the planned sessions."""
    if not sessions.attrs.get("spread"):
        notes.append(
            f"specialist sessions: too few population years to back-test the projection; "
            f"spread {DEFAULT_SPREAD:g} (log) a year ahead, growing with the square root of time"
        )
    over = sessions["now"] > sessions["capacity"]  # a plan made on another population
    if over.any():
        notes.append(
            f"{int(over.sum())} centre specialty(ies) already need more visits than plan "
            f"'{plan.scenario}' gives them: today's state, for the outreach plan"
        )
    rows = []
    ahead = sessions[sessions["breach_ds"].notna() & ~over]
    for fid, g in ahead.groupby("centre_id"):
        first = g.sort_values(["breach_ds", "probability"], ascending=[True, False]).iloc[0]
        others = sorted(set(g["specialty"]) - {first["specialty"]})
        also = f"; also over within {SESSION_YEARS} years: {', '.join(others)}" if others else ""
        specialty = str(first["specialty"]).replace("_", " ")
        needed = int(np.floor(first["need"] / first["visits_per_session"] + 0.5))
        alert = _alert(
            "health", f"breach|sessions|{fid}", fid, area.get(fid), first, "visits",
            "outreach plan x projected specialist need",
            f"Centre {fid} {names.get(fid, '')} needs more {specialty} sessions than planned "
            f"from {_when(first['breach_ds'], True)} (probability {first['probability']:.2f} by "
            f"{_when(first['by_ds'], True)}): {shown_text(first['need'], 'visits', digits=1)} "
            f"visits a week for the {first['planned']:.0f} its {first['sessions']:.0f} "
            f"session(s) hold: {needed} needed (plan '{plan.scenario}' {plan.run_id[:8]})"
            f"{also}",
            {"specialty": first["specialty"], "sessions": float(first["sessions"]),
             "planned": float(first["planned"]), "sessions_needed": needed,
             "plan": plan.scenario, "others": others},
            _soon_by(first, SESSION_YEARS, True),
        )  # fmt: skip
        alert["run_id"] = plan.run_id
        rows.append(alert)
    return rows


#: A breach alert is critical when it is likely (probability by its date at least this) and
#: within the next 12 months (the next school year, the next plan year); else a warning.
CRITICAL_PROBABILITY = 0.8


def _soon_by(r, periods: int, yearly: bool) -> pd.Timestamp:
    """The last period that is "soon": the first 12 months of the forecast horizon."""
    end = pd.Timestamp(r["horizon_end"])
    if yearly:
        return end - pd.DateOffset(years=periods - 1)
    return end - pd.DateOffset(months=periods - 1) + pd.DateOffset(months=11)


def _alert(bureau, key, fid, area_id, r, unit, method, message, detail, soon_by) -> dict:
    p = float(r["probability"])
    soon = pd.Timestamp(r["breach_ds"]) <= soon_by
    return {
        "key": key, "bureau": bureau, "kind": "breach", "subject": str(r["series_id"]),
        "facility_id": fid, "area_id": area_id, "ds": r["breach_ds"], "observed": r["need"],
        "expected": None, "threshold": r["capacity"], "score": p, "unit": unit,
        "method": method,
        "severity": "critical" if p >= CRITICAL_PROBABILITY and soon else "warning",
        "message": message, "run_id": None,
        "detail": {**detail, "by_ds": str(r["by_ds"]), "probability": p},
    }  # fmt: skip
