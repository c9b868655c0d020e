"""Cohort-component population projection by area, sex and 5-year age band, in annual steps.

One year, from population P (persons at the start of year t) to the start of year t+1:

1. survival: every group is multiplied by its annual survival exp(-death_rate(sex, band));
2. ageing: 1/5 of each band's survivors move up one band (85+ keeps its own and gains 80-84's);
3. births: women in 15-19 ... 45-49 at the start of the year times the age-specific fertility
   rate; boys = births * srb / (1 + srb), girls = births / (1 + srb); newborns enter 0-4
   after one year of the 0-4 death rate;
4. migration: net migrants (persons per year, by area, sex and band) are added; a group that
   would fall below zero is held at zero.

Net migration is estimated from the population history by the residual method (observed
minus projected-without-migration, averaged over the observed year pairs), or set to zero,
and scenario shocks add "+N persons a year in area A from year Y" with an age profile.
Default tables (forecasting/data/) approximate China around the 2020 census; see
docs/forecasting.md for their sources and limits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from demand.errors import InputError

__all__ = [
    "AGE_BANDS",
    "CohortProjection",
    "MigrationShock",
    "broad_age_groups",
    "check_population",
    "default_fertility",
    "default_life_table",
    "migration_profile",
    "single_year_ages",
]

AGE_BANDS = [f"{a}-{a + 4}" for a in range(0, 85, 5)] + ["85+"]
SEXES = ["F", "M"]
FERTILE_BANDS = AGE_BANDS[3:10]  # 15-19 ... 45-49
_BAND_INDEX = {b: i for i, b in enumerate(AGE_BANDS)}


def _data(name: str) -> pd.DataFrame:
    with resources.files("forecasting.data").joinpath(name).open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh)


def default_life_table() -> pd.DataFrame:
    """Annual death rates by sex and band (sex, age_band, death_rate per person per year)."""
    return _data("china_life_table_2020.csv")


def default_fertility() -> pd.DataFrame:
    """Age-specific fertility (age_band, births_per_woman per year); TFR 1.30 (2020 census)."""
    return _data("china_fertility_2020.csv")


def migration_profile(name: str = "young_families") -> pd.DataFrame:
    """Shares of migrants by sex and band (sex, age_band, share; sums to 1)."""
    table = _data("migration_profiles.csv")
    known = sorted(table["profile"].unique())
    if name not in known:
        raise InputError(f"unknown migration profile {name!r}; choose from {known}")
    prof = table[table["profile"] == name][["sex", "age_band", "share"]].reset_index(drop=True)
    prof["share"] = prof["share"] / prof["share"].sum()
    return prof


@dataclass(frozen=True)
class MigrationShock:
    """A scenario lever: ``persons_per_year`` net migrants into ``area_id`` from ``start_year``
    (through ``end_year`` if given), spread over sex and age by ``profile``."""

    area_id: str
    persons_per_year: float
    start_year: int
    end_year: int | None = None
    profile: str = "young_families"

    def active(self, year: int) -> bool:
        """Whether the shock adds migrants during the step into ``year``."""
        return year >= self.start_year and (self.end_year is None or year <= self.end_year)


def check_population(population: pd.DataFrame, source: str = "population") -> pd.DataFrame:
    """Validate [area_id, year, sex, age_band, persons]; InputError names row and column."""
    need = ["area_id", "year", "sex", "age_band", "persons"]
    missing = [c for c in need if c not in population.columns]
    if missing:
        raise InputError(f"{source}: missing column(s) {', '.join(missing)}; need {need}")
    pop = population.reset_index(drop=True)[need].copy()
    pop["area_id"] = pop["area_id"].astype(str)
    checks = [
        ("sex", ~pop["sex"].isin(SEXES), "must be 'F' or 'M'"),
        ("age_band", ~pop["age_band"].isin(AGE_BANDS), f"must be one of {AGE_BANDS}"),
    ]
    year = pd.to_numeric(pop["year"], errors="coerce")
    persons = pd.to_numeric(pop["persons"], errors="coerce")
    checks += [
        ("year", year.isna() | (year % 1 != 0), "must be a whole year like 2025"),
        ("persons", persons.isna() | (persons < 0), "must be a number of persons >= 0"),
    ]
    for col, bad, what in checks:
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                f"{source}: row {pos + 2}, column {col}: {pop[col].iloc[pos]!r} {what}"
            )
    pop["year"], pop["persons"] = year.astype(int), persons.astype(float)
    dup = pop.duplicated(["area_id", "year", "sex", "age_band"])
    if dup.any():
        pos = int(np.flatnonzero(dup.to_numpy())[0])
        r = pop.iloc[pos]
        raise InputError(
            f"{source}: row {pos + 2}: area {r.area_id}, {r.year}, {r.sex} "
            f"{r.age_band} appears twice; keep one row per group"
        )
    return pop


def _to_cube(pop: pd.DataFrame, areas: Sequence[str]) -> np.ndarray:
    """Persons as an array [area, sex, band]; absent groups count as 0."""
    cube = np.zeros((len(areas), 2, len(AGE_BANDS)))
    a_idx = {a: i for i, a in enumerate(areas)}
    ai = pop["area_id"].map(a_idx).to_numpy()
    si = pop["sex"].map({s: i for i, s in enumerate(SEXES)}).to_numpy()
    bi = pop["age_band"].map(_BAND_INDEX).to_numpy()
    np.add.at(cube, (ai, si, bi), pop["persons"].to_numpy(float))
    return cube


def _from_cube(cube: np.ndarray, areas: Sequence[str], year: int) -> pd.DataFrame:
    a, s, b = np.meshgrid(
        np.arange(len(areas)), np.arange(2), np.arange(len(AGE_BANDS)), indexing="ij"
    )
    return pd.DataFrame(
        {
            "area_id": np.asarray(areas, dtype=object)[a.ravel()],
            "year": year,
            "sex": np.asarray(SEXES, dtype=object)[s.ravel()],
            "age_band": np.asarray(AGE_BANDS, dtype=object)[b.ravel()],
            "persons": cube.ravel(),
        }
    )


class CohortProjection(BaseEstimator):
    """Projects population by area, sex and 5-year band, 1-10+ years ahead (persons).

    Parameters: ``life_table`` (sex, age_band, death_rate), ``fertility`` (age_band,
    births_per_woman), ``tfr`` (rescale fertility to this total fertility rate, births per
    woman), ``sex_ratio_at_birth`` (boys per girl), ``migration`` ("estimate" from history,
    "none", or a frame area_id, sex, age_band, persons_per_year) and ``shocks``.
    """

    def __init__(
        self,
        life_table: pd.DataFrame | None = None,
        fertility: pd.DataFrame | None = None,
        tfr: float | None = None,
        sex_ratio_at_birth: float = 1.10,
        migration: str | pd.DataFrame = "estimate",
        shocks: Sequence[MigrationShock] = (),
    ):
        self.life_table = life_table
        self.fertility = fertility
        self.tfr = tfr
        self.sex_ratio_at_birth = sex_ratio_at_birth
        self.migration = migration
        self.shocks = shocks

    def _rates(self) -> tuple[np.ndarray, np.ndarray]:
        life = default_life_table() if self.life_table is None else self.life_table
        fert = default_fertility() if self.fertility is None else self.fertility
        surv = np.ones((2, len(AGE_BANDS)))
        for row in life.itertuples(index=False):
            if row.sex not in SEXES or row.age_band not in _BAND_INDEX:
                raise InputError(f"life table: unknown sex/band {row.sex!r}/{row.age_band!r}")
            surv[SEXES.index(row.sex), _BAND_INDEX[row.age_band]] = np.exp(-float(row.death_rate))
        asfr = np.zeros(len(AGE_BANDS))
        for row in fert.itertuples(index=False):
            if row.age_band not in FERTILE_BANDS:
                raise InputError(f"fertility: band {row.age_band!r} is outside 15-49")
            asfr[_BAND_INDEX[row.age_band]] = float(row.births_per_woman)
        if self.tfr is not None:
            total = 5 * asfr.sum()
            asfr = asfr * (float(self.tfr) / total if total > 0 else 0.0)
        return surv, asfr

    def _step(self, cube: np.ndarray, migrants: np.ndarray) -> np.ndarray:
        """One year forward: survival, ageing by 1/5 per band, births, then migration."""
        surv, asfr = self.survival_, self.asfr_
        survivors = cube * surv[None]
        moving = survivors[:, :, :-1] / 5.0
        nxt = survivors.copy()
        nxt[:, :, :-1] -= moving
        nxt[:, :, 1:] += moving
        births = (cube[:, 0, :] * asfr[None]).sum(axis=1)
        srb = float(self.sex_ratio_at_birth)
        nxt[:, 1, 0] += births * srb / (1 + srb) * surv[1, 0]
        nxt[:, 0, 0] += births / (1 + srb) * surv[0, 0]
        return np.maximum(nxt + migrants, 0.0)

    def fit(self, population: pd.DataFrame, source: str = "population") -> CohortProjection:
        """Learn the base population (latest year) and net migration from the history."""
        pop = check_population(population, source)
        self.survival_, self.asfr_ = self._rates()
        self.areas_ = sorted(pop["area_id"].unique())
        years = sorted(pop["year"].unique())
        self.base_year_ = int(years[-1])
        cubes = {y: _to_cube(pop[pop["year"] == y], self.areas_) for y in years}
        self.base_population_ = cubes[self.base_year_]
        zero = np.zeros_like(self.base_population_)
        if isinstance(self.migration, pd.DataFrame):
            mig = self.migration.assign(persons=self.migration["persons_per_year"])
            self.net_migration_ = _to_cube(mig[mig["area_id"].isin(self.areas_)], self.areas_)
        elif self.migration == "none":
            self.net_migration_ = zero
        elif self.migration == "estimate":
            pairs = [(a, b) for a, b in zip(years[:-1], years[1:], strict=True) if b == a + 1]
            resid = [cubes[b] - self._step(cubes[a], zero) for a, b in pairs]
            self.net_migration_ = np.mean(resid, axis=0) if resid else zero
            self.migration_years_ = len(pairs)
        else:
            raise InputError(
                f"migration must be 'estimate', 'none' or a frame, got {self.migration!r}"
            )
        return self

    def _shock_cube(self, year: int) -> np.ndarray:
        add = np.zeros_like(self.base_population_)
        for shock in self.shocks:
            if not shock.active(year):
                continue
            if shock.area_id not in self.areas_:
                raise InputError(f"migration shock: area {shock.area_id} is not in the population")
            prof = migration_profile(shock.profile)
            prof = prof.assign(
                area_id=shock.area_id, persons=prof["share"] * shock.persons_per_year
            )
            add += _to_cube(prof, self.areas_)
        return add

    def predict(self, years: int = 5, include_base: bool = True) -> pd.DataFrame:
        """Population for the next ``years`` years: area_id, year, sex, age_band, persons."""
        if not hasattr(self, "base_population_"):
            raise RuntimeError("call fit(population) before predict")
        cube = self.base_population_
        frames = [_from_cube(cube, self.areas_, self.base_year_)] if include_base else []
        for k in range(1, int(years) + 1):
            year = self.base_year_ + k
            cube = self._step(cube, self.net_migration_ + self._shock_cube(year))
            frames.append(_from_cube(cube, self.areas_, year))
        return pd.concat(frames, ignore_index=True)


def broad_age_groups(population: pd.DataFrame) -> pd.DataFrame:
    """Persons by area, year and broad group: children 0-14, working age 15-64, older 65+."""
    start = population["age_band"].str.extract(r"^(\d+)")[0].astype(int)
    group = np.select([start < 15, start < 65], ["0-14", "15-64"], "65+")
    return (
        population.assign(age_group=group)
        .groupby(["area_id", "year", "age_group"], as_index=False)["persons"]
        .sum()
    )


def single_year_ages(population: pd.DataFrame) -> pd.DataFrame:
    """Split 5-year bands evenly into single years of age (85+ spread over 85-89): persons."""
    start = population["age_band"].str.extract(r"^(\d+)")[0].astype(int).to_numpy()
    rep = population.loc[population.index.repeat(5)].copy()
    rep["age"] = np.repeat(start, 5) + np.tile(np.arange(5), len(population))
    rep["persons"] = rep["persons"] / 5.0
    keep = [c for c in ("area_id", "year", "sex") if c in rep.columns]
    return rep[[*keep, "age", "persons"]].reset_index(drop=True)
