"""Access per service line on the small sample city, and the demo step that prints it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console

from demand.daytime import compute_need
from optimize.metrics import two_step_fca
from optimize.metrics.services import SERVICE_LINES, access_by_service_line, persons_aged
from supply.capacity import effective_capacity
from supply.travel import travel_times_from_geometry


@pytest.fixture(scope="module")
def inputs(small_city):
    need = compute_need(small_city.population, mobility=small_city.mobility, years=[2025])
    travel = travel_times_from_geometry(small_city.areas, small_city.facilities)
    capacity = effective_capacity(small_city.capacity, small_city.workforce)
    return need, capacity, small_city.facilities, travel, small_city.population


def test_each_line_is_the_2sfca_of_its_need_and_capacity(inputs):
    need, capacity, facilities, travel, population = inputs
    by_area, equity = access_by_service_line(need, capacity, facilities, travel, population, 2025)
    assert list(equity["service_line"]) == [line.name for line in SERVICE_LINES]
    beds_need = need[need.resource.str.startswith("beds:")].groupby("area_id")["amount"].sum()
    hospitals = facilities.loc[facilities.kind == "hospital", "facility_id"]
    beds = capacity[
        capacity.facility_id.isin(hospitals) & capacity.resource.str.startswith("beds:")
    ]
    expected = two_step_fca(beds_need, beds.groupby("facility_id")["amount"].sum(), travel, 30)
    got = by_area[by_area.service_line == "hospital beds"].set_index("area_id")["access"]
    pd.testing.assert_series_equal(got, expected.reindex(got.index), check_names=False)
    row = equity.set_index("service_line").loc["hospital beds"]
    assert row["need"] == pytest.approx(beds_need.sum())
    assert 0 <= row["gini"] <= 1 and 0 <= row["share_beyond_30_min"] <= 1


def test_age_group_weights_split_bands(small_city):
    elderly = persons_aged(small_city.population, 2025, 65, 99)
    pop = small_city.population_in(2025)
    bands = ["65-69", "70-74", "75-79", "80-84", "85+"]
    assert elderly.sum() == pytest.approx(pop[pop.age_band.isin(bands)]["persons"].sum())
    pupils = persons_aged(small_city.population, 2025, 6, 14)
    kids = pop[pop.age_band.isin(["5-9", "10-14"])]["persons"].sum()
    young = pop[pop.age_band == "5-9"]["persons"].sum()
    assert pupils.sum() == pytest.approx(kids - young / 5)


def test_demo_step_prints_gaps_and_shares_results(small_city, tmp_path: Path):
    from scenarios.demo import DemoContext
    from scenarios.demo_steps import s20_access

    console = Console(record=True, width=140)
    ctx = DemoContext(city=small_city, console=console, out_dir=tmp_path, serve=False)
    s20_access.run(ctx)
    text = console.export_text()
    assert "Least access per service" in text and "Gini" in text and ">30 min" in text
    assert {"need", "travel", "access_by_area", "access_equity"} <= set(ctx.state)
    assert (tmp_path / "access_by_area.csv").exists()
