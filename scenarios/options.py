"""Command-line options every command shares, and options built from a model's declared rules.

- ``SOLVER``, ``time_limit``, ``gap``: one ``--solver`` (HiGHS by default, CBC when highspy is
  missing), one meaning of ``--time-limit`` (the whole run) everywhere.
- ``solver_options``: the options a command parsed, as the kit's ``SolverOptions``; an unknown
  solver is one clear line.
- ``rules_options``: adds a command option for every rule of a rules dataclass that names a
  ``cli`` flag (``optimize.rules.setting``), with its default, unit and meaning as help, and
  hands the command the rules object built from them. The rule is declared once.

Only light modules are imported here: ``civicalloc --help`` must start fast.
"""

from __future__ import annotations

import functools
import inspect
import typing
from typing import Any

import typer

from optimize.rules import settings_of
from scenarios.errors import user_errors

__all__ = ["SOLVER", "gap", "rules_options", "solver_options", "time_limit"]

SOLVER: Any = typer.Option(
    None,
    "--solver",
    help="highs (the default) or cbc (bundled with PuLP; the default when highspy is missing).",
    show_default=False,
)


def time_limit(seconds: float | None) -> Any:
    """``--time-limit``: seconds for the whole run (every solve in it takes what is left)."""
    return typer.Option(
        seconds, "--time-limit", help="Seconds for the whole run, every solve in it included."
    )


def gap(default: float | None) -> Any:
    """``--gap``: stop within this relative gap between plan and proven bound."""
    return typer.Option(default, "--gap", help="Relative gap to stop at, e.g. 0.01 = 1%.")


def solver_options(solver: str | None, time_limit_s: float | None = None, **settings: Any):
    """The kit's ``SolverOptions`` for a command; an unknown solver raises InputError."""
    from demand.errors import InputError
    from optimize.solver import SolverOptions, solver_named

    if time_limit_s is not None and not time_limit_s > 0:
        raise InputError(f"--time-limit must be > 0 seconds, got {time_limit_s:g}")
    return SolverOptions(solver_named(solver), time_limit_s=time_limit_s, **settings)


def rules_options(rules_class: type, param: str = "rules") -> Any:
    """Decorate a command: one option per declared rule of ``rules_class`` with a ``cli``
    flag; the command receives ``param`` = ``rules_class(**those values)``.

    A value outside its bounds is one clear line and exit code 1 (``check_settings``).
    """
    declared = [d for d in settings_of(rules_class) if d.spec.cli]

    def decorate(command):
        signature = inspect.signature(command)
        hints = typing.get_type_hints(command)  # the command module's names, not this one's
        kept = [
            p.replace(annotation=hints.get(p.name, p.annotation))
            for p in signature.parameters.values()
            if p.name != param
        ]
        added = []
        for d in declared:
            unit = f" ({d.spec.unit})" if d.spec.unit and d.type is not bool else ""
            meaning = d.spec.meaning[0].upper() + d.spec.meaning[1:]
            hint = d.type if d.spec.choices is None else str
            added.append(
                inspect.Parameter(
                    d.name,
                    inspect.Parameter.KEYWORD_ONLY,
                    default=typer.Option(d.default, d.spec.cli, help=f"{meaning}{unit}."),
                    annotation=hint | None if d.optional else hint,
                )
            )

        @functools.wraps(command)
        def wrapper(**kwargs: Any) -> Any:
            values = {d.name: kwargs.pop(d.name) for d in declared}
            with user_errors():
                rules = rules_class(**values)
            return command(**kwargs, **{param: rules})

        own = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in kept]
        wrapper.__signature__ = signature.replace(parameters=[*own, *added])
        wrapper.__annotations__ = {
            p.name: p.annotation for p in wrapper.__signature__.parameters.values()
        }
        del wrapper.__wrapped__  # typer must read the new signature, not the command's
        return wrapper

    return decorate
