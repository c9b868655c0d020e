"""Rules declared once: each model's rules are a frozen dataclass whose fields are ``setting``s
with a unit, a meaning and bounds. The model checks them (``check_settings``), the CLI builds its
options from them (``scenarios.options``), and the scenario schema is checked against them by a
test: one name, one type, one default, one set of bounds from the model to the command line.

    @dataclass(frozen=True)
    class BedRules:
        max_turn_away: float = setting(0.03, "share", "patients who may find the ward full",
                                       gt=0, lt=1, cli="--max-turn-away")

        def __post_init__(self) -> None:
            check_settings(self, "bed rule")
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from dataclasses import dataclass
from typing import Any

from demand.errors import InputError

__all__ = ["Setting", "check_settings", "setting", "settings_of"]


@dataclass(frozen=True)
class Setting:
    """What a rule is: its unit, what it means (one line), its bounds, and where else it is set.

    choices   the allowed values of a text rule.
    cli       the command-line option that sets it ("--max-minutes"); None = not on the CLI.
    scenario  the scenario key that sets it ("rules.max_travel_minutes"); None = not there.
    """

    unit: str
    meaning: str
    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None
    choices: tuple[str, ...] | None = None
    cli: str | None = None
    scenario: str | None = None

    def bounds_text(self) -> str:
        """The bounds in words: "a share in [0, 1]", "> 0", ">= 0 and <= 10"."""
        low = _bound(">", self.gt) or _bound(">=", self.ge)
        high = _bound("<", self.lt) or _bound("<=", self.le)
        if (
            self.unit == "share"
            and (self.ge == 0 or self.gt == 0)
            and (self.le == 1 or self.lt == 1)
        ):
            left = "(" if self.gt is not None else "["
            right = ")" if self.lt is not None else "]"
            return f"a share in {left}0, 1{right}"
        return " and ".join(t for t in (low, high) if t)

    def allows(self, value: Any) -> bool:
        """True when ``value`` is one of the choices, or a number within the bounds."""
        if self.choices is not None:
            return value in self.choices
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            return False
        return not (
            (self.gt is not None and not value > self.gt)
            or (self.ge is not None and not value >= self.ge)
            or (self.lt is not None and not value < self.lt)
            or (self.le is not None and not value <= self.le)
        )


def _bound(sign: str, value: float | None) -> str:
    return "" if value is None else f"{sign} {value:g}"


def setting(
    default: Any,
    unit: str,
    meaning: str,
    *,
    gt: float | None = None,
    ge: float | None = None,
    lt: float | None = None,
    le: float | None = None,
    choices: tuple[str, ...] | None = None,
    cli: str | None = None,
    scenario: str | None = None,
) -> Any:
    """A dataclass field for one rule: its default and its ``Setting``."""
    spec = Setting(unit, meaning, gt, ge, lt, le, choices, cli, scenario)
    return dataclasses.field(default=default, metadata={"setting": spec})


@dataclass(frozen=True)
class Declared:
    """One declared rule of a rules class: name, type, default and its ``Setting``."""

    name: str
    type: type
    optional: bool
    default: Any
    spec: Setting


def settings_of(cls: type) -> list[Declared]:
    """The declared rules of a rules dataclass, in order."""
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        spec = f.metadata.get("setting")
        if spec is None:
            continue
        kind, optional = _plain_type(hints[f.name])
        out.append(Declared(f.name, kind, optional, f.default, spec))
    return out


def check_settings(rules: Any, what: str) -> None:
    """Raise InputError naming the first rule of ``rules`` outside its bounds (``what`` says
    whose rules: "outreach rule")."""
    for item in settings_of(type(rules)):
        value = getattr(rules, item.name)
        if (value is None and item.optional) or item.type is bool:
            continue
        if item.type is int and isinstance(value, float) and value.is_integer():
            value = int(value)
        if item.spec.choices is not None:
            if value not in item.spec.choices:
                raise InputError(
                    f"{what} {item.name} must be one of "
                    f"{', '.join(repr(c) for c in item.spec.choices)}, got {value!r}"
                )
            continue
        if not item.spec.allows(value) or (item.type is int and not isinstance(value, int)):
            kind = "a whole number " if item.type is int else ""
            raise InputError(
                f"{what} {item.name} must be {kind}{item.spec.bounds_text() or 'a number'} "
                f"({item.spec.unit}: {item.spec.meaning}), got {value!r}"
            )


def _plain_type(hint: Any) -> tuple[type, bool]:
    """(int | float | ..., optional) of a field's type hint."""
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return rest[0], True
    return hint, False
