"""Demo step: the five-year outlook — population by broad age group, enrolment pressure per
school, and social-insurance caseload with intervals, plus an honest backtest.

Leaves in ctx.state: 'population_projection', 'enrolment_projection', 'enrolment_pressure',
'caseload_forecast' (reconciled so centres add up to the city total per benefit) and
'forecast_backtest' (summary frame) for later steps and the dashboard.
"""

from __future__ import annotations

import os

import pandas as pd
from rich.table import Table

from forecasting.backtest import AUTO_SELECT, backtest
from forecasting.cohort import CohortProjection, broad_age_groups
from forecasting.enrolment import EnrolmentProjection, enrolment_from_history, enrolment_pressure
from forecasting.outlook import caseload_outlook
from scenarios.demo_steps import NO_HISTORY

ORDER = 30
TITLE = "Five-year outlook: population, school places, caseload (with backtests)"
YEARS = 5


def _population(ctx) -> pd.DataFrame:
    city, console = ctx.city, ctx.console
    model = CohortProjection().fit(city.population, source="population")
    proj = model.predict(YEARS)
    groups = broad_age_groups(proj).groupby(["year", "age_group"])["persons"].sum().unstack()
    table = Table(title=f"Population by broad age group (cohort-component, {city.name})")
    table.add_column("year")
    for col in groups.columns:
        table.add_column(col, justify="right")
    table.add_column("total", justify="right")
    table.add_column("65+ share", justify="right")
    for year, row in groups.iterrows():
        table.add_row(
            str(year),
            *[f"{v:,.0f}" for v in row],
            f"{row.sum():,.0f}",
            f"{row['65+'] / row.sum():.1%}",
        )
    console.print(table)
    net = model.net_migration_.sum()
    console.print(
        f"net migration estimated from {model.migration_years_} observed years: "
        f"{net:+,.0f} persons/yr; China 2020 life table, TFR 1.30, sex ratio at birth 1.10"
    )
    return proj


def _schools(ctx, proj: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    city, console = ctx.city, ctx.console
    enr = enrolment_from_history(city.history, city.series, city.facilities)
    model = EnrolmentProjection(n_years=3).fit(enr, proj)
    out = model.predict(proj, years=YEARS)
    pressure = enrolment_pressure(out, city.capacity)
    year3 = model.last_year_ + 3
    short = pressure[pressure["year"] == year3].sort_values("utilisation", ascending=False)
    names = city.facilities.set_index("facility_id")["name"]
    table = Table(title=f"Schools under most pressure in {year3} (grade-progression ratios)")
    for col in ("school", "area", "pupils", "seats", "use", "short of seats"):
        table.add_column(col, justify="left" if col in ("school", "area") else "right")
    for r in short.head(8).itertuples():
        table.add_row(
            f"{r.facility_id} {names.get(r.facility_id, '')}",
            r.area_id,
            f"{r.pupils:,.0f}",
            f"{r.seats:,.0f}",
            f"{r.utilisation:.0%}",
            f"{r.shortfall:,.0f}",
        )
    console.print(table)
    over = short[short["shortfall"] > 0]
    console.print(
        f"{len(over)} of {len(short)} schools overflow in {year3}, short of "
        f"{over['shortfall'].sum():,.0f} seats in total"
    )
    return out, pressure


def _caseload(ctx) -> tuple[pd.DataFrame, pd.DataFrame]:
    city, console = ctx.city, ctx.console
    jobs = 1 if os.cpu_count() == 1 else -1
    fc, full, model = caseload_outlook(city.history, city.series, 12 * YEARS, n_jobs=jobs)
    totals = fc[fc["series_id"].str.startswith("city:")].copy()
    totals["year"] = totals["ds"].dt.year
    table = Table(title="City caseload per benefit, cases per month (reconciled, MinT-shrink)")
    last = full[full["series_id"].str.startswith("city:")]
    last = last[last["ds"].dt.year == last["ds"].dt.year.max()].groupby("series_id")["y"].mean()
    years = sorted(totals["year"].unique())
    table.add_column("benefit")
    table.add_column(f"{years[0] - 1}", justify="right")
    for y in (years[0], years[-1]):
        table.add_column(f"{y}", justify="right")
    table.add_column(f"Dec {years[-1]} 80%", justify="right")
    table.add_column("model")
    choice = model.choice_.set_index("series_id")["model"]
    for sid, g in totals.groupby("series_id"):
        dec = g.iloc[-1]
        table.add_row(
            sid.split(":", 2)[-1],
            f"{last[sid]:,.0f}",
            f"{g[g['year'] == years[0]]['yhat'].mean():,.0f}",
            f"{g[g['year'] == years[-1]]['yhat'].mean():,.0f}",
            f"{dec['yhat-lo-80']:,.0f}–{dec['yhat-hi-80']:,.0f}",
            choice[sid],
        )
    console.print(table)
    return fc, full


def _backtest(ctx, caseload_history: pd.DataFrame) -> pd.DataFrame:
    console = ctx.console
    centres = caseload_history[~caseload_history["series_id"].str.startswith("city:")]
    result = backtest(centres, h=12, n_windows=2)
    summary = result.summary
    n = summary["n_series"].iloc[0]
    table = Table(title=f"Backtest of caseload: {n} centre series, 2 origins x 12 months")
    for col in ("model", "MASE", "sMAPE %", "cover 80%", "cover 95%"):
        table.add_column(col, justify="left" if col == "model" else "right")
    for r in summary.itertuples():
        table.add_row(
            r.model,
            f"{r.mase:.3f}",
            f"{r.smape:.1f}",
            f"{r.coverage_80:.0%}",
            f"{r.coverage_95:.0%}",
        )
    console.print(table)
    console.print(result.explain() + f" ({AUTO_SELECT} = per-series choice from its past only)")
    return summary


def run(ctx) -> None:
    """Project population, enrolment and caseload five years ahead and print the outlook."""
    proj = _population(ctx)
    if ctx.city.history.empty:
        ctx.console.print(f"[yellow]{NO_HISTORY}: school and caseload forecasts skipped[/]")
        proj.to_csv(ctx.out_dir / "population_projection.csv", index=False)
        ctx.state.update(population_projection=proj)
        return
    enrolment, pressure = _schools(ctx, proj)
    caseload, caseload_history = _caseload(ctx)
    summary = _backtest(ctx, caseload_history)
    proj.to_csv(ctx.out_dir / "population_projection.csv", index=False)
    pressure.to_csv(ctx.out_dir / "enrolment_pressure.csv", index=False)
    caseload.to_csv(ctx.out_dir / "caseload_forecast.csv", index=False)
    ctx.state.update(
        population_projection=proj,
        enrolment_projection=enrolment,
        enrolment_pressure=pressure,
        caseload_forecast=caseload,
        forecast_backtest=summary,
    )
