"""Running scenarios from the command line and the demo: in parallel with a progress bar, each
stored as it finishes (or saved to a run file when the store stays busy), runs that lack a
model's plan reported as incomplete."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from scenarios.errors import err_console, warn


def report_incomplete(record) -> None:
    """Warn when a stored run lacks a model's results because that model found no plan."""
    missing = record.models_without_plan
    if missing:
        names = ", ".join(f"{m.model} ({m.status})" for m in missing)
        warn(f"run {record.scenario!r} is stored as incomplete: no plan from {names}; its KPIs "
             "and plans are missing. Give the solver more time (solver.time_limit_s) or "
             "loosen the rules, and run it again.")  # fmt: skip


def store_or_report(engine, record) -> str | None:
    """Store a finished run (waiting for a busy store); None, with the reason printed, if it
    had to be saved to a run file instead."""
    from scenarios.store import RunNotStored, save_run

    try:
        run_id = save_run(engine, record, notify=warn)
    except RunNotStored as exc:
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False,
                          soft_wrap=True)  # fmt: skip
        return None
    report_incomplete(record)
    return run_id


def run_and_store(
    engine,
    scenarios: list,
    username: str,
    console: Console,
    workers: int | None = None,
    scheduler: str | None = None,
) -> tuple[list, int]:
    """Run scenarios in parallel with a progress bar, storing each as it finishes.

    Returns (names stored, number that failed or could not be stored); each failure prints
    its one-line reason.
    """
    from scenarios.progress import count_bar
    from scenarios.sweep import SweepFailure, run_sweep

    stored, failed = [], 0
    with count_bar(console) as bar:
        task = bar.add_task("scenarios", total=len(scenarios))
        for record in run_sweep(scenarios, username, workers, scheduler, notify=warn):
            bar.advance(task)
            if isinstance(record, SweepFailure):
                failed += 1
                console.print(f"[red]not stored[/] {escape(repr(record.scenario))}: "
                              f"{escape(record.message)}")  # fmt: skip
                continue
            if store_or_report(engine, record) is None:
                failed += 1
                continue
            stored.append(record.scenario)
            solved = ", ".join(f"{m.model} {m.status}" for m in record.models if m.gap is not None)
            console.print(escape(f"stored {record.scenario!r} ({record.seconds:.0f} s; {solved})"))
    return stored, failed
