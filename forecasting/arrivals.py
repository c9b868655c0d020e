"""Monthly caseload into visitors per opening hour, by weekday and hour of the day.

A profile gives each (weekday, hour) slot its share of a typical week's visits. It is learned
per service centre from the bundle's optional ``arrival_profile`` table (aggregated visit counts)
or, where a centre has none, from all centres pooled, or else from the documented default below.
A month's cases are spread over its working days in proportion to the profile, so that
``sum(arrivals_per_hour * days) == cases`` for every centre and month.

Default profile (when no counts exist): open Monday-Friday 08:00-18:00, closed at weekends;
Monday is the busiest day (people come after the weekend) and the week tails off; visits peak in
the late morning (10-11 h), dip over lunch (12 h) and pick up again mid-afternoon.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from demand.errors import InputError

__all__ = [
    "DEFAULT_HOUR_WEIGHTS",
    "DEFAULT_WEEKDAY_WEIGHTS",
    "PROFILE_COLUMNS",
    "caseload_from_history",
    "default_arrival_profile",
    "forecast_caseload",
    "learn_arrival_profile",
    "split_into_hourly_arrivals",
    "working_days",
]

#: Relative visits per weekday (0 = Monday); weekdays not listed are closed.
DEFAULT_WEEKDAY_WEIGHTS: dict[int, float] = {0: 1.30, 1: 1.05, 2: 1.00, 3: 0.95, 4: 0.85}
#: Relative visits per opening hour (the hour a visit starts, 8 = 08:00-08:59).
DEFAULT_HOUR_WEIGHTS: dict[int, float] = {
    8: 0.70, 9: 1.15, 10: 1.45, 11: 1.35, 12: 0.55, 13: 0.75, 14: 1.05, 15: 1.05, 16: 0.85,
    17: 0.45,
}  # fmt: skip

PROFILE_COLUMNS = ["facility_id", "weekday", "hour", "share", "source"]
ARRIVAL_COLUMNS = ["facility_id", "month", "weekday", "hour", "days", "arrivals_per_hour"]


def default_arrival_profile() -> pd.DataFrame:
    """The default weekly profile: [weekday, hour, share], shares summing to 1 over the week."""
    rows = [
        (day, hour, dw * hw)
        for day, dw in DEFAULT_WEEKDAY_WEIGHTS.items()
        for hour, hw in DEFAULT_HOUR_WEIGHTS.items()
    ]
    frame = pd.DataFrame(rows, columns=["weekday", "hour", "share"])
    frame["share"] /= frame["share"].sum()
    return frame


def _check_profile_counts(counts: pd.DataFrame, source: str) -> pd.DataFrame:
    """Validate [facility_id, weekday, hour, visits]; errors name the row (file line) and column."""
    needed = ["facility_id", "weekday", "hour", "visits"]
    missing = [c for c in needed if c not in counts.columns]
    if missing:
        raise InputError(
            f"{source}: missing column(s) {', '.join(missing)}; "
            "an arrival profile needs facility_id, weekday (0=Mon), hour (0-23), visits"
        )
    out = counts[needed].reset_index(drop=True).copy()
    out["facility_id"] = out["facility_id"].astype(str)
    for column, low, high in (("weekday", 0, 6), ("hour", 0, 23), ("visits", 0, np.inf)):
        values = pd.to_numeric(out[column], errors="coerce")
        bad = values.isna() | (values < low) | (values > high)
        if column != "visits":
            bad |= values.notna() & (values != values.round())
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            allowed = "a number >= 0" if column == "visits" else f"a whole number {low}-{high}"
            raise InputError(
                f"{source}: row {pos + 2}, column {column}: {out[column].iloc[pos]!r} is not "
                f"{allowed}; fix that row"
            )
        out[column] = values.astype(float if column == "visits" else int)
    dup = out.duplicated(["facility_id", "weekday", "hour"], keep="first")
    if dup.any():
        pos = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputError(
            f"{source}: row {pos + 2}: facility {out['facility_id'].iloc[pos]} has the slot "
            f"weekday {out['weekday'].iloc[pos]}, hour {out['hour'].iloc[pos]} twice; keep one row"
        )
    return out


def learn_arrival_profile(
    counts: pd.DataFrame | None,
    facility_ids: Iterable[str],
    prior_visits: float = 100.0,
    source: str = "arrival_profile",
) -> pd.DataFrame:
    """Each centre's share of a week's visits per (weekday, hour), learned from visit counts.

    counts: [facility_id, weekday, hour, visits] (may be None or empty). A centre's own counts are
    blended with the pooled profile of all centres, worth ``prior_visits`` visits, so a centre with
    few counts is not over-fitted. Centres without counts get the pooled profile; if there are no
    counts at all, the default profile. Returns PROFILE_COLUMNS; ``source`` says which was used
    ('own', 'pooled' or 'default'); shares sum to 1 per centre.
    """
    facility_ids = [str(f) for f in dict.fromkeys(facility_ids)]
    if counts is None or counts.empty or float(pd.to_numeric(counts["visits"]).sum()) == 0:
        base = default_arrival_profile()
        return pd.concat(
            [base.assign(facility_id=f, source="default") for f in facility_ids], ignore_index=True
        ).reindex(columns=PROFILE_COLUMNS)
    clean = _check_profile_counts(counts, source)
    pooled = clean.groupby(["weekday", "hour"], as_index=False)["visits"].sum()
    pooled["share"] = pooled["visits"] / pooled["visits"].sum()
    frames = []
    for fid in facility_ids:
        own = clean[clean["facility_id"] == fid]
        total = float(own["visits"].sum())
        if total == 0:
            frames.append(
                pooled[["weekday", "hour", "share"]].assign(facility_id=fid, source="pooled")
            )
            continue
        merged = (
            pooled[["weekday", "hour", "share"]]
            .merge(own[["weekday", "hour", "visits"]], on=["weekday", "hour"], how="outer")
            .fillna(0.0)
        )
        merged["share"] = (merged["visits"] + prior_visits * merged["share"]) / (
            total + prior_visits
        )
        frames.append(merged[["weekday", "hour", "share"]].assign(facility_id=fid, source="own"))
    profile = pd.concat(frames, ignore_index=True)
    profile = profile[profile["share"] > 0]
    profile[["weekday", "hour"]] = profile[["weekday", "hour"]].astype(int)
    return profile.reindex(columns=PROFILE_COLUMNS).sort_values(
        ["facility_id", "weekday", "hour"], ignore_index=True
    )


def working_days(
    month: pd.Timestamp, open_weekdays: Iterable[int], holidays: Iterable = ()
) -> dict[int, int]:
    """Number of open days of each weekday in a month: {weekday: days}, holidays removed."""
    start = pd.Timestamp(month).to_period("M").start_time
    days = pd.date_range(start, start + pd.offsets.MonthEnd(0), freq="D")
    closed = {pd.Timestamp(h).normalize() for h in holidays}
    days = [d for d in days if d not in closed]
    return {wd: sum(1 for d in days if d.weekday() == wd) for wd in sorted(set(open_weekdays))}


def split_into_hourly_arrivals(
    caseload: pd.DataFrame,
    profile: pd.DataFrame,
    holidays: Iterable = (),
    source: str = "caseload",
) -> pd.DataFrame:
    """Visitors per opening hour for each centre, month, weekday and hour.

    caseload: [facility_id, month (any date in the month), cases (visits in the month)].
    profile: PROFILE_COLUMNS (from ``learn_arrival_profile``), or [weekday, hour, share] to use
    one profile for every centre. Returns [facility_id, month (month start), weekday, hour, days
    (open days of that weekday in the month), arrivals_per_hour (visitors in that hour on one such
    day)]; ``arrivals_per_hour * days`` summed over a centre-month equals its cases.
    """
    missing = [c for c in ("facility_id", "month", "cases") if c not in caseload.columns]
    if missing:
        raise InputError(
            f"{source}: missing column(s) {', '.join(missing)}; caseload needs "
            "facility_id, month, cases"
        )
    months = pd.to_datetime(caseload["month"], errors="coerce")
    cases = pd.to_numeric(caseload["cases"], errors="coerce")
    for name, bad in (("month", months.isna()), ("cases", cases.isna() | (cases < 0))):
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            what = "a date like 2026-01-01" if name == "month" else "a number of visits >= 0"
            raise InputError(
                f"{source}: row {pos + 2}, column {name}: {caseload[name].iloc[pos]!r} is not "
                f"{what}; fix that row"
            )
    load = pd.DataFrame(
        {
            "facility_id": caseload["facility_id"].astype(str).to_numpy(),
            "month": months.dt.to_period("M").dt.start_time.to_numpy(),
            "cases": cases.to_numpy(dtype=float),
        }
    )
    twice = load.duplicated(["facility_id", "month"], keep="first").to_numpy()
    if twice.any():
        pos = int(np.flatnonzero(twice)[0])
        raise InputError(
            f"{source}: row {pos + 2}: centre {load['facility_id'].iloc[pos]} has month "
            f"{load['month'].iloc[pos]:%Y-%m} twice ({int(twice.sum())} repeated row(s)); keep "
            "one row of cases per centre and month"
        )
    if "facility_id" not in profile.columns:
        profile = pd.concat(
            [profile.assign(facility_id=f) for f in load["facility_id"].unique()], ignore_index=True
        )
    known = set(profile["facility_id"].astype(str))
    unknown = sorted(set(load["facility_id"]) - known)
    if unknown:
        raise InputError(
            f"{source}: no arrival profile for centre(s) {', '.join(unknown[:5])}; "
            "pass their facility ids to learn_arrival_profile"
        )
    frames = []
    by_centre = {fid: grp for fid, grp in profile.groupby(profile["facility_id"].astype(str))}
    holidays = list(holidays)
    for row in load.itertuples(index=False):
        slots = by_centre[row.facility_id][["weekday", "hour", "share"]].copy()
        open_days = working_days(row.month, slots["weekday"].unique(), holidays)
        slots["days"] = slots["weekday"].map(open_days).astype(int)
        open_share = float((slots["share"] * slots["days"]).sum())
        if open_share == 0:
            if row.cases > 0:
                raise InputError(
                    f"{source}: centre {row.facility_id} has {row.cases:g} cases in "
                    f"{row.month:%Y-%m} but no open day; check holidays and the profile"
                )
            open_share = 1.0
        slots["arrivals_per_hour"] = row.cases * slots["share"] / open_share
        frames.append(slots.assign(facility_id=row.facility_id, month=row.month))
    if not frames:
        return pd.DataFrame(columns=ARRIVAL_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    return out[out["days"] > 0].reindex(columns=ARRIVAL_COLUMNS).reset_index(drop=True)


def _caseload_series(series: pd.DataFrame, measure_prefix: str) -> pd.DataFrame:
    """Series whose measure starts with ``measure_prefix`` and that are counted at a facility."""
    picked = series[
        series["measure"].astype(str).str.startswith(measure_prefix)
        & series["facility_id"].fillna("").astype(str).ne("")
    ]
    if picked.empty:
        raise InputError(
            f"series: no series with measure '{measure_prefix}*' at a facility; the bundle needs "
            "caseload series for its social insurance centres"
        )
    return picked


def caseload_from_history(
    series: pd.DataFrame, history: pd.DataFrame, measure_prefix: str = "caseload:"
) -> pd.DataFrame:
    """Monthly cases per service centre, summed over benefit types: [facility_id, month, cases].

    Picks the series whose measure starts with ``measure_prefix`` (e.g. caseload:pension) and
    that are counted at a facility.
    """
    picked = _caseload_series(series, measure_prefix)
    joined = history.merge(picked[["series_id", "facility_id"]], on="series_id", how="inner")
    joined["month"] = pd.to_datetime(joined["ds"]).dt.to_period("M").dt.start_time
    return (
        joined.groupby(["facility_id", "month"], as_index=False)["y"]
        .sum()
        .rename(columns={"y": "cases"})
    )


def forecast_caseload(
    series: pd.DataFrame,
    history: pd.DataFrame,
    months: int = 12,
    forecaster=None,
    measure_prefix: str = "caseload:",
) -> pd.DataFrame:
    """Forecast monthly cases per service centre and benefit type for the next ``months``.

    Uses ``forecasting.models.AutoForecaster`` (per series: seasonal naive, ETS or Theta, chosen
    by backtest) unless another estimator is given. Returns [facility_id, benefit, month, cases,
    model]; sum over ``benefit`` for a centre's caseload.
    """
    from forecasting.models import AutoForecaster

    picked = _caseload_series(series, measure_prefix)
    past = history[history["series_id"].isin(picked["series_id"])][["series_id", "ds", "y"]]
    model = forecaster if forecaster is not None else AutoForecaster(n_jobs=1)
    future = model.fit(past).predict(months, level=())
    meta = picked.set_index("series_id")
    return pd.DataFrame(
        {
            "facility_id": future["series_id"].map(meta["facility_id"]).astype(str).to_numpy(),
            "benefit": future["series_id"]
            .map(meta["measure"])
            .str.removeprefix(measure_prefix)
            .to_numpy(),
            "month": pd.to_datetime(future["ds"]).to_numpy(),
            "cases": future["yhat"].to_numpy(dtype=float),
            "model": future["model"].to_numpy(),
        }
    )
