"""Need projected forward: the cohort projection fed through demand/'s need rates.

``project_need`` gives the ``need`` table (area_id, period, service, resource, amount) for
the base year and each projected year, so every need demand/ knows can be seen 1-10 years out.
"""

from __future__ import annotations

import pandas as pd

from demand.daytime import compute_need
from forecasting.cohort import CohortProjection

__all__ = ["project_need"]


def project_need(
    population: pd.DataFrame,
    years: int = 5,
    mobility: pd.DataFrame | None = None,
    rates: pd.DataFrame | None = None,
    projection: CohortProjection | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Project population ``years`` ahead and compute need for every year.

    Returns (need table, projected population). ``projection`` sets fertility, migration and
    shocks (default: CohortProjection() with migration estimated from the history).
    """
    model = (projection or CohortProjection()).fit(population)
    proj = model.predict(years, include_base=True)
    need = compute_need(proj, rates=rates, mobility=mobility, years=sorted(proj["year"].unique()))
    return need, proj
