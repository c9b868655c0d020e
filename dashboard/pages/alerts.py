"""What needs attention? The alerts of the user's bureau (admin: every bureau): where, the series
with its expected band and the flagged periods, and acknowledging one with a note (audited).

Which alerts a user sees is the one scope rule (`scenarios.scope`: a bureau sees its own
service lines); every count of people passes `scenarios.privacy` (hidden under 10 in tables,
hovers and plots).
"""

from __future__ import annotations

import json

import dash
import pandas as pd
from dash import Input, Output, State, dcc, html

from dashboard.components import empty_figure, labelled, table
from dashboard.i18n import t
from dashboard.maps import plot_text
from dashboard.session import current_user, engine
from demand.errors import InputError
from scenarios.alerts.store import acknowledge, list_alerts
from scenarios.privacy import drawable, shown_text
from scenarios.store import log

STATE = "alerts-state"
TABLE = "alerts-table"
PICK = "alerts-pick"
NOTE = "alerts-note"
ACK = "alerts-ack"
DONE = "alerts-done"
MAP = "alerts-map"
PLOT = "alerts-plot"
STATES = ("open", "new", "acknowledged", "resolved", "all")
SEVERITY_COLOUR = {"critical": "#d62728", "warning": "#ff7f0e", "info": "#1f77b4"}


def visible_alerts(user, state: str = "open") -> pd.DataFrame:
    """The alerts this user may see (their bureau's; admin: all), of one state."""
    frame = list_alerts(engine(), bureau=user.bureau)
    frame = frame[frame["bureau"].map(user.scope.sees)]
    if state == "open":
        return frame[frame["state"].isin(("new", "acknowledged"))].reset_index(drop=True)
    if state in ("new", "acknowledged", "resolved"):
        return frame[frame["state"] == state].reset_index(drop=True)
    return frame.reset_index(drop=True)


def layout(**_) -> html.Div:
    """The page: state filter, map, table, the chosen alert's series, acknowledge."""
    user = current_user()
    lang = user.lang
    log(engine(), user.name, "view", detail="alerts page")
    return html.Div(
        [
            html.H2(t("nav_alerts", lang)),
            html.Div(
                [
                    labelled(
                        t("alerts_state", lang),
                        dcc.RadioItems(
                            id=STATE,
                            value="open",
                            inline=True,
                            options=[
                                {"label": t(f"alerts_state_{s}", lang), "value": s} for s in STATES
                            ],
                        ),
                    )
                ],
                className="controls",
            ),  # fmt: skip
            html.Div(id=TABLE),
            dcc.Graph(id=MAP, config={"displayModeBar": False}),
            html.Div(
                [
                    labelled(
                        t("alerts_pick", lang),
                        dcc.Dropdown(id=PICK, clearable=False, style={"width": "40rem"}),
                    ),
                    labelled(
                        t("alerts_note", lang),
                        dcc.Input(id=NOTE, type="text", style={"width": "30rem"}),
                    ),
                    html.Button(t("alerts_ack", lang), id=ACK, n_clicks=0),
                    html.Span(id=DONE, className="note"),
                ],
                className="controls",
            ),  # fmt: skip
            dcc.Graph(id=PLOT, config={"displayModeBar": False}),
        ]
    )


dash.register_page(__name__, path="/alerts", name="Alerts", order=6, layout=layout)


def alert_text(r: dict, lang: str) -> str:
    """The alert in the reader's language: the stored message in English; in Chinese composed
    from the alert's fields (counts of people through `shown_text`, as the message was)."""
    if lang != "zh":
        return r["message"]
    detail = json.loads(r.get("detail_json") or "{}")
    unit = r.get("unit") or ""
    obs, thr = shown_text(r["observed"], unit), shown_text(r["threshold"], unit)
    where = f"（{r['facility_id']}）" if isinstance(r.get("facility_id"), str) else ""
    when = "" if pd.isna(r["ds"]) else f"{pd.Timestamp(r['ds']):%Y-%m-%d}"
    if r["kind"] == "surveillance":
        limit = str(detail.get("limit", "")).replace(" limit", "").replace("-sd", "倍标准差")
        if int(detail.get("periods", 1)) > 1:  # an episode: its flagged periods, then the peak
            when = (
                f"{detail['first_ds']}至{detail['last_ds']}（{detail['periods']}期报警），"
                f"峰值 {when}"
            )
        return (
            f"{detail.get('measure', r['subject'])}{where} {when}：实际 {obs}，预期 "
            f"{shown_text(r['expected'], unit)}，超过{limit}警戒线 {thr}（{r['method']}）"
        )
    if r["kind"] == "breach":
        by = str(detail.get("by_ds", ""))[:7]
        try:  # each kind in its own words, as its stored English message
            return breach_text_zh(r, detail)
        except (KeyError, IndexError, TypeError, ValueError):  # stored before a field it needs
            pass
        return (
            f"{r['subject']}{where}：预计 {when[:7]} 需求 {obs} 超过容量 {thr}"
            f"（{by} 前发生的概率 {float(detail.get('probability', 0)):.2f}）"
        )
    return (
        f"{r['subject']} = {obs}：违反规则“{detail.get('rule', '')}”（{detail.get('words', '')}）"
    )


