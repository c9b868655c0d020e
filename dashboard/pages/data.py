"""Is the data good enough? The data-quality report of the city a run used (zh-CN / English)."""

from __future__ import annotations

from functools import lru_cache

import dash
from dash import Input, Output, html

from dashboard.components import labelled, refusal_for, refused, run_dropdown, table
from dashboard.data import RunRefused, open_run, resolve_ref, run_options, run_scenario_spec
from dashboard.i18n import t
from dashboard.session import current_user
from demand.errors import InputError
from scenarios.quality_report import CHECK_ZH, LABELS, SEVERITY_ZH, city_quality, report_for

RUN = "data-run"
BODY = "data-body"
MAX_LISTED = 50


def _words(lang: str) -> dict[str, str]:
    return LABELS["zh-CN" if lang == "zh" else "en"]


@lru_cache(maxsize=8)
def _quality(city: str) -> dict:
    return city_quality(city)


def layout(run: str | None = None, **_) -> html.Div:
    """The page; `?run=<id>` opens the report of that run's city."""
    user = current_user()
    lang = user.lang
    options = run_options(user)
    stop = refusal_for([run] if run else [], "data")
    if stop is not None:
        return html.Div([html.H2(t("nav_data", lang)), stop])
    if not options:
        return html.Div([html.H2(t("nav_data", lang)), html.P(t("no_runs", lang))])
    return html.Div(
        [
            html.H2(t("nav_data", lang)),
            html.Div(
                [run_dropdown(RUN, options, resolve_ref(user, run) or options[0]["value"], lang)],
                className="controls",
            ),  # fmt: skip
            html.Div(id=BODY),
        ]
    )


dash.register_page(__name__, path="/data", name="Data", order=5, layout=layout)


def render(data: dict, lang: str) -> list:
    """The report as page parts: summary, CRS, checks, rows excluded and repaired, problems."""
    w = _words(lang)
    zh = lang == "zh"
    state = w["ok"] if data["ok"] else w["not_ok"]
    parts: list = [
        html.P(
            f"{data['title']} — {data['errors']} {w['errors']}, {data['warnings']} "
            f"{w['warnings']} — {state}",
            id="data-state",
        ),  # fmt: skip
        labelled(
            w["summary"],
            table(
                "data-scores",
                [
                    {w["table"]: name, w["rows"]: f"{v['rows']:,}", w["score"]: f"{v['score']:.1f}"}
                    for name, v in data["tables"].items()
                ],
            ),
        ),  # fmt: skip
    ]
    crs = data.get("crs") or {}
    if crs.get("crs"):
        parts.append(html.P(f"{w['crs']}: {crs.get('crs_name')} ({crs['crs']}), {w['unit']} "
                            f"{crs.get('unit')}; {w['km2']} {crs.get('total_km2', 0):,.1f}",
                            id="data-crs"))  # fmt: skip
    checks = [
        {
            w["table"]: ("跨表" if f["table"] == "across" and zh else f["table"]),
            w["check"]: CHECK_ZH.get(f["check"], f["title"]) if zh else f["title"],
            w["severity"]: SEVERITY_ZH.get(f["severity"], f["severity"]) if zh else f["severity"],
            w["count"]: f["count"],
            w["where"]: ", ".join(str(r) for r in f["rows"][:5]),
            w["detail"]: f["detail"],
        }
        for f in data["findings"]
    ]
    parts.append(labelled(w["checks"], table("data-checks", checks) if checks else
                          html.P(w["none"])))  # fmt: skip
    for key, what in (("excluded", "reason"), ("repaired", "what")):
        rows = [{w["table"]: e["table"], w["where"]: e["where"], w[what]: e[what]}
                for e in data[key]]  # fmt: skip
        title = f"{w[key]} ({len(rows)})"
        parts.append(labelled(title, table(f"data-{key}", rows, MAX_LISTED) if rows else
                              html.P(w["none"])))  # fmt: skip
    lines = [p["line"] for p in data["problems"] if p["severity"] != "notice"]
    parts.append(labelled(f"{w['problems']} ({len(lines)})",
                          html.Ul([html.Li(x) for x in lines[:MAX_LISTED]]) if lines else
                          html.P(w["none"])))  # fmt: skip
    return parts


@dash.callback(Output(BODY, "children"), Input(RUN, "value"))
def show_quality(run_id: str):
    """The report of the city the chosen run (of the user's bureau) was computed on."""
    user = current_user()
    try:
        run = open_run(user, run_id, "data quality")
        data = report_for(_quality(run_scenario_spec(run).city), run.scope.sees)
    except RunRefused as exc:  # another bureau's or no such run: the same neutral answer
        return refused(user.lang, str(exc))
    except InputError as exc:
        return html.P(str(exc), className="error")
    return render(data, user.lang)
