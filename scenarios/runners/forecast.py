"""The `forecast` model of a scenario: population, school pressure and caseload ahead."""

from __future__ import annotations

from forecasting.cohort import broad_age_groups
from forecasting.enrolment import EnrolmentProjection, enrolment_from_history, enrolment_pressure
from forecasting.models import AutoForecaster
from forecasting.outlook import caseload_outlook
from scenarios.levers import projected_population
from scenarios.runners import ModelRun, RunContext, runner
from scenarios.store import ModelOutcome

LEVELS = (80, 95)
#: Seasonal naive, Theta or their ensemble with ETS, chosen per series by backtest.
FORECASTER = AutoForecaster(n_jobs=1)


@runner("forecast")
def run_forecast(ctx: RunContext) -> ModelRun:
    """Cohort projection (with shocks), enrolment pressure per school, caseload with intervals."""
    s, city = ctx.scenario, ctx.city
    horizon = s.base_year + s.horizon - city.latest_year
    ctx.progress("population projection")
    proj = projected_population(city, s)
    groups = broad_age_groups(proj).groupby(["year", "age_group"], as_index=False)["persons"].sum()
    plans = {"population_by_age_group": groups}
    last = groups[groups["year"] == groups["year"].max()].set_index("age_group")["persons"]
    kpis = [
        ("population", f"residents in {groups['year'].max()}", float(last.sum()), "persons"),
        (
            "population",
            f"residents 65+ in {groups['year'].max()}",
            float(last.get("65+", 0)),
            "persons",
        ),  # fmt: skip
        (
            "population",
            f"share 65+ in {groups['year'].max()}",
            float(last.get("65+", 0) / max(last.sum(), 1)),
            "share",
        ),  # fmt: skip
    ]
    if len(city.series) and city.series["measure"].str.startswith("enrolment:").any():
        ctx.progress("enrolment by school")
        enrolment = enrolment_from_history(city.history, city.series, city.facilities)
        model = EnrolmentProjection(n_years=3).fit(enrolment, proj)
        pressure = enrolment_pressure(model.predict(proj, years=horizon), city.capacity)
        plans["enrolment_pressure"] = pressure
        short = pressure.assign(short=pressure["shortfall"].clip(lower=0))
        by_year = short.groupby("year")["short"].sum()
        worst = short[short["year"] == by_year.idxmax()]
        kpis += [
            ("education", "seats short in the worst year", float(by_year.max()), "seats"),
            ("education", "schools over capacity in the worst year",
             float((worst["short"] > 0).sum()), "schools"),
            ("education", "worst year for school places", float(by_year.idxmax()), "year"),
        ]  # fmt: skip
    if len(city.series) and city.series["measure"].str.startswith("caseload:").any():
        ctx.progress("caseload forecast")
        fc, _, _ = caseload_outlook(
            city.history, city.series, 12 * horizon, LEVELS, forecaster=FORECASTER
        )
        plans["caseload_forecast"] = fc
        totals = fc[fc["series_id"].str.startswith("city:")]
        final = totals[totals["ds"].dt.year == totals["ds"].dt.year.max()]
        kpis.append(("social_security", "cases per month in the planning year (forecast)",
                     float(final.groupby("ds")["yhat"].sum().mean()), "cases"))  # fmt: skip
    outcome = ModelOutcome("forecast", "computed", detail={
        "years_ahead": horizon, "shocks": len(s.population_shocks)})  # fmt: skip
    return ModelRun(kpis=kpis, plans=plans, outcome=outcome)
