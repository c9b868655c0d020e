"""Sweeps: the grid of a scenario's variants, run in parallel processes or on a Dask cluster."""

from __future__ import annotations

import itertools
import os
import tomllib
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context

from demand.errors import InputError
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
    """A variant that could not run, and why (bad input named by the pipeline)."""

    scenario: str
    message: str


def _run_one(scenario: Scenario, username: str) -> RunRecord | SweepFailure:
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    os.environ["OMP_NUM_THREADS"] = "1"
    from scenarios.pipeline import run_scenario

    try:
        return run_scenario(scenario, username)
    except InputError as exc:  # one bad variant must not stop the others
        return SweepFailure(scenario.name, str(exc))


def run_sweep(
    scenarios: list[Scenario],
    username: str,
    workers: int | None = None,
    scheduler: str | None = None,
    on_done: Callable[[RunRecord], None] | None = None,
) -> Iterator[RunRecord | SweepFailure]:
    """Run the scenarios in parallel and yield each record (or failure) as it finishes.

    Locally with `workers` processes; with `scheduler` ('tcp://host:8786') on a Dask cluster.
    """
    if scheduler:
        from dask.distributed import Client
        from dask.distributed import as_completed as dask_completed

        with Client(scheduler, timeout="30s") as client:
            futures = [client.submit(_run_one, s, username, pure=False) for s in scenarios]
            for future in dask_completed(futures):
                yield future.result()
        return
    workers = workers or min(len(scenarios), os.cpu_count() or 1)
    if workers <= 1:
        for s in scenarios:
            yield _run_one(s, username)
        return
    # spawn, not fork: a forked child inherits the parent's solver thread pools half-alive
    # (HiGHS then finds no solution), and the parent may already hold a loaded city.
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(_run_one, s, username) for s in scenarios]
        for future in as_completed(futures):
            yield future.result()
