"""The `civicalloc` command line: one typer app; each subcommand lives in scenarios/commands/.

Every module in ``scenarios.commands`` exposes ``register(app)`` and is discovered here, so a
new stage adds its command without touching this file.
"""

from __future__ import annotations

import importlib
import pkgutil

import typer

from scenarios import commands
from scenarios.errors import OneLineErrors, finite_numbers

app = typer.Typer(
    name="civicalloc",
    cls=OneLineErrors,  # every error one line and exit 1, float options finite
    help="Forecast public-service need per neighbourhood and rebalance a city's supply to meet it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register_commands() -> None:
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)
    groups = [app] + [g.typer_instance for g in app.registered_groups if g.typer_instance]
    for group in groups:  # NaN / inf in a number option: one error line, for every command
        for info in group.registered_commands:
            info.callback = finite_numbers(info.callback)


_register_commands()


def main() -> None:
    """Entry point of the console script."""
    app()


if __name__ == "__main__":
    main()
