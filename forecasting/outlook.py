"""Need projected forward: the cohort projection fed through demand/'s need rates.

``project_need`` gives the ``need`` table (area_id, period, service, resource, amount) for
the base year and each projected year, so every need demand/ knows can be seen 1-10 years out.
"""

from __future__ import annotations

import pandas as pd

from demand.daytime import compute_need
from forecasting.cohort import CohortProjection
from forecasting.models import AutoForecaster
from forecasting.reconcile import aggregate_history, reconcile

__all__ = ["caseload_outlook", "project_need"]


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


def caseload_outlook(
    history: pd.DataFrame,
    series: pd.DataFrame,
    months: int,
    level: tuple[int, ...] = (80, 95),
    measure_prefix: str = "caseload:",
    n_jobs: int = 1,
    forecaster: AutoForecaster | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, AutoForecaster]:
    """Monthly forecasts of every series of a measure, plus city totals, reconciled (MinT-shrink).

    The city total of each measure (e.g. 'city:caseload:pension') is the sum of its facility
    series; forecasts of the parts add up to it. Returns (forecast frame with yhat and
    intervals per level, the history including the city totals, the fitted forecaster).
    """
    meta = series[series["measure"].str.startswith(measure_prefix)]
    hist = history[history["series_id"].isin(meta["series_id"])]
    hierarchy = {
        f"city:{measure}": sorted(g["series_id"]) for measure, g in meta.groupby("measure")
    }
    full = pd.concat([hist, aggregate_history(hist, hierarchy)], ignore_index=True)
    model = (forecaster or AutoForecaster(n_jobs=n_jobs)).fit(full, source="history")
    fc = model.predict(months, level=list(level))
    fc = reconcile(fc, hierarchy, method="mint_shrink", residuals=model.residuals())
    return fc, full, model
