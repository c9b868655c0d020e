"""Plans: whatever plans a run stored, per service — as a table, and as a map when per area.

Each plan shown is audited as a view; the CSV link goes through the audited, checked export.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import dash
import pandas as pd
from dash import Input, Output, State, dcc, html

from dashboard.components import empty_figure, labelled, refusal_for, refused, run_dropdown, table
from dashboard.data import (
    SERVICES,
    area_names,
    city_geojson,
    facilities_lonlat,
    map_note,
    open_run,
    run_options,
    run_plans,
    run_scenario_spec,
)
from dashboard.i18n import t
from dashboard.maps import GRAPH_CONFIG, area_map, facility_map, map_values, with_source_note
from dashboard.session import current_user
from demand.bundle.outputs import column_label
from demand.errors import InputError
from scenarios.privacy import is_count_column, suppress_frame

RUN = "plans-run"
PLAN = "plans-plan"
SERVICE = "plans-service"
COLUMN = "plans-column"
TABLE_BOX = "plans-table-box"
TABLE = "plans-table"
MAP = "plans-map"
CHART = "plans-chart"
CHART_BOX = "plans-chart-box"
DOWNLOAD = "plans-download"
MESSAGE = "plans-message"
ALL = "all"


def layout(run: str | None = None, plan: str | None = None, **_) -> html.Div:
    """The page; `?run=<id>&plan=<name>` opens a given plan (checked on the server)."""
    user = current_user()
    lang = user.lang
    options = run_options(user)
    stop = refusal_for([run] if run else [], "plans")
    if stop is not None:
        return html.Div([html.H2(t("nav_plans", lang)), stop])
    if not options and run is None:
        return html.Div([html.H2(t("nav_plans", lang)), html.P(t("no_runs", lang))])
    service_options = [{"label": "—", "value": ALL}] + [
        {"label": t(s, lang), "value": s} for s in SERVICES
    ]
    default_service = user.role if user.role in SERVICES else ALL
    return html.Div(
        [
            html.H2(t("nav_plans", lang)),
            html.Div(
                [
                    run_dropdown(RUN, options, run or options[0]["value"], lang),
                    labelled(
                        t("plan", lang),
                        dcc.Dropdown(
                            id=PLAN, value=plan, clearable=False, style={"minWidth": "16rem"}
                        ),
                    ),
                    labelled(
                        t("service", lang),
                        dcc.Dropdown(
                            id=SERVICE,
                            options=service_options,
                            value=default_service,
                            clearable=False,
                        ),
                    ),
                    labelled(
                        t("column", lang),
                        dcc.Dropdown(id=COLUMN, clearable=False, style={"minWidth": "14rem"}),
                    ),
                    html.A(t("download_csv", lang), id=DOWNLOAD, href="", target="_blank"),
                ],
                className="controls",
            ),  # fmt: skip
            html.Div(id=MESSAGE),
            html.Div(id=TABLE_BOX, className="card"),
            html.Div(dcc.Graph(id=MAP, config=GRAPH_CONFIG), className="card"),
            html.Div(
                dcc.Graph(id=CHART, config=GRAPH_CONFIG),
                id=CHART_BOX,
                className="card",
                style={"display": "none"},
            ),
            html.P(t("small_cells", lang), className="note"),
        ]
    )


dash.register_page(__name__, path="/plans", name="Plans", order=2, layout=layout)


@dash.callback(
    Output(PLAN, "options"),
    Output(PLAN, "value"),
    Output(MESSAGE, "children"),
    Input(RUN, "value"),
    State(PLAN, "value"),
)
def list_plans(run_id: str, current: str | None):
    """The plans of the chosen run (the server refuses another bureau's run)."""
    user = current_user()
    try:
        run = open_run(user, run_id, "plans")
    except PermissionError as exc:
        return [], None, refused(user.lang, str(exc))
    except InputError as exc:
        return [], None, html.P(str(exc), className="error")
    names = sorted(run_plans(run))
    if not names:
        return [], None, html.P(f"{run['scenario']}: —")
    return [{"label": n, "value": n} for n in names], current if current in names else names[0], ""


FACILITY_KEYS = ("facility_id", "hospital_id", "school_id", "centre_id")
ID_COLUMNS = ("area_id", *FACILITY_KEYS, "year", "period")
# Columns that average rather than add up when a place has several rows (e.g. departments).
RATE_COLUMN = re.compile(r"(share|minutes|rate|access|level|per_|alos|days|ratio|gap|limit)")


def facility_key(frame: pd.DataFrame) -> str | None:
    """The column naming a facility in a per-facility plan (None when there is none)."""
    return next((c for c in FACILITY_KEYS if c in frame.columns), None)


def mappable_columns(frame: pd.DataFrame) -> list[str]:
    """Numeric columns of a per-area or per-facility plan that can colour a map."""
    if not any(c in frame.columns for c in ID_COLUMNS) and "geometry" not in frame.columns:
        return []
    return [
        c for c in frame.columns
        if c not in ID_COLUMNS and pd.api.types.is_numeric_dtype(frame[c])
        and not pd.api.types.is_bool_dtype(frame[c])
    ]  # fmt: skip


def per_place(frame: pd.DataFrame, key: str, column: str) -> pd.Series:
    """One value per area or facility: amounts add up over rows, rates and minutes average."""
    group = frame.groupby(key)[column]
    if RATE_COLUMN.search(column) and not is_count_column(column):
        return group.mean()
    return group.sum(min_count=1)


def before_after_pairs(columns: list[str]) -> list[tuple[str, str, str]]:
    """(measure, before column, after column) for columns named like beds_before / beds_after."""
    pairs = []
    for col in columns:
        if col.endswith("_before") and col.replace("_before", "_after") in columns:
            pairs.append((col.removesuffix("_before"), col, col.replace("_before", "_after")))
    return pairs


def facility_chart(frame: pd.DataFrame, key: str, names: pd.Series, column: str, lang: str) -> dict:
    """Bars per facility: before and after side by side when the plan has both, else `column`."""
    numeric = mappable_columns(frame)
    pairs = [p for p in before_after_pairs(numeric) if column in p] or before_after_pairs(numeric)
    series = (
        [(pairs[0][1], t("before", lang)), (pairs[0][2], t("after", lang))]
        if pairs
        else [(column, column)]
    )
    bars = []
    for col, label in series:
        values = per_place(frame, key, col)
        bars.append({"type": "bar", "name": label, "y": values.round(3).tolist(),
                     "x": [f"{names.get(f, f)} ({f})" for f in values.index]})  # fmt: skip
    title = pairs[0][0] if pairs else column
    return {
        "data": bars,
        "layout": {"title": {"text": title, "x": 0.01}, "barmode": "group", "height": 360,
                   "margin": {"l": 50, "r": 10, "t": 40, "b": 120}},
    }  # fmt: skip


@dash.callback(
    Output(TABLE_BOX, "children"),
    Output(MAP, "figure"),
    Output(CHART, "figure"),
    Output(CHART_BOX, "style"),
    Output(COLUMN, "options"),
    Output(COLUMN, "value"),
    Output(DOWNLOAD, "href"),
    Input(PLAN, "value"),
    Input(SERVICE, "value"),
    Input(COLUMN, "value"),
    State(RUN, "value"),
)
def show_plan(name: str | None, service: str, column: str | None, run_id: str):
    """One plan as a suppressed table, and a map of one column when it is per area or facility
    (with bars per facility, before and after when the plan has both)."""
    user = current_user()
    lang = user.lang
    hidden = {"display": "none"}
    if not name or not run_id:
        return [], empty_figure(), empty_figure(), hidden, [], None, ""
    try:
        run = open_run(user, run_id, f"plan {name}")
    except (PermissionError, InputError) as exc:
        return refused(lang, str(exc)), empty_figure(), empty_figure(), hidden, [], None, ""
    plan = run_plans(run).get(name)
    if plan is None:
        return html.P(f"{name}: —"), empty_figure(), empty_figure(), hidden, [], None, ""
    frame = pd.DataFrame(plan.drop(columns="geometry", errors="ignore"))
    if service != ALL and "service" in frame.columns:
        frame = frame[frame["service"] == service]
    threshold = run_scenario_spec(run).rules.small_cell_threshold
    shown = suppress_frame(frame, threshold)
    rows = shown.astype(object).where(shown.notna(), None).to_dict("records")
    # column labels and units in the reader's language, from the plans' schemas
    headers = {c: column_label(name, str(c), lang, with_unit=True) for c in frame.columns}
    shown_table = table(TABLE, rows, headers=headers)
    href = f"/export/{quote(run['run_id'])}/{quote(name)}.csv"
    columns = mappable_columns(frame)
    if not columns:
        no_map = empty_figure(t("no_map", lang))
        return shown_table, no_map, empty_figure(), hidden, [], None, href
    if column not in columns:
        column = next((c for c in columns if not is_count_column(c)), columns[0])
    options = [{"label": headers.get(c, c), "value": c} for c in columns]
    title = f"{run['scenario']} · {name} · {column}"
    if "year" in frame.columns:  # a plan over several years: map and bars show the last
        last = frame["year"].max()
        frame, title = frame[frame["year"] == last], f"{title} · {last}"
    if "area_id" in frame.columns:
        values = map_values(per_place(frame, "area_id", column).to_frame(column), column, threshold)
        fig = area_map(city_geojson(run), area_names(run), values, title, column)
        fig = with_source_note(fig, map_note(run, lang))
        return shown_table, fig, empty_figure(), hidden, options, column, href
    key = facility_key(frame)
    if "geometry" in plan.columns or key is None:  # its own shapes (e.g. school districts)
        fig = own_shapes_map(plan, column, title)
        return (
            shown_table,
            fig,
            empty_figure(),
            hidden,
            options,
            column,
            href,
        )
    places = facilities_lonlat(run)
    values = per_place(frame, key, column)
    fig = facility_map(city_geojson(run), area_names(run), places, values, title, column)
    fig = with_source_note(fig, map_note(run, lang))
    names = places.set_index("facility_id")["name"]
    chart = facility_chart(frame, key, names, column, lang)
    return shown_table, fig, chart, {}, options, column, href


def own_shapes_map(plan, column: str, title: str) -> dict:
    """A plan that carries its own polygons (a GeoDataFrame), coloured by `column`."""
    shapes = plan.reset_index(drop=True)
    shapes = shapes.assign(shape_id=shapes.index.astype(str)).to_crs(4326)
    geojson = json.loads(shapes[["shape_id", "geometry"]].to_json(drop_id=True))
    label = shapes[facility_key(shapes)] if facility_key(shapes) else shapes["shape_id"]
    areas = pd.DataFrame({"area_id": shapes["shape_id"], "name": label.astype(str),
                          "district": ""})  # fmt: skip
    values = pd.to_numeric(shapes[column], errors="coerce").set_axis(shapes["shape_id"])
    fig = area_map(geojson, areas, values, title, column)
    fig["data"][0]["featureidkey"] = "properties.shape_id"
    return fig
