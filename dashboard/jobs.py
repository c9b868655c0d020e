"""Background callbacks in a thread of the server, results and progress kept in a diskcache.

Dash's DiskcacheManager starts a process per job (and needs the `multiprocess` package). A
what-if run is mostly numpy and the solver, and a thread keeps the loaded cities and the
store's engine warm, so this manager runs the same job function in a thread instead. The job
runs inside the Flask app context, as the user who started it (captured from the session on
the server when the job is started, never taken from the page).
"""

from __future__ import annotations

import itertools
import threading

import diskcache
import flask
from dash.background_callback.managers import BaseBackgroundCallbackManager
from dash.background_callback.managers.diskcache_manager import DiskcacheManager, _make_job_fn

from dashboard.session import NotSignedIn, as_user, current_user


class ThreadedDiskcacheManager(DiskcacheManager):
    """A DiskcacheManager whose jobs are threads of the serving process."""

    def __init__(self, cache: diskcache.Cache, expire: float | None = None):
        self.handle = cache
        self.expire = expire
        self._threads: dict[int, threading.Thread] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        BaseBackgroundCallbackManager.__init__(self, None)

    def make_job_fn(self, fn, progress, key=None):
        return _make_job_fn(fn, self.handle, progress)

    def call_job_fn(self, key, job_fn, args, context):
        """Start the job in a thread, as the signed-in user; return the job's number."""
        try:
            user = current_user()
        except NotSignedIn:
            user = None
        app = flask.current_app._get_current_object()

        def run() -> None:
            with app.app_context():
                if user is None:  # the job itself refuses: it calls current_user()
                    job_fn(key, self._make_progress_key(key), args, context)
                    return
                with as_user(user):
                    job_fn(key, self._make_progress_key(key), args, context)

        with self._lock:
            job = next(self._ids)
            thread = threading.Thread(target=run, name=f"dash-job-{job}", daemon=True)
            self._threads[job] = thread
        thread.start()
        return job

    def job_running(self, job):
        thread = self._threads.get(int(job)) if job else None
        return bool(thread and thread.is_alive())

    def terminate_job(self, job):
        """Threads cannot be killed: forget a finished job (a running one finishes on its own)."""
        if job is None:
            return
        with self._lock:
            thread = self._threads.get(int(job))
            if thread is not None and not thread.is_alive():
                del self._threads[int(job)]

    def terminate_unhealthy_job(self, job):
        return False
