"""The CLI's progress bar for work counted in steps (scenarios run, specialties solved)."""

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

__all__ = ["count_bar", "step_progress"]


def count_bar(console: Console, transient: bool = False) -> Progress:
    """A rich progress bar showing what, how far, done/total and the time elapsed."""
    return Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(), console=console, transient=transient,
    )  # fmt: skip


def step_progress(bar: Progress):
    """A ``progress(step, done, total)`` callback for a model: one bar per step on ``bar``
    (e.g. the specialties solved one at a time)."""
    tasks: dict = {}

    def progress(step: str, done: int, total: int) -> None:
        if step not in tasks:
            tasks[step] = bar.add_task(step, total=total)
        bar.update(tasks[step], completed=done)

    return progress
