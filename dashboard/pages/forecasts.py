"""How sure are the forecasts? A series with 80 % and 95 % intervals, its backtest skill beside
seasonal naive, and the population pyramid by year (counted, then projected).

A bureau sees only its own service's series; the server checks the series on every request.
"""

from __future__ import annotations

import dash
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, State, dcc, html

from dashboard.components import empty_figure, labelled, refusal_for, refused, run_dropdown, table
from dashboard.data import RunRefused, open_run, resolve_ref, run_options, run_scenario_spec
from dashboard.forecast_data import LEVELS, forecast_series, population_by_year, series_catalogue
from dashboard.i18n import t, unit_title
from dashboard.maps import GRAPH_CONFIG, plot_text
from dashboard.session import current_user, engine
from forecasting.backtest import AUTO_SELECT
from forecasting.methods import SEASONAL_NAIVE
from scenarios.privacy import drawable
from scenarios.scope import Scope
from scenarios.store import log

RUN = "fc-run"
SERIES = "fc-series"
GRAPH = "fc-graph"
SKILL_BOX = "fc-skill"
SKILL_TABLE = "fc-skill-table"
VERDICT = "fc-verdict"
YEAR = "fc-year"
PYRAMID = "fc-pyramid"
MESSAGE = "fc-message"
BAND_COLOURS = {80: "rgba(31,119,180,0.35)", 95: "rgba(31,119,180,0.15)"}
# What a series counts, by the first part of its measure, per period of its history.
MEASURE_UNITS = {"admissions": "admissions", "outpatient_visits": "visits", "caseload": "cases",
                 "enrolment": "pupils"}  # fmt: skip
PYRAMID_NOTE = "fc-pyramid-note"


def series_unit(series_id: str, monthly: bool) -> str:
    """The unit of a series' values ("admissions per month", "pupils")."""
    kind = MEASURE_UNITS.get(series_id.split(":")[1] if ":" in series_id else "", "")
    if not kind or kind == "pupils":
        return kind
    return f"{kind} per month" if monthly else f"{kind} per year"


def layout(run: str | None = None, **_) -> html.Div:
    """The page; the run only chooses the city whose series and population are shown."""
    user = current_user()
    lang = user.lang
    options = run_options(user)
    stop = refusal_for([run] if run else [], "forecasts")
    if stop is not None:
        return html.Div([html.H2(t("nav_forecasts", lang)), stop])
    if not options:
        return html.Div([html.H2(t("nav_forecasts", lang)), html.P(t("no_runs", lang))])
    return html.Div(
        [
            html.H2(t("nav_forecasts", lang)),
            html.Div(
                [
                    run_dropdown(
                        RUN, options, resolve_ref(user, run) or options[0]["value"], lang
                    ),  # fmt: skip
                    labelled(
                        t("series", lang),
                        dcc.Dropdown(id=SERIES, clearable=False, style={"minWidth": "26rem"}),
                    ),
                ],
                className="controls",
            ),  # fmt: skip
            html.Div(id=MESSAGE),
            dcc.Loading(
                html.Div(
                    [
                        dcc.Graph(id=GRAPH, config=GRAPH_CONFIG),
                        html.P(id=VERDICT),
                        labelled(t("backtest", lang), html.Div(id=SKILL_BOX)),
                    ],
                    className="card",
                )
            ),
            html.Div(
                [
                    html.H3(t("pyramid", lang)),
                    labelled(t("year", lang), dcc.Slider(id=YEAR, step=1, min=0, max=1, value=0)),
                    dcc.Graph(id=PYRAMID, config=GRAPH_CONFIG),
                    html.P(t("pyramid_note", lang), id=PYRAMID_NOTE, className="note"),
                ],
                className="card",
            ),
        ]
    )


dash.register_page(
    __name__, path="/forecasts", name="How sure are the forecasts?", order=1, layout=layout
)


