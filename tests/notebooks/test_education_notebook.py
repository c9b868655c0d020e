"""The education notebook runs top to bottom on the sample city."""

from __future__ import annotations

import pytest


@pytest.mark.slow
def test_education_notebook_redraws_checks_and_staffs(run_notebook):
    outputs = run_notebook("education_bureau.ipynb")
    assert "district shapes: {'Polygon':" in outputs
    assert "MultiPolygon" not in outputs
    assert "layers: ['districts', 'today']" in outputs
    assert "primary teachers at" in outputs
