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
)
from dashboard.data import (
    ACCESS_PLAN,
    SERVICES,
    access_rows,
    area_names,
    city_geojson,
    facilities_lonlat,
    kpi_rows,
    map_note,
    measure_values,
    open_run,
    run_kpis,
    run_options,
    run_scenario_spec,
    service_lines,
)
from dashboard.i18n import t
from dashboard.maps import GRAPH_CONFIG, area_map, with_source_note
from dashboard.session import current_user
from demand.errors import InputError

RUN = "short-run"
SERVICE = "short-service"
MEASURE = "short-measure"
LINE = "short-line"
MAP = "short-map"
KPIS = "short-kpis"
MESSAGE = "short-message"


def layout(run: str | None = None, service: str | None = None, **_) -> html.Div:
    """The page; `?run=<id>` opens a given run (checked on the server like any other)."""
    user = current_user()
    lang = user.lang
    options = run_options(user)
    stop = refusal_for([run] if run else [], "shortfalls")
    if stop is not None:
        return html.Div([html.H2(t("nav_short", lang)), stop])
    if not options and run is None:
        return html.Div([html.H2(t("nav_short", lang)), html.P(t("no_runs", lang))])
    default_service = service or (user.role if user.role in SERVICES else SERVICES[0])
    return html.Div(
        [
            html.H2(t("nav_short", lang)),
            html.Div(
                [
                    run_dropdown(RUN, options, run or options[0]["value"], lang),
                    service_radio(SERVICE, default_service, lang),
                    line_dropdown(LINE, lang),
                    measure_radio(MEASURE, lang),
                ],
                className="controls",
            ),
            html.Div(id=MESSAGE),
            html.Div(dcc.Graph(id=MAP, config=GRAPH_CONFIG), className="card"),
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
    except (PermissionError, InputError):
        return [], None
    lines = service_lines(run, service)
    return line_options(lines, service, current, user.lang)


@dash.callback(
    Output(MAP, "figure"),
    Output(KPIS, "children"),
    Output(MESSAGE, "children"),
    Input(RUN, "value"),
    Input(SERVICE, "value"),
    Input(LINE, "value"),
    Input(MEASURE, "value"),
)
def show_shortfalls(run_id: str, service: str, line: str | None, measure: str):
    """The map and KPIs of one service (line) in one run the user's bureau owns."""
    user = current_user()
    lang = user.lang
    try:
        run = open_run(user, run_id, f"where-short {service} {line or ''}".strip())
    except PermissionError as exc:
        return empty_figure(), [], refused(lang, str(exc))
    except InputError as exc:
        return empty_figure(), [], html.P(str(exc), className="error")
    threshold = run_scenario_spec(run).rules.small_cell_threshold
    kpis = run_kpis(run)
    kpis = kpis[kpis["service"] == service]
    if line and line != ALL_LINES:  # this line's access KPIs, and the service's other models'
        other_lines = [f"{x}: " for x in service_lines(run, service) if x != line]
        kpis = kpis[~kpis["kpi"].str.startswith(tuple(other_lines))] if other_lines else kpis
    kpi_table = table(KPIS + "-table", kpi_rows(kpis, lang, threshold))
    rows = access_rows(run, service, line)
    if rows is None:
        return empty_figure(f"{run['scenario']}: no {ACCESS_PLAN}"), kpi_table, ""
    values, column = measure_values(rows, measure)
    title = f"{run['scenario']} · {t(line if line and line != ALL_LINES else service, lang)}"
    fig = area_map(
        city_geojson(run),
        area_names(run),
        values,
        f"{title} · {t(column, lang)}",
        t(column, lang),
        colorscale="YlGnBu" if measure == "access" else "YlOrRd",
        facilities=facilities_lonlat(run, service),
        height=520,
    )
    return with_source_note(fig, map_note(run, lang)), kpi_table, ""
