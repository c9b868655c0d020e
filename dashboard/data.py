"""What a page may show: runs the user's bureau owns, their KPIs, plans and city, with the audit.

Every page goes through `open_run`, which asks the store with the user's bureau as owner (so a
run of another bureau raises PermissionError on the server, whatever the page sent) and writes
the view to the audit log. Stored runs never change, so their plans and cities are cached.
"""

from __future__ import annotations

import functools
import hashlib
import json

import pandas as pd
import shapely
from sqlalchemy.engine import Engine

from dashboard.i18n import kpi_name, t, unit_name
from dashboard.session import User, engine
from demand.bundle import City
from scenarios.levers import apply_levers
from scenarios.pipeline import load_scenario_city
from scenarios.privacy import suppress_kpis
from scenarios.spec import Scenario, scenario_from_dict
from scenarios.store import find_run, list_runs, load_kpis, load_plans, log

SERVICES = ("health", "education", "social_security")
# Facility kinds drawn on the map of each service.
SERVICE_KINDS = {
    "health": ("hospital", "community_health_centre"),
    "education": ("primary_school", "middle_school"),
    "social_security": ("social_insurance_centre",),
}


def visible_runs(user: User) -> pd.DataFrame:
    """Runs the user may see (their bureau's; all for admin), newest first."""
    return list_runs(engine(), owner=user.owner)


def run_options(user: User) -> list[dict]:
    """Dropdown options for the runs the user may see: scenario, time and short id."""
    runs = visible_runs(user)
    return [
        {
            "label": f"{r.scenario} · {pd.Timestamp(r.created_at):%Y-%m-%d %H:%M} · {r.run_id[:8]}",
            "value": r.run_id,
        }
        for r in runs.itertuples()
    ]


def open_run(user: User, ref: str, detail: str, action: str = "view") -> dict:
    """The run `ref` if the user's bureau owns it (audited as `action`), else PermissionError.

    `detail` says where (the page, or the file exported); a refusal is audited too.
    """
    store = engine()
    try:
        run = find_run(store, ref, owner=user.owner)
    except PermissionError as exc:
        log(store, user.name, "refused", None, ref, f"{action} {detail}: {exc}")
        raise
    log(store, user.name, action, run["scenario"], run["run_id"], detail)
    return run


def open_runs(user: User, refs: list[str], detail: str, action: str = "view") -> list[dict]:
    """Several runs at once, as `open_run`, with their audit lines written in one transaction."""
    store = engine()
    found = []
    for ref in refs:
        try:
            found.append(find_run(store, ref, owner=user.owner))
        except PermissionError as exc:
            log(store, user.name, "refused", None, ref, f"{action} {detail}: {exc}")
            raise
    with store.begin() as conn:
        for run in found:
            log(conn, user.name, action, run["scenario"], run["run_id"], detail)
    return found


def run_scenario_spec(run: dict) -> Scenario:
    """The resolved scenario a run was made from."""
    return scenario_from_dict(json.loads(run["scenario_json"]), run["scenario"])


@functools.lru_cache(maxsize=32)
def _plans(store: Engine, run_id: str) -> dict[str, pd.DataFrame]:
    return load_plans(store, run_id)


@functools.lru_cache(maxsize=64)
def _kpis(store: Engine, run_id: str) -> pd.DataFrame:
    return load_kpis(store, run_id)


def run_plans(run: dict) -> dict[str, pd.DataFrame]:
    """Plans of an opened run by name (do not modify the frames)."""
    return _plans(engine(), run["run_id"])


def run_kpis(run: dict) -> pd.DataFrame:
    """KPIs of an opened run: service, kpi, value, unit."""
    return _kpis(engine(), run["run_id"])


@functools.lru_cache(maxsize=16)
def _city(scenario_json: str) -> City:
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
    return pd.DataFrame(load_scenario_city(city_name).areas[["area_id", "name", "district"]])


def area_names(run: dict) -> pd.DataFrame:
    """area_id, name, district of the run's city."""
    return _area_names(run_scenario_spec(run).city)


def facilities_lonlat(run: dict, service: str | None = None) -> pd.DataFrame:
    """Facilities in the run's city (of one service, or all): facility_id, kind, name, lon, lat."""
    fac = run_city(run).facilities
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


def kpi_rows(kpis: pd.DataFrame, lang: str, threshold: int = 10) -> list[dict]:
    """KPI table rows for the screen: small person counts suppressed, names and units translated."""
    from dashboard.i18n import fmt

    shown = suppress_kpis(kpis, threshold)
    return [
        {
            t("service", lang): t(r.service, lang),
            t("kpi", lang): kpi_name(r.kpi, lang),
            t("value", lang): fmt(r.value, r.unit, lang),
        }
        for r in shown.itertuples()
    ]


def unit_label(unit: str, lang: str) -> str:
    """A unit for an axis or colour-bar title."""
    return unit_name(unit, lang)


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


def measure_values(rows: pd.DataFrame, measure: str) -> tuple[pd.Series, str]:
    """Per-area values of a measure and the column or formula they came from.

    access: capacity within reach per unit of need (1 = enough), or supply per 1,000 residents
    in older runs; unmet_need: need × (1 − access) where access falls short (need units);
    nearest_minutes: minutes to the nearest facility.
    """
    if measure == "access":
        column = "access" if "access" in rows.columns else "access_per_1000"
        return pd.to_numeric(rows[column], errors="coerce").astype(float), column
    if measure == "unmet_need":
        if not {"need", "access"} <= set(rows.columns):
            return pd.Series(float("nan"), index=rows.index), "unmet_need"
        short = (1.0 - rows["access"].astype(float)).clip(lower=0.0)
        return rows["need"].astype(float) * short, "unmet_need"
    return pd.to_numeric(rows[measure], errors="coerce").astype(float), measure
