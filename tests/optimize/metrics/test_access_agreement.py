"""Our floating-catchment metrics equal PySAL `access` on the same random instance (1e-6)."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from optimize.metrics import (
    enhanced_two_step_fca,
    gravity_access,
    gravity_weight,
    supply_potential,
    two_step_fca,
)

access = pytest.importorskip("access")
logging.getLogger("access").setLevel(logging.WARNING)


@pytest.fixture(scope="module")
def instance():
    rng = np.random.default_rng(7)
    areas = [f"area{i:02d}" for i in range(40)]
    facilities = [f"fac{j}" for j in range(9)]
    demand = pd.Series(rng.integers(100, 5000, len(areas)).astype(float), index=areas)
    supply = pd.Series(rng.integers(5, 300, len(facilities)).astype(float), index=facilities)
    travel = pd.DataFrame(
        {
            "area_id": np.repeat(areas, len(facilities)),
            "facility_id": np.tile(facilities, len(areas)),
            "minutes": rng.uniform(0, 70, len(areas) * len(facilities)).round(2),
        }
    )
    # drop a third of pairs so some areas fall outside every catchment
    travel = travel.sample(frac=0.66, random_state=1).reset_index(drop=True)
    model = access.Access(
        demand_df=demand.rename("persons").rename_axis("area_id").reset_index(),
        demand_index="area_id",
        demand_value="persons",
        supply_df=supply.rename("beds").rename_axis("facility_id").reset_index(),
        supply_index="facility_id",
        supply_value="beds",
        cost_df=travel,
        cost_origin="area_id",
        cost_dest="facility_id",
        cost_name="minutes",
    )
    return demand, supply, travel, model


def _theirs(frame: pd.DataFrame, index: pd.Index) -> np.ndarray:
    # access leaves areas outside every catchment as NaN; ours reports 0 access there
    return frame.iloc[:, 0].reindex(index).fillna(0.0).to_numpy()


def test_two_step_fca_equals_access(instance):
    demand, supply, travel, model = instance
    theirs = _theirs(model.two_stage_fca(name="fca", max_cost=25), demand.index)
    ours = two_step_fca(demand, supply, travel, max_minutes=25).to_numpy()
    assert (ours > 0).sum() > 10 and (ours == 0).sum() > 0  # instance is not degenerate
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-12)


def test_enhanced_stepped_equals_access(instance):
    demand, supply, travel, model = instance
    steps = {10: 1.0, 20: 0.68, 30: 0.22}
    theirs = model.enhanced_two_stage_fca(name="e2", weight_fn=access.weights.step_fn(steps))
    ours = enhanced_two_step_fca(demand, supply, travel, steps=steps)
    np.testing.assert_allclose(ours.to_numpy(), _theirs(theirs, demand.index), rtol=1e-6)


def test_enhanced_gaussian_equals_access(instance):
    demand, supply, travel, model = instance
    theirs = model.enhanced_two_stage_fca(
        name="gauss", weight_fn=access.weights.gaussian(15), max_cost=40
    )
    ours = enhanced_two_step_fca(demand, supply, travel, sigma_minutes=15, max_minutes=40)
    np.testing.assert_allclose(ours.to_numpy(), _theirs(theirs, demand.index), rtol=1e-6)


def test_gravity_equals_access(instance):
    demand, supply, travel, model = instance
    fn = access.weights.gravity(scale=60, alpha=-1.5, min_dist=1)
    theirs = model.two_stage_fca(name="grav", weight_fn=fn)
    ours = gravity_access(demand, supply, travel, scale_minutes=60, alpha=-1.5, min_minutes=1)
    np.testing.assert_allclose(ours.to_numpy(), _theirs(theirs, demand.index), rtol=1e-6)


def test_supply_potential_equals_access_weighted_catchment(instance):
    demand, supply, travel, model = instance
    fn = access.weights.gravity(scale=60, alpha=-1, min_dist=1)
    theirs = model.weighted_catchment(name="pot", weight_fn=fn)
    ours = supply_potential(demand.index, supply, travel, gravity_weight(60, -1, 1))
    np.testing.assert_allclose(ours.to_numpy(), _theirs(theirs, demand.index), rtol=1e-6)
