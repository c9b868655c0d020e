"""Demo step: run the bundled scenarios into the store and compare them."""

from __future__ import annotations

from pathlib import Path

from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from scenarios.compare import compare_runs
from scenarios.demo_users import ensure_demo_users
from scenarios.pipeline import run_scenario
from scenarios.privacy import suppress_kpis
from scenarios.spec import load_scenario
from scenarios.store import connect, db_url, save_run

ORDER = 80
TITLE = "Scenarios: run, store, compare"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
DEMO_SCENARIOS = ["today.toml", "new_hospital.toml", "new_school.toml", "online_20.toml",
                  "new_town_growth.toml"]  # fmt: skip


def run(ctx) -> None:
    """Run each bundled scenario, store it, and print the comparison against today."""
    from scenarios.commands.scenarios import print_comparison

    engine = connect(None)
    ctx.console.print(f"store: {db_url(None)}")
    names = []
    for file in DEMO_SCENARIOS:
        spec = load_scenario(EXAMPLES / file)
        with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                      console=ctx.console, transient=True) as bar:  # fmt: skip
            task = bar.add_task(spec.name, total=1.0)
            record = run_scenario(
                spec, "demo", lambda m, f, t=task, n=spec.name: bar.update(
                    t, completed=f, description=f"{n}: {m}")
            )  # fmt: skip
        save_run(engine, record)
        names.append(spec.name)
        ctx.console.print(f"stored {spec.name!r} ({record.seconds:.1f} s)")
    table = compare_runs(engine, names)
    value_cols = [c for c in table.columns if c not in ("service", "kpi", "unit")]
    print_comparison(suppress_kpis(table, 10, value_cols), deltas_only=True)
    ctx.state["demo_users"] = ensure_demo_users(engine)
