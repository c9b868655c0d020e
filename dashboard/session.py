"""Who is asking: the signed-in user from the Flask session, their bureau and language.

Every callback and download calls `current_user()`; nothing trusts what the page sends about
who the user is. A background job gets the user captured when it was started (`as_user`).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import flask
from sqlalchemy.engine import Engine

from dashboard.i18n import DEFAULT_LANG, LANGS

ENGINE_KEY = "CIVICALLOC_ENGINE"
ADMIN = "admin"

_job_user: contextvars.ContextVar[User | None] = contextvars.ContextVar("job_user", default=None)


class NotSignedIn(PermissionError):
    """Raised when a request arrives without a signed-in user."""


@dataclass(frozen=True)
class User:
    """A signed-in user: name, bureau role and chosen language."""

    name: str
    role: str
    lang: str = DEFAULT_LANG

    @property
    def owner(self) -> str | None:
        """The bureau whose runs this user may see (None: all, for admin)."""
        return None if self.role == ADMIN else self.role


def engine() -> Engine:
    """The results store this app serves."""
    return flask.current_app.config[ENGINE_KEY]


def current_user() -> User:
    """The signed-in user of this request (or of the job being run); NotSignedIn otherwise."""
    job_user = _job_user.get()
    if job_user is not None:
        return job_user
    if not flask.has_request_context() or "user" not in flask.session:
        raise NotSignedIn("sign in first")
    return User(flask.session["user"], flask.session["role"], current_lang())


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
