"""Downloads: a run's plan or KPIs as CSV, for the runs and services the user may see, audited.

`/export/<run>/<name>.csv` — `name` is a plan of the run, or `kpis`; `/export/compare.csv?runs=a,b`
— the KPI comparison with differences. Only the user's service lines are written (the same
`run_plans` / `run_kpis` as the pages), small counts of people are hidden by their unit exactly
as on screen, and no cell can run as a spreadsheet formula. A run the user may not open answers
404 with the same neutral message as one that does not exist (and the attempt is audited).
"""

from __future__ import annotations

from urllib.parse import quote

import flask

from dashboard.data import RunRefused, open_run, open_runs, run_kpis, run_plans, run_scenario_spec
from dashboard.session import NotSignedIn, current_user
from scenarios.compare import kpi_comparison
from scenarios.export import safe_plan
from scenarios.privacy import run_threshold, suppress_kpis
from scenarios.spreadsheet import csv_text


def export_csv(run_ref: str, name: str) -> flask.Response | tuple:
    """A suppressed CSV of one plan (or the KPIs) of a run the user may open."""
    try:
        user = current_user()
    except NotSignedIn:
        return flask.jsonify(error="sign in first"), 401
    try:
        run = open_run(user, run_ref, f"{name}.csv", action="export")
    except RunRefused as exc:
        return flask.jsonify(error=str(exc)), 404
    threshold = run_scenario_spec(run).rules.small_cell_threshold
    if name == "kpis":
        frame = suppress_kpis(run_kpis(run), threshold)
    else:
        plans = run_plans(run)
        if name not in plans:
            return flask.jsonify(error=f"no plan {name!r} in this run that you may see"), 404
        frame = plans[name]
        if "geometry" in frame.columns:
            frame = frame.drop(columns="geometry")
        frame = safe_plan(name, frame, threshold)
    filename = f"{run['scenario']}-{run['run_id'][:8]}-{name}.csv".replace(" ", "_")
    return _csv(frame, filename)


def export_comparison_csv() -> flask.Response | tuple:
    """`/export/compare.csv?runs=a,b`: the KPI comparison (values and Δ) of the user's services,
    suppressed, audited."""
    try:
        user = current_user()
    except NotSignedIn:
        return flask.jsonify(error="sign in first"), 401
    refs = [r for r in flask.request.args.get("runs", "").split(",") if r]
    if not 2 <= len(refs) <= 4:
        return flask.jsonify(error="give 2-4 runs: /export/compare.csv?runs=<id>,<id>"), 400
    try:
        runs = open_runs(user, refs, "compare.csv", action="export")
    except RunRefused as exc:
        return flask.jsonify(error=str(exc)), 404
    frame = kpi_comparison(runs, [run_kpis(r) for r in runs])  # the user's services only
    threshold = run_threshold(*runs)
    values = [c for c in frame.columns if c not in ("service", "kpi", "unit")]
    frame = suppress_kpis(frame, threshold, value_columns=values)
    return _csv(frame, "compare-" + "-".join(r["run_id"][:8] for r in runs) + ".csv")


def _csv(frame, filename: str) -> flask.Response:
    return flask.Response(
        csv_text(frame),  # formula-safe, with a BOM so spreadsheets read Chinese correctly
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


def install(server: flask.Flask) -> None:
    """Add the export routes."""
    server.add_url_rule("/export/compare.csv", "export_comparison_csv", export_comparison_csv)
    server.add_url_rule("/export/<run_ref>/<name>.csv", "export_csv", export_csv)
