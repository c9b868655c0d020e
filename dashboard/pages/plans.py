"""Plans: whatever plans a run stored, per service — as a table, and as a map when per area.

Only the plans (and rows) of the user's services are listed (`dashboard.data.run_plans`).
Headers, units and colour bars come from the plan output schemas (`demand.bundle.outputs`), small
counts of people are hidden by their unit, and a plan with several service lines (whose
amounts are in different units: beds, visits, pupils) is shown one line at a time. Each plan
shown is audited as a view; the CSV link goes through the audited, checked export.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import dash
import pandas as pd
from dash import Input, Output, State, dcc, html

from dashboard.brief.route import brief_links, register_links
from dashboard.components import (
    choice,
    empty_figure,
    line_dropdown,
    refusal_for,
    refused,
    run_dropdown,
    table,
    with_note,
)
from dashboard.data import (
    SERVICES,
    RunRefused,
    area_names,
    city_geojson,
    facilities_lonlat,
    map_note,
    model_notes,
    open_run,
    resolve_ref,
    run_options,
    run_plans,
    run_scenario_spec,
    visible_services,
)
from dashboard.i18n import fmt, note_text, number, plan_title, t, with_unit
from dashboard.maps import (
    GRAPH_CONFIG,
    area_map,
    bar_trace,
    facility_map,
    plot_text,
    with_source_note,
)
from dashboard.session import current_user
from demand.bundle.outputs import column_label
from scenarios.privacy import counts_people, is_hidden, plan_units, suppress_frame

RUN = "plans-run"
PLAN = "plans-plan"
SERVICE = "plans-service"
LINE = "plans-line"
LINE_BOX = "plans-line-box"
COLUMN = "plans-column"
TABLE_BOX = "plans-table-box"
TABLE = "plans-table"
MAP = "plans-map"
CHART = "plans-chart"
CHART_BOX = "plans-chart-box"
DOWNLOAD = "plans-download"
MESSAGE = "plans-message"
NOTES = "plans-notes"
ALL = "all"
TRANSLATED_COLUMNS = ("service", "service_line")  # their values are words of the interface


def layout(run: str | None = None, plan: str | None = None, **_) -> html.Div:
    """The page; `?run=<id>&plan=<name>` opens a given plan (checked on the server)."""
    user = current_user()
    lang = user.lang
    options = run_options(user)
    stop = refusal_for([run] if run else [], "plans")
    if stop is not None:
        return html.Div([html.H2(t("nav_plans", lang)), stop])
    if not options:
        return html.Div([html.H2(t("nav_plans", lang)), html.P(t("no_runs", lang))])
    services = visible_services(user)
    service_options = [{"label": "—", "value": ALL}] + [
        {"label": t(s, lang), "value": s} for s in services
    ]
    default_service = user.role if user.role in SERVICES else ALL
    return html.Div(
        [
            html.H2(t("nav_plans", lang)),
            html.Div(
                [
                    run_dropdown(RUN, options, resolve_ref(user, run) or options[0]["value"], lang),
                    choice(PLAN, "plan", lang, "16rem", value=plan),
                    choice(
                        SERVICE, "service", lang, options=service_options, value=default_service
                    ),
                    html.Div(line_dropdown(LINE, lang), id=LINE_BOX, style={"display": "none"}),
                    choice(COLUMN, "column", lang, "14rem"),
                    html.A(t("download_csv", lang), id=DOWNLOAD, href="", target="_blank"),
                    brief_links("plans", lang),
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
            html.Div(id=NOTES, className="card"),
        ]
    )


dash.register_page(__name__, path="/plans", name="Plans", order=2, layout=layout)
register_links("plans", RUN, SERVICE, pair=False)


def notes_box(run, lang: str) -> list:
    """What the models said about this run (e.g. hospitals left out of the bed plan, and why)."""
    notes = model_notes(run)
    if not notes:
        return [html.H3(t("model_notes", lang)), html.P(t("no_notes", lang), className="note")]
    return [
        html.H3(t("model_notes", lang)),
        html.Ul([html.Li(f"{model}: {note_text(message, lang)}")
                 for model, _status, message in notes], id="plans-notes-list"),
    ]  # fmt: skip


@dash.callback(
    Output(PLAN, "options"),
    Output(PLAN, "value"),
    Output(MESSAGE, "children"),
    Output(NOTES, "children"),
    Input(RUN, "value"),
    State(PLAN, "value"),
)
def list_plans(run_id: str, current: str | None):
    """The plans of the chosen run the user may see (the server refuses other runs)."""
    user = current_user()
    try:
        run = open_run(user, run_id, "plans")
    except RunRefused as exc:
        return [], None, refused(user.lang, str(exc)), []
    names = sorted(run_plans(run))
    notes = notes_box(run, user.lang)
    if not names:
        return [], None, html.P(t("no_plans", user.lang, name=run["scenario"])), notes
    value = current if current in names else names[0]
    options = [{"label": plan_title(n, user.lang), "value": n} for n in names]
    return options, value, "", notes


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


def per_place(frame: pd.DataFrame, key: str, column: str, unit: str = "") -> pd.Series:
    """One value per area or facility: amounts add up over rows, rates and minutes average."""
    group = frame.groupby(key)[column]
    if RATE_COLUMN.search(column) and not counts_people(unit):
        return group.mean()
    return group.sum(min_count=1)


def uniform_unit(units: object) -> str:
    """One unit for a column (the first row's when a column's unit varies by row)."""
    if isinstance(units, str) or units is None:
        return units or ""
    values = pd.Series(units).dropna()
    return str(values.iloc[0]) if len(values) else ""


def before_after_pairs(columns: list[str]) -> list[tuple[str, str, str]]:
    """(measure, before column, after column) for columns named like beds_before / beds_after."""
    pairs = []
    for col in columns:
        if col.endswith("_before") and col.replace("_before", "_after") in columns:
            pairs.append((col.removesuffix("_before"), col, col.replace("_before", "_after")))
    return pairs


def facility_chart(name: str, frame: pd.DataFrame, key: str, names: pd.Series, column: str,
                   lang: str, threshold: int) -> dict:  # fmt: skip
    """Bars per facility (small counts of people hidden): before and after side by side when
    the plan has both, else `column`; the axis says the unit."""
    numeric = mappable_columns(frame)
    pairs = [p for p in before_after_pairs(numeric) if column in p] or before_after_pairs(numeric)
    series = (
        [(pairs[0][1], t("before", lang)), (pairs[0][2], t("after", lang))]
        if pairs
        else [(column, column_label(name, column, lang))]
    )
    units = plan_units(name, frame)
    bars = []
    for col, label in series:
        unit = uniform_unit(units.get(col))
        values = per_place(frame, key, col, unit)
        labels = [f"{names.get(f, f)} ({f})" for f in values.index]
        bars.append(bar_trace(labels, values, label, unit, threshold))
    unit = uniform_unit(units.get(series[0][0]))
    title = column_label(name, column, lang)
    return {
        "data": bars,
        "layout": {"title": {"text": plot_text(title), "x": 0.01}, "barmode": "group",
                   "height": 360, "margin": {"l": 60, "r": 10, "t": 40, "b": 120},
                   "yaxis": {"title": {"text": plot_text(with_unit("", unit, lang).strip())}}},
    }  # fmt: skip


def plan_table(name: str, frame: pd.DataFrame, lang: str, threshold: int) -> html.Div:
    """A plan as a screen table: headers with their units in the reader's language, small
    counts of people hidden, people and beds as whole numbers, shares as percentages."""
    units = plan_units(name, frame)
    shown = suppress_frame(frame, units, threshold)
    headers, cell_units = {}, {}
    for col in frame.columns:
        unit = units.get(col, "")
        per_row = not isinstance(unit, str)
        headers[col] = column_label(name, col, lang) if per_row else with_unit(
            column_label(name, col, lang), unit, lang)  # fmt: skip
        cell_units[col] = unit
    rows = []
    for i, record in enumerate(shown.to_dict("records")):
        row = {}
        for col, value in record.items():
            unit = cell_units[col]
            if not isinstance(unit, str):  # a unit per row: write it with the value
                row[col] = fmt(value, str(pd.Series(unit).iloc[i]), lang)
            elif col in TRANSLATED_COLUMNS and isinstance(value, str):
                row[col] = t(value, lang)
            else:
                row[col] = cell_text(value, unit)
        rows.append(row)
    return table(TABLE, rows, headers=headers)


def cell_text(value: object, unit: str) -> str | None:
    """One table cell (the header carries the unit)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if is_hidden(value) or isinstance(value, str | bool):
        return str(value)
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d}"
    if unit == "share":
        return f"{float(value) * 100:.1f}%"
    if isinstance(value, int | float):
        return number(float(value), unit)
    return str(value)


