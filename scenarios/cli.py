"""The `civicalloc` command line: one typer app; each subcommand lives in scenarios/commands/.

Every module in ``scenarios.commands`` exposes ``register(app)`` and is discovered here, so a
new stage adds its command without touching this file.
"""

from __future__ import annotations

import importlib
import pkgutil

import typer

from scenarios import commands

app = typer.Typer(
    name="civicalloc",
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


_register_commands()


def main() -> None:
    """Entry point of the console script."""
    app()


if __name__ == "__main__":
    main()
