"""Scenario files: a TOML file, validated with pydantic, that may extend another.

A scenario is inputs + levers: the city bundle, base year and horizon, need-rate overrides,
population shocks, facilities opened / closed / resized, budgets, rules, the models to run and
the solver. `base = "today.toml"` inherits everything and changes only what differs.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from demand.checks import not_utf8
from demand.errors import InputError
from optimize.staffing.rules import MAX_ONLINE_SHARE

BUREAUS = ("health", "education", "social_security", "admin")
SAMPLE_AREAS = (20, 20_000)  # the sample city's size range, areas
MODEL_NAMES = (
    "access",
    "forecast",
    "health.outreach",
    "health.beds",
    "education.districts",
    "education.teachers",
    "social_security.staffing",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NeedRateOverride(_Strict):
    """Multiply (factor) or replace (rate) a need rate for a service and resource."""

    service: str
    resource: str
    age_band: str | None = None
    sex: Literal["F", "M"] | None = None
    factor: float | None = Field(default=None, ge=0, le=10)
    rate: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _one_of(self) -> NeedRateOverride:
        if (self.factor is None) == (self.rate is None):
            raise ValueError("give exactly one of 'factor' or 'rate'")
        return self


class PopulationShock(_Strict):
    """New residents moving into an area every year from a given year (e.g. a housing zone)."""

    area_id: str
    households_per_year: float = Field(gt=0, le=100_000)
    from_year: int = Field(ge=1900, le=2200)
    persons_per_household: float = Field(default=2.9, gt=0, le=10)
    profile: Literal["young_families", "uniform"] = "young_families"


class FacilityChange(_Strict):
    """Open, close or resize a facility."""

    action: Literal["open", "close", "resize"]
    facility_id: str
    kind: str | None = None
    name: str | None = None
    area_id: str | None = None  # where a new facility opens (at the area's centre)
    capacity: dict[str, float] = Field(default_factory=dict)  # resource -> amount
    workforce: dict[str, int] = Field(default_factory=dict)  # role -> headcount

    @model_validator(mode="after")
    def _open_needs_place(self) -> FacilityChange:
        if self.action == "open" and (self.kind is None or self.area_id is None):
            raise ValueError("opening a facility needs 'kind' and 'area_id'")
        return self


class Budgets(_Strict):
    """What may be added: new beds, new teachers, caseworkers (persons)."""

    new_beds: int = Field(default=0, ge=0, le=100_000)
    new_teachers: int = Field(default=0, ge=0, le=100_000)
    new_caseworkers: int = Field(default=0, ge=0, le=10_000)


class Rules(_Strict):
    """Planning rules shared by the models."""

    max_travel_minutes: float = Field(default=30, gt=0, le=240)
    travel_cutoff_minutes: float = Field(default=60, gt=0, le=600)  # travel computed within
    class_size_cap: int | None = Field(default=None, ge=10, le=80)  # pupils; None = as built
    service_level_target: float = Field(default=0.8, gt=0, lt=1)
    service_level_minutes: float = Field(default=20, gt=0, le=240)
    reassignment_limit: float = Field(default=0.2, ge=0, le=1)
    online_share: float = Field(default=0.0, ge=0, le=MAX_ONLINE_SHARE)
    max_outreach_half_days: float = Field(
        default=4.0,
        gt=0,
        le=10,
        validation_alias=AliasChoices("max_outreach_half_days", "max_outreach_halfdays"),
    )  # half-days a week per specialist (older files: max_outreach_halfdays)
    small_cell_threshold: int = Field(default=10, ge=1, le=1000)


def _default_solver() -> str:
    from optimize.solver import solver_named

    return solver_named(None)


class Solver(_Strict):
    """Which solver, and how long it may take. The default solver is the commands' one: HiGHS,
    or CBC (bundled with PuLP) when highspy is missing."""

    name: Literal["cbc", "highs"] = Field(default_factory=_default_solver)
    time_limit_s: float = Field(default=60, gt=0, le=86_400)
    gap_rel: float = Field(default=0.01, ge=0, le=1)
    threads: int = Field(default=1, ge=1, le=64)


class Scenario(_Strict):
    """A fully resolved scenario (after inheritance)."""

    name: str = Field(min_length=1, max_length=120)
    owner: Literal["health", "education", "social_security", "admin"]
    description: str = ""
    city: str = "sample"  # a bundle path (relative to the scenario file) or "sample[:N[:SEED]]"
    base_year: int = Field(default=2025, ge=1900, le=2200)
    horizon: int = Field(default=5, ge=1, le=30)
    seed: int = 7
    need_rates: list[NeedRateOverride] = Field(default_factory=list)
    population_shocks: list[PopulationShock] = Field(default_factory=list)
    facilities: list[FacilityChange] = Field(default_factory=list)
    budgets: Budgets = Field(default_factory=Budgets)
    rules: Rules = Field(default_factory=Rules)
    models: list[str] = Field(default_factory=lambda: ["access"])
    solver: Solver = Field(default_factory=Solver)

    @field_validator("city")
    @classmethod
    def _known_city(cls, city: str) -> str:
        if city.startswith("sample"):
            sample_size(city)  # raises ValueError with what to write
        return city

    @field_validator("models")
    @classmethod
    def _known_models(cls, models: list[str]) -> list[str]:
        if not models:
            raise ValueError(
                f"a run needs at least one model; choose from {', '.join(MODEL_NAMES)}"
            )
        unknown = [m for m in models if m not in MODEL_NAMES]
        if unknown:
            raise ValueError(f"unknown model(s) {unknown}; choose from {', '.join(MODEL_NAMES)}")
        return models


def sample_size(city: str) -> tuple[int, int]:
    """(areas, seed) of a 'sample[:N_AREAS[:SEED]]' city; ValueError saying what to write."""
    parts = city.split(":")
    hint = "write 'sample', 'sample:300' or 'sample:300:7' (areas, seed)"
    if parts[0] != "sample" or len(parts) > 3:
        raise ValueError(hint)
    try:
        n_areas = int(parts[1]) if len(parts) > 1 else 300
        seed = int(parts[2]) if len(parts) > 2 else 7
    except ValueError:
        raise ValueError(hint) from None
    low, high = SAMPLE_AREAS
    if not low <= n_areas <= high:
        raise ValueError(f"the sample city has {low:,} to {high:,} areas, not {n_areas:,}")
    return n_areas, seed


def _merge(base: dict, override: dict) -> dict:
    """Deep-merge tables; lists and values in `override` replace those of `base`."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such scenario file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder; give a scenario .toml file") from None
    except UnicodeDecodeError as exc:
        raise not_utf8(path, exc, spreadsheet=False) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path.name}: not valid TOML ({exc}); fix the syntax") from None


