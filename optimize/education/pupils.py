"""School-age children per area and year: counted from the population table, then projected.

The population table gives persons by 5-year age band. Single years are taken as an even split
of their band (band / 5), so ages 6-11 = 4/5 of '5-9' + 2/5 of '10-14'. Years after the last
observed year are projected per area with the straight-line trend of the observed years
(least squares, floored at zero). The ``basis`` column says which is which: a projection here
is a stand-in until the cohort projection of ``forecasting/`` is available.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from demand.errors import InputError
from optimize.education.levels import Level

OBSERVED = "observed (population table, 5-year bands split evenly)"
TREND = "projected: linear trend of observed years per area (5-year bands split evenly)"


def _band_ages(band: str) -> range:
    if band.endswith("+"):
        low = int(band[:-1])
        return range(low, low + 5)
    low, high = band.split("-")
    return range(int(low), int(high) + 1)


def children_of_ages(population: pd.DataFrame, ages: Iterable[int]) -> pd.DataFrame:
    """Children of the given single ages per area and year: [area_id, year, pupils] (persons)."""
    missing = {"area_id", "year", "age_band", "persons"} - set(population.columns)
    if missing:
        raise InputError(
            f"population: missing column(s) {', '.join(sorted(missing))}; "
            "expected area_id, year, sex, age_band, persons"
        )
    wanted = set(ages)
    share = {}
    for band in population["age_band"].unique():
        span = _band_ages(str(band))
        share[band] = len(wanted.intersection(span)) / len(span)
    weight = population["age_band"].map(share).astype(float)
    frame = population.assign(pupils=population["persons"].astype(float) * weight)
    frame = frame[weight > 0]
    out = frame.groupby(["area_id", "year"], as_index=False)["pupils"].sum()
    out["year"] = out["year"].astype(int)
    return out


def project_trend(observed: pd.DataFrame, years: Iterable[int]) -> pd.DataFrame:
    """Extend [area_id, year, pupils] to ``years`` with each area's linear trend (>= 0)."""
    wide = observed.pivot_table(index="area_id", columns="year", values="pupils", fill_value=0.0)
    known = wide.columns.to_numpy(dtype=float)
    targets = [int(y) for y in years if int(y) not in set(wide.columns)]
    if not targets:
        return observed.iloc[0:0].assign(basis=TREND)
    values = wide.to_numpy(dtype=float)
    if len(known) >= 2:
        centred = known - known.mean()
        slope = (values - values.mean(axis=1, keepdims=True)) @ centred / (centred @ centred)
    else:
        slope = np.zeros(len(wide))
    mean = values.mean(axis=1)
    rows = []
    for year in targets:
        level = np.maximum(mean + slope * (year - known.mean()), 0.0)
        rows.append(pd.DataFrame({"area_id": wide.index, "year": year, "pupils": level}))
    return pd.concat(rows, ignore_index=True).assign(basis=TREND)


def pupils_by_area(
    population: pd.DataFrame, level: Level, years: Iterable[int] | None = None
) -> pd.DataFrame:
    """Children of a level's ages per area and year: [area_id, year, pupils, basis].

    years: the years wanted (default: the observed years). Observed years come from the table;
    later years are a per-area linear-trend projection, labelled in ``basis``.
    """
    observed = children_of_ages(population, level.ages)
    years = sorted({int(y) for y in years}) if years is not None else None
    if years is None:
        return observed.assign(basis=OBSERVED)
    first = int(observed["year"].min())
    early = [y for y in years if y < first]
    if early:
        raise InputError(
            f"population starts in {first}; cannot give pupils for {early[0]}. "
            "Ask for years from the first population year on."
        )
    seen = observed[observed["year"].isin(years)].assign(basis=OBSERVED)
    projected = project_trend(observed, years)
    out = pd.concat([seen, projected], ignore_index=True)
    return out.sort_values(["year", "area_id"], kind="stable").reset_index(drop=True)
