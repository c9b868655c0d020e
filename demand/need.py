"""Need per area: population by age and sex times need rates, per service and resource.

Output is the ``need`` table of ARCHITECTURE.md: [area_id, period, service, resource, amount],
with period the population year (int) and amount in the unit of the rate table (see
``demand.rates.need_units``: occupied beds, visits per year, pupils, cases per year...).
Every area x period x resource is listed, zeros included.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from demand.ages import overlap_share, share_of_band
from demand.bundle.schemas import AGE_BANDS, SEXES
from demand.checks import require_columns, require_ids, require_numbers
from demand.errors import InputError
from demand.rates import load_need_rates

NEED_COLUMNS = ["area_id", "period", "service", "resource", "amount"]
#: Population columns, in the order of the columns of the population matrix (sex, band).
GROUPS = pd.MultiIndex.from_product([SEXES, AGE_BANDS], names=["sex", "age_band"])


def population_matrix(
    population: pd.DataFrame, years: list[int] | None = None, source: str = "population"
) -> tuple[pd.DataFrame, np.ndarray]:
    """Persons as a matrix: rows (area_id, period), columns ``GROUPS`` (sex x age band).

    Returns the row keys and the (n_rows x 36) array of persons. Bad cells raise InputError.
    """
    require_columns(population, ["area_id", "year", "sex", "age_band", "persons"], source)
    pop = pd.DataFrame(
        {
            "area_id": require_ids(population, "area_id", source),
            "period": require_numbers(population, "year", source).astype(int),
            "sex": population["sex"].astype(str),
            "age_band": population["age_band"].astype(str),
            "persons": require_numbers(population, "persons", source),
        }
    )
    col = GROUPS.get_indexer(pd.MultiIndex.from_frame(pop[["sex", "age_band"]]))
    if (col < 0).any():
        i = int(np.flatnonzero(col < 0)[0])
        bad = "sex" if pop["sex"].iloc[i] not in SEXES else "age_band"
        raise InputError(
            f"{source}, row {i + 2}, column {bad}: {pop[bad].iloc[i]!r} is not one of "
            f"{', '.join(SEXES if bad == 'sex' else AGE_BANDS)}."
        )
    if years is not None:
        keep = pop["period"].isin(years).to_numpy()
        pop, col = pop[keep], col[keep]
    row, keys = pd.factorize(pd.MultiIndex.from_frame(pop[["area_id", "period"]]), sort=True)
    matrix = np.zeros((len(keys), len(GROUPS)))
    np.add.at(matrix, (row, col), pop["persons"].to_numpy())
    key_frame = pd.DataFrame(
        {
            "area_id": np.asarray(keys.get_level_values(0), dtype=object),
            "period": np.asarray(keys.get_level_values(1), dtype=int),
        }
    )
    return key_frame, matrix


def rate_matrix(
    rates: pd.DataFrame, min_age: int | None = None, max_age: int | None = None
) -> tuple[pd.DataFrame, np.ndarray]:
    """Rates as a matrix: rows ``GROUPS`` (sex x band), columns resources.

    A single-year rate reads one fifth of its band. With ``min_age``/``max_age`` only the part
    of each rate inside that age range counts (for the travelling groups of the mobility rule).
    Returns the column keys [service, resource] and the (36 x n_resources) array.
    """
    resources = rates[["service", "resource"]].drop_duplicates().reset_index(drop=True)
    col_of = pd.MultiIndex.from_frame(resources).get_indexer(
        pd.MultiIndex.from_frame(rates[["service", "resource"]])
    )
    matrix = np.zeros((len(GROUPS), len(resources)))
    for (sex, label, rate), c in zip(
        rates[["sex", "age_band", "rate"]].itertuples(index=False), col_of, strict=True
    ):
        band, share = share_of_band(label)
        if min_age is not None:
            share *= overlap_share(label, min_age, max_age)
        matrix[GROUPS.get_loc((sex, band)), c] += rate * share
    return resources, matrix


def _long(keys: pd.DataFrame, resources: pd.DataFrame, amounts: np.ndarray) -> pd.DataFrame:
    n, m = amounts.shape
    return pd.DataFrame(
        {
            "area_id": np.repeat(keys["area_id"].to_numpy(), m),
            "period": np.repeat(keys["period"].to_numpy(), m),
            "service": np.tile(resources["service"].to_numpy(), n),
            "resource": np.tile(resources["resource"].to_numpy(), n),
            "amount": amounts.ravel(),
        }
    )


def residential_need(
    population: pd.DataFrame,
    rates: pd.DataFrame | None = None,
    years: list[int] | None = None,
) -> pd.DataFrame:
    """Need where people live: sum over sex and age of persons x rate.

    ``rates`` defaults to the shipped table (``load_need_rates()``); pass an edited or
    ``override_rates`` frame for a scenario.
    """
    rates = load_need_rates() if rates is None else rates
    keys, persons = population_matrix(population, years)
    resources, per_person = rate_matrix(rates)
    return _long(keys, resources, persons @ per_person)
