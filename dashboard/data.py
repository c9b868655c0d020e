"""What a page may show: the runs a user's bureau may open, and in them only its service lines.

Every page, callback and download goes through `open_run`, which finds the run among those the
user's bureau may open (its own and the published baselines; `scenarios.store.find_run` with
the bureau) and returns it with the user's scope (`scenarios.scope`), so `run_kpis` and
`run_plans` give only the user's services, whichever run they come through. A run the bureau
may not open is answered exactly like one that does not exist, and both are audited as
`refused`; every view is audited. Stored runs never change, so plans and cities are cached.
"""

from __future__ import annotations

import functools
import hashlib
import json

import pandas as pd
import shapely
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from dashboard.i18n import fmt, kpi_name, t
from dashboard.session import User, engine
from demand.bundle import City
from demand.bundle.outputs import NEED_UNIT_OF_LINE
from demand.errors import InputError
from scenarios.privacy import suppress_kpis
from scenarios.scope import Scope
from scenarios.spec import Scenario, scenario_from_dict
from scenarios.store import find_run, list_runs, load_kpis, load_model_results, load_plans, log
from scenarios.store import runs as runs_table

SERVICES = ("health", "education", "social_security")
# Facility kinds drawn on the map of each service.
SERVICE_KINDS = {
    "health": ("hospital", "community_health_centre"),
    "education": ("primary_school", "middle_school"),
    "social_security": ("social_insurance_centre",),
}


class RunRefused(InputError):
    """The run asked for is not one this user may open (or does not exist): one neutral answer."""


class OpenedRun(dict):
    """A stored run (its `runs` row) opened by a user, carrying that user's scope."""

    def __init__(self, row: dict, scope: Scope):
        super().__init__(row)
        self.scope = scope


def visible_runs(user: User) -> pd.DataFrame:
    """Runs the user may open (their bureau's and the published ones; all for admin)."""
    return list_runs(engine(), bureau=user.bureau)


def visible_services(user: User) -> list[str]:
    """The services whose figures the user sees, in the usual order."""
    return [s for s in SERVICES if user.scope.sees(s)]


def run_label(row, lang: str) -> str:
    """How a run is named in dropdowns: scenario, time, short id, and whether published."""
    mark = f" · {t('published', lang)}" if getattr(row, "published", False) else ""
    return (
        f"{row.scenario} · {pd.Timestamp(row.created_at):%Y-%m-%d %H:%M} · {row.run_id[:8]}{mark}"
    )


def run_options(user: User) -> list[dict]:
    """Dropdown options for the runs the user may open, newest first (value: the full id)."""
    return [{"label": run_label(r, user.lang), "value": r.run_id}
            for r in visible_runs(user).itertuples()]  # fmt: skip


def default_pair(user: User) -> list[str]:
    """The two runs Compare opens with: the newest run, against the newest published baseline of
    the same city (else the newest other run of that city, else the next newest run)."""
    runs = visible_runs(user)
    if len(runs) < 2:
        return list(runs["run_id"])
    cities = run_cities(list(runs["run_id"]))
    newest = runs.iloc[0]
    others = runs.iloc[1:]
    same_city = others[others["run_id"].map(cities) == cities[newest["run_id"]]]
    for candidates in (same_city[same_city["published"]], same_city, others):
        if len(candidates):
            return [candidates["run_id"].iloc[0], newest["run_id"]]
    return []


def run_cities(run_ids: list[str]) -> dict[str, str]:
    """The city each run's scenario used (by run id)."""
    query = sa.select(runs_table.c.run_id, runs_table.c.scenario_json).where(
        runs_table.c.run_id.in_(run_ids)
    )
    with engine().connect() as conn:
        rows = conn.execute(query).all()
    return {r.run_id: str(json.loads(r.scenario_json).get("city", "")) for r in rows}


def _refuse(user: User, ref: str, action: str, detail: str) -> RunRefused:
    log(engine(), user.name, "refused", None, str(ref)[:36], f"{action} {detail}")
    return RunRefused(t("no_such_run", user.lang, ref=str(ref)[:80]))


def _find(user: User, ref: str, action: str, detail: str) -> OpenedRun:
    try:
        return OpenedRun(find_run(engine(), ref, bureau=user.bureau), user.scope)
    except InputError:
        raise _refuse(user, ref, action, detail) from None


def open_run(user: User, ref: str, detail: str, action: str = "view") -> OpenedRun:
    """The run `ref` (full id, a prefix such as the 8-character id, or a scenario name) if the
    user's bureau may open it, audited as `action`; else RunRefused (audited as `refused`).

    `detail` says where (the page, or the file exported).
    """
    run = _find(user, ref, action, detail)
    log(engine(), user.name, action, run["scenario"], run["run_id"], detail)
    return run


def open_runs(user: User, refs: list[str], detail: str, action: str = "view") -> list[OpenedRun]:
    """Several runs at once, as `open_run`, with their audit lines written in one transaction."""
    found = [_find(user, ref, action, detail) for ref in refs]
    with engine().begin() as conn:
        for run in found:
            log(conn, user.name, action, run["scenario"], run["run_id"], detail)
    return found


