"""The dashboard as a WSGI app: `create_app(db_url).server` is what waitress serves.

One Dash app per process (Dash keeps pages and callbacks in module-level registries). The page
modules are imported here, after the app exists, so `dash.register_page` can run.
"""

from __future__ import annotations

import importlib
import os
import secrets
import tempfile
from pathlib import Path

import dash
import diskcache
import flask
from dash import dcc, html

from dashboard import auth, export
from dashboard.data import geojson_text
from dashboard.i18n import t
from dashboard.jobs import ThreadedDiskcacheManager
from dashboard.session import ENGINE_KEY, NotSignedIn, current_user
from scenarios.store import connect

ASSETS = Path(__file__).resolve().parent / "assets"
PAGES = ("shortfalls", "forecasts", "plans", "compare", "whatif", "data")
SECRET_ENV = "CIVICALLOC_SECRET"

# Navigation: path and label key, in the order a user asks the questions.
NAV = (
    ("/", "nav_short"),
    ("/forecasts", "nav_forecasts"),
    ("/plans", "nav_plans"),
    ("/compare", "nav_compare"),
    ("/whatif", "nav_whatif"),
    ("/data", "nav_data"),
)
NAV_IDS = {path: f"nav-{key}" for path, key in NAV}
LANG_LINK = {"zh": "lang-zh", "en": "lang-en"}
LOGOUT = "logout"
WHO = "who"

_created: dash.Dash | None = None


def shell() -> html.Div:
    """The frame around every page: title, navigation, user, language switch, logout."""
    try:
        user = current_user()
    except NotSignedIn:
        return html.Div(dcc.Location(id="to-login", href="/login", refresh=True))
    lang = user.lang
    return html.Div(
        [
            html.Header(
                [
                    html.Span(t("app_title", lang), className="brand"),
                    html.Nav(
                        [dcc.Link(t(key, lang), href=path, id=NAV_IDS[path]) for path, key in NAV],
                        className="nav",
                    ),
                    html.Div(
                        [
                            html.Span(
                                f"{t('signed_in_as', lang)}: {user.name} ({t(user.role, lang)})",
                                id=WHO,
                            ),
                            html.A("中文", href="/lang/zh", id=LANG_LINK["zh"]),
                            html.A("English", href="/lang/en", id=LANG_LINK["en"]),
                            html.A(t("logout", lang), href="/logout", id=LOGOUT),
                        ],
                        className="who",
                    ),
                ],
                className="topbar",
            ),
            html.Main(dash.page_container, className="page"),
        ]
    )


def _serve_geojson(token: str) -> flask.Response:
    """A city's area outlines for the maps (behind the login gate, cached by the browser)."""
    text = geojson_text(token)
    if text is None:
        flask.abort(404)
    response = flask.Response(text, mimetype="application/geo+json")
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


def create_app(
    db_url: str | None = None, secret_key: str | None = None, jobs_dir: str | None = None
) -> dash.Dash:
    """The dashboard over the store at `db_url` (default: $CIVICALLOC_DB or civicalloc.sqlite).

    `secret_key` signs session cookies (default: $CIVICALLOC_SECRET, else random per start,
    which signs everyone out on restart); `jobs_dir` holds background-job results.
    """
    global _created
    if _created is not None:
        raise RuntimeError("the dashboard is already created in this process; reuse its .server")
    store = connect(db_url)
    cache = diskcache.Cache(jobs_dir or tempfile.mkdtemp(prefix="civicalloc-jobs-"))
    app = dash.Dash(
        __name__,
        use_pages=True,
        pages_folder="",
        assets_folder=str(ASSETS),
        background_callback_manager=ThreadedDiskcacheManager(cache),
        suppress_callback_exceptions=True,
        title="civicalloc",
        update_title=None,
    )
    server = app.server
    server.config[ENGINE_KEY] = store
    server.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    server.secret_key = secret_key or os.environ.get(SECRET_ENV) or secrets.token_hex(32)
    auth.install(server)
    export.install(server)
    server.add_url_rule("/geojson/<token>.json", "city_geojson", _serve_geojson)
    for page in PAGES:
        importlib.import_module(f"dashboard.pages.{page}")
    app.layout = shell
    _created = app
    return app
