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
from werkzeug.middleware.proxy_fix import ProxyFix

from dashboard import auth, export
from dashboard.brief import route as brief_route
from dashboard.data import geojson_text
from dashboard.forecast_data import start_warm_up
from dashboard.i18n import t
from dashboard.jobs import ThreadedDiskcacheManager
from dashboard.session import ENGINE_KEY, NotSignedIn, current_user
from scenarios.store import connect
from scenarios.users import dummy_hash

ASSETS = Path(__file__).resolve().parent / "assets"
PAGES = ("shortfalls", "forecasts", "plans", "compare", "whatif", "data", "alerts")
SECRET_ENV = "CIVICALLOC_SECRET"
SECURE_ENV = "CIVICALLOC_SECURE_COOKIES"  # "1": cookies only over HTTPS (set behind TLS)
PROXIES_ENV = "CIVICALLOC_TRUSTED_PROXIES"  # number of reverse proxies in front (X-Forwarded-*)

# Navigation: path and label key, in the order a user asks the questions.
NAV = (
    ("/", "nav_short"),
    ("/forecasts", "nav_forecasts"),
    ("/plans", "nav_plans"),
    ("/compare", "nav_compare"),
    ("/whatif", "nav_whatif"),
    ("/data", "nav_data"),
    ("/alerts", "nav_alerts"),
)
NAV_IDS = {path: f"nav-{key}" for path, key in NAV}
LANG_LINK = {"zh": "lang-zh", "en": "lang-en"}
LOGOUT = "logout"
WHO = "who"

_created: dash.Dash | None = None
VERSION_KEYS = ("dash_version", "python_version", "plotly_version", "dash_version_url",
                "ddk_version")  # fmt: skip


class QuietDash(dash.Dash):
    """Dash without its, plotly's and Python's version numbers in every page it serves (they
    feed only the developer tools, which are off)."""

    def _config(self):
        config = {k: v for k, v in super()._config().items() if k not in VERSION_KEYS}
        config["disable_version_check"] = True
        return config


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
                            html.Form(
                                [
                                    dcc.Input(
                                        type="hidden",
                                        name=auth.CSRF_FIELD,
                                        value=auth.csrf_token(),
                                        id="logout-csrf",
                                    ),
                                    html.Button(
                                        t("logout", lang),
                                        id=LOGOUT,
                                        type="submit",
                                        className="link-button",
                                    ),
                                ],
                                action="/logout",
                                method="post",
                                className="logout-form",
                            ),  # fmt: skip
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


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def create_app(
    db_url: str | None = None,
    secret_key: str | None = None,
    jobs_dir: str | None = None,
    secure_cookies: bool | None = None,
    trusted_proxies: int | None = None,
) -> dash.Dash:
    """The dashboard over the store at `db_url` (default: $CIVICALLOC_DB or civicalloc.sqlite).

    `secret_key` signs session cookies (default: $CIVICALLOC_SECRET, else random per start,
    which signs everyone out on restart); `jobs_dir` holds background-job results;
    `secure_cookies` (default: $CIVICALLOC_SECURE_COOKIES) sends the cookie over HTTPS only and
    adds HSTS — set it whenever TLS is in front; `trusted_proxies` (default:
    $CIVICALLOC_TRUSTED_PROXIES, else 0) is how many reverse proxies' X-Forwarded-For/-Proto to
    believe, so that throttling sees the client's address.
    """
    global _created
    if _created is not None:
        raise RuntimeError("the dashboard is already created in this process; reuse its .server")
    store = connect(db_url)
    dummy_hash()  # made now, so the first sign-in with an unknown name is not faster
    cache = diskcache.Cache(jobs_dir or tempfile.mkdtemp(prefix="civicalloc-jobs-"))
    app = QuietDash(
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
    secure = _flag(os.environ.get(SECURE_ENV)) if secure_cookies is None else secure_cookies
    server.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_NAME="__Host-civicalloc" if secure else "civicalloc",
    )
    server.json.ensure_ascii = False  # error messages in Chinese stay readable
    server.secret_key = secret_key or os.environ.get(SECRET_ENV) or secrets.token_hex(32)
    proxies = (
        trusted_proxies if trusted_proxies is not None else int(os.environ.get(PROXIES_ENV) or 0)
    )
    if proxies:
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=proxies, x_proto=proxies)
    auth.install(server)
    export.install(server)
    brief_route.install(server)
    server.add_url_rule("/geojson/<token>.json", "city_geojson", _serve_geojson)
    for page in PAGES:
        importlib.import_module(f"dashboard.pages.{page}")
    # The forecasting libraries load in the background once the first visitor arrives (not at
    # start: the server answers its first request first), before anyone opens the Forecasts page.
    server.before_request(start_warm_up)
    app.layout = shell
    # Dash adds inline scripts (page titles) when it serves its first page: hashed as they come
    server.after_request(
        auth.security_headers(lambda: auth.content_security_policy(app.csp_hashes()), secure)
    )
    _created = app
    return app
