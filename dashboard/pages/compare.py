"""Compare scenarios: 2–4 runs side by side on one colour scale, KPI differences, where B ≠ A."""

from __future__ import annotations

import dash
import pandas as pd
from dash import Input, Output, State, dcc, html

from dashboard.brief.route import brief_links, register_links
from dashboard.components import (
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
    city_geojson,
    default_pair,
    facilities_lonlat,
    map_note,
    measure_values,
    open_run,
    open_runs,
    resolve_ref,
    run_kpis,
    run_options,
    run_scenario_spec,
    service_lines,
    visible_services,
)
from dashboard.i18n import fmt, kpi_name, t, with_unit
from dashboard.maps import (
    DIVERGING,
    GRAPH_CONFIG,
    area_map,
    shared_range,
    symmetric_range,
    with_source_note,
)
from dashboard.session import current_user
from scenarios.compare import kpi_comparison
from scenarios.privacy import drawable, run_threshold, suppress_difference, suppress_kpis

RUNS = "compare-runs"
SERVICE = "compare-service"
MEASURE = "compare-measure"
LINE = "compare-line"
MAPS = "compare-maps"
DIFF_MAP = "compare-diff-map"
KPI_TABLE = "compare-kpis"
KPI_BOX = "compare-kpi-box"
MESSAGE = "compare-message"
DOWNLOAD = "compare-download"
MAX_RUNS = 4


def layout(runs: str | None = None, service: str | None = None, **_) -> html.Div:
    """The page; `?runs=<id>,<id>` preselects runs (each checked on the server)."""
    user = current_user()
    lang = user.lang
    options = run_options(user)
    asked = [r for r in (runs or "").split(",") if r]
    stop = refusal_for(asked, "compare")
    if stop is not None:
        return html.Div([html.H2(t("nav_compare", lang)), stop])
    chosen = [resolve_ref(user, r) for r in asked] if asked else default_pair(user)
    services = visible_services(user)
    default_service = service if service in services else services[0]
    return html.Div(
        [
            html.H2(t("nav_compare", lang)),
            html.Div(
                [
                    run_dropdown(RUNS, options, chosen, lang, multi=True),
                    service_radio(SERVICE, default_service, lang, services),
                    line_dropdown(LINE, lang),
                    measure_radio(MEASURE, lang),
                ],
                className="controls",
            ),
            html.Div(id=MESSAGE),
            html.Div(id=MAPS, className="maps"),
            html.Div(dcc.Graph(id=DIFF_MAP, config=GRAPH_CONFIG), className="card"),
            labelled(t("kpi_diff", lang), html.Div(id=KPI_BOX)),
            html.A(t("download_csv", lang), id=DOWNLOAD, href="", target="_blank"),
            brief_links("compare", lang),
            html.P(t("small_cells", lang), className="note"),
        ]
    )


dash.register_page(__name__, path="/compare", name="Compare scenarios", order=3, layout=layout)
register_links("compare", RUNS, SERVICE, pair=True)  # the brief of B against A


def kpi_difference_rows(frame: pd.DataFrame, lang: str, threshold: int) -> list[dict]:
    """compare_runs output as screen rows: values and Δ with units, small counts of people
    hidden, and each Δ the difference of the values shown (hidden when one of them is)."""
    value_cols = [c for c in frame.columns if c not in ("service", "kpi", "unit")]
    shown = suppress_kpis(frame, threshold, value_columns=value_cols)
    rows = []
    for r in shown.to_dict("records"):
        row = {t("service", lang): t(r["service"], lang), t("kpi", lang): kpi_name(r["kpi"], lang)}
        for col in value_cols:
            row[col] = fmt(r[col], r["unit"], lang)
        rows.append(row)
    return rows


