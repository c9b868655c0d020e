"""The CLI's progress bars: for work counted in steps (scenarios run, specialties solved) and
for one piece of work measured as a share done (a scenario's stages)."""

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

__all__ = ["count_bar", "share_bar", "step_progress"]


class _CountBar(Progress):
    """rich's Progress, minus the empty line it prints on stopping when output is not a
    terminal: that line came before every error a command met before its first step (an
    ``error:`` line should be the whole output), and after bars that leave nothing behind."""

    def stop(self) -> None:
        if self.disable:
            return
        self.live.stop()
        shown = self.tasks and not self.live.transient
        if shown and not self.console.is_interactive and not self.console.is_jupyter:
            self.console.print()


def count_bar(console: Console, transient: bool = False) -> Progress:
    """A rich progress bar showing what, how far, done/total and the time elapsed."""
    return _CountBar(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(), console=console, transient=transient,
    )  # fmt: skip


def share_bar(console: Console, transient: bool = False) -> Progress:
    """The same bar for work measured as a share done (0 to 1, e.g. a scenario's stages): what,
    how far and the time elapsed, without a done/total that would read "0.4/1.0"."""
    return _CountBar(
        TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console,
        transient=transient,
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
