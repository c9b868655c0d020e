"""The store's schema: created once by racing processes, older stores migrated, newer refused."""

from __future__ import annotations

import multiprocessing as mp
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from scenarios import store
from scenarios.store_schema import SCHEMA_VERSION, schema_version

#: Columns that schema versions after 1 added (table, column).
ADDED_AFTER_V1 = {("runs", "complete"), ("model_results", "has_plan")}
#: Tables that schema versions after 1 added.
TABLES_AFTER_V1 = {"published_runs", "sessions", "login_failures"}


def make_v1_store(url: str) -> None:
    """A store as civicalloc wrote it before schema versions, with one run in it."""
    v1 = sa.MetaData()
    for table in store.metadata.sorted_tables:
        if table.name in TABLES_AFTER_V1:
            continue
        columns = [c._copy() for c in table.columns if (table.name, c.name) not in ADDED_AFTER_V1]
        sa.Table(table.name, v1, *columns)
    engine = sa.create_engine(url)
    v1.create_all(engine)
    with engine.begin() as conn:
        conn.execute(v1.tables["runs"].insert().values(
            run_id="old-run", scenario="made by 0.1", owner="health", description="",
            created_at=datetime.now(UTC), created_by="x", seconds=1.0,
            inputs_fingerprint="f" * 64, code_version="0.1.0", scenario_json="{}",
        ))  # fmt: skip
        conn.execute(v1.tables["model_results"].insert().values(
            run_id="old-run", model="access", status="computed", detail_json="{}"))  # fmt: skip
    engine.dispose()


def _open_each(urls: list[str], barrier, errors) -> None:
    for url in urls:
        barrier.wait()  # every process opens the same store at the same moment
        try:
            store.connect(url).dispose()
        except Exception as exc:  # noqa: BLE001 - reported to the test
            errors.put(f"{url}: {type(exc).__name__}: {exc}")


def test_processes_opening_a_store_at_once_all_succeed(new_store_url):
    """4 processes open 2 new and 2 pre-versioning stores at once: no 'already exists'."""
    new, old = [new_store_url() for _ in range(2)], [new_store_url() for _ in range(2)]
    for url in old:
        make_v1_store(url)
    ctx = mp.get_context("spawn")
    barrier, errors = ctx.Barrier(4), ctx.Queue()
    args = (new + old, barrier, errors)
    procs = [ctx.Process(target=_open_each, args=args) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    found = []
    while not errors.empty():
        found.append(errors.get())
    assert not found, found
    assert all(p.exitcode == 0 for p in procs)
    for url in new + old:
        engine = store.connect(url)
        with engine.connect() as conn:
            versions = conn.execute(sa.select(schema_version.c.version)).scalars().all()
        assert max(versions) == SCHEMA_VERSION and len(versions) == len(set(versions))
        if url in old:  # the old run survived the migration and reads as complete
            runs = store.list_runs(engine)
            assert list(runs["run_id"]) == ["old-run"] and bool(runs["complete"].iloc[0])
            results = store.load_model_results(engine, "old-run")
            assert bool(results["has_plan"].iloc[0])
            assert TABLES_AFTER_V1 <= set(sa.inspect(engine).get_table_names())
        engine.dispose()


def test_a_migrated_store_takes_new_runs(store_url):
    from scenarios.pipeline import run_scenario
    from scenarios.spec import scenario_from_dict

    make_v1_store(store_url)
    engine = store.connect(store_url)
    scenario = scenario_from_dict(
        {"name": "after", "owner": "health", "city": "sample:40:3", "models": ["access"]}
    )
    store.save_run(engine, run_scenario(scenario, "a"))
    assert sorted(store.list_runs(engine)["scenario"]) == ["after", "made by 0.1"]


def test_a_store_from_a_newer_civicalloc_is_refused(store_url):
    from demand.errors import InputError

    engine = store.connect(store_url)
    with engine.begin() as conn:
        future = {"version": SCHEMA_VERSION + 1, "applied_at": datetime.now(UTC)}
        conn.execute(schema_version.insert().values(**future, description="future"))
    with pytest.raises(InputError, match="newer than this civicalloc"):
        store.connect(store_url)


def test_a_v1_store_gains_every_later_table(store_url):
    make_v1_store(store_url)
    engine = store.connect(store_url)
    assert set(store.metadata.tables) <= set(sa.inspect(engine).get_table_names())