def visible_series(city_name: str, scope: Scope) -> pd.DataFrame:
    """Series of the city whose service the user sees (all for admin)."""
    catalogue = series_catalogue(city_name)
    return catalogue[catalogue["service"].map(scope.sees)]


@dash.callback(
    Output(SERIES, "options"),
    Output(SERIES, "value"),
    Output(YEAR, "min"),
    Output(YEAR, "max"),
    Output(YEAR, "value"),
    Output(YEAR, "marks"),
    Output(MESSAGE, "children"),
    Input(RUN, "value"),
)
def choose_city(run_id: str):
    """The series and years of the chosen run's city."""
    user = current_user()
    try:
        run = open_run(user, run_id, "forecasts")
    except RunRefused as exc:
        return [], None, 0, 1, 0, {}, refused(user.lang, str(exc))
    scenario = run_scenario_spec(run)
    series = visible_series(scenario.city, user.scope)
    options = [{"label": f"{r.series_id}", "value": r.series_id} for r in series.itertuples()]
    pop = population_by_year(scenario.city, scenario.horizon)
    years = sorted(pop["year"].unique())
    counted = sorted(pop.loc[~pop["projected"], "year"].unique())
    marks = {int(y): {"label": f"{y}" + ("*" if y not in counted else "")} for y in years}
    return (
        options,
        options[0]["value"] if options else None,
        int(years[0]),
        int(years[-1]),
        int(counted[-1]),
        marks,
        "" if options else html.P(t("no_series", user.lang)),
    )


def verdict(fc, lang: str) -> str:
    """One sentence: does the automatic choice beat seasonal naive in the backtest (MASE)?"""
    mase = fc.skill.set_index("model")["mase"] if fc.skill is not None else pd.Series(dtype=float)
    if AUTO_SELECT not in mase.index or SEASONAL_NAIVE not in mase.index:
        return fc.verdict
    auto, naive = float(mase[AUTO_SELECT]), float(mase[SEASONAL_NAIVE])
    key = "beats_naive" if auto < naive else "not_beats_naive"
    return t(key, lang, auto=f"{auto:.2f}", naive=f"{naive:.2f}")


def forecast_figure(fc, series_id: str, lang: str, threshold: int = 10) -> go.Figure:
    """History, the forecast and its intervals (widest band first), small counts of people not
    drawn, the unit on the y axis."""
    fig = go.Figure()
    f = fc.forecast
    monthly = len(fc.history) > 1 and (fc.history["ds"].diff().dt.days.median() or 365) < 40
    unit = series_unit(series_id, monthly)

    def shown(values) -> list:
        return drawable(pd.Series(list(values), dtype=float), unit, threshold).tolist()

    for lv in sorted(LEVELS, reverse=True):
        fig.add_trace(
            go.Scatter(
                x=list(f["ds"]) + list(f["ds"][::-1]),
                y=shown(list(f[f"yhat-hi-{lv}"]) + list(f[f"yhat-lo-{lv}"][::-1])),
                fill="toself",
                fillcolor=BAND_COLOURS[lv],
                line={"width": 0},
                name=t("interval", lang, lv=lv),
                hoverinfo="skip",
            )
        )
    fig.add_trace(go.Scatter(x=fc.history["ds"], y=shown(fc.history["y"]),
                             name=t("history", lang), line={"color": "#333"}))  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=f["ds"], y=shown(f["yhat"]),
            name=plot_text(f"{t('forecast', lang)} ({f['model'].iloc[0]})"),
            line={"color": "#1f77b4", "dash": "dash"},
        )
    )  # fmt: skip
    fig.update_layout(
        title={"text": plot_text(series_id), "x": 0.01},
        yaxis={"title": {"text": plot_text(unit_title(unit, lang))}},
        height=380,
        margin={"l": 40, "r": 10, "t": 40, "b": 30},
        legend={"orientation": "h", "y": -0.15},
    )
    return fig


