"""A finished run as data: its record, its models' outcomes, and plans as Parquet bytes.

The store (``scenarios.store``) writes these in one transaction; a run file
(``scenarios.runfile``) holds the same when the store could not take the run.
"""

from __future__ import annotations

import io
import sys
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd


@dataclass
class ModelOutcome:
    """What one model of a run produced, as the store keeps it."""

    model: str
    status: str
    objective: float | None = None
    gap: float | None = None
    build_seconds: float | None = None
    solve_seconds: float | None = None
    detail: dict = field(default_factory=dict)
    has_plan: bool = True  # False: the model found no plan, so the run lacks its results


@dataclass
class RunRecord:
    """A finished run: everything needed to store it, compare it and export it."""

    scenario: str
    owner: str
    description: str
    scenario_json: str
    inputs_fingerprint: str
    code_version: str
    seconds: float
    kpis: pd.DataFrame  # service, kpi, value, unit
    plans: dict[str, pd.DataFrame]
    models: list[ModelOutcome]
    created_by: str = "cli"
    run_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def complete(self) -> bool:
        """True when every model of the run found a plan."""
        return all(m.has_plan for m in self.models)

    @property
    def models_without_plan(self) -> list[ModelOutcome]:
        """The models that found no plan (their KPIs and plans are missing from the run)."""
        return [m for m in self.models if not m.has_plan]


def frame_to_parquet(frame: pd.DataFrame) -> tuple[bytes, bool]:
    """A plan as Parquet bytes (GeoParquet when spatial), and whether it is spatial."""
    buf = io.BytesIO()
    gpd = sys.modules.get("geopandas")  # a GeoDataFrame exists only once geopandas is loaded
    spatial = gpd is not None and isinstance(frame, gpd.GeoDataFrame)
    frame = frame.reset_index(drop=True)
    frame.to_parquet(buf, index=False)
    return buf.getvalue(), spatial


def frame_from_parquet(content: bytes, spatial: bool) -> pd.DataFrame:
    """A plan back from its Parquet bytes."""
    buf = io.BytesIO(content)
    if spatial:
        import geopandas as gpd  # only when a map is read: the store opens faster without

        return gpd.read_parquet(buf)
    return pd.read_parquet(buf)
