"""Where are we short? Access per area for one service of a run, its facilities and city KPIs."""

from __future__ import annotations

import dash
from dash import Input, Output, State, dcc, html

from dashboard.components import (
    ALL_LINES,
    empty_figure,
    labelled,
    line_dropdown,
    line_options,
    measure_radio,
    refusal_for,
    refused,
    run_dropdown,
    service_radio,
    table,
    with_note,
)
from dashboard.data import (
    RunRefused,
    access_rows,
    area_names,
    catchments,
    city_geojson,
    facilities_lonlat,
    kpi_rows,
    map_note,
    measure_values,
    open_run,
    resolve_ref,
    run_kpis,
    run_options,
    run_scenario_spec,
    service_lines,
    visible_services,
)
from dashboard.i18n import t, with_unit
from dashboard.maps import GRAPH_CONFIG, area_map, with_source_note
from dashboard.session import current_user
from optimize.metrics.services import SERVICE_LINES

RUN = "short-run"
SERVICE = "short-service"
MEASURE = "short-measure"
LINE = "short-line"
MAP = "short-map"
KPIS = "short-kpis"
MESSAGE = "short-message"
CATCHMENT = "short-catchment"
STANDARD_MINUTES = {line.name: line.catchment_minutes for line in SERVICE_LINES}


def layout(run: str | None = None, service: str | None = None, **_) -> html.Div:
    """The page; `?run=<id>` opens a given run (checked on the server like any other)."""
    user = current_user()
    lang = user.lang
    options = run_options(user)
    stop = refusal_for([run] if run else [], "shortfalls")
    if stop is not None:
        return html.Div([html.H2(t("nav_short", lang)), stop])
    if not options:
        return html.Div([html.H2(t("nav_short", lang)), html.P(t("no_runs", lang))])
    services = visible_services(user)
    default_service = service if service in services else services[0]
    return html.Div(
        [
            html.H2(t("nav_short", lang)),
            html.Div(
                [
                    run_dropdown(
                        RUN, options, resolve_ref(user, run) or options[0]["value"], lang
                    ),  # fmt: skip
                    service_radio(SERVICE, default_service, lang, services),
                    line_dropdown(LINE, lang),
                    measure_radio(MEASURE, lang),
                ],
                className="controls",
            ),
            html.Div(id=MESSAGE),
            html.Div(dcc.Graph(id=MAP, config=GRAPH_CONFIG), className="card"),
            html.P(id=CATCHMENT, className="note"),
            labelled(t("kpis", lang), html.Div(id=KPIS)),
            html.P(t("small_cells", lang), className="note"),
        ]
    )


dash.register_page(__name__, path="/", name="Where are we short?", order=0, layout=layout)


@dash.callback(
    Output(LINE, "options"),
    Output(LINE, "value"),
    Input(RUN, "value"),
    Input(SERVICE, "value"),
    State(LINE, "value"),
)
def choose_line(run_id: str, service: str, current: str | None):
    """The service lines of the chosen service in the run (one entry for older runs)."""
    user = current_user()
    try:
        run = open_run(user, run_id, f"where-short lines {service}")
    except RunRefused:
        return [], None
    lines = service_lines(run, service)
    return line_options(lines, service, current, user.lang)


def catchment_note(run, line: str | None, lang: str) -> str:
    """Which catchment the access map used, and why (the standard or the travel limit)."""
    used = catchments(run).get(line or "")
    if used is None or line not in STANDARD_MINUTES:
        return ""
    limit = run_scenario_spec(run).rules.max_travel_minutes
    return t("catchment_note", lang, minutes=f"{used:g}", standard=f"{STANDARD_MINUTES[line]:g}",
             limit=f"{limit:g}")  # fmt: skip


@dash.callback(
    Output(MAP, "figure"),
    Output(KPIS, "children"),
    Output(MESSAGE, "children"),
    Output(CATCHMENT, "children"),
    Input(RUN, "value"),
    Input(SERVICE, "value"),
    Input(LINE, "value"),
    Input(MEASURE, "value"),
)
def show_shortfalls(run_id: str, service: str, line: str | None, measure: str):
    """The map and KPIs of one service (line) in one run the user may open (their services
    only: another service's rows are not in the run as the user sees it)."""
    user = current_user()
    lang = user.lang
    try:
        run = open_run(user, run_id, f"where-short {service} {line or ''}".strip())
    except RunRefused as exc:
        return empty_figure(), [], refused(lang, str(exc)), ""
    threshold = run_scenario_spec(run).rules.small_cell_threshold
    kpis = run_kpis(run)
    kpis = kpis[kpis["service"] == service]
    if line and line != ALL_LINES:  # this line's access KPIs, and the service's other models'
        other_lines = [f"{x}: " for x in service_lines(run, service) if x != line]
        kpis = kpis[~kpis["kpi"].str.startswith(tuple(other_lines))] if other_lines else kpis
    kpi_table = with_note(
        table(KPIS + "-table", kpi_rows(kpis, lang, threshold)), map_note(run, lang)
    )
    rows = access_rows(run, service, line)
    if rows is None or rows.empty:
        return empty_figure(t("no_access_plan", lang, name=run["scenario"])), kpi_table, "", ""
    values, column, unit = measure_values(rows, measure)
    shown_line = line if line and line != ALL_LINES else None
    title = f"{run['scenario']} · {t(shown_line or service, lang)}"
    fig = area_map(
        city_geojson(run),
        area_names(run),
        values,
        f"{title} · {t(column, lang)}",
        with_unit(t(column, lang), unit if measure != "access" else "", lang),
        unit=unit,
        threshold=threshold,
        colorscale="YlGnBu" if measure == "access" else "YlOrRd",
        facilities=facilities_lonlat(run, service),
        height=520,
    )
    note = catchment_note(run, shown_line or rows["service_line"].iloc[0], lang) if (
        measure != "nearest_minutes" and "service_line" in rows.columns) else ""  # fmt: skip
    return with_source_note(fig, map_note(run, lang)), kpi_table, "", note