def resolve_ref(user: User, ref: str | None) -> str | None:
    """The full id of a run named in a URL (an 8-character id, a prefix or a scenario name),
    when the user may open it; None otherwise (the page then shows the refusal)."""
    if not ref:
        return None
    try:
        return find_run(engine(), ref, bureau=user.bureau)["run_id"]
    except InputError:
        return None


def run_scenario_spec(run: dict) -> Scenario:
    """The resolved scenario a run was made from."""
    return scenario_from_dict(json.loads(run["scenario_json"]), run["scenario"])


@functools.lru_cache(maxsize=32)
def _plans(store: Engine, run_id: str) -> dict[str, pd.DataFrame]:
    return load_plans(store, run_id)


@functools.lru_cache(maxsize=64)
def _kpis(store: Engine, run_id: str) -> pd.DataFrame:
    return load_kpis(store, run_id)


def run_plans(run: OpenedRun) -> dict[str, pd.DataFrame]:
    """The plans of an opened run the user may see, by name (only their service's rows of a
    plan shared by services; do not modify the frames)."""
    return run.scope.plans(_plans(engine(), run["run_id"]))


def run_kpis(run: OpenedRun) -> pd.DataFrame:
    """KPIs of an opened run the user may see: service, kpi, value, unit."""
    return run.scope.kpis(_kpis(engine(), run["run_id"]))


def model_notes(run: OpenedRun) -> list[tuple[str, str, str]]:
    """(model, status, message) for each note the run's models left, of the user's services
    (e.g. which hospitals the bed model left out, and why)."""
    notes = []
    for row in load_model_results(engine(), run["run_id"]).itertuples():
        service = row.model.split(".")[0] if "." in row.model else None
        if service is not None and not run.scope.sees(service):
            continue
        detail = json.loads(row.detail_json or "{}")
        messages = list(detail.get("messages") or [])
        for level in (detail.get("levels") or {}).values():
            messages += list(level.get("messages") or [])
        notes += [(row.model, row.status, str(m)) for m in messages if m]
    return notes


def catchments(run: OpenedRun) -> dict[str, float]:
    """Minutes of the catchment each service line's access was computed within."""
    results = load_model_results(engine(), run["run_id"])
    row = results[results["model"] == "access"]
    if row.empty:
        return {}
    return json.loads(row["detail_json"].iloc[0] or "{}").get("catchments_minutes", {})


@functools.lru_cache(maxsize=16)
def _city(scenario_json: str) -> City:
    from scenarios.levers import apply_levers  # scikit-learn comes with it: only when used
    from scenarios.pipeline import load_scenario_city

    scenario = scenario_from_dict(json.loads(scenario_json))
    return apply_levers(load_scenario_city(scenario.city), scenario)


def run_city(run: dict) -> City:
    """The city as the run's scenario saw it (facilities opened or closed applied)."""
    return _city(run["scenario_json"])


#: The flags a city built from OpenStreetMap carries on every map (bundle.toml [osm]).
OSM_NOTE = {
    "attribution": {"en": "Map data © OpenStreetMap contributors (ODbL)",
                    "zh": "地图数据 © OpenStreetMap 贡献者 (ODbL)"},
    "estimate": {"en": "population: ESTIMATE from buildings", "zh": "人口：按建筑估算"},
    "assumed": {"en": "capacity and staff: ASSUMED defaults", "zh": "容量与人员：假定默认值"},
}  # fmt: skip


def map_note(run: dict, lang: str = "en") -> str:
    """Attribution and 'estimate'/'assumed' flags for maps of a city built from OSM, else ''."""
    osm = run_city(run).meta.get("osm")
    if not isinstance(osm, dict):
        return ""
    lang = lang if lang in ("en", "zh") else "en"
    parts = [OSM_NOTE["attribution"][lang]]
    if osm.get("population") == "estimate":
        parts.append(OSM_NOTE["estimate"][lang])
    if osm.get("assumed_capacity"):
        parts.append(OSM_NOTE["assumed"][lang])
    return " · ".join(parts)


DISPLAY_TOLERANCE_M = 10.0  # outlines simplified for the screen (metres)


@functools.lru_cache(maxsize=8)
def _geojson(city_name: str) -> str:
    from scenarios.pipeline import load_scenario_city

    areas = load_scenario_city(city_name).areas[["area_id", "name", "district", "geometry"]]
    areas = areas.assign(geometry=areas.geometry.simplify(DISPLAY_TOLERANCE_M)).to_crs(4326)
    # About a metre of precision is plenty on screen and halves the text.
    lonlat = shapely.set_precision(areas.geometry.values, 1e-5, mode="pointwise")
    return areas.assign(geometry=lonlat).to_json(drop_id=True)


_GEOJSON_TOKENS: dict[str, str] = {}


