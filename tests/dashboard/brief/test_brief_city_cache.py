"""The city a brief reads, cached in the store by the bundle's content: what comes back from the
cache is what reading the bundle gives, a changed bundle is read again, and a brief written
from the cache is the brief written from the bundle."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

EXAMPLES = Path(__file__).resolve().parents[3] / "scenarios" / "examples"


def forget_in_process() -> None:
    """What a fresh process knows: nothing (only the store's cache is left)."""
    from dashboard.brief import city
    from scenarios.pipeline import load_scenario_city

    for cached in (city._city_facts, city._scenario_city, city._loaded, load_scenario_city):
        cached.cache_clear()


@pytest.fixture
def store(tmp_path):
    from scenarios.store import connect

    return connect(f"sqlite:///{tmp_path / 'store.sqlite'}")


def scenario_json(city: str, **changes) -> str:
    """A scenario as the store keeps it (the example "today" in `city`)."""
    from scenarios.spec import load_scenario, with_changes

    scenario = with_changes(load_scenario(EXAMPLES / "today.toml"), {"city": city, **changes})
    return scenario.model_dump_json()


def without_time(report: dict) -> dict:
    return {k: v for k, v in report.items() if k != "generated"}


def cached_parts(engine) -> list[tuple[str, str]]:
    from dashboard.brief.city import cache_table

    with engine.connect() as conn:
        return sorted(conn.execute(sa.select(cache_table.c.key, cache_table.c.part)).all())


def test_a_bundles_facts_come_back_from_the_cache_as_the_bundle_gives_them(store, bundle_copy):
    from dashboard.brief.city import city_facts, scenario_city
    from scenarios.levers import apply_levers
    from scenarios.pipeline import fingerprint, load_scenario_city
    from scenarios.quality_report import city_quality
    from scenarios.spec import scenario_from_dict

    forget_in_process()
    city = str(bundle_copy)
    opened = scenario_json(city, facilities=[
        {"action": "open", "facility_id": "H901", "kind": "hospital", "name": "New",
         "area_id": "A0007", "capacity": {"beds:icu": 8}}])  # fmt: skip
    read = (city_facts(store, city), scenario_city(store, opened))
    assert not read[0].cached and not read[1].cached
    assert len(cached_parts(store)) == 3  # areas, quality, the scenario's part
    forget_in_process()
    again = (city_facts(store, city), scenario_city(store, opened))
    assert again[0].cached and again[1].cached
    # against the bundle read by the code the app and `civicalloc run` use
    seen = apply_levers(load_scenario_city(city), scenario_from_dict(json.loads(opened)))
    for facts, place in ((read, "read"), (again, "cached")):
        assert facts[1].fingerprint == fingerprint(seen), place
        assert without_time(facts[0].quality) == without_time(city_quality(city)), place
        areas = facts[0].areas
        assert list(areas.columns) == ["area_id", "name", "district", "geometry"]
        pd.testing.assert_frame_equal(
            pd.DataFrame(areas.drop(columns="geometry")),
            pd.DataFrame(seen.areas[["area_id", "name", "district"]]).reset_index(drop=True),
        )
        assert areas.crs == seen.areas.crs
        assert areas.geometry.geom_equals_exact(seen.areas.geometry.reset_index(drop=True),
                                                1e-9).all()  # fmt: skip
        points = facts[1].facilities.set_index("facility_id")
        assert "H901" in points.index and len(points) == len(seen.facilities)
        assert points.loc["H901", "x"] == pytest.approx(
            seen.facilities.set_index("facility_id").geometry["H901"].x
        )


def test_a_changed_bundle_is_read_again_and_its_old_entry_dropped(store, bundle_copy):
    from dashboard.brief.city import bundle_key, city_facts, scenario_city
    from scenarios.quality_report import city_quality

    forget_in_process()
    city, today = str(bundle_copy), scenario_json(str(bundle_copy))
    before = (bundle_key(city), city_facts(store, city), scenario_city(store, today))
    population = bundle_copy / "population.csv"
    stat = population.stat()
    frame = pd.read_csv(population, dtype=str)
    old = frame.loc[0, "persons"]
    frame.loc[0, "persons"] = "9" * len(old) if set(old) != {"9"} else "8" * len(old)
    frame.to_csv(population, index=False)
    # the same size and time: only the content tells
    os.utime(population, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert population.stat().st_size == stat.st_size
    forget_in_process()
    after = (bundle_key(city), city_facts(store, city), scenario_city(store, today))
    assert after[0] != before[0]
    assert not after[1].cached and not after[2].cached
    assert after[2].fingerprint != before[2].fingerprint  # the brief says the bundle changed
    assert without_time(after[1].quality) == without_time(city_quality(city))
    assert {key for key, _ in cached_parts(store)} == {after[0]}


def test_a_brief_from_the_cache_is_the_brief_from_the_city(fresh_brief_store):
    from dashboard.brief import brief_bytes, build_brief

    made = fresh_brief_store
    pages = []
    for _ in range(2):
        forget_in_process()
        brief = build_brief(made.engine, "more beds", "today", "health", "en", "admin", "ana")
        pages.append(brief_bytes(brief, ".html"))
    assert {part for _, part in cached_parts(made.engine)} >= {"areas", "quality"}
    assert pages[0] == pages[1] and b"<img" in pages[0]


def test_a_store_that_cannot_keep_the_cache_still_gives_the_facts(tmp_path, bundle_copy):
    from dashboard.brief.city import city_facts
    from scenarios.store import connect

    path = tmp_path / "store.sqlite"
    connect(f"sqlite:///{path}").dispose()
    engine = sa.create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")  # read-only
    forget_in_process()
    assert city_facts(engine, str(bundle_copy)).quality["tables"]
    forget_in_process()
    assert not city_facts(engine, str(bundle_copy)).cached
