"""The app's "Download brief" (PDF and Word) on the Compare and Plans pages, and the download
behind it: `/brief/<run>.pdf|.docx?against=<run>&bureau=<bureau>`, written for the signed-in user
(their bureau's scope, their language), audited, refused like any run they may not open."""

from __future__ import annotations

from urllib.parse import quote, urlencode

import dash
import flask
from dash import Input, Output, html

from dashboard.brief.facts import BriefRefused
from dashboard.brief.texts import TEXT
from dashboard.session import NotSignedIn, current_user, engine
from demand.errors import InputError
from scenarios.store import RunNotFound

EXTENSIONS = (".pdf", ".docx")
LINKS = {".pdf": "download_brief_pdf", ".docx": "download_brief_docx"}
ALL = "all"  # the Plans page's "every service"


def brief_href(run_id: str | None, suffix: str, against: str | None = None,
               bureau: str | None = None) -> str:  # fmt: skip
    """The download URL of a brief ('' when no run is chosen)."""
    if not run_id:
        return ""
    query = {k: v for k, v in (("against", against), ("bureau", bureau)) if v and v != ALL}
    return f"/brief/{quote(run_id[:36])}{suffix}" + (f"?{urlencode(query)}" if query else "")


def brief_links(page: str, lang: str) -> html.Span:
    """The two download links of a page (their hrefs set by `register_links`)."""
    return html.Span(
        [
            html.A(
                TEXT[LINKS[suffix]][lang],
                id=f"{page}-brief{suffix.replace('.', '-')}",
                href="",
                target="_blank",
                className="brief-link",
            )  # fmt: skip
            for suffix in EXTENSIONS
        ],
        className="brief-links",
    )


def register_links(page: str, runs_id: str, service_id: str, pair: bool) -> None:
    """Keep a page's brief links pointing at its chosen run(s) and service: on Compare (`pair`)
    the second run against the first, on Plans the run alone."""

    @dash.callback(
        [Output(f"{page}-brief{s.replace('.', '-')}", "href") for s in EXTENSIONS],
        Input(runs_id, "value"),
        Input(service_id, "value"),
    )
    def links(runs, service):
        chosen = list(runs or []) if pair else ([runs] if runs else [])
        if pair and len(chosen) < 2:
            return [""] * len(EXTENSIONS)
        run, against = (chosen[1], chosen[0]) if pair else (chosen[0], None)
        return [brief_href(run, s, against, service) for s in EXTENSIONS]


def download_brief(run_ref: str, suffix: str) -> flask.Response | tuple:
    """Write the brief for the signed-in user and send it as a file."""
    from dashboard.brief import FORMATS, brief_bytes, build_brief

    try:
        user = current_user()
    except NotSignedIn:
        return flask.jsonify(error="sign in first"), 401
    suffix = f".{suffix}"
    if suffix not in EXTENSIONS:
        flask.abort(404)
    args = flask.request.args
    lang = "zh-CN" if user.lang == "zh" else "en"
    try:
        brief = build_brief(engine(), run_ref, args.get("against") or None,
                            args.get("bureau") or None, lang, user.role, user.name,
                            detail=f"app {run_ref[:8]}{suffix}")  # fmt: skip
        content = brief_bytes(brief, suffix)
    except (BriefRefused, RunNotFound) as exc:  # audited; the same answer as a missing run
        return flask.jsonify(error=str(exc)), 404
    except InputError as exc:  # e.g. no font for Chinese on the server
        return flask.jsonify(error=str(exc)), 503
    name = f"brief-{brief.meta['run_id'][:8]}-{'-'.join(brief.meta['bureaus'])}{suffix}"
    return flask.Response(content, mimetype=FORMATS[suffix], headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})  # fmt: skip


def install(server: flask.Flask) -> None:
    """Add the brief download route (behind the login gate)."""
    server.add_url_rule("/brief/<run_ref>.<suffix>", "download_brief", download_brief)
