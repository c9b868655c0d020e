"""Comparing stored runs: KPIs side by side per service, with differences from the first."""

from __future__ import annotations

import pandas as pd
from sqlalchemy.engine import Engine

from demand.errors import InputError
from scenarios.privacy import run_threshold
from scenarios.scope import Scope
from scenarios.store import find_run, load_kpis


def compare_runs(engine: Engine, refs: list[str], role: str | None = None) -> pd.DataFrame:
    """One row per (service, kpi, unit); a column per run labelled by scenario, then Δ columns.

    `refs` are run ids (or prefixes) or scenario names (their latest run). With `role`, only
    runs that role may open are found, and only the KPIs of its services are compared.
    ``attrs["incomplete"]`` lists the labels of runs stored as
    incomplete (a model found no plan: its KPIs are blank, not zero);
    ``attrs["small_cell_threshold"]`` is the threshold to show it with (the runs' largest).
    """
    if len(refs) < 2:
        raise InputError(
            f"compare needs at least two runs or scenarios, got {len(refs)}; see `civicalloc runs`"
        )
    scope = Scope.of(role) if role is not None else None
    found = [find_run(engine, ref, scope.bureau if scope is not None else None) for ref in refs]
    kpis = [load_kpis(engine, run["run_id"]) for run in found]
    if scope is not None:
        kpis = [scope.kpis(frame) for frame in kpis]
    return kpi_comparison(found, kpis)


def kpi_comparison(runs: list[dict], kpis: list[pd.DataFrame]) -> pd.DataFrame:
    """The comparison of runs (their `runs` rows) whose KPIs are already loaded (the app's
    cached, scoped ones): as `compare_runs`."""
    columns, frames, incomplete = [], [], []
    for run, frame in zip(runs, kpis, strict=True):
        label = run["scenario"]
        if label in columns:
            label = f"{label} ({run['run_id'][:8]})"
        columns.append(label)
        if not run.get("complete", True):
            incomplete.append(label)
        frames.append(frame.assign(run=label))
    long = pd.concat(frames, ignore_index=True)
    if long.empty:
        raise InputError(
            f"{', '.join(columns)}: none of these runs has KPIs to compare (stored without "
            "results); run the scenarios again"
        )
    wide = long.set_index(["service", "kpi", "unit", "run"])["value"].unstack("run")
    wide = wide.reindex(columns=columns)  # a run without KPIs is a column of blanks
    wide.columns.name = None
    first = columns[0]
    for label in columns[1:]:
        wide[f"Δ {label}"] = wide[label] - wide[first]
    table = wide.reset_index().sort_values(["service", "kpi"], kind="stable")
    table.attrs["incomplete"] = incomplete
    table.attrs["small_cell_threshold"] = run_threshold(*runs)
    return table
