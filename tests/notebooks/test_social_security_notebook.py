"""The social-security notebook runs top to bottom on the sample city."""

from __future__ import annotations

import pytest


@pytest.mark.slow
def test_social_security_notebook_runs_and_shows_the_plan(run_notebook):
    outputs = run_notebook("social_security_bureau.ipynb")
    assert "classic: 14 agents -> 88.8% | 13 agents -> 79.6% | needed: 14" in outputs
    assert "caseworker posting: optimal" in outputs
    assert "server-months short" in outputs
