"""Sweeps: the grid of a scenario's variants, run in parallel processes or on a Dask cluster.

A worker process that dies (killed, out of memory) costs only the variant it was running: that
variant runs once more in a fresh worker, then is reported as failed; the others are stored.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import socket
import tomllib
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing import get_context
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path

from demand.errors import InputError
from optimize.processes import die_with_parent, one_blas_thread
from scenarios.spec import Scenario, with_changes
from scenarios.store import RunRecord


def parse_vary(text: str) -> tuple[str, list[object]]:
    """'rules.max_travel_minutes=20,30,45' → ('rules.max_travel_minutes', [20, 30, 45])."""
    if "=" not in text:
        raise InputError(f"--vary {text!r}: write KEY=V1,V2,… e.g. rules.max_travel_minutes=20,30")
    key, values = text.split("=", 1)
    parsed = []
    for value in values.split(","):
        value = value.strip()
        try:
            parsed.append(tomllib.loads(f"v = {value}")["v"])
        except tomllib.TOMLDecodeError:
            parsed.append(value)
    if not key.strip() or not parsed:
        raise InputError(f"--vary {text!r}: no key or no values")
    return key.strip(), parsed


def variants(scenario: Scenario, varies: list[str]) -> list[Scenario]:
    """Every combination of the varied values, each a validated scenario with its own name."""
    axes = [parse_vary(v) for v in varies]
    out = []
    for combo in itertools.product(*(values for _, values in axes)):
        changes = {key: value for (key, _), value in zip(axes, combo, strict=True)}
        label = ", ".join(f"{k.split('.')[-1]}={v}" for k, v in changes.items())
        variant = with_changes(scenario, changes)
        out.append(variant.model_copy(update={"name": f"{scenario.name} [{label}]"}))
    return out


@dataclass
class SweepFailure:
    """A variant that could not run, and why (bad input named by the pipeline, a lost worker)."""

    scenario: str
    message: str


#: A variant whose worker process dies is run once more, then reported as failed.
ATTEMPTS = 2
TEST_KILL_ENV = "CIVICALLOC_TEST_KILL_WORKER"  # folder: what variants a worker dies in (tests)


def _run_one(scenario: Scenario, username: str) -> RunRecord | SweepFailure:
    _test_kill(scenario.name)
    from scenarios.pipeline import run_scenario

    try:
        return run_scenario(scenario, username)
    except InputError as exc:  # one bad variant must not stop the others
        return SweepFailure(scenario.name, str(exc))
    except Exception as exc:  # noqa: BLE001 - a bug in one variant must not lose the others
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return SweepFailure(
            scenario.name,
            f"internal error {type(exc).__name__}: {exc} (at {Path(where.filename).name}:"
            f"{where.lineno}; please report it)",
        )


def _test_kill(name: str) -> None:
    """Tests: die (SIGKILL) once for each file in the folder $CIVICALLOC_TEST_KILL_WORKER whose
    content is found in the variant's name (the file is removed first, atomically)."""
    folder = os.environ.get(TEST_KILL_ENV)
    if not folder or not os.path.isdir(folder):
        return
    for path in sorted(Path(folder).iterdir()):
        with contextlib.suppress(OSError):
            if path.read_text() in name:
                path.unlink()  # only one process can remove it
                os.kill(os.getpid(), signal.SIGKILL)


def _worker(conn: Connection, parent_pid: int) -> None:  # runs in a spawned process
    die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        index, scenario, username = task
        conn.send((index, _run_one(scenario, username)))


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    task: int | None = None  # index of the variant it is running


def _how_it_died(process: BaseProcess) -> str:
    code = process.exitcode
    if code is not None and code < 0:
        name = signal.Signals(-code).name
        hint = "; out of memory?" if -code == signal.SIGKILL else ""
        return f"was killed ({name}{hint})"
    return f"exited with code {code}"


