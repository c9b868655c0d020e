"""The social-security notebook runs top to bottom on the sample city (kernel python3)."""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "social_security_bureau.ipynb"


@pytest.mark.slow
def test_social_security_notebook_runs_and_shows_the_plan():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    started = time.perf_counter()
    NotebookClient(
        nb,
        kernel_name="python3",
        timeout=120,
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    ).execute()
    seconds = time.perf_counter() - started
    outputs = "\n".join(
        str(out.get("text", "")) + str(out.get("data", {}).get("text/plain", ""))
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
    )
    assert "classic: 14 agents -> 88.8% | 13 agents -> 79.6% | needed: 14" in outputs
    assert "caseworker posting: optimal" in outputs
    assert "server-months short" in outputs
    assert seconds < 60, f"notebook took {seconds:.0f} s"
