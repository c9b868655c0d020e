"""Downloads: a run's plan or KPIs as CSV, checked against the user's bureau and audited.

`/export/<run>/<name>.csv` — `name` is a plan of the run, or `kpis`. Small person counts are
suppressed exactly as on screen. Another bureau's run answers 403 (and the attempt is logged).
"""

from __future__ import annotations

from urllib.parse import quote

import flask

from dashboard.data import open_run, run_kpis, run_plans, run_scenario_spec
from dashboard.session import NotSignedIn, current_user
from demand.errors import InputError
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
    body = frame.to_csv(index=False)
    filename = f"{run['scenario']}-{run['run_id'][:8]}-{name}.csv".replace(" ", "_")
    return flask.Response(
        "\ufeff" + body,  # BOM so spreadsheet programs read the Chinese names correctly
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


def install(server: flask.Flask) -> None:
    """Add the export route."""
    server.add_url_rule("/export/<run_ref>/<name>.csv", "export_csv", export_csv)
