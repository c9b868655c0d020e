"""Who is asking: the signed-in user of this request, their bureau scope and language.

The gate (`dashboard.auth.require_login`) looks the request's session up in the store before
anything else runs and puts the user on `flask.g`; every callback and download calls
`current_user()`, and nothing trusts what the page sends about who the user is. A background
job gets the user captured when it was started (`as_user`).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import flask
from sqlalchemy.engine import Engine

from dashboard.i18n import DEFAULT_LANG, LANGS
from scenarios.scope import ADMIN, Scope

ENGINE_KEY = "CIVICALLOC_ENGINE"
__all__ = ["ADMIN", "ENGINE_KEY", "NotSignedIn", "User", "as_user", "current_user", "engine"]

_job_user: contextvars.ContextVar[User | None] = contextvars.ContextVar("job_user", default=None)


class NotSignedIn(PermissionError):
    """Raised when a request arrives without a live session."""


@dataclass(frozen=True)
class User:
    """A signed-in user: name, role (a bureau, or admin) as the store gives it now, language."""

    name: str
    role: str
    lang: str = DEFAULT_LANG

    @property
    def scope(self) -> Scope:
        """What this user may see (`scenarios.scope`)."""
        return Scope.of(self.role)

    @property
    def bureau(self) -> str | None:
        """The bureau whose runs are this user's own (None for admin: all)."""
        return self.scope.bureau


def engine() -> Engine:
    """The results store this app serves."""
    return flask.current_app.config[ENGINE_KEY]


def current_user() -> User:
    """The signed-in user of this request (or of the job being run); NotSignedIn otherwise."""
    job_user = _job_user.get()
    if job_user is not None:
        return job_user
    if not flask.has_request_context():
        raise NotSignedIn("sign in first")
    user = flask.g.get("user")
    if user is None:
        raise NotSignedIn("sign in first")
    return user


def current_lang() -> str:
    """The language chosen in this session (zh-CN unless switched)."""
    job_user = _job_user.get()
    if job_user is not None:
        return job_user.lang
    if not flask.has_request_context():
        return DEFAULT_LANG
    lang = flask.session.get("lang", DEFAULT_LANG)
    return lang if lang in LANGS else DEFAULT_LANG


@contextmanager
def as_user(user: User) -> Iterator[None]:
    """Run a block (a background job) as `user`."""
    token = _job_user.set(user)
    try:
        yield
    finally:
        _job_user.reset(token)
