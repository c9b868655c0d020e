"""Turning user-facing errors into one clear line and an exit code, never a traceback."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import typer
from rich.console import Console
from rich.markup import escape

from demand.errors import InputError

__all__ = ["InputError", "user_errors", "err_console", "warn"]


err_console = Console(stderr=True)


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Print InputError / FileNotFoundError as one line and exit with code 1."""
    try:
        yield
    except (InputError, FileNotFoundError) as exc:
        message = exc.args[0] if exc.args else str(exc)
        err_console.print(f"[bold red]error:[/] {escape(str(message))}", highlight=False,
                          soft_wrap=True)  # fmt: skip
        raise typer.Exit(code=1) from None


def warn(message: str) -> None:
    """Print one warning line on stderr (the work goes on; exit code unchanged)."""
    err_console.print(f"[bold yellow]warning:[/] {escape(message)}", highlight=False,
                      soft_wrap=True)  # fmt: skip