@dash.callback(
    Output(GRAPH, "figure"),
    Output(SKILL_BOX, "children"),
    Output(VERDICT, "children"),
    Input(SERIES, "value"),
    State(RUN, "value"),
)
def show_forecast(series_id: str | None, run_id: str):
    """One series: forecast with intervals and backtest skill (the server checks the bureau)."""
    user = current_user()
    lang = user.lang
    if not series_id:
        return empty_figure(), [], ""
    try:
        run = open_run(user, run_id, f"forecast {series_id}")
    except RunRefused as exc:
        return empty_figure(), refused(lang, str(exc)), ""
    city = run_scenario_spec(run).city
    threshold = run_scenario_spec(run).rules.small_cell_threshold
    allowed = visible_series(city, user.scope)
    if series_id not in set(allowed["series_id"]):
        log(engine(), user.name, "refused", run["scenario"], run["run_id"],
            f"forecast {series_id}")  # fmt: skip
        return empty_figure(), refused(lang, series_id), ""
    fc = forecast_series(city, series_id)
    if fc.skill is None:
        return forecast_figure(fc, series_id, lang, threshold), [], fc.verdict
    cols = ["model", "mase", "smape", *[f"coverage_{lv}" for lv in LEVELS]]
    skill = fc.skill[[c for c in cols if c in fc.skill.columns]].round(3)
    skill = skill.rename(
        columns={"model": t("model", lang), "mase": "MASE", "smape": "sMAPE (%)"}
        | {f"coverage_{lv}": t("coverage", lang, lv=lv) for lv in LEVELS}
    )
    rows = skill.astype(object).where(skill.notna(), None).to_dict("records")
    figure = forecast_figure(fc, series_id, lang, threshold)
    return figure, table(SKILL_TABLE, rows), verdict(fc, lang)


@dash.callback(Output(PYRAMID, "figure"), Input(YEAR, "value"), State(RUN, "value"))
def show_pyramid(year: int, run_id: str):
    """Men to the left, women to the right, by age band, in one year (persons)."""
    user = current_user()
    lang = user.lang
    try:
        run = open_run(user, run_id, f"pyramid {year}")
    except RunRefused:
        return empty_figure()
    scenario = run_scenario_spec(run)
    pop = population_by_year(scenario.city, scenario.horizon)
    one = pop[pop["year"] == year]
    if one.empty:
        return empty_figure()
    threshold = scenario.rules.small_cell_threshold
    one = one.assign(persons=drawable(one["persons"].reset_index(drop=True), "persons",
                                      threshold).to_numpy())  # fmt: skip
    men = one[one["sex"] == "M"]
    women = one[one["sex"] == "F"]
    fig = go.Figure(
        [
            go.Bar(y=men["age_band"].astype(str), x=-men["persons"], orientation="h",
                   name=t("male", lang), customdata=men["persons"],
                   hovertemplate="%{y}: %{customdata:,.0f}<extra></extra>"),
            go.Bar(y=women["age_band"].astype(str), x=women["persons"], orientation="h",
                   name=t("female", lang), customdata=women["persons"],
                   hovertemplate="%{y}: %{customdata:,.0f}<extra></extra>"),
        ]
    )  # fmt: skip
    projected = bool(one["projected"].iloc[0])
    fig.update_layout(
        barmode="overlay",
        bargap=0.05,
        title={
            "text": f"{year}{'*' if projected else ''}{t('projected', lang) if projected else ''}",
            "x": 0.01,
        },
        xaxis={"title": t("persons", lang)},
        yaxis={"title": t("age_band", lang)},
        height=460,
        margin={"l": 60, "r": 10, "t": 40, "b": 40},
    )
    top = float(one["persons"].max())
    ticks = [-top, -top / 2, 0.0, top / 2, top]
    fig.update_xaxes(tickvals=ticks, ticktext=[f"{abs(v):,.0f}" for v in ticks])
    return fig
