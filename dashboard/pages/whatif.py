"""Run a what-if: start from a stored run you may open, change the main levers, run it.

The run happens in a background job with a progress bar, is saved to the store under your
name and then appears in Compare. The server checks the starting run is one you may open; a
bureau user's what-if belongs to their bureau and runs only its models (and access and the
forecast), also when it starts from a published baseline. Each lever's bounds are the
scenario file's, checked on the server with a message naming the field.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import dash
from dash import Input, Output, State, dcc, html

from dashboard.components import labelled, refusal_for, refused, run_dropdown
from dashboard.data import RunRefused, open_run, resolve_ref, run_options, run_scenario_spec
from dashboard.i18n import t
from dashboard.session import User, current_user, engine
from demand.errors import InputError
from scenarios.pipeline import run_scenario
from scenarios.spec import Budgets, Rules, Scenario, with_changes
from scenarios.store import save_run

BASE = "whatif-base"
NAME = "whatif-name"
RUN_BUTTON = "whatif-run"
PROGRESS = "whatif-progress"
PROGRESS_TEXT = "whatif-progress-text"
RESULT = "whatif-result"
NONCE = "whatif-nonce"  # per page load, so two users' identical forms are two different jobs

# Lever: input id, label key, scenario key, scale from screen to scenario (percent → share).
LEVERS = (
    ("whatif-max-travel", "max_travel", "rules.max_travel_minutes", 1),
    ("whatif-class-size", "class_size", "rules.class_size_cap", 1),
    ("whatif-online", "online_share", "rules.online_share", 100),
    ("whatif-service-level", "service_level", "rules.service_level_target", 100),
    ("whatif-horizon", "horizon", "horizon", 1),
    ("whatif-new-beds", "new_beds", "budgets.new_beds", 1),
    ("whatif-new-teachers", "new_teachers", "budgets.new_teachers", 1),
    ("whatif-new-caseworkers", "new_caseworkers", "budgets.new_caseworkers", 1),
)
INTEGER_KEYS = {"rules.class_size_cap", "horizon", "budgets.new_beds", "budgets.new_teachers",
                "budgets.new_caseworkers"}  # fmt: skip
SHARED_MODELS = ("access", "forecast")  # every bureau's what-if may run these
_MODELS = {"rules": Rules, "budgets": Budgets}


def lever_bounds(key: str, scale: float) -> tuple[float, float]:
    """The smallest and largest value the form accepts for a lever, in screen units (minutes,
    percent…), from the scenario's own validation (`scenarios.spec`); a strict bound is moved
    in by one screen unit (a service level below 1 is at most 99 %)."""
    *parent, leaf = key.split(".")
    model = _MODELS[parent[0]] if parent else Scenario
    lo, hi = 0.0, float("inf")
    for rule in model.model_fields[leaf].metadata:
        if getattr(rule, "ge", None) is not None:
            lo = float(rule.ge) * scale
        elif getattr(rule, "gt", None) is not None:
            lo = float(rule.gt) * scale + 1
        elif getattr(rule, "le", None) is not None:
            hi = float(rule.le) * scale
        elif getattr(rule, "lt", None) is not None:
            hi = float(rule.lt) * scale - 1
    return lo, hi


def lever_input(component_id: str, key: str, scale: float) -> html.Div:
    """A number field with its accepted range written under it. The range is checked on the
    server (`lever_changes`), not by the browser: a browser that finds a value out of range
    sends nothing, and the run would quietly keep the old value."""
    lo, hi = lever_bounds(key, scale)
    return html.Div([
        dcc.Input(id=component_id, type="number"),
        html.Span(f"{lo:g}–{hi:g}", className="note range", id=f"{component_id}-range"),
    ])  # fmt: skip


def layout(run: str | None = None, **_) -> html.Div:
    """The form: starting run, name and levers, the run button and the progress bar."""
    user = current_user()
    lang = user.lang
    options = run_options(user)
    stop = refusal_for([run] if run else [], "whatif")
    if stop is not None:
        return html.Div([html.H2(t("nav_whatif", lang)), stop])
    if not options:
        return html.Div([html.H2(t("nav_whatif", lang)), html.P(t("no_runs", lang))])
    return html.Div(
        [
            html.H2(t("nav_whatif", lang)),
            html.Div(
                [
                    run_dropdown(
                        BASE, options, resolve_ref(user, run) or options[0]["value"], lang
                    ),  # fmt: skip
                    labelled(
                        t("whatif_name", lang),
                        dcc.Input(
                            id=NAME, type="text", debounce=False, style={"minWidth": "22rem"}
                        ),
                    ),
                ],
                className="controls",
            ),  # fmt: skip
            html.Div(
                [
                    labelled(t(label, lang), lever_input(cid, key, scale))
                    for cid, label, key, scale in LEVERS
                ],
                className="form-grid card",
            ),
            html.P(t("whatif_travel_help", lang), className="note"),
            html.P(t("whatif_own_models", lang), className="note") if user.bureau else None,
            html.Button(t("start_run", lang), id=RUN_BUTTON, n_clicks=0),
            html.Div(
                [
                    html.Progress(id=PROGRESS, value="0", max="100"),
                    html.Span(t("waiting", lang), id=PROGRESS_TEXT, className="note"),
                ],
                className="card",
                style={"marginTop": "0.8rem"},
            ),
            html.Div(id=RESULT),
            dcc.Store(id=NONCE, data=uuid.uuid4().hex),
        ]
    )


dash.register_page(__name__, path="/whatif", name="Run a what-if", order=4, layout=layout)


@dash.callback(
    [Output(NAME, "value")] + [Output(cid, "value") for cid, *_ in LEVERS],
    Input(BASE, "value"),
)
def fill_levers(run_id: str):
    """The starting run's lever values (the run is checked and audited)."""
    user = current_user()
    try:
        run = open_run(user, run_id, "what-if form")
    except RunRefused:
        return [None] * (1 + len(LEVERS))
    raw = run_scenario_spec(run).model_dump()
    values = []
    for _cid, _label, key, scale in LEVERS:
        node = raw
        for part in key.split("."):
            node = node[part]
        values.append(None if node is None else round(node * scale, 4))
    name = f"{run['scenario']} · what-if {datetime.now():%H:%M:%S}"
    return [name[:120], *values]


