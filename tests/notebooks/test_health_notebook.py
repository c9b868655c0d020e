"""The health notebook runs top to bottom on the sample city."""

from __future__ import annotations

import pytest


@pytest.mark.slow
def test_health_notebook_plans_outreach_and_beds(run_notebook):
    outputs = run_notebook("health_bureau.ipynb")
    assert "specialist outreach: optimal" in outputs or "feasible within gap" in outputs
    assert "lowest in-house share: 0.6" in outputs  # pools keep their in-house presence
    assert "infeasible" in outputs and "consultation rooms" in outputs
    assert "bed rebalancing: optimal" in outputs
    assert "wards below need at target" in outputs
