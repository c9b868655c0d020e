"""Small building blocks shared by the pages: labelled controls, tables, the refusal notice."""

from __future__ import annotations

import plotly.graph_objects as go
from dash import dcc, html

from dashboard.data import MEASURES, SERVICES
from dashboard.i18n import t
from dashboard.maps import plot_text


def labelled(label: str, control) -> html.Div:
    """A control with its label above it."""
    return html.Div([html.Label(label, className="control-label"), control])


def run_dropdown(component_id: str, options: list[dict], value, lang: str, multi: bool = False):
    """A dropdown of stored runs."""
    return labelled(
        t("runs" if multi else "run", lang),
        dcc.Dropdown(
            id=component_id, options=options, value=value, multi=multi, clearable=False,
            placeholder=t("choose", lang), style={"minWidth": "28rem"},
        ),
    )  # fmt: skip


def service_radio(
    component_id: str, value: str, lang: str, services: list[str] | None = None
) -> html.Div:
    """Pick one of the services the user sees."""
    return labelled(
        t("service", lang),
        dcc.RadioItems(
            id=component_id,
            options=[{"label": f" {t(s, lang)}", "value": s} for s in services or SERVICES],
            value=value,
            inline=True,
            inputStyle={"marginLeft": "0.6rem"},
        ),
    )


def measure_radio(component_id: str, lang: str) -> html.Div:
    """Pick what the map colours: access (supply / need), unmet need, or minutes to the nearest."""
    return labelled(
        t("measure", lang),
        dcc.RadioItems(
            id=component_id,
            options=[{"label": f" {t(m, lang)}", "value": m} for m in MEASURES],
            value="access",
            inline=True,
            inputStyle={"marginLeft": "0.6rem"},
        ),
    )


def choice(component_id: str, label: str, lang: str, width: str = "12rem", **props) -> html.Div:
    """A labelled dropdown that must hold a value (its options usually filled by a callback)."""
    return labelled(
        t(label, lang),
        dcc.Dropdown(id=component_id, clearable=False, placeholder=t("choose", lang),
                     style={"minWidth": width}, **props),
    )  # fmt: skip


def line_dropdown(component_id: str, lang: str) -> html.Div:
    """Pick a service line of the chosen service (filled in from the run's plan)."""
    return choice(component_id, "service_line", lang)


#: The value of the service-line dropdown when a service has no separate lines.
ALL_LINES = "all"


def line_options(lines: list[str], service: str, current: str | None, lang: str):
    """Options and value of the service-line dropdown (the service itself if it has none)."""
    if not lines:
        return [{"label": t(service, lang), "value": ALL_LINES}], ALL_LINES
    options = [{"label": t(line, lang), "value": line} for line in lines]
    return options, current if current in lines else lines[0]


def table(
    component_id: str, rows: list[dict], max_rows: int = 200, headers: dict | None = None
) -> html.Div:
    """A plain table of rows (already formatted for the screen); long ones show the first rows.

    headers: what to write above each column (default: the column's name)."""
    columns = list(rows[0]) if rows else []
    headers = headers or {}
    shown = rows[:max_rows]
    body = [html.Tr([html.Td(_cell(r.get(c))) for c in columns]) for r in shown]
    parts = [
        html.Table(
            [
                html.Thead(html.Tr([html.Th(headers.get(c, c), title=c) for c in columns])),
                html.Tbody(body),
            ],
            id=component_id,
            className="data",
        )
    ]
    if len(rows) > max_rows:
        parts.append(html.P(f"{max_rows} / {len(rows)}", className="note"))
    return html.Div(parts, className="table-wrap")


def with_note(component, note: str):
    """A table with the data's flags above it (OSM attribution, population ESTIMATE, capacity
    ASSUMED: ``dashboard.data.map_note``), so a table says what its map says; unchanged if ''."""
    if not note:
        return component
    return html.Div([html.P(note, className="note source-note"), component])


def _cell(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".")
    return str(value)


def refused(lang: str, reason: str = "") -> html.Div:
    """The notice shown when a run is not one the user may open (the same whether it belongs
    to another bureau or does not exist)."""
    return html.Div(
        [html.Strong(t("refused", lang)), html.Span(f" — {t('refused_detail', lang)} {reason}")],
        className="refused",
        id="refused-notice",
    )


def empty_figure(message: str = "") -> go.Figure:
    """A blank figure with a short message in the middle."""
    fig = go.Figure()
    fig.update_layout(
        xaxis={"visible": False},
        yaxis={"visible": False},
        height=200,
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        annotations=[{"text": plot_text(message), "showarrow": False, "font": {"size": 14}}]
        if message
        else [],
    )
    return fig


def refusal_for(refs: list[str], page: str) -> html.Div | None:
    """The refusal notice when a run asked for by URL is not one the user may open (else None).

    Checked on the server as the page is built, before any control could hide it; audited.
    """
    from dashboard.data import RunRefused, open_run
    from dashboard.session import current_user

    user = current_user()
    for ref in refs:
        try:
            open_run(user, ref, page)
        except RunRefused as exc:
            return refused(user.lang, str(exc))
    return None
