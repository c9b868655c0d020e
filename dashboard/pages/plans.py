"""Plans: whatever plans a run stored, per service — as a table, and as a map when per area.

Each plan shown is audited as a view; the CSV link goes through the audited, checked export.
"""

from __future__ import annotations

from urllib.parse import quote

import dash
import pandas as pd
from dash import Input, Output, State, dcc, html

from dashboard.components import empty_figure, labelled, refusal_for, refused, run_dropdown, table
from dashboard.data import (
    SERVICES,
    area_names,
    city_geojson,
    open_run,
    run_options,
    run_plans,
    run_scenario_spec,
)
from dashboard.i18n import t
from dashboard.maps import GRAPH_CONFIG, area_map, map_values
from dashboard.session import current_user
from demand.errors import InputError
from scenarios.privacy import is_count_column, suppress_frame

RUN = "plans-run"
PLAN = "plans-plan"
SERVICE = "plans-service"
COLUMN = "plans-column"
TABLE_BOX = "plans-table-box"
TABLE = "plans-table"
MAP = "plans-map"
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


def mappable_columns(frame: pd.DataFrame) -> list[str]:
    """Numeric columns of a per-area plan that can colour a map."""
    if "area_id" not in frame.columns:
        return []
    return [c for c in frame.columns if c != "area_id" and pd.api.types.is_numeric_dtype(frame[c])]


@dash.callback(
    Output(TABLE_BOX, "children"),
    Output(MAP, "figure"),
    Output(COLUMN, "options"),
    Output(COLUMN, "value"),
    Output(DOWNLOAD, "href"),
    Input(PLAN, "value"),
    Input(SERVICE, "value"),
    Input(COLUMN, "value"),
    State(RUN, "value"),
)
def show_plan(name: str | None, service: str, column: str | None, run_id: str):
    """One plan as a suppressed table and, when it is per area, a map of one column."""
    user = current_user()
    lang = user.lang
    if not name or not run_id:
        return [], empty_figure(), [], None, ""
    try:
        run = open_run(user, run_id, f"plan {name}")
    except (PermissionError, InputError) as exc:
        return refused(lang, str(exc)), empty_figure(), [], None, ""
    plan = run_plans(run).get(name)
    if plan is None:
        return html.P(f"{name}: —"), empty_figure(), [], None, ""
    frame = pd.DataFrame(plan.drop(columns="geometry", errors="ignore"))
    if service != ALL and "service" in frame.columns:
        frame = frame[frame["service"] == service]
    threshold = run_scenario_spec(run).rules.small_cell_threshold
    shown = suppress_frame(frame, threshold)
    rows = shown.astype(object).where(shown.notna(), None).to_dict("records")
    href = f"/export/{quote(run['run_id'])}/{quote(name)}.csv"
    columns = mappable_columns(frame)
    if not columns:
        return table(TABLE, rows), empty_figure(t("no_map", lang)), [], None, href
    if column not in columns:
        column = next((c for c in columns if not is_count_column(c)), columns[0])
    # Several rows per area (e.g. every service): counts add up, rates and minutes average.
    group = frame.groupby("area_id")[column]
    per_area = group.sum(min_count=1) if is_count_column(column) else group.mean()
    values = map_values(per_area.to_frame(column), column, threshold)
    fig = area_map(
        city_geojson(run), area_names(run), values, f"{run['scenario']} · {name} · {column}", column
    )
    options = [{"label": c, "value": c} for c in columns]
    return table(TABLE, rows), fig, options, column, href