#: A time-to-breach alert in Chinese, by what it is about (the second part of its key); the
#: English is its stored message (`scenarios.alerts.breach`), said the same way.
BREACH_ZH = {
    "school": "学校 {fid}：预计 {year} 年{grade}年级学生 {need} 人，超过学位 {capacity} 个"
    "（{by_year} 年前发生的概率 {p}）；将超额的年级：{grades}",
    "ward": "医院 {fid} {department}病房预计 {month} 超过目标占用率：占用床位 {need} 张，"
    "目标 {capacity:.1f} 张（{by_month} 前发生的概率 {p}）{others}",
    "centre": "服务中心 {fid} 预计 {month} 需要的工作人员超过现有人数：需要 {need:.0f} 人，"
    "现有 {capacity:.0f} 人（{by_month} 前发生的概率 {p}）",
    "sessions": "社区卫生服务中心 {fid} 从 {year} 年起所需的 {specialty} 专科出诊超过计划"
    "（{by_year} 年前发生的概率 {p}）：每周就诊 {need} 人次，计划的 {sessions:.0f} 次出诊"
    "可接待 {planned:.0f} 人次，需要 {needed} 次（方案“{plan}” {run}）{others}",
}
#: How a breach alert lists what else passes its capacity, by kind.
BREACH_OTHERS_ZH = {"ward": "；另有科室：{}", "sessions": "；另有专科：{}"}


def breach_text_zh(r: dict, detail: dict) -> str:
    """A time-to-breach alert in Chinese from its fields (people through `shown_text`);
    KeyError when it is of no kind `BREACH_ZH` knows or lacks a field its sentence needs."""
    kind = str(r["key"]).split("|")[1]
    ds, by = pd.Timestamp(r["ds"]), pd.Timestamp(detail["by_ds"])
    others = detail.get("others") or []
    values = {
        "fid": r["facility_id"], "year": f"{ds:%Y}", "month": f"{ds:%Y-%m}",
        "by_year": f"{by:%Y}", "by_month": f"{by:%Y-%m}",
        "p": f"{float(detail['probability']):.2f}", "capacity": float(r["threshold"]),
        "need": shown_text(r["observed"], r["unit"] or "", digits=1),
        "others": BREACH_OTHERS_ZH[kind].format("、".join(others)) if others else "",
    }  # fmt: skip
    if kind == "school":
        values |= {"grade": str(r["subject"]).rsplit("_", 1)[-1], "grades": detail["grades"],
                   "capacity": f"{float(r['threshold']):,.0f}"}  # fmt: skip
    elif kind == "ward":
        values["department"] = detail["department"]
    elif kind == "centre":
        values["need"] = float(r["observed"])
    elif kind == "sessions":
        values |= {"specialty": str(detail["specialty"]).replace("_", " "),
                   "sessions": float(detail["sessions"]), "planned": float(detail["planned"]),
                   "needed": int(detail["sessions_needed"]), "plan": detail["plan"],
                   "run": str(r["run_id"])[:8]}  # fmt: skip
    return BREACH_ZH[kind].format(**values)


def _rows(frame: pd.DataFrame, lang: str) -> list[dict]:
    return [
        {
            "id": int(r["alert_id"]),
            t("service", lang): t(r["bureau"], lang),
            t("alerts_kind", lang): t(f"alerts_kind_{r['kind']}", lang),
            t("alerts_period", lang): "" if pd.isna(r["ds"]) else f"{r['ds']:%Y-%m-%d}",
            t("alerts_severity", lang): t(f"alerts_sev_{r['severity']}", lang),
            t("alerts_state", lang): t(f"alerts_state_{r['state']}", lang),
            t("alerts_message", lang): alert_text(r, lang),
            t("alerts_note", lang): r["note"] or "",
        }
        for r in frame.to_dict("records")
    ]


def _map(frame: pd.DataFrame, lang: str) -> dict:
    points = []
    for r in frame.to_dict("records"):
        detail = json.loads(r["detail_json"] or "{}")
        if "lon" in detail:
            points.append((detail["lon"], detail["lat"], r))
    if not points:
        return empty_figure(t("alerts_no_places", lang)).to_dict()
    trace = {
        "type": "scattergeo",
        "lon": [p[0] for p in points],
        "lat": [p[1] for p in points],
        "text": [
            plot_text(f"#{r['alert_id']} {r['facility_id']}: {alert_text(r, lang)[:120]}")
            for _, _, r in points
        ],  # fmt: skip
        "hoverinfo": "text",
        "mode": "markers",
        "marker": {
            "size": 11,
            "color": [
                SEVERITY_COLOUR.get(r["severity"], "#777") for _, _, r in points
            ],  # fmt: skip
            "line": {"width": 1, "color": "white"},
        },
        "showlegend": False,
    }
    layout = {
        "title": {"text": plot_text(t("alerts_map", lang))},
        "geo": {"fitbounds": "locations", "visible": False, "showframe": False},
        "height": 360,
        "margin": {"l": 0, "r": 0, "t": 40, "b": 0},
    }
    return {"data": [trace], "layout": layout}


