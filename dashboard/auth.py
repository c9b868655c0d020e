"""Signing in and out, switching language, and the gate in front of every request.

The login page is a plain Flask form; passwords are checked against the store's salted hashes
(`scenarios.users.authenticate`). Until a user signs in, pages redirect to /login and Dash's
callback and layout endpoints answer 401, so no data leaves the server without a session.
"""

from __future__ import annotations

from urllib.parse import quote, urlparse

import flask
from markupsafe import escape

from dashboard.i18n import LANGS, t
from dashboard.session import current_lang, engine
from scenarios.store import log
from scenarios.users import authenticate

# Paths served without a session: the login form and the page's static code (no data).
OPEN_PREFIXES = ("/login", "/lang/", "/_dash-component-suites/", "/assets/", "/_favicon.ico")

LOGIN_PAGE = """<!doctype html>
<html lang="{html_lang}"><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="/assets/style.css"></head>
<body class="login-body"><form class="login" method="post" action="/login">
<h1>{title}</h1>
<p class="lang"><a id="login-lang-zh" href="/lang/zh?next=/login">中文</a> ·
<a id="login-lang-en" href="/lang/en?next=/login">English</a></p>
{error}
<label>{user_label}<input id="login-username" name="username" autocomplete="username"
 autofocus></label>
<label>{pass_label}<input id="login-password" name="password" type="password"
 autocomplete="current-password"></label>
<input type="hidden" name="next" value="{next}">
<button id="login-submit" type="submit">{button}</button>
</form></body></html>"""


def _safe_next(target: str | None) -> str:
    """Only same-site paths are followed after login (no open redirect)."""
    if not target:
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/"):
        return "/"
    return target


def _login_page(error: str = "", next_path: str = "/") -> str:
    lang = current_lang()
    return LOGIN_PAGE.format(
        html_lang="zh-CN" if lang == "zh" else "en",
        title=escape(t("app_title", lang)),
        user_label=escape(t("username", lang)),
        pass_label=escape(t("password", lang)),
        button=escape(t("login", lang)),
        error=f'<p id="login-error" class="error">{escape(error)}</p>' if error else "",
        next=escape(_safe_next(next_path)),
    )


def login() -> flask.Response | str:
    """GET: the form; POST: check the password, start the session, go where the user was going."""
    if flask.request.method == "GET":
        return _login_page(next_path=flask.request.args.get("next", "/"))
    form = flask.request.form
    name, password = form.get("username", "").strip(), form.get("password", "")
    role = authenticate(engine(), name, password) if name else None
    if role is None:
        log(engine(), name or "?", "login_failed", detail=flask.request.remote_addr or "")
        return _login_page(t("login_failed", current_lang()), form.get("next", "/")), 401
    lang = current_lang()
    flask.session.clear()
    flask.session.update(user=name, role=role, lang=lang)
    log(engine(), name, "login", detail=role)
    return flask.redirect(_safe_next(form.get("next")))


def logout() -> flask.Response:
    """End the session."""
    if "user" in flask.session:
        log(engine(), flask.session["user"], "logout")
    lang = current_lang()
    flask.session.clear()
    flask.session["lang"] = lang
    return flask.redirect("/login")


def switch_language(lang: str) -> flask.Response:
    """Remember the language in the session and go back to the page the user was on."""
    if lang not in LANGS:
        flask.abort(404)
    flask.session["lang"] = lang
    target = flask.request.args.get("next")
    if not target and flask.request.referrer:
        ref = urlparse(flask.request.referrer)
        target = ref.path + (f"?{ref.query}" if ref.query else "")
    return flask.redirect(_safe_next(target))


def require_login() -> flask.Response | tuple | None:
    """Before every request: let open paths through, else demand a signed-in user."""
    path = flask.request.path
    if path.startswith(OPEN_PREFIXES) or "user" in flask.session:
        return None
    if path.startswith(("/_dash-", "/export/", "/geojson/")):
        return flask.jsonify(error="sign in first"), 401
    query = flask.request.query_string.decode()
    target = path + (f"?{query}" if query else "")
    return flask.redirect("/login?next=" + quote(target, safe="/"))


def install(server: flask.Flask) -> None:
    """Add the login/logout/language routes and the gate to the Flask server."""
    server.add_url_rule("/login", "login", login, methods=["GET", "POST"])
    server.add_url_rule("/logout", "logout", logout)
    server.add_url_rule("/lang/<lang>", "switch_language", switch_language)
    server.before_request(require_login)
