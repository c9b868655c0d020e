"""Running a scenario: load the city, apply levers, run each model, collect KPIs and plans.

The run happens in memory; the store writes the finished record in one transaction.
"""

from __future__ import annotations

import functools
import hashlib
import subprocess
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import pandas as pd
import shapely

from demand.bundle import City, load_city, make_sample_city
from demand.errors import InputError
from scenarios.runners import RunContext, get_runner
from scenarios.spec import Scenario, sample_size
from scenarios.store import RunRecord
from supply.travel import travel_source

Progress = Callable[[str, float], None]  # message, fraction done (0–1)


@functools.lru_cache(maxsize=4)
def load_scenario_city(city: str) -> City:
    """The city a scenario names: a bundle path, or 'sample[:N_AREAS[:SEED]]'."""
    if city.startswith("sample"):
        try:
            n_areas, seed = sample_size(city)
        except ValueError as exc:
            raise InputError(f"city {city!r}: {exc}") from None
        return make_sample_city(n_areas=n_areas, seed=seed)
    if not Path(city).exists():
        raise InputError(f"city {city!r}: no such bundle (paths are relative to the scenario)")
    return load_city(city)


def fingerprint(city: City) -> str:
    """SHA-256 over every table's content (geometry as WKB): the inputs' identity."""
    digest = hashlib.sha256()
    for name in ("areas", "population", "facilities", "capacity", "workforce", "mobility",
                 "series", "history", "travel", "arrival_profile"):  # fmt: skip
        frame = city.table(name)
        if "geometry" in frame.columns:
            frame = pd.DataFrame(frame).assign(geometry=shapely.to_wkb(frame.geometry.values))
        digest.update(name.encode())
        digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """The package version, with the git commit when run from a checkout."""
    version = metadata.version("civicalloc")
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, timeout=5,
            cwd=Path(__file__).resolve().parent,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{version}+{commit}" if commit else version


def run_scenario(
    scenario: Scenario, username: str = "cli", progress: Progress | None = None
) -> RunRecord:
    """Run every model the scenario lists; return the record to store (nothing written yet)."""
    report = progress or (lambda message, fraction: None)
    started = time.perf_counter()
    report("loading the city", 0.0)
    from scenarios.levers import apply_levers  # with scikit-learn: only for a run

    city = load_scenario_city(scenario.city)
    city = apply_levers(city, scenario)
    ctx = RunContext(scenario=scenario, city=city)
    kpis, plans, outcomes = [], {}, []
    travel = travel_source(city)  # roads (which extract, which mode), a table, or straight lines
    n = len(scenario.models)
    for i, name in enumerate(scenario.models):
        ctx.progress = lambda message, i=i: report(message, (i + 0.5) / n)
        report(f"running {name}", i / n)
        result = get_runner(name)(ctx)
        kpis += result.kpis
        overlap = set(plans) & set(result.plans)
        if overlap:
            raise RuntimeError(f"model {name} returned plans already present: {overlap}")
        plans.update(result.plans)
        result.outcome.detail.setdefault("travel", travel)
        outcomes.append(result.outcome)
    report("done", 1.0)
    return RunRecord(
        scenario=scenario.name,
        owner=scenario.owner,
        description=scenario.description,
        scenario_json=scenario.model_dump_json(indent=2),
        inputs_fingerprint=fingerprint(city),
        code_version=code_version(),
        seconds=time.perf_counter() - started,
        kpis=pd.DataFrame(kpis, columns=["service", "kpi", "value", "unit"]),
        plans=plans,
        models=outcomes,
        created_by=username,
    )