@dash.callback(
    Output(LINE, "options"),
    Output(LINE, "value"),
    Output(LINE_BOX, "style"),
    Input(PLAN, "value"),
    Input(SERVICE, "value"),
    State(RUN, "value"),
    State(LINE, "value"),
)
def choose_line(name: str | None, service: str, run_id: str, current: str | None):
    """The service lines of a plan that has them (amounts in different units never add up)."""
    user = current_user()
    hidden = {"display": "none"}
    if not name or not run_id:
        return [], None, hidden
    try:
        run = open_run(user, run_id, f"plan lines {name}")
    except RunRefused:
        return [], None, hidden
    plan = run_plans(run).get(name)
    if plan is None or "service_line" not in plan.columns:
        return [], None, hidden
    if service != ALL and "service" in plan.columns:
        plan = plan[plan["service"] == service]
    lines = sorted(plan["service_line"].dropna().unique())
    options = [{"label": t(x, user.lang), "value": x} for x in lines]
    return options, current if current in lines else (lines[0] if lines else None), {}


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
    Input(LINE, "value"),
    State(RUN, "value"),
)
def show_plan(name: str | None, service: str, column: str | None, line: str | None, run_id: str):
    """One plan as a suppressed table, and a map of one column when it is per area or facility
    (with bars per facility, before and after when the plan has both)."""
    user = current_user()
    lang = user.lang
    hidden = {"display": "none"}
    if not name or not run_id:
        return [], empty_figure(), empty_figure(), hidden, [], None, ""
    try:
        run = open_run(user, run_id, f"plan {name}")
    except RunRefused as exc:
        return refused(lang, str(exc)), empty_figure(), empty_figure(), hidden, [], None, ""
    plan = run_plans(run).get(name)
    if plan is None:
        return html.P(f"{name}: —"), empty_figure(), empty_figure(), hidden, [], None, ""
    frame = pd.DataFrame(plan.drop(columns="geometry", errors="ignore"))
    if service != ALL and "service" in frame.columns:
        frame = frame[frame["service"] == service]
    if "service_line" in frame.columns and line:
        frame = frame[frame["service_line"] == line]
    threshold = run_scenario_spec(run).rules.small_cell_threshold
    shown_table = with_note(plan_table(name, frame, lang, threshold), map_note(run, lang))
    href = f"/export/{quote(run['run_id'])}/{quote(name)}.csv"
    columns = mappable_columns(frame)
    if not columns:
        no_map = empty_figure(t("no_map", lang))
        return shown_table, no_map, empty_figure(), hidden, [], None, href
    units = plan_units(name, frame)
    if column not in columns:
        column = next((c for c in columns if not counts_people(uniform_unit(units[c]))),
                      columns[0])  # fmt: skip
    unit = uniform_unit(units[column])
    options = [{"label": column_label(name, c, lang), "value": c} for c in columns]
    label = column_label(name, column, lang)
    title = f"{run['scenario']} · {plan_title(name, lang)} · {label}" + (
        f" · {t(line, lang)}" if line else "")  # fmt: skip
    colour = with_unit(label, unit, lang)
    if "year" in frame.columns:  # a plan over several years: map and bars show the last
        last = frame["year"].max()
        frame, title = frame[frame["year"] == last], f"{title} · {last}"
    if "area_id" in frame.columns:
        values = per_place(frame, "area_id", column, unit)
        fig = area_map(city_geojson(run), area_names(run), values, title, colour, unit=unit,
                       threshold=threshold)  # fmt: skip
        fig = with_source_note(fig, map_note(run, lang))
        return shown_table, fig, empty_figure(), hidden, options, column, href
    key = facility_key(frame)
    if "geometry" in plan.columns or key is None:  # its own shapes (e.g. school districts)
        fig = own_shapes_map(plan, column, title, colour, unit, threshold)
        return shown_table, fig, empty_figure(), hidden, options, column, href
    places = facilities_lonlat(run)
    values = per_place(frame, key, column, unit)
    fig = facility_map(city_geojson(run), area_names(run), places, values, title, colour,
                       unit=unit, threshold=threshold)  # fmt: skip
    fig = with_source_note(fig, map_note(run, lang))
    names = places.set_index("facility_id")["name"]
    chart = facility_chart(name, frame, key, names, column, lang, threshold)
    return shown_table, fig, chart, {}, options, column, href


def own_shapes_map(plan, column: str, title: str, colour: str, unit: str, threshold: int) -> dict:
    """A plan that carries its own polygons (a GeoDataFrame), coloured by `column`."""
    shapes = plan.reset_index(drop=True)
    shapes = shapes.assign(shape_id=shapes.index.astype(str)).to_crs(4326)
    geojson = json.loads(shapes[["shape_id", "geometry"]].to_json(drop_id=True))
    label = shapes[facility_key(shapes)] if facility_key(shapes) else shapes["shape_id"]
    areas = pd.DataFrame({"area_id": shapes["shape_id"], "name": label.astype(str),
                          "district": ""})  # fmt: skip
    values = pd.to_numeric(shapes[column], errors="coerce").set_axis(shapes["shape_id"])
    fig = area_map(geojson, areas, values, title, colour, unit=unit, threshold=threshold)
    fig["data"][0]["featureidkey"] = "properties.shape_id"
    return fig