@dash.callback(
    Output(LINE, "options"),
    Output(LINE, "value"),
    Input(RUNS, "value"),
    Input(SERVICE, "value"),
    State(LINE, "value"),
)
def choose_line(run_ids: list[str] | None, service: str, current: str | None):
    """Service lines of the service in the first chosen run (one entry for older runs)."""
    user = current_user()
    lines: list[str] = []
    if run_ids:
        try:
            lines = service_lines(open_run(user, run_ids[0], f"compare lines {service}"), service)
        except RunRefused:
            return [], None
    return line_options(lines, service, current, user.lang)


@dash.callback(
    Output(MAPS, "children"),
    Output(DIFF_MAP, "figure"),
    Output(KPI_BOX, "children"),
    Output(MESSAGE, "children"),
    Output(DOWNLOAD, "href"),
    Input(RUNS, "value"),
    Input(SERVICE, "value"),
    Input(LINE, "value"),
    Input(MEASURE, "value"),
)
def compare(run_ids: list[str] | None, service: str, line: str | None, measure: str):
    """Side-by-side maps on a shared scale, the B − A map and the KPI table with differences."""
    user = current_user()
    lang = user.lang
    run_ids = list(run_ids or [])
    if not 2 <= len(run_ids) <= MAX_RUNS:
        return [], empty_figure(t("pick_two", lang)), [], html.P(t("pick_two", lang)), ""
    try:
        runs = open_runs(user, run_ids, f"compare {service}")
    except RunRefused as exc:
        return [], empty_figure(), [], refused(lang, str(exc)), ""
    threshold = run_threshold(*runs)
    values, column, unit = [], measure, ""
    for run in runs:
        rows = access_rows(run, service, line)
        if rows is None or rows.empty:
            values.append(pd.Series(dtype=float))
            continue
        v, column, unit = measure_values(rows, measure)
        values.append(v)
    zrange = shared_range([drawable(v, unit, threshold) for v in values])
    colour = with_unit(t(column, lang), unit if measure != "access" else "", lang)
    notes = [map_note(run, lang) for run in runs]  # the data's flags, under maps and the table
    maps = [
        dcc.Graph(
            id=f"{MAPS}-{i}",
            figure=with_source_note(
                area_map(
                    city_geojson(run),
                    area_names(run),
                    v,
                    f"{chr(65 + i)}: {run['scenario']}",
                    colour,
                    unit=unit,
                    threshold=threshold,
                    zrange=zrange,
                    facilities=facilities_lonlat(run, service),
                    height=360,
                ),
                note,
            ),
            config=GRAPH_CONFIG,
        )
        for i, (run, v, note) in enumerate(zip(runs, values, notes, strict=True))
    ]
    a, b = runs[0], runs[1]
    same_city = run_scenario_spec(a).city == run_scenario_spec(b).city
    if same_city:
        both = pd.concat([values[0].rename("a"), values[1].rename("b")], axis=1)
        diff = suppress_difference(both["a"], both["b"], unit, threshold)
        diff_fig = area_map(
            city_geojson(b),
            area_names(b),
            diff,
            t("diff_map", lang, a=f"A {a['scenario']}", b=f"B {b['scenario']}"),
            f"Δ {colour}",
            unit=unit,
            threshold=threshold,
            zrange=symmetric_range(pd.to_numeric(diff, errors="coerce")),
            colorscale=DIVERGING,
            facilities=facilities_lonlat(b, service),
            height=420,
            derived=True,
        )
        diff_fig = with_source_note(diff_fig, notes[1])
    else:
        diff_fig = empty_figure(t("different_cities", lang, a=a["scenario"], b=b["scenario"]))
    frame = kpi_comparison(runs, [run_kpis(r) for r in runs])  # the user's services only
    frame = frame[frame["service"] == service]
    rows = kpi_difference_rows(frame, lang, threshold)
    href = "/export/compare.csv?runs=" + ",".join(r["run_id"] for r in runs)
    table_note = " | ".join(dict.fromkeys(note for note in notes if note))
    return maps, diff_fig, with_note(table(KPI_TABLE, rows), table_note), "", href
