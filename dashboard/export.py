"""Downloads: a run's plan or KPIs as CSV, checked against the user's bureau and audited.

`/export/<run>/<name>.csv` — `name` is a plan of the run, or `kpis`; `/export/compare.csv?runs=a,b`
— the KPI comparison with differences. Small person counts are suppressed exactly as on screen.
Another bureau's run answers 403 (and the attempt is logged).
"""

from __future__ import annotations

from urllib.parse import quote

import flask

from dashboard.data import open_run, open_runs, run_kpis, run_plans, run_scenario_spec
from dashboard.session import NotSignedIn, current_user, engine
from demand.errors import InputError
from scenarios.compare import compare_runs
from scenarios.privacy import suppress_frame, suppress_kpis


def export_csv(run_ref: str, name: str) -> flask.Response | tuple:
    """A suppressed CSV of one plan (or the KPIs) of a run the user's bureau owns."""
    try:
        user = current_user()
    except NotSignedIn:
        return flask.jsonify(error="sign in first"), 401
    try:
        run = open_run(user, run_ref, f"{name}.csv", action="export")
    except PermissionError as exc:
        return flask.jsonify(error=str(exc)), 403
    except InputError as exc:
        return flask.jsonify(error=str(exc)), 404
    threshold = run_scenario_spec(run).rules.small_cell_threshold
    if name == "kpis":
        frame = suppress_kpis(run_kpis(run), threshold)
    else:
        plans = run_plans(run)
        if name not in plans:
            return flask.jsonify(error=f"run {run_ref} has no plan {name!r}"), 404
        frame = plans[name]
        if "geometry" in frame.columns:
            frame = frame.drop(columns="geometry")
        frame = suppress_frame(frame, threshold)
    filename = f"{run['scenario']}-{run['run_id'][:8]}-{name}.csv".replace(" ", "_")
    return _csv(frame, filename)


def export_comparison_csv() -> flask.Response | tuple:
    """`/export/compare.csv?runs=a,b`: the KPI comparison (values and Δ), suppressed, audited."""
    try:
        user = current_user()
    except NotSignedIn:
        return flask.jsonify(error="sign in first"), 401
    refs = [r for r in flask.request.args.get("runs", "").split(",") if r]
    if not 2 <= len(refs) <= 4:
        return flask.jsonify(error="give 2-4 runs: /export/compare.csv?runs=<id>,<id>"), 400
    try:
        runs = open_runs(user, refs, "compare.csv", action="export")
    except PermissionError as exc:
        return flask.jsonify(error=str(exc)), 403
    except InputError as exc:
        return flask.jsonify(error=str(exc)), 404
    frame = compare_runs(engine(), [r["run_id"] for r in runs], owner=user.owner)
    threshold = max(run_scenario_spec(r).rules.small_cell_threshold for r in runs)
    values = [c for c in frame.columns if c not in ("service", "kpi", "unit")]
    frame = suppress_kpis(frame, threshold, value_columns=values)
    return _csv(frame, "compare-" + "-".join(r["run_id"][:8] for r in runs) + ".csv")


def _csv(frame, filename: str) -> flask.Response:
    return flask.Response(
        "\ufeff" + frame.to_csv(index=False),  # BOM: spreadsheets then read Chinese correctly
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


def install(server: flask.Flask) -> None:
    """Add the export routes."""
    server.add_url_rule("/export/compare.csv", "export_comparison_csv", export_comparison_csv)
    server.add_url_rule("/export/<run_ref>/<name>.csv", "export_csv", export_csv)