def _local_sweep(
    scenarios: list[Scenario], username: str, workers: int, notify: Callable[[str], None]
) -> Iterator[RunRecord | SweepFailure]:
    """Run the scenarios in ``workers`` spawned processes; a lost worker costs one variant.

    Spawn, not fork: a forked child inherits the parent's solver thread pools half-alive
    (HiGHS then finds no solution), and the parent may already hold a loaded city. Workers
    die with this process (``die_with_parent``) and take one BLAS thread each.
    """
    ctx = get_context("spawn")
    todo = deque(range(len(scenarios)))
    deaths = [0] * len(scenarios)
    pool: list[_Worker] = []

    def start() -> _Worker:
        here, there = ctx.Pipe()
        with one_blas_thread():
            process = ctx.Process(target=_worker, args=(there, os.getpid()), name="sweep-worker")
            process.start()
        there.close()
        return _Worker(process, here)

    def lost(w: _Worker) -> SweepFailure | None:
        """Retire a dead worker; run its variant again, or report it after ATTEMPTS deaths."""
        w.process.join()
        w.conn.close()
        pool.remove(w)
        index, w.task = w.task, None
        if index is None:
            return None
        deaths[index] += 1
        name, how = scenarios[index].name, _how_it_died(w.process)
        if deaths[index] < ATTEMPTS:
            notify(f"the worker running {name!r} {how}; running {name!r} again")
            todo.appendleft(index)
            return None
        return SweepFailure(
            name, f"its worker process {how}, {deaths[index]} times; other variants unaffected"
        )

    try:
        while todo or pool:
            while todo and len(pool) < min(workers, len(scenarios)):
                pool.append(start())
            for w in [w for w in pool if w.task is None]:
                if not todo:
                    break
                w.task = todo.popleft()
                try:
                    w.conn.send((w.task, scenarios[w.task], username))
                except OSError:  # it died idle: its variant waits for another worker
                    todo.appendleft(w.task)
                    w.task = None
                    lost(w)
            busy = [w for w in pool if w.task is not None]
            if not busy:
                if not todo:
                    break
                continue
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy])
            for w in busy:
                if w.conn in ready:
                    try:
                        _, result = w.conn.recv()
                    except (EOFError, OSError):
                        pass  # it died while answering: its sentinel says so
                    else:
                        w.task = None
                        yield result
                        continue
                if w.process.sentinel in ready:
                    failure = lost(w)
                    if failure is not None:
                        yield failure
    finally:
        for w in pool:
            with contextlib.suppress(OSError, ValueError):
                w.conn.send(None)
        for w in pool:
            w.process.join(timeout=2 if w.task is None else 0)
            if w.process.is_alive():
                w.process.kill()
                w.process.join()


def _reachable(address: str, timeout_s: float = 10.0) -> None:
    """Raise OSError at once when nothing listens at a tcp://HOST:PORT address (Dask itself
    retries a refused connection until its timeout)."""
    if not address.startswith("tcp://"):
        return
    host, _, port = address.removeprefix("tcp://").rstrip("/").rpartition(":")
    if not port.isdigit():
        raise ValueError(f"no port in {address!r}; write tcp://HOST:PORT")
    with socket.create_connection((host.strip("[]") or "localhost", int(port)), timeout_s):
        pass


def _dask_sweep(
    scenarios: list[Scenario], username: str, scheduler: str
) -> Iterator[RunRecord | SweepFailure]:
    """Run the scenarios on a Dask cluster; a variant whose workers keep dying is reported."""
    from dask.distributed import Client
    from dask.distributed import as_completed as dask_completed

    try:
        _reachable(scheduler)
        client = Client(scheduler, timeout="20s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(
            f"--scheduler {scheduler}: cannot reach a Dask scheduler there ({exc}); start one "
            "with `dask scheduler` and workers with `dask worker ADDRESS`, or leave out "
            "--scheduler to run on this machine"
        ) from None
    with client:
        futures = {client.submit(_run_one, s, username, pure=False): s for s in scenarios}
        for future in dask_completed(futures):
            try:
                yield future.result()
            except Exception as exc:  # noqa: BLE001 - KilledWorker, lost connection…
                yield SweepFailure(futures[future].name, f"on the cluster: {type(exc).__name__}: "
                                                         f"{exc}")  # fmt: skip


def run_sweep(
    scenarios: list[Scenario],
    username: str,
    workers: int | None = None,
    scheduler: str | None = None,
    notify: Callable[[str], None] | None = None,
) -> Iterator[RunRecord | SweepFailure]:
    """Run the scenarios in parallel and yield each record (or failure) as it finishes.

    Locally with `workers` processes; with `scheduler` ('tcp://host:8786') on a Dask cluster.
    ``notify`` hears about a worker lost and its variant run again.
    """
    notify = notify or (lambda message: None)
    if scheduler:
        yield from _dask_sweep(scenarios, username, scheduler)
        return
    workers = workers or min(len(scenarios), os.cpu_count() or 1)
    if workers <= 1:
        for s in scenarios:
            yield _run_one(s, username)
        return
    yield from _local_sweep(scenarios, username, workers, notify)