@dash.callback(
    Output(TABLE, "children"),
    Output(MAP, "figure"),
    Output(PICK, "options"),
    Output(PICK, "value"),
    Input(STATE, "value"),
    Input(DONE, "children"),
    State(PICK, "value"),
)
def show_alerts(state: str, _done, picked):
    """The table, the map and the choice of alerts for the chosen state."""
    user = current_user()
    lang = user.lang
    frame = visible_alerts(user, state if state in STATES else "open")
    if frame.empty:
        return html.P(t("alerts_none", lang)), empty_figure("").to_dict(), [], None
    options = [
        {"label": f"#{r['alert_id']} {alert_text(r, lang)[:90]}", "value": int(r["alert_id"])}
        for r in frame.to_dict("records")
    ]
    ids = [o["value"] for o in options]
    value = picked if picked in ids else ids[0]
    return table("alerts-list", _rows(frame, lang)), _map(frame, lang), options, value


@dash.callback(Output(PLOT, "figure"), Input(PICK, "value"))
def show_series(alert_id):
    """The chosen alert's series: counts, the expected band up to the limit, flagged periods."""
    user = current_user()
    lang = user.lang
    if alert_id is None:
        return empty_figure("").to_dict()
    found = visible_alerts(user, "all")
    found = found[found["alert_id"] == int(alert_id)]
    if found.empty:  # another bureau's alert reads like a missing one
        return empty_figure(t("refused", lang)).to_dict()
    r = found.iloc[0]
    trace = json.loads(r["detail_json"] or "{}").get("trace")
    if not trace:
        return empty_figure(plot_text(r["message"][:100])).to_dict()
    unit = r["unit"] or ""
    ds = trace["ds"]
    observed = drawable(pd.Series(trace["observed"], dtype=float), unit)
    # the band is drawn from counts too: a line at 2.4 on an axis of cases says what its hover
    # hides, and the limit is derived from the series' own past counts
    expected = drawable(pd.Series(trace["expected"], dtype=float), unit)
    limit = drawable(pd.Series(trace["threshold"], dtype=float), unit)
    flagged = [i for i, a in enumerate(trace["alarm"]) if a]
    data = [
        {"type": "scatter", "x": ds, "y": expected.tolist(), "mode": "lines",
         "line": {"width": 0}, "showlegend": False, "hoverinfo": "skip", "name": ""},
        {"type": "scatter", "x": ds, "y": limit.tolist(), "mode": "lines", "fill": "tonexty",
         "fillcolor": "rgba(31,119,180,0.18)", "line": {"width": 1, "dash": "dot"},
         "name": t("alerts_band", lang), "hoverinfo": "x+text",
         "text": [shown_text(v, unit) for v in trace["threshold"]]},
        {"type": "scatter", "x": ds, "y": observed.tolist(), "mode": "lines+markers",
         "name": t("alerts_observed", lang), "line": {"color": "#333"},
         "text": [shown_text(v, unit) for v in trace["observed"]], "hoverinfo": "x+text"},
        {"type": "scatter", "x": [ds[i] for i in flagged],
         "y": [observed.iloc[i] for i in flagged], "mode": "markers",
         "marker": {"color": "#d62728", "size": 12, "symbol": "x"},
         "name": t("alerts_flagged", lang)},
    ]  # fmt: skip
    title = f"{r['subject']} ({r['method']})"
    layout = {"title": {"text": plot_text(title)}, "height": 380,
              "yaxis": {"title": {"text": plot_text(unit)}, "rangemode": "tozero"},
              "margin": {"l": 60, "r": 20, "t": 50, "b": 40}}  # fmt: skip
    return {"data": data, "layout": layout}


@dash.callback(
    Output(DONE, "children"),
    Input(ACK, "n_clicks"),
    State(PICK, "value"),
    State(NOTE, "value"),
    prevent_initial_call=True,
)
def acknowledge_alert(_clicks, alert_id, note):
    """Acknowledge the chosen alert with the note; the store writes the audit line."""
    user = current_user()
    lang = user.lang
    if alert_id is None:
        return t("alerts_none", lang)
    visible = visible_alerts(user, "all")
    if int(alert_id) not in set(visible["alert_id"]):
        log(engine(), user.name, "refused", detail=f"acknowledge alert {alert_id}")
        return t("refused", lang)
    try:
        acknowledge(engine(), int(alert_id), note or "", username=user.name, bureau=user.bureau)
    except InputError as exc:
        return str(exc)
    return t("alerts_acked", lang, id=alert_id)
