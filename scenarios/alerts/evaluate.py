"""One evaluation: run the detectors over the history, the indicator rules over the stored runs
and the new history, and time to breach over the forecasts; store what was found.

``watch(...)`` is what `civicalloc watch` calls. Every alert names its owner bureau: a history
series' bureau is the ``service`` of the series table (``--series`` or the bundle's), else
``--bureau``; a rule's is its ``service``. Counts of people in messages are shown through
``scenarios.privacy.shown_text`` (small cells hidden), and the unit of a series comes from its
measure (admissions, visits, cases, pupils).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from demand.errors import InputError
from forecasting.surveillance import RESULT_COLUMNS
from scenarios.alerts.rules import Rule, WatchFile
from scenarios.alerts.store import ALERT_COLUMNS, BUREAUS, OVER, Evaluation, store_evaluation
from scenarios.privacy import shown_text
from scenarios.store import kpis as kpis_table
from scenarios.store import runs as runs_table

__all__ = [
    "MEASURE_UNITS",
    "WatchResult",
    "rule_alerts_on_history",
    "rule_alerts_on_runs",
    "series_bureaus",
    "surveillance_alerts",
    "watch",
]

#: The unit of a history measure, by the measure's first word (what suppression keys on).
MEASURE_UNITS = {
    "admissions": "admissions",
    "outpatient_visits": "visits",
    "visits": "visits",
    "caseload": "cases",
    "cases": "cases",
    "applications": "cases",
    "enrolment": "pupils",
}
DEFAULT_UNIT = "cases"  # a count of events of people unless the measure says otherwise
CRITICAL_EXCESS = 2.0  # observed beyond expected by twice the limit's margin: critical


@dataclass
class WatchResult:
    """What an evaluation found and what the store did with it."""

    alerts: pd.DataFrame  # ALERT_COLUMNS, every alert found
    evaluation: Evaluation
    notes: list[str] = field(default_factory=list)  # fallbacks and skips, in words
    checked: dict = field(default_factory=dict)


def series_bureaus(
    history: pd.DataFrame, series: pd.DataFrame | None, bureau: str | None, source: str
) -> pd.DataFrame:
    """Per series_id: bureau, measure, unit, facility_id, area_id (from the series table, or
    ``bureau`` for series it does not name). A series with no bureau is an error naming it."""
    ids = pd.Index(sorted(history["series_id"].astype(str).unique()), name="series_id")
    meta = pd.DataFrame(index=ids, columns=["bureau", "measure", "facility_id", "area_id"])
    if series is not None and len(series):
        s = series.assign(series_id=series["series_id"].astype(str)).set_index("series_id")
        s = s[~s.index.duplicated()]
        common = ids.intersection(s.index)
        for col, src in (("bureau", "service"), ("measure", "measure"),
                         ("facility_id", "facility_id"), ("area_id", "area_id")):  # fmt: skip
            if src in s.columns:
                meta.loc[common, col] = s.loc[common, src].astype("string").replace("", pd.NA)
    if bureau is not None:
        meta["bureau"] = meta["bureau"].fillna(bureau)
    missing = meta["bureau"].isna()
    if missing.any():
        sid = meta.index[missing][0]
        raise InputError(
            f"{source}: series {sid} has no bureau; give a series table with a service column "
            "(--series or --bundle) or --bureau for all series"
        )
    meta["measure"] = meta["measure"].fillna(pd.Series(meta.index, index=meta.index))
    first = meta["measure"].astype(str).str.split(":").str[0]
    meta["unit"] = first.map(MEASURE_UNITS).fillna(DEFAULT_UNIT)
    return meta.reset_index()


def _where(row) -> str:
    return f" at {row['facility_id']}" if isinstance(row.get("facility_id"), str) else ""


TRACE_PERIODS = 60  # what the app's series plot shows around an alert


def _trace(series: pd.DataFrame, judged: pd.DataFrame) -> dict:
    """The series' last periods with the method's band where it judged (for the app's plot)."""
    tail = series.tail(TRACE_PERIODS)
    band = judged.set_index("ds")[["expected", "threshold", "alarm"]]
    band = band.reindex(tail["ds"])
    clean = lambda v: [None if pd.isna(x) else round(float(x), 3) for x in v]  # noqa: E731
    return {
        "ds": [f"{d:%Y-%m-%d}" for d in tail["ds"]],
        "observed": clean(tail["y"]),
        "expected": clean(band["expected"]),
        "threshold": clean(band["threshold"]),
        "alarm": [bool(x) if not pd.isna(x) else False for x in band["alarm"]],
    }


def _is_yearly(ds: pd.Series) -> bool:
    return len(ds) > 1 and bool((ds.diff().dt.days.dropna() >= 365).all())


def surveillance_alerts(
    history: pd.DataFrame,
    meta: pd.DataFrame,
    spec: WatchFile,
    since,
    source: str,
    stored: dict[str, list[dict]] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """(alerts, every judged period, notes) from each detector of ``spec`` over ``history``:
    one alert per episode of a series (``alert_episodes``); ``stored``: the episodes already
    stored per series (``stored_episodes``), which an episode continuing one extends."""
    judged, notes = [], []
    yearly = history.groupby("series_id")["ds"].apply(_is_yearly)
    if yearly.any():
        notes.append(f"{int(yearly.sum())} yearly series (e.g. enrolment) not surveilled: "
                     "they are watched for time to breach")  # fmt: skip
        history = history[~history["series_id"].isin(yearly.index[yearly])]
    if history.empty:
        return pd.DataFrame(columns=ALERT_COLUMNS), pd.DataFrame(columns=RESULT_COLUMNS), notes
    for name, detector in spec.detectors().items():
        found = detector.fit(history, source=source).detect(since=since)
        found["detector"] = name
        judged.append(found)
        for note, n in found.loc[found["note"] != "", "note"].value_counts().items():
            if "fewer than" in note and "in the last" in note:
                continue  # Farrington's too-few-cases rule: not a fallback
            notes.append(f"{name}: {n} period(s): {note}")
    judged = (
        pd.concat(judged, ignore_index=True) if judged else pd.DataFrame(columns=RESULT_COLUMNS)
    )
    hits = judged[judged["alarm"]].merge(meta, on="series_id", how="left")
    traces = {
        key: _trace(history[history["series_id"] == key[0]], g)
        for key, g in judged[judged["series_id"].isin(hits["series_id"])].groupby(
            ["series_id", "detector"]
        )
    }
    detectors = spec.detectors()
    order = {name: i for i, name in enumerate(detectors)}  # by name, and by the method's label
    order |= {getattr(d, "label", name): i for i, (name, d) in enumerate(detectors.items())}
    positions = {sid: pd.Index(g["ds"].sort_values()) for sid, g in history.groupby("series_id")}
    stored = stored or {}
    judged_to = judged[judged["method"] != "none"].groupby("series_id")["ds"].max()
    rows = [
        _episode_alert(ep, order, traces, positions[sid], stored.get(sid, []), judged_to[sid])
        for ep in alert_episodes(hits, positions)
        for sid in [ep["series_id"].iloc[0]]
    ]
    return pd.DataFrame(rows, columns=ALERT_COLUMNS), judged, notes


#: Flagged periods of one series with at most this many unflagged periods between them are one
#: alert episode (a surge often dips below the limit for a period before it ends).
EPISODE_GAP = 1
#: An episode is over once this many periods judged after its last flag were all within the
#: limits: it is stored resolved (history to read, not a signal to act on), and raised again
#: if the series alarms again within ``EPISODE_GAP`` periods of it.
EPISODE_END = 3


def alert_episodes(hits: pd.DataFrame, positions: dict[str, pd.Index]) -> list[pd.DataFrame]:
    """The flagged rows of ``hits`` (one per series, period and detector) grouped into episodes:
    per series, runs of flagged periods at most ``EPISODE_GAP`` unflagged periods apart, every
    method's flag of those periods in the same episode. ``positions``: each series' periods in
    order (gaps are counted in the series' own periods, weekly or monthly)."""
    episodes = []
    for sid, g in hits.groupby("series_id", sort=True):
        at = positions[sid].get_indexer(g["ds"])
        g = g.assign(_at=at).sort_values(["_at", "detector"])
        flagged = np.unique(at)
        starts = np.r_[True, np.diff(flagged) > EPISODE_GAP + 1]
        group = np.cumsum(starts)[np.searchsorted(flagged, g["_at"].to_numpy())]
        episodes += [ep.drop(columns="_at") for _, ep in g.groupby(group, sort=True)]
    return episodes


def _excess(r) -> float:
    """How far past its limit a flagged period is, in the limit's margins over expected."""
    margin = r["threshold"] - r["expected"]
    return (r["observed"] - r["expected"]) / margin if margin > 0 else np.inf


def _point(x: dict) -> dict:
    return {"ds": f"{x['ds']:%Y-%m-%d}", "method": x["method"], "observed": float(x["observed"]),
            "expected": float(x["expected"]), "threshold": float(x["threshold"]),
            "score": float(x["score"]), "limit": x["limit"], "rule": x["rule"]}  # fmt: skip


def stored_episodes(engine: Engine, subjects) -> dict[str, list[dict]]:
    """Per series: the surveillance episodes already stored (key and detail), to continue."""
    from scenarios.store import alerts as alerts_table

    subjects = sorted(set(subjects))
    out: dict[str, list[dict]] = {}
    with engine.connect() as conn:
        for i in range(0, len(subjects), 500):
            q = sa.select(
                alerts_table.c.key, alerts_table.c.subject, alerts_table.c.detail_json
            ).where(
                alerts_table.c.kind == "surveillance",
                alerts_table.c.subject.in_(subjects[i : i + 500]),
            )
            for r in conn.execute(q):
                detail = json.loads(r.detail_json or "{}")
                if detail.get("episode"):
                    out.setdefault(r.subject, []).append({"key": r.key, **detail})
    return out


def _continues(ep_at: tuple[int, int], stored: list[dict], dates: pd.Index) -> dict | None:
    """The stored episode this one continues (overlapping, or within ``EPISODE_GAP``)."""
    for old in stored:
        at = dates.get_indexer(pd.to_datetime([old["first_ds"], old["last_ds"]]))
        if (at < 0).any():
            continue
        if at[1] + EPISODE_GAP + 1 >= ep_at[0] and at[0] <= ep_at[1] + EPISODE_GAP + 1:
            return old
    return None


def _episode_alert(
    ep: pd.DataFrame,
    order: dict[str, int],
    traces: dict,
    dates: pd.Index,
    stored: list[dict],
    judged_to: pd.Timestamp | None = None,
) -> dict:
    """One alert for an episode: the figures of its peak (the period most above what was
    expected, as the first method of the watch file that flagged it saw it; ``order`` ranks the
    watch file's detectors by name and by their methods' labels), its first and last
    flagged period, every method that flagged it; critical if any period was far past a limit.
    An episode that continues one already stored (an earlier evaluation judged its start) keeps
    that alert's key and its earlier periods. With ``judged_to`` (the series' last judged
    period) ``EPISODE_END`` or more periods after its last flag, the episode is over
    (``detail["over"]``: the store keeps it resolved)."""
    r0 = ep.iloc[0].to_dict()
    rank = {m: order.get(m, order[d]) for m, d in zip(ep["method"], ep["detector"], strict=True)}
    points = [_point(x) for x in ep.to_dict("records")]
    at = dates.get_indexer(pd.to_datetime([ep["ds"].min(), ep["ds"].max()]))
    old = _continues((int(at[0]), int(at[1])), stored, dates)
    if old is not None:
        new = {(p["ds"], p["method"]) for p in points}
        points += [p for p in old.get("points", []) if (p["ds"], p["method"]) not in new]
        rank = {**{m: order.get(m, len(order) + i) for i, m in enumerate(old.get("methods", []))},
                **rank}  # fmt: skip
    periods = sorted({p["ds"] for p in points})
    ratio = lambda p: p["observed"] / p["expected"] if p["expected"] > 0 else np.inf  # noqa: E731
    peak_ds = max(periods, key=lambda d: max(ratio(p) for p in points if p["ds"] == d))
    r = min((p for p in points if p["ds"] == peak_ds), key=lambda p: rank.get(p["method"], 99))
    methods = sorted({p["method"] for p in points}, key=lambda m: rank.get(m, 99))
    first, last = periods[0], periods[-1]
    unit = r0["unit"]
    span = (
        peak_ds
        if len(periods) == 1
        else f"{first} to {last} ({len(periods)} periods flagged), peak {peak_ds}"
    )
    message = (
        f"{r0['measure']}{_where(r0)}, {span}: {shown_text(r['observed'], unit)} vs expected "
        f"{shown_text(r['expected'], unit)}, above the {r['limit']} "
        f"{shown_text(r['threshold'], unit)} ({r['method']})"
    )
    others = [m for m in methods if m != r["method"]]
    if others:
        message += f"; also flagged by {', '.join(others)}"
    notes = list(dict.fromkeys(n for n in ep["note"] if n))
    if notes:
        message += f"; {'; '.join(notes)}"
    peak_detector = ep.loc[ep["method"] == r["method"], "detector"]
    detector = peak_detector.iloc[0] if len(peak_detector) else ep["detector"].iloc[0]
    trace = dict(traces[(r0["series_id"], detector)])
    trace["alarm"] = [d in set(periods) for d in trace["ds"]]
    excess = max(_excess(p) for p in points)
    quiet = 0
    if judged_to is not None:
        quiet = int(dates.get_loc(pd.Timestamp(judged_to)) - dates.get_loc(pd.Timestamp(last)))
    over = (
        f"{OVER} the {quiet} periods judged after {last} were within the limits"
        if quiet >= EPISODE_END
        else ""
    )
    return {
        "key": old["key"] if old is not None else f"surveillance|{r0['series_id']}|{first}",
        "bureau": r0["bureau"], "kind": "surveillance", "subject": r0["series_id"],
        "facility_id": r0["facility_id"], "area_id": r0["area_id"],
        "ds": pd.Timestamp(peak_ds), "observed": r["observed"], "expected": r["expected"],
        "threshold": r["threshold"], "score": r["score"], "unit": unit,
        "method": " + ".join(methods),
        "severity": "critical" if excess >= CRITICAL_EXCESS else "warning",
        "message": message, "run_id": None,
        "detail": {"rule": r["rule"], "note": "; ".join(notes), "measure": r0["measure"],
                   "limit": r["limit"], "episode": True, "first_ds": first, "last_ds": last,
                   "peak_ds": peak_ds, "periods": len(periods), "methods": methods,
                   "over": over,
                   "points": sorted(points, key=lambda p: (p["ds"], rank.get(p["method"], 99))),
                   "trace": trace},
    }  # fmt: skip


def _kpi_matches(rule: Rule, kpis: pd.DataFrame) -> pd.DataFrame:
    names = kpis["kpi"].astype(str)
    tail = names.str.split(": ", n=1).str[-1]
    return kpis[
        (kpis["service"] == rule.service) & ((names == rule.metric) | (tail == rule.metric))
    ]


def known_kpis(engine: Engine) -> set[str]:
    """Every KPI name in the store, whole and after the service line ("share beyond 30 min")."""
    with engine.connect() as conn:
        names = {r[0] for r in conn.execute(sa.select(kpis_table.c.kpi).distinct())}
    return names | {n.split(": ", 1)[-1] for n in names}


def check_rule_metrics(rules: list[Rule], engine: Engine, measures: set[str]) -> None:
    """A rule whose metric is neither a stored KPI nor a history measure is an error."""
    known = known_kpis(engine) | measures
    for rule in rules:
        if rule.metric not in known:
            close = sorted(k for k in known if rule.metric.split()[0].lower() in k.lower())[:5]
            hint = f"; close: {', '.join(close)}" if close else ""
            raise InputError(
                f"{rule.where}: metric {rule.metric!r} is unknown: no stored run has a KPI of "
                f"that name and no history series that measure{hint}"
            )


def rule_alerts_on_runs(
    engine: Engine, rules: list[Rule]
) -> tuple[pd.DataFrame, list[tuple[str, str]], int]:
    """Alerts for KPI rules broken by stored runs, the scope looked at, runs checked: one alert
    per rule and KPI, carried by the run that breaks it most, the other runs listed."""
    with engine.connect() as conn:
        k = pd.DataFrame(conn.execute(sa.select(kpis_table)).mappings().all(),
                         columns=[c.name for c in kpis_table.columns])  # fmt: skip
        runs = pd.DataFrame(
            conn.execute(sa.select(runs_table.c.run_id, runs_table.c.scenario,
                                   runs_table.c.created_at)).mappings().all(),
            columns=["run_id", "scenario", "created_at"],
        )  # fmt: skip
    scenario = runs.set_index("run_id")["scenario"].to_dict()
    created = runs.set_index("run_id")["created_at"].to_dict()
    rows, scope = [], []
    for rule in rules:
        hits = _kpi_matches(rule, k)
        scope.append(("rule", f"rule|{rule.name}|runs|"))
        for run_id in runs["run_id"]:  # alerts keyed per run before they were grouped
            scope.append(("rule", f"rule|{rule.name}|{run_id}|"))
        broken = [
            r for r in hits.to_dict("records")
            if r["value"] is not None and np.isfinite(r["value"]) and rule.broken_by(r["value"])
        ]  # fmt: skip
        by_kpi: dict[str, list[dict]] = {}
        for r in broken:
            by_kpi.setdefault(r["kpi"], []).append(r)
        for kpi, group in by_kpi.items():
            # the run that breaks the rule most carries the alert; the others are listed
            group.sort(key=lambda r: (-abs(r["value"] - rule.threshold), str(r["run_id"])))
            r = group[0]
            others = [
                f"'{scenario.get(o['run_id'], '?')}' {shown_text(o['value'], o['unit'])}"
                for o in group[1:]
            ]
            also = (
                f"; also broken in {len(others)} other run(s): {', '.join(others)}"
                if others
                else ""
            )
            when = created.get(r["run_id"])
            rows.append(
                {
                    "key": f"rule|{rule.name}|runs|{kpi}",
                    "bureau": rule.service, "kind": "rule", "subject": kpi,
                    "facility_id": None, "area_id": None,
                    "ds": pd.Timestamp(when).tz_localize(None) if when is not None else None,
                    "observed": r["value"], "expected": None, "threshold": rule.threshold,
                    "score": r["value"] - rule.threshold, "unit": r["unit"], "method": "rule",
                    "severity": rule.severity,
                    "message": (
                        f"{kpi} {shown_text(r['value'], r['unit'])} in run "
                        f"'{scenario.get(r['run_id'], '?')}' ({r['run_id'][:8]}): breaks "
                        f"'{rule.name}' ({rule.words}){also}"
                    ),
                    "run_id": r["run_id"],
                    "detail": {"rule": rule.name, "words": rule.words,
                               "runs": [o["run_id"] for o in group]},
                }
            )  # fmt: skip
    return pd.DataFrame(rows, columns=ALERT_COLUMNS), scope, len(runs)


def rule_alerts_on_history(
    history: pd.DataFrame, meta: pd.DataFrame, rules: list[Rule], since
) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """Alerts for rules on a history measure: each period from ``since`` (default: the latest)
    whose count breaks the rule."""
    rows, scope = [], []
    by_measure = meta.set_index("series_id")
    for rule in rules:
        sids = by_measure.index[
            (by_measure["measure"] == rule.metric) & (by_measure["bureau"] == rule.service)
        ]
        for sid in sids:
            g = history[history["series_id"] == sid]
            g = g[g["ds"] >= pd.Timestamp(since)] if since is not None else g.tail(1)
            scope.append(("rule", f"rule|{rule.name}|{sid}|"))
            info = by_measure.loc[sid]
            for r in g.itertuples():
                if not rule.broken_by(r.y):
                    continue
                rows.append(
                    {
                        "key": f"rule|{rule.name}|{sid}|{r.ds:%Y-%m-%d}",
                        "bureau": rule.service, "kind": "rule", "subject": sid,
                        "facility_id": info["facility_id"], "area_id": info["area_id"],
                        "ds": r.ds, "observed": r.y, "expected": None,
                        "threshold": rule.threshold, "score": r.y - rule.threshold,
                        "unit": info["unit"], "method": "rule", "severity": rule.severity,
                        "message": (
                            f"{rule.metric}{_where(info)}, {r.ds:%Y-%m-%d}: "
                            f"{shown_text(r.y, info['unit'])} breaks '{rule.name}' "
                            f"({rule.words})"
                        ),
                        "run_id": None, "detail": {"rule": rule.name, "words": rule.words},
                    }
                )  # fmt: skip
    return pd.DataFrame(rows, columns=ALERT_COLUMNS), scope


def facility_places(city) -> pd.DataFrame:
    """facility_id, lon, lat (WGS 84) of a city's facilities: where the app maps alerts."""
    points = city.facilities.to_crs(4326)
    return pd.DataFrame({"facility_id": points["facility_id"].astype(str),
                         "lon": points.geometry.x, "lat": points.geometry.y})  # fmt: skip


def _placed(found: pd.DataFrame, places: pd.DataFrame) -> pd.DataFrame:
    where = places.set_index("facility_id")[["lon", "lat"]]
    out = found.copy()
    details = []
    for fid, detail in zip(out["facility_id"], out["detail"], strict=True):
        detail = dict(detail or {})
        if isinstance(fid, str) and fid in where.index:
            detail["lon"], detail["lat"] = (round(float(v), 6) for v in where.loc[fid])
        details.append(detail)
    out["detail"] = details
    return out


def watch(
    engine: Engine,
    spec: WatchFile,
    history: pd.DataFrame | None = None,
    series: pd.DataFrame | None = None,
    bureau: str | None = None,
    since=None,
    source: str = "history",
    breach: pd.DataFrame | None = None,
    breach_scope: list[tuple[str, str]] | None = None,
    username: str = "cli",
    places: pd.DataFrame | None = None,
) -> WatchResult:
    """Evaluate and store: surveillance of ``history``, rules on stored runs and on the
    history, and the time-to-breach alerts given in ``breach`` (``ALERT_COLUMNS``)."""
    since = since if since is not None else spec.since
    parts, scope, notes, checked = [], [], [], {}
    meta = None
    if history is not None:
        from forecasting.history import check_history

        history = check_history(history, source=source, weekly=True, mixed=True)
        meta = series_bureaus(history, series, bureau, source)
    measures = set(meta["measure"]) if meta is not None else set()
    check_rule_metrics(spec.rules, engine, measures)
    if history is not None:
        stored = stored_episodes(engine, meta["series_id"])
        found, judged, notes = surveillance_alerts(history, meta, spec, since, source, stored)
        parts.append(found)
        checked["series"] = int(meta.shape[0])
        checked["periods judged"] = int(len(judged))
        on_history, hist_scope = rule_alerts_on_history(history, meta, spec.rules, since)
        parts.append(on_history)
        scope += hist_scope
    on_runs, run_scope, n_runs = rule_alerts_on_runs(engine, spec.rules)
    parts.append(on_runs)
    scope += run_scope
    checked["runs"] = n_runs
    checked["rules"] = len(spec.rules)
    if breach is not None:
        parts.append(breach)
        scope += breach_scope or []
        notes += breach.attrs.get("notes", [])
        checked["breach checks"] = int(breach.attrs.get("checked", len(breach)))
    found = joined_alerts(parts)
    if places is not None and len(found):
        found = _placed(found, places)
    evaluation = store_evaluation(engine, found, source, username, scope, checked)
    return WatchResult(found, evaluation, notes, checked)


#: The typed columns of an alert frame (the others hold text, ids or dicts: object).
ALERT_DTYPES = {"ds": "datetime64[ns]", "observed": "float64", "expected": "float64",
                "threshold": "float64", "score": "float64"}  # fmt: skip


def joined_alerts(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The alert frames of one evaluation (surveillance, rules, breaches) as one frame, each
    cast to ``ALERT_DTYPES`` first: a part where a column is all missing (a breach has no
    expected count) would otherwise make pandas guess that column's type from the others, a
    rule it has deprecated (FutureWarning)."""
    typed = []
    for part in parts:
        if len(part):
            part = part.copy()
            part.attrs = {}  # read already (a breach's notes, its schools frame)
            for col, dtype in ALERT_DTYPES.items():
                part[col] = part[col].astype(dtype)
            typed.append(part)
    return pd.concat(typed, ignore_index=True) if typed else pd.DataFrame(columns=ALERT_COLUMNS)


def _since(value: str | None) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        return pd.Timestamp(value)
    except (ValueError, TypeError):
        raise InputError(f"--since {value!r}: not a date; use YYYY-MM-DD") from None


def watch_files(
    engine: Engine,
    history_path=None,
    rules_path=None,
    since: str | None = None,
    bundle_path=None,
    series_path=None,
    bureau: str | None = None,
    username: str = "cli",
    progress=None,
    plan: str | None = None,
) -> WatchResult:
    """`civicalloc watch`: read the files, evaluate, store. The bundle (if given) supplies the
    series table, and the city for time to breach; ``history_path`` overrides its history.
    ``plan``: the stored run whose outreach plan specialist sessions are checked against
    (default: the latest published run with one, else the latest run with one)."""
    from pathlib import Path

    from forecasting.history import read_history_csv
    from scenarios.alerts.rules import read_watch_file

    say = progress or (lambda _msg: None)
    spec = read_watch_file(rules_path)
    when = _since(since)
    if bureau is not None and bureau not in BUREAUS:
        raise InputError(f"--bureau {bureau!r}: use one of {', '.join(BUREAUS)}")
    city = None
    if bundle_path is not None:
        from demand.bundle import load_city

        say(f"reading the city bundle {bundle_path}")
        city = load_city(Path(bundle_path))
    history, series, source = None, None, "history"
    if history_path is not None:
        history = read_history_csv(Path(history_path), weekly=True, mixed=True)
        source = str(history_path)
    elif city is not None and len(city.history):
        history, source = city.history, f"{bundle_path}/history.csv"
    if series_path is not None:
        series = read_series_csv(Path(series_path))
    elif city is not None:
        series = city.series
    if history is None and not spec.rules and city is None:
        raise InputError("nothing to watch: give --history, --bundle or --rules")
    if plan is not None and city is None:
        raise InputError("--plan: give --bundle too (the city whose centres the plan serves)")
    breach, breach_scope = None, None
    if city is not None:
        from scenarios.alerts.breach import city_breach_alerts, stored_outreach_plan

        outreach = stored_outreach_plan(engine, plan)
        say("time to breach: schools, wards, service centres, specialist sessions")
        breach, breach_scope = city_breach_alerts(city, outreach)
    say("surveillance and rules")
    places = facility_places(city) if city is not None else None
    return watch(engine, spec, history, series, bureau, when, source, breach, breach_scope,
                 username, places)  # fmt: skip


def read_series_csv(path) -> pd.DataFrame:
    """The series table (series_id, service, and optional measure, facility_id, area_id)."""
    from demand.bundle.read import read_csv_text

    if not path.exists():
        raise InputError(f"{path}: file not found; give the series table (series_id, service)")
    frame = read_csv_text(path)
    missing = [c for c in ("series_id", "service") if c not in frame.columns]
    if missing:
        raise InputError(f"{path.name}: missing column(s) {', '.join(missing)}")
    bad = ~frame["service"].isin(BUREAUS)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"{path.name}: row {i + 2}, column service: {frame['service'].iloc[i]!r}; use one "
            f"of {', '.join(BUREAUS)}"
        )
    return frame
