"""Demo step: run the bundled scenarios into the store and compare them."""

from __future__ import annotations

from pathlib import Path

from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from scenarios.compare import compare_runs
from scenarios.demo_users import ensure_demo_users
from scenarios.privacy import suppress_kpis
from scenarios.spec import load_scenario
from scenarios.store import connect, db_url, save_run
from scenarios.sweep import SweepFailure, run_sweep

ORDER = 80
TITLE = "Scenarios: run, store, compare"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
DEMO_SCENARIOS = ["today.toml", "new_hospital.toml", "new_school.toml", "online_20.toml",
                  "new_town_growth.toml"]  # fmt: skip


def store_examples(engine, console) -> list[str]:
    """Run the bundled scenarios two at a time into the store; return their names."""
    specs = [load_scenario(EXAMPLES / file) for file in DEMO_SCENARIOS]
    solver = specs[0].solver
    console.print(
        f"running {len(specs)} scenarios, two at a time ({solver.name}, at most "
        f"{solver.time_limit_s:g} s per model)"
    )
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        task = bar.add_task("scenarios", total=len(specs))
        stored = set()
        for record in run_sweep(specs, "demo", workers=2):
            bar.advance(task)
            if isinstance(record, SweepFailure):
                console.print(f"[red]not stored[/] {record.scenario!r}: {record.message}")
                continue
            save_run(engine, record)
            stored.add(record.scenario)
            statuses = ", ".join(
                f"{m.model} {m.status}" for m in record.models if m.gap is not None
            )
            console.print(f"stored {record.scenario!r} ({record.seconds:.0f} s; {statuses})")
    return [spec.name for spec in specs if spec.name in stored]


def run(ctx) -> None:
    """Run each bundled scenario, store it, and print the comparison against today."""
    from scenarios.commands.scenarios import print_comparison

    url = db_url(None)
    engine = connect(url)
    ctx.console.print(f"store: {url}")
    names = store_examples(engine, ctx.console)
    table = compare_runs(engine, names)
    value_cols = [c for c in table.columns if c not in ("service", "kpi", "unit")]
    print_comparison(suppress_kpis(table, 10, value_cols), deltas_only=True)
    ctx.state["store_url"] = url
    ctx.state["demo_users"] = ensure_demo_users(engine)
