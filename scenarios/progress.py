"""The CLI's progress bar for work counted in steps (scenarios run, specialties solved)."""

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

__all__ = ["count_bar"]


def count_bar(console: Console, transient: bool = False) -> Progress:
    """A rich progress bar showing what, how far, done/total and the time elapsed."""
    return Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(), console=console, transient=transient,
    )  # fmt: skip
