"""Turning user-facing errors into one clear line and an exit code, never a traceback.

The convention, for every command:
- exit 0: done (warnings, one line each, may have been printed);
- exit 1: bad input of any kind -- a file, a cell, an option value, a missing option -- or a
  result that cannot be produced or written; one line on stderr says what and what to do;
- exit 130: interrupted (Ctrl-C).
A command may document another code for "ran, but found no plan" (``teachers``: 2).

``user_errors`` turns InputError and file-system errors into that line inside a command;
``OneLineErrors`` (the CLI's group class) does the same for option parsing and turns an
unexpected exception into one line naming a file that holds its traceback (CIVICALLOC_DEBUG=1
shows the traceback instead); ``finite_numbers`` (applied to every command by scenarios/cli.py)
refuses NaN and infinite option values.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import math
import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from demand.errors import InputError

try:  # typer >= 0.20 carries its own copy of click
    from typer._click.exceptions import ClickException, NoArgsIsHelpError
except ImportError:  # pragma: no cover - older typer uses click itself
    from click.exceptions import ClickException, NoArgsIsHelpError

__all__ = [
    "InputError", "OneLineErrors", "err_console", "error_line", "finite_numbers", "user_errors",
    "warn",
]  # fmt: skip

DEBUG_ENV = "CIVICALLOC_DEBUG"
err_console = Console(stderr=True)


def error_line(message: str) -> None:
    """Print one error line on stderr."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)


def warn(message: str) -> None:
    """Print one warning line on stderr (the work goes on; exit code unchanged)."""
    err_console.print(f"[bold yellow]warning:[/] {escape(message)}", highlight=False,
                      soft_wrap=True)  # fmt: skip


def describe_os_error(exc: OSError) -> str:
    """'PATH: what is wrong' for a file-system error (never a bare errno such as '2')."""
    what = {
        FileNotFoundError: "no such file or folder",
        IsADirectoryError: "is a folder; give a file name",
        NotADirectoryError: "a part of this path is a file, not a folder",
        FileExistsError: "exists already and is not a folder",
        PermissionError: "permission denied; choose a place you may write to",
    }.get(type(exc), exc.strerror or str(exc))
    where = exc.filename if exc.filename is not None else ""
    return f"{where}: {what}" if where else what


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Print InputError and file-system errors as one line and exit with code 1."""
    try:
        yield
    except InputError as exc:
        error_line(str(exc.args[0] if exc.args else exc))
        raise typer.Exit(code=1) from None
    except OSError as exc:
        error_line(describe_os_error(exc))
        raise typer.Exit(code=1) from None


def finite_numbers(command: Callable) -> Callable:
    """Wrap a command so that a NaN or infinite value in any number option is one error line
    (click's float parsing accepts 'nan' and 'inf', and a range check lets NaN through)."""
    flags = {}
    for name, param in inspect.signature(command).parameters.items():
        decls = getattr(param.default, "param_decls", None) or ()
        flags[name] = next((d for d in decls if d.startswith("--")), "--" + name.replace("_", "-"))

    @functools.wraps(command)
    def checked(*args: Any, **kwargs: Any) -> Any:
        for name, value in kwargs.items():
            values = value if isinstance(value, list | tuple) else [value]
            bad = [v for v in values if isinstance(v, float) and not math.isfinite(v)]
            if bad:
                error_line(f"{flags.get(name, name)} {bad[0]}: give a finite number")
                raise typer.Exit(code=1)
        return command(*args, **kwargs)

    return checked


def _report_bug(exc: BaseException) -> str:
    """Write the traceback to a file; return the one line that names it."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    fd, path = tempfile.mkstemp(prefix=f"civicalloc-error-{stamp}-", suffix=".txt")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(f"civicalloc {' '.join(sys.argv[1:])}\n\n")
        f.write("".join(traceback.format_exception(exc)))
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return (
        f"unexpected {type(exc).__name__}{': ' + first if first else ''} -- this is a bug in "
        f"civicalloc or an input it does not check yet; details in {path}; please report it"
    )


class OneLineErrors(TyperGroup):
    """The CLI's group: every error one line and exit 1 (see the module's convention)."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True,
             **extra: Any) -> Any:  # fmt: skip
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except NoArgsIsHelpError as exc:
            if not standalone_mode:
                raise
            exc.show()
            sys.exit(0)
        except ClickException as exc:
            if not standalone_mode:
                raise
            ctx = getattr(exc, "ctx", None)
            hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
            error_line(exc.format_message().rstrip(".") + hint)
            sys.exit(1)
        except typer.Abort:
            if not standalone_mode:
                raise
            error_line("aborted")
            sys.exit(1)
        except Exception as exc:
            if not standalone_mode or os.environ.get(DEBUG_ENV):
                raise
            error_line(_report_bug(exc))
            sys.exit(1)
        if standalone_mode:
            sys.exit(code if isinstance(code, int) else 0)
        return code
