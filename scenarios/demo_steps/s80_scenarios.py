"""Demo step: run the bundled scenarios into the store and compare them."""

from __future__ import annotations

from pathlib import Path

from scenarios.compare import compare_runs
from scenarios.demo_users import ensure_demo_users
from scenarios.privacy import suppress_kpis
from scenarios.spec import load_scenario
from scenarios.store import connect, db_url, find_run, publish_run

ORDER = 80
TITLE = "Scenarios: run, store, compare"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
BASELINE = "today"
DEMO_SCENARIOS = ["today.toml", "new_hospital.toml", "new_school.toml", "online_20.toml",
                  "new_town_growth.toml"]  # fmt: skip


def store_examples(engine, console, city=None) -> list[str]:
    """Run the bundled scenarios two at a time into the store; return the names stored.

    city: a City whose bundle names an OSM extract: run that city's scenarios instead."""
    from scenarios.batch import run_and_store

    specs = [load_scenario(EXAMPLES / file) for file in DEMO_SCENARIOS]
    if city is not None:  # a city built from OSM: its own scenarios, no history-bound models
        from scenarios.demo_helsinki import osm_city_scenarios

        specs = osm_city_scenarios(specs[0], city)
    solver = specs[0].solver
    console.print(
        f"running {len(specs)} scenarios, two at a time ({solver.name}, at most "
        f"{solver.time_limit_s:g} s per model)"
    )
    stored, _ = run_and_store(engine, specs, "demo", console, workers=2)
    if BASELINE in stored:  # every bureau compares its what-ifs against today (its own lines)
        publish_run(engine, find_run(engine, BASELINE)["run_id"], "demo")
        console.print(f"published {BASELINE!r} as the baseline every bureau may open")
    return [spec.name for spec in specs if spec.name in stored]


def run(ctx) -> None:
    """Run each bundled scenario, store it, and print the comparison against today."""
    from scenarios.show.scenarios import print_comparison

    url = db_url(None)
    engine = connect(url)
    ctx.console.print(f"store: {url}")
    from supply.travel import road_source

    osm_city = ctx.city if road_source(ctx.city) is not None else None
    names = store_examples(engine, ctx.console, osm_city)
    table = compare_runs(engine, names)
    value_cols = [c for c in table.columns if c not in ("service", "kpi", "unit")]
    print_comparison(suppress_kpis(table, 10, value_cols), ctx.console, deltas_only=True)
    ctx.state["store_url"] = url
    ctx.state["demo_users"] = ensure_demo_users(engine)
