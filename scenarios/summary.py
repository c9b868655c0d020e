"""A short printed summary of a city: what a planner checks first after loading data."""

from __future__ import annotations

import pandas as pd
from rich.console import Console
from rich.table import Table

from demand.bundle import City
from demand.bundle.schemas import AGE_BANDS

BROAD_AGE_GROUPS = {"0-14": (0, 3), "15-64": (3, 13), "65+": (13, 18)}


def broad_age_group(age_band: pd.Series) -> pd.Series:
    """Map 5-year bands to 0-14 / 15-64 / 65+."""
    pos = age_band.map({b: i for i, b in enumerate(AGE_BANDS)})
    out = pd.Series("", index=age_band.index, dtype=object)
    for name, (lo, hi) in BROAD_AGE_GROUPS.items():
        out[(pos >= lo) & (pos < hi)] = name
    return out


def population_by_age_group(city: City) -> pd.DataFrame:
    """Persons per broad age group (rows) and year (columns), with the total."""
    pop = city.population
    table = (
        pop.assign(group=broad_age_group(pop["age_band"]))
        .pivot_table(index="group", columns="year", values="persons", aggfunc="sum")
        .reindex(list(BROAD_AGE_GROUPS))
    )
    table.loc["total"] = table.sum()
    return table.astype("int64")


def print_city_summary(city: City, console: Console) -> None:
    """Areas, population by age group, facilities and capacities by kind, history series."""
    areas = city.areas
    km2 = areas.geometry.area.sum() / 1e6
    console.print(
        f"[bold]{city.name}[/]: {len(areas)} areas, {km2:,.0f} km², CRS {city.crs.to_string()}"
    )
    if areas["zone"].ne("").any():
        zones = areas["zone"].value_counts()
        console.print("  zones: " + ", ".join(f"{z} {n}" for z, n in zones.items()))

    osm = city.meta.get("osm") if isinstance(city.meta.get("osm"), dict) else {}
    estimate = (
        " — an ESTIMATE from residential buildings" if osm.get("population") == "estimate" else ""
    )
    pop = population_by_age_group(city)
    t = Table(title=f"Population by age group (persons){estimate}", title_justify="left")
    t.add_column("age group")
    for year in pop.columns:
        t.add_column(str(year), justify="right")
    for group, row in pop.iterrows():
        t.add_row(str(group), *[f"{v:,}" for v in row])
    console.print(t)

    cap = city.capacity.merge(city.facilities[["facility_id", "kind"]], on="facility_id")
    cap = cap.assign(resource_kind=cap["resource"].str.split(":").str[0])
    cap_sum = cap.groupby(["kind", "resource_kind"])["amount"].sum()
    wf = city.workforce.merge(city.facilities[["facility_id", "kind"]], on="facility_id")
    wf_sum = wf.groupby(["kind", wf["role"].str.split(":").str[0]])["headcount"].sum()
    assumed = osm.get("assumed_capacity") or []
    flag = f" — ASSUMED defaults for {len(assumed)} of {len(city.facilities)}" if assumed else ""
    t = Table(title=f"Facilities and capacities{flag}", title_justify="left")
    for col in ("kind", "facilities", "capacity", "staff"):
        t.add_column(col, justify="left" if col == "kind" else "right")
    for kind, n in city.facilities["kind"].value_counts().sort_index().items():
        caps = ", ".join(f"{v:,.0f} {r}" for r, v in cap_sum.get(kind, pd.Series()).items())
        staff = ", ".join(f"{v:,} {r}" for r, v in wf_sum.get(kind, pd.Series()).items())
        t.add_row(kind, str(n), caps, staff)
    console.print(t)

    if len(city.series):
        hist = city.history.merge(city.series, on="series_id", how="left")
        hist["measure_kind"] = hist["measure"].str.split(":").str[0]
        t = Table(title="History series", title_justify="left")
        for col in ("service", "measure", "series", "from", "to"):
            t.add_column(col)
        grouped = hist.groupby(["service", "measure_kind"])
        for (service, measure), g in grouped:
            t.add_row(
                service,
                measure,
                str(g["series_id"].nunique()),
                f"{g['ds'].min():%Y-%m}",
                f"{g['ds'].max():%Y-%m}",
            )
        console.print(t)