def resolve_raw(path: Path, seen: tuple[Path, ...] = ()) -> dict:
    """The scenario's table with its `base` chain merged in; the city path made absolute."""
    path = path.resolve()
    if path in seen:
        chain = " → ".join(p.name for p in (*seen, path))
        raise InputError(f"{path.name}: scenarios extend each other in a circle ({chain})")
    raw = _read_toml(path)
    city = raw.get("city")
    if isinstance(city, str) and not city.startswith("sample"):
        raw["city"] = str((path.parent / city).resolve())
    base = raw.pop("base", None)
    if base is None:
        return raw
    if not isinstance(base, str):
        raise InputError(f"{path.name}: key 'base' must be a file name like \"today.toml\"")
    parent = resolve_raw(path.parent / base, (*seen, path))
    parent.pop("description", None)
    return _merge(parent, raw)


def _describe(error: ValidationError, file: str) -> str:
    """Every problem of the scenario on one line: 'FILE: key 'a': …; key 'b': …'."""
    lines = []
    for item in error.errors():
        key = ".".join(str(p) for p in item["loc"]) or "(file)"
        msg = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            msg = "unknown key; check the spelling (see docs/scenarios.md)"
        elif item["type"] == "missing":
            msg = "required key is missing"
        value = item.get("input")
        shown = (
            f" (got {value!r})" if item["type"] != "missing" and not isinstance(value, dict) else ""
        )
        lines.append(f"key '{key}': {msg}{shown}")
    return f"{file}: " + "; ".join(lines)


def scenario_from_dict(raw: dict, file: str = "scenario") -> Scenario:
    """Validate a scenario table; errors name the key and what is wrong."""
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        raise InputError(_describe(exc, file)) from None


def load_scenario(path: str | Path) -> Scenario:
    """The resolved, validated scenario in the TOML file at `path`."""
    path = Path(path)
    return scenario_from_dict(resolve_raw(path), path.name)


def with_changes(scenario: Scenario, changes: dict[str, object]) -> Scenario:
    """A copy with dotted keys changed, e.g. {'rules.max_travel_minutes': 20}; validated."""
    raw = scenario.model_dump()
    for dotted, value in changes.items():
        node = raw
        *parents, leaf = dotted.split(".")
        for key in parents:
            if not isinstance(node.get(key), dict):
                raise InputError(f"--vary: '{dotted}' is not a scenario key")
            node = node[key]
        if leaf not in node:
            raise InputError(f"--vary: '{dotted}' is not a scenario key")
        node[leaf] = value
    return scenario_from_dict(raw, f"{scenario.name} with {changes}")
