"""Reading and checking the long history table ``series_id, ds, y`` and inferring its frequency.

Row numbers in error messages are file lines, counting the header as line 1 (so the first data
row is row 2), which is what a user sees in a spreadsheet or a text editor.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from demand.errors import InputError, shown
from demand.tables import read_text

__all__ = [
    "FREQ_MONTHLY",
    "FREQ_WEEKLY",
    "FREQ_YEARLY",
    "check_history",
    "infer_frequency",
    "read_history_csv",
    "season_length_for",
    "series_frequencies",
]

FREQ_MONTHLY = "MS"
FREQ_YEARLY = "YS"
FREQ_WEEKLY = "W"  # accepted only where asked (surveillance of weekly counts), not by forecasters
REQUIRED = ("series_id", "ds", "y")


def _row(position: int) -> int:
    """File line of a data row at 0-based position (header is line 1)."""
    return int(position) + 2


def season_length_for(freq: str) -> int:
    """Number of periods in one seasonal cycle: 12 for monthly, 52 for weekly, 1 for yearly."""
    return {FREQ_MONTHLY: 12, FREQ_WEEKLY: 52}.get(freq, 1)


def read_history_csv(path: str | Path, weekly: bool = False, mixed: bool = False) -> pd.DataFrame:
    """Read a history CSV (series_id, ds, y, optional numeric driver columns) and check it
    (``weekly``, ``mixed``: as ``check_history``)."""
    path = Path(path)
    frame = read_text(path, "history")  # text cells: "NA" is a series id, not a missing value
    return check_history(frame, source=str(path), weekly=weekly, mixed=mixed)


def check_history(
    frame: pd.DataFrame, source: str = "history", weekly: bool = False, mixed: bool = False
) -> pd.DataFrame:
    """Validate a long history frame and return it clean and sorted.

    Returns columns ``series_id`` (str), ``ds`` (Timestamp), ``y`` (float) and any extra numeric
    driver columns, sorted by series and date. Raises InputError naming the source, the row and
    the column for missing columns, unparseable dates, non-numeric, missing or negative ``y``,
    duplicate dates, gaps and mixed frequencies. Nothing is dropped. ``weekly`` also accepts
    series of one value every 7 days (surveillance of weekly counts); ``mixed`` lets series of
    different frequencies share the table (each series is still checked on its own).
    """
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise InputError(
            f"{source}: missing column(s) {', '.join(missing)}; "
            f"a history table needs series_id, ds, y (found: {', '.join(map(str, frame.columns))})"
        )
    if frame.empty:
        raise InputError(f"{source}: no rows; a history table needs at least one series")
    out = frame.reset_index(drop=True).copy()
    out["_row"] = np.arange(len(out))

    ids = out["series_id"]
    bad_id = ids.isna() | (ids.astype(str).str.strip() == "")
    if bad_id.any():
        pos = int(np.flatnonzero(bad_id.to_numpy())[0])
        raise InputError(f"{source}: row {_row(pos)}, column series_id: empty series id")
    out["series_id"] = ids.astype(str).str.strip()

    ds = pd.to_datetime(out["ds"], errors="coerce")
    if ds.isna().any():
        pos = int(np.flatnonzero(ds.isna().to_numpy())[0])
        raise InputError(
            f"{source}: row {_row(pos)}, column ds: {shown(out['ds'].iloc[pos])} is not a date; "
            "use YYYY-MM-DD (month start for monthly, January 1 for yearly series)"
        )
    out["ds"] = ds.dt.tz_localize(None) if ds.dt.tz is not None else ds

    y = pd.to_numeric(out["y"], errors="coerce")
    bad_y = y.isna() | ~np.isfinite(y.to_numpy(dtype=float, na_value=np.nan))
    if bad_y.any():
        pos = int(np.flatnonzero(bad_y.to_numpy())[0])
        raise InputError(
            f"{source}: row {_row(pos)}, column y (series {out['series_id'].iloc[pos]}): "
            f"{shown(out['y'].iloc[pos])} is not a number; fill in the count or remove the series"
        )
    if (y < 0).any():
        pos = int(np.flatnonzero((y < 0).to_numpy())[0])
        raise InputError(
            f"{source}: row {_row(pos)}, column y (series {out['series_id'].iloc[pos]}): "
            f"{y.iloc[pos]} is negative; counts of admissions, visits, cases or pupils are >= 0"
        )
    out["y"] = y.astype(float)

    drivers = [c for c in out.columns if c not in (*REQUIRED, "_row")]
    for col in drivers:
        values = pd.to_numeric(out[col], errors="coerce")
        if values.isna().any():
            pos = int(np.flatnonzero(values.isna().to_numpy())[0])
            raise InputError(
                f"{source}: row {_row(pos)}, column {col}: {shown(out[col].iloc[pos])} is not a "
                "number; extra columns are read as numeric drivers (e.g. population 65+)"
            )
        out[col] = values.astype(float)

    dup = out.duplicated(["series_id", "ds"], keep="first")
    if dup.any():
        pos = int(np.flatnonzero(dup.to_numpy())[0])
        sid, when = out["series_id"].iloc[pos], out["ds"].iloc[pos]
        first = int(out[(out["series_id"] == sid) & (out["ds"] == when)]["_row"].iloc[0])
        raise InputError(
            f"{source}: row {_row(pos)}, column ds: series {sid} has {when:%Y-%m-%d} twice "
            f"(also row {_row(first)}); keep one value per series and date"
        )

    out = out.sort_values(["series_id", "ds"], kind="stable").reset_index(drop=True)
    if mixed:
        series_frequencies(out, source=source, weekly=weekly)
    else:
        infer_frequency(out, source=source, weekly=weekly)
    return out.drop(columns="_row")[[*REQUIRED, *drivers]]


def _weekly_frequency(sid: str, g: pd.DataFrame, source: str) -> str | None:
    """'W' when the series steps by 7 days (a gap names its row), else None."""
    ds = g["ds"]
    if len(g) < 2:
        return None
    days = np.diff(ds.to_numpy().astype("datetime64[D]").astype(np.int64))
    if np.median(days) != 7:
        return None
    bad = np.flatnonzero(days != 7)
    if bad.size:
        i = int(bad[0])
        pos = int(g["_row"].to_numpy()[i + 1])
        what = "gap in a weekly series" if days[i] % 7 == 0 else "not one week apart"
        raise InputError(
            f"{source}: row {_row(pos)}, column ds (series {sid}): {what} between "
            f"{ds.iloc[i]:%Y-%m-%d} and {ds.iloc[i + 1]:%Y-%m-%d}; give every week, on the same "
            "weekday (y = 0 if nothing happened)"
        )
    return FREQ_WEEKLY


def _series_frequency(sid: str, g: pd.DataFrame, source: str, weekly: bool = False) -> str:
    ds = g["ds"]
    if weekly and (found := _weekly_frequency(sid, g, source)) is not None:
        return found
    not_start = ds.dt.day != 1
    if not_start.any():
        pos = int(g["_row"].to_numpy()[np.flatnonzero(not_start.to_numpy())[0]])
        raise InputError(
            f"{source}: row {_row(pos)}, column ds (series {sid}): "
            f"{ds[not_start].iloc[0]:%Y-%m-%d} "
            "is not the first of a month; date monthly values by month start (YYYY-MM-01) and "
            "yearly values by January 1"
        )
    if len(g) < 2:
        pos = int(g["_row"].iloc[0])
        raise InputError(
            f"{source}: row {_row(pos)}, series {sid}: only one observation; a series needs at "
            "least two periods to infer its frequency and far more to forecast"
        )
    months = (ds.dt.year * 12 + ds.dt.month).to_numpy()
    yearly = bool((ds.dt.month == 1).all())
    step = 12 if yearly else 1
    diffs = np.diff(months)
    gap = np.flatnonzero(diffs != step)
    if gap.size:
        i = int(gap[0])
        pos = int(g["_row"].to_numpy()[i + 1])
        unit = "year" if yearly else "month"
        raise InputError(
            f"{source}: row {_row(pos)}, column ds (series {sid}): "
            f"gap in a {unit}ly series between "
            f"{ds.iloc[i]:%Y-%m-%d} and {ds.iloc[i + 1]:%Y-%m-%d}; add the missing periods "
            "(y = 0 if nothing happened) so every period is present"
        )
    return FREQ_YEARLY if yearly else FREQ_MONTHLY


def series_frequencies(
    frame: pd.DataFrame, source: str = "history", weekly: bool = False
) -> dict[str, str]:
    """The frequency of each series ('MS', 'YS', or 'W' when ``weekly``), checking each for
    dates that are not period starts, gaps and single observations (InputError names the row)."""
    g_all = frame if "_row" in frame.columns else frame.assign(_row=np.arange(len(frame)))
    g_all = g_all.sort_values(["series_id", "ds"], kind="stable")
    return {
        str(sid): _series_frequency(str(sid), g, source, weekly)
        for sid, g in g_all.groupby("series_id", sort=False)
    }


def infer_frequency(frame: pd.DataFrame, source: str = "history", weekly: bool = False) -> str:
    """Infer the common frequency of all series: 'MS' (monthly) or 'YS' (yearly), and 'W'
    (weekly) when ``weekly`` is True.

    Raises InputError naming the series and row for dates that are not period starts, gaps,
    single-observation series, and for files mixing monthly and yearly series.
    """
    g_all = frame if "_row" in frame.columns else frame.assign(_row=np.arange(len(frame)))
    g_all = g_all.sort_values(["series_id", "ds"], kind="stable")
    found: dict[str, str] = {}
    for sid, g in g_all.groupby("series_id", sort=False):
        freq = _series_frequency(str(sid), g, source, weekly)
        found.setdefault(freq, str(sid))
        if len(found) > 1:
            names = {FREQ_MONTHLY: "monthly", FREQ_YEARLY: "yearly", FREQ_WEEKLY: "weekly"}
            (f1, s1), (f2, s2) = list(found.items())[:2]
            raise InputError(
                f"{source}: mixed frequency: series {s1} is {names[f1]} but series {s2} is "
                f"{names[f2]}; put {names[f1]} and {names[f2]} series in separate files"
            )
    return next(iter(found))