def lever_changes(values: list, lang: str) -> dict[str, object]:
    """Form values as scenario changes (percent back to shares; empty fields left as they are).

    A value outside a lever's bounds raises InputError naming the field and its range.
    """
    changes: dict[str, object] = {}
    for (_cid, label, key, scale), value in zip(LEVERS, values, strict=True):
        if value is None or value == "":
            continue
        lo, hi = lever_bounds(key, scale)
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = float("nan")
        if not lo <= number <= hi:  # NaN fails too
            raise InputError(t("whatif_range", lang, field=t(label, lang), lo=f"{lo:g}",
                               hi=f"{hi:g}"))  # fmt: skip
        number /= scale
        changes[key] = int(round(number)) if key in INTEGER_KEYS else number
    return changes


def bureau_changes(user: User, scenario: Scenario) -> dict[str, object]:
    """A bureau user's what-if is their bureau's, with only its models (and the shared ones)."""
    if user.bureau is None:
        return {}
    models = [m for m in scenario.models
              if m in SHARED_MODELS or m.startswith(f"{user.bureau}.")]  # fmt: skip
    return {"owner": user.bureau, "models": models or ["access"]}


@dash.callback(
    Output(RESULT, "children"),
    Input(RUN_BUTTON, "n_clicks"),
    State(BASE, "value"),
    State(NAME, "value"),
    State(NONCE, "data"),
    *[State(cid, "value") for cid, *_ in LEVERS],
    background=True,
    running=[(Output(RUN_BUTTON, "disabled"), True, False)],
    progress=[
        Output(PROGRESS, "value"),
        Output(PROGRESS, "max"),
        Output(PROGRESS_TEXT, "children"),
    ],
    interval=400,
    prevent_initial_call=True,
)
def run_whatif(set_progress, n_clicks: int, base: str, name: str | None, nonce: str, *values):
    """Run the changed scenario as the signed-in user and save it to the store."""
    user = current_user()  # captured on the server when the job started
    lang = user.lang
    try:
        run = open_run(user, base, "what-if base")
    except RunRefused as exc:
        return refused(lang, str(exc))
    try:
        base_scenario = run_scenario_spec(run)
        changes = lever_changes(list(values), lang) | bureau_changes(user, base_scenario)
        if name and name.strip():
            changes["name"] = name.strip()[:120]
        scenario = with_changes(base_scenario, changes)

        def progress(message: str, fraction: float) -> None:
            set_progress((str(int(round(fraction * 100))), "100", message))

        record = run_scenario(scenario, user.name, progress)
        run_id = save_run(engine(), record)
        dash.set_props(PROGRESS, {"value": "100"})
        dash.set_props(PROGRESS_TEXT, {"children": f"{record.seconds:.1f} s"})
    except (InputError, ValueError) as exc:
        return html.P(t("run_failed", lang, msg=str(exc)), className="error", id="whatif-error")
    return html.Div(
        [
            html.P(t("run_done", lang, name=scenario.name), id="whatif-done"),
            dcc.Link(
                t("open_compare", lang),
                href=f"/compare?runs={run['run_id']},{run_id}",
                id="whatif-compare-link",
            ),
        ],
        className="card",
    )
