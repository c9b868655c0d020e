"""Child processes that die with their parent and start with one BLAS thread each.

A spawned worker (~500 MB with a city and solvers loaded) whose parent is killed would
otherwise live on under PID 1, and keep the multiprocessing resource tracker alive with it.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator

PR_SET_PDEATHSIG = 1  # linux/prctl.h
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def die_with_parent(parent_pid: int, poll_s: float = 1.0) -> None:
    """Call first thing in a child process: end it (SIGKILL) as soon as ``parent_pid`` is gone.

    On Linux the kernel does it (``prctl(PR_SET_PDEATHSIG)``); elsewhere, and as a fallback,
    a daemon thread checks the parent every ``poll_s`` seconds.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before we could ask
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(poll_s)
            if os.getppid() != parent_pid:
                os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Processes started inside this block get one BLAS / OpenMP thread each.

    The variables must be set before numpy loads in the child, so they are set in this
    process's environment (which the child copies) and restored afterwards.
    """
    saved = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    os.environ.update({name: "1" for name in THREAD_VARIABLES})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
