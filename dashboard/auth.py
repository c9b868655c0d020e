"""Signing in and out, switching language, the gate in front of every request, and the
security headers on every answer.

- **Sign-in** is a plain Flask form with a CSRF token. Passwords are checked against the store's
  scrypt hashes in the same time whether the user exists or not; failed sign-ins are throttled
  per user name and per address (`scenarios.sessions`), and every sign-in, failure and
  lock-out is audited.
- **Sessions** live in the store: the cookie carries only a random token, looked up on every
  request, so logout (a POST with the CSRF token), `civicalloc users remove` and a role change
  act at once.
- **The gate**: until a user signs in, pages redirect to /login and every other path (Dash's
  callbacks and scripts, exports, outlines) answers 401; only the login form, the language
  switch and the stylesheet are open, so nothing — not even version numbers — is served first.
- **Headers** (Flask deployments' usual set): X-Frame-Options DENY and a Content-Security-Policy
  (scripts from this server only; no framing), nosniff, a same-origin referrer, no caching of
  data, HSTS when cookies are Secure.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from urllib.parse import quote, urlparse

import flask
from markupsafe import escape

from dashboard.i18n import LANGS, t
from dashboard.session import User, current_lang, engine
from scenarios.sessions import (
    clear_failures,
    end_session,
    lockout,
    record_failure,
    session_user,
    start_session,
)
from scenarios.store import log
from scenarios.users import authenticate

# Paths served without a session: the login form, the language switch and the stylesheet.
OPEN_PATHS = ("/login", "/assets/style.css", "/_favicon.ico")
OPEN_PREFIXES = ("/lang/",)
SESSION_KEY = "sid"  # the session token in the signed cookie
CSRF_KEY = "csrf"
CSRF_FIELD = "csrf_token"
STATIC_PREFIXES = ("/assets/", "/_dash-component-suites/")  # may be cached by the browser

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
<input type="hidden" name="{csrf_field}" value="{csrf}">
<button id="login-submit" type="submit">{button}</button>
</form></body></html>"""


def csrf_token() -> str:
    """This browser session's CSRF token (made on first use), for forms that POST."""
    token = flask.session.get(CSRF_KEY)
    if not token:
        token = flask.session[CSRF_KEY] = secrets.token_urlsafe(24)
    return token


def _csrf_ok() -> bool:
    sent = flask.request.form.get(CSRF_FIELD, "")
    expected = flask.session.get(CSRF_KEY, "")
    return bool(sent and expected) and hmac.compare_digest(sent, expected)


def _safe_next(target: str | None) -> str:
    """Only same-site paths are followed after login (no open redirect)."""
    if not target:
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
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
        csrf_field=CSRF_FIELD,
        csrf=escape(csrf_token()),
    )


def _address() -> str:
    return flask.request.remote_addr or "?"


def login() -> flask.Response | str | tuple:
    """GET: the form; POST: check the token, the throttle and the password, then start a
    server-side session and go where the user was going."""
    if flask.request.method == "GET":
        return _login_page(next_path=flask.request.args.get("next", "/"))
    form = flask.request.form
    lang, next_path = current_lang(), form.get("next", "/")
    if not _csrf_ok():
        return _login_page(t("form_expired", lang), next_path), 400
    store, address = engine(), _address()
    name, password = form.get("username", "").strip()[:80], form.get("password", "")
    lock = lockout(store, name, address)
    if lock is not None:
        log(store, name or "?", "login_locked", detail=f"{lock.by} ({address})")
        message = t("locked_out", lang, minutes=lock.minutes_left())
        return _login_page(message, next_path), 429
    role = authenticate(store, name, password) if name else None
    if role is None:
        lock = record_failure(store, name, address)
        message = t("login_failed", lang)
        if lock is not None:
            message = f"{message} {t('locked_out', lang, minutes=lock.minutes_left())}"
        return _login_page(message, next_path), 401
    clear_failures(store, name)
    token = start_session(store, name, address)
    flask.session.clear()  # a new cookie at sign-in: nothing from before carries over
    flask.session.update({SESSION_KEY: token, "lang": lang, CSRF_KEY: secrets.token_urlsafe(24)})
    log(store, name, "login", detail=f"{role} ({address})")
    return flask.redirect(_safe_next(next_path))


def logout() -> flask.Response | tuple:
    """End the session in the store (POST with the CSRF token)."""
    lang = current_lang()
    if not _csrf_ok():
        return flask.redirect("/")  # a forged or stale form: nothing happens
    name = end_session(engine(), flask.session.get(SESSION_KEY))
    if name:
        log(engine(), name, "logout")
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
    """Before every request: let open paths through, else demand a live session."""
    path = flask.request.path
    if path in OPEN_PATHS or path.startswith(OPEN_PREFIXES):
        return None
    found = session_user(engine(), flask.session.get(SESSION_KEY))
    if found is not None:
        flask.g.user = User(found.username, found.role, current_lang())
        return None
    if SESSION_KEY in flask.session:  # ended, expired or revoked: forget it
        lang = current_lang()
        flask.session.clear()
        flask.session["lang"] = lang
    if path.startswith(("/_", "/export/", "/geojson/")) or flask.request.method != "GET":
        return flask.jsonify(error="sign in first"), 401
    query = flask.request.query_string.decode()
    target = path + (f"?{query}" if query else "")
    return flask.redirect("/login?next=" + quote(target, safe="/"))


def content_security_policy(script_hashes: list[str]) -> str:
    """The CSP: everything from this server; Dash's inline start-up script by its hash
    (`script_hashes` as Dash's `csp_hashes()` gives them, quoted)."""
    scripts = " ".join(["'self'", *script_hashes])
    return "; ".join([
        "default-src 'self'",
        f"script-src {scripts}",
        "style-src 'self' 'unsafe-inline'",  # React and plotly set style attributes
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])  # fmt: skip


def security_headers(policy: Callable[[], str], hsts: bool):
    """An after-request hook adding the security headers (and no caching of data); `policy`
    gives the current CSP."""

    def add(response: flask.Response) -> flask.Response:
        headers = response.headers
        headers["X-Frame-Options"] = "DENY"
        headers["Content-Security-Policy"] = policy()
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "same-origin"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if hsts:
            headers["Strict-Transport-Security"] = "max-age=31536000"
        if not flask.request.path.startswith(STATIC_PREFIXES) and not flask.request.path.startswith(
            "/geojson/"
        ):
            headers["Cache-Control"] = "no-store"
        return response

    return add


def install(server: flask.Flask) -> None:
    """Add the login/logout/language routes and the gate to the Flask server."""
    server.add_url_rule("/login", "login", login, methods=["GET", "POST"])
    server.add_url_rule("/logout", "logout", logout, methods=["POST"])
    server.add_url_rule("/lang/<lang>", "switch_language", switch_language)
    server.before_request(require_login)