def geojson_token(city_name: str) -> str:
    """A short, stable name for a city's outlines in URLs."""
    token = hashlib.sha1(city_name.encode()).hexdigest()[:16]
    _GEOJSON_TOKENS[token] = city_name
    return token


def geojson_text(token: str) -> str | None:
    """The GeoJSON text behind a token handed out by `city_geojson` (None if unknown)."""
    city_name = _GEOJSON_TOKENS.get(token)
    return None if city_name is None else _geojson(city_name)


def city_geojson(run: dict) -> str:
    """URL of the run's areas as GeoJSON (lon/lat, area_id per feature), fetched once by the
    browser and cached, so map callbacks do not resend the outlines."""
    return f"/geojson/{geojson_token(run_scenario_spec(run).city)}.json"


@functools.lru_cache(maxsize=8)
def _area_names(city_name: str) -> pd.DataFrame:
    from scenarios.pipeline import load_scenario_city

    return pd.DataFrame(load_scenario_city(city_name).areas[["area_id", "name", "district"]])


def area_names(run: dict) -> pd.DataFrame:
    """area_id, name, district of the run's city."""
    return _area_names(run_scenario_spec(run).city)


@functools.lru_cache(maxsize=32)
def _facilities_lonlat(scenario_json: str, service: str | None) -> pd.DataFrame:
    fac = _city(scenario_json).facilities
    if service is not None:
        fac = fac[fac["kind"].isin(SERVICE_KINDS.get(service, ()))]
    fac = fac.to_crs(4326)
    return pd.DataFrame(
        {
            "facility_id": fac["facility_id"].to_numpy(),
            "kind": fac["kind"].to_numpy(),
            "name": fac["name"].to_numpy(),
            "lon": fac.geometry.x.to_numpy(),
            "lat": fac.geometry.y.to_numpy(),
        }
    )


def facilities_lonlat(run: dict, service: str | None = None) -> pd.DataFrame:
    """Facilities in the run's city (of one service, or all): facility_id, kind, name, lon, lat
    (cached per scenario: stored runs never change; do not modify the frame)."""
    return _facilities_lonlat(run["scenario_json"], service)


def kpi_rows(kpis: pd.DataFrame, lang: str, threshold: int = 10) -> list[dict]:
    """KPI table rows for the screen: small counts of people suppressed, names and units in the
    reader's language."""
    shown = suppress_kpis(kpis, threshold)
    return [
        {
            t("service", lang): t(r.service, lang),
            t("kpi", lang): kpi_name(r.kpi, lang),
            t("value", lang): fmt(r.value, r.unit, lang),
        }
        for r in shown.itertuples()
    ]


ACCESS_PLAN = "access_by_area"
MEASURES = ("access", "unmet_need", "nearest_minutes")


def service_lines(run: dict, service: str) -> list[str]:
    """The service lines (e.g. hospital beds, outpatient care) the run's access plan has."""
    plan = run_plans(run).get(ACCESS_PLAN)
    if plan is None or "service_line" not in plan.columns:
        return []
    return sorted(plan.loc[plan["service"] == service, "service_line"].dropna().unique())


def access_rows(run: dict, service: str, line: str | None = None) -> pd.DataFrame | None:
    """The access plan's rows of one service (and service line), indexed by area_id."""
    plan = run_plans(run).get(ACCESS_PLAN)
    if plan is None:
        return None
    rows = plan[plan["service"] == service]
    if "service_line" in rows.columns:
        lines = sorted(rows["service_line"].dropna().unique())
        chosen = line if line in lines else (lines[0] if lines else None)
        rows = rows[rows["service_line"] == chosen]
    return rows.set_index("area_id")


def measure_values(rows: pd.DataFrame, measure: str) -> tuple[pd.Series, str, object]:
    """Per-area values of a measure, the column or formula they came from, and their unit (a
    string, or per-row units for need).

    access: capacity within reach per unit of need (1 = enough), or supply per 1,000 residents
    in older runs; unmet_need: need × (1 − access) where access falls short (in the service
    line's need unit: occupied beds, visits, pupils, cases); nearest_minutes: minutes to the
    nearest facility.
    """
    if measure == "access":
        column = "access" if "access" in rows.columns else "access_per_1000"
        return pd.to_numeric(rows[column], errors="coerce").astype(float), column, "capacity/need"
    if measure == "unmet_need":
        if not {"need", "access"} <= set(rows.columns):
            return pd.Series(float("nan"), index=rows.index), "unmet_need", ""
        short = (1.0 - rows["access"].astype(float)).clip(lower=0.0)
        return rows["need"].astype(float) * short, "unmet_need", need_unit(rows)
    values = pd.to_numeric(rows[measure], errors="coerce").astype(float)
    return values, measure, "minutes"


def need_unit(rows: pd.DataFrame) -> str:
    """The unit of need in one service line's rows of the access plan."""
    if "service_line" not in rows.columns or rows.empty:
        return ""
    return NEED_UNIT_OF_LINE.get(str(rows["service_line"].iloc[0]), "")
