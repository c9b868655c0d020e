"""A loaded, validated city: the contract tables as typed frames, in one projected CRS."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd


@dataclass
class City:
    """The city bundle after validation. Frames follow docs/data.md; ids are strings.

    Spatial tables share one projected CRS in metres. Optional tables are empty frames with
    the contract's columns when the bundle does not give them.
    """

    areas: gpd.GeoDataFrame
    population: pd.DataFrame
    facilities: gpd.GeoDataFrame
    capacity: pd.DataFrame
    workforce: pd.DataFrame
    mobility: pd.DataFrame
    series: pd.DataFrame
    history: pd.DataFrame
    travel: pd.DataFrame
    arrival_profile: pd.DataFrame
    name: str = "city"
    base_year: int | None = None
    source: Path | None = None
    meta: dict = field(default_factory=dict)

    @property
    def crs(self):
        """The projected CRS shared by areas and facilities."""
        return self.areas.crs

    @property
    def latest_year(self) -> int:
        """The latest year with population counts."""
        return int(self.population["year"].max())

    def population_in(self, year: int | None = None) -> pd.DataFrame:
        """Population rows of one year (the latest when not given)."""
        year = self.latest_year if year is None else year
        return self.population[self.population["year"] == year]

    def facilities_of(self, kind: str) -> gpd.GeoDataFrame:
        """Facilities of one kind, e.g. 'hospital'."""
        return self.facilities[self.facilities["kind"] == kind]

    def table(self, name: str) -> pd.DataFrame:
        """A contract table by name."""
        return getattr(self, name)
