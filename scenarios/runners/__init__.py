"""Model runners: one function per model name a scenario may list, registered by name.

A runner takes a RunContext (the scenario, the city with its levers applied, shared caches)
and returns a ModelRun (KPIs, plan frames, the solver outcome). Modules in this package are
imported on first use, so each model's runner lives beside the others without a shared edit.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from demand.bundle import City
from scenarios.spec import Scenario
from scenarios.store import ModelOutcome


@dataclass
class RunContext:
    """What a runner may use: scenario, city (levers applied), progress, a cache to share."""

    scenario: Scenario
    city: City
    progress: Callable[[str], None] = lambda message: None
    cache: dict = field(default_factory=dict)


@dataclass
class ModelRun:
    """What a runner returns: KPIs (service, kpi, value, unit), plans, the solver outcome."""

    kpis: list[tuple[str, str, float | None, str]]
    plans: dict[str, pd.DataFrame]
    outcome: ModelOutcome


RUNNERS: dict[str, Callable[[RunContext], ModelRun]] = {}


def runner(name: str) -> Callable:
    """Register a function as the runner of model `name`."""

    def wrap(fn: Callable[[RunContext], ModelRun]) -> Callable[[RunContext], ModelRun]:
        RUNNERS[name] = fn
        return fn

    return wrap


def declared_rules(rules_class: type, scenario: Scenario, **more):
    """``rules_class`` with every rule that names a scenario key (``optimize.rules.setting``'s
    ``scenario``, e.g. "rules.max_travel_minutes") taken from ``scenario``; ``more`` sets others.
    One way down from the scenario file to the model."""
    from optimize.rules import settings_of

    values = {}
    for d in settings_of(rules_class):
        if d.spec.scenario is not None:
            node = scenario
            for key in d.spec.scenario.split("."):
                node = getattr(node, key)
            values[d.name] = node
    return rules_class(**values, **more)


def get_runner(name: str) -> Callable[[RunContext], ModelRun]:
    """The runner of model `name` (importing every runner module once)."""
    if not RUNNERS:
        for info in pkgutil.iter_modules(__path__):
            importlib.import_module(f"{__name__}.{info.name}")
    if name not in RUNNERS:
        raise KeyError(f"no runner for model {name!r}; known: {', '.join(sorted(RUNNERS))}")
    return RUNNERS[name]
