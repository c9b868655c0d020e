"""Demo step: today's gaps — need, travel times and access per service line on the city.

Leaves in ctx.state: 'need' (need table, latest year, served by day), 'travel' (long minutes),
'effective_capacity', 'access_by_area' and 'access_equity' for later steps.
"""

from __future__ import annotations

from rich.table import Table

from demand.daytime import compute_need
from optimize.metrics.services import access_by_service_line
from supply.capacity import effective_capacity
from supply.travel import city_travel_times

ORDER = 20
TITLE = "Today's gaps: need, travel times and access per service"


def run(ctx) -> None:
    """Compute need, travel and 2SFCA access for the latest year and print the gaps."""
    city, console = ctx.city, ctx.console
    year = city.latest_year
    need = compute_need(city.population, mobility=city.mobility, years=[year])
    travel = city_travel_times(city, cutoff_minutes=60)
    how = (
        "from the bundle's travel table"
        if len(city.travel)
        else "by bus from geometry (25 km/h, circuity 1.3, 60-min cutoff)"
    )
    capacity = effective_capacity(city.capacity, city.workforce)
    by_area, equity = access_by_service_line(
        need, capacity, city.facilities, travel, city.population, year
    )
    ctx.state.update(
        need=need,
        travel=travel,
        effective_capacity=capacity,
        access_by_area=by_area,
        access_equity=equity,
    )
    by_area.to_csv(ctx.out_dir / "access_by_area.csv", index=False)
    need.to_csv(ctx.out_dir / "need.csv", index=False)
    console.print(
        f"{year}: need for {need['resource'].nunique()} resources in {need['area_id'].nunique()} "
        f"areas; {len(travel):,} area-facility pairs {how}."
    )

    table = Table(title="Access (2SFCA: effective capacity within reach / need; 1.0 = enough)")
    for col in ("service", "catchment", "group", "mean", "Gini", "worst 10%", ">15 min", ">30 min"):
        table.add_column(col, justify="left" if col == "service" else "right")
    for r in equity.itertuples():
        table.add_row(
            r.service_line,
            f"{r.catchment_minutes:g} min",
            r.age_group,
            f"{r.mean_access:.2f}",
            f"{r.gini:.3f}",
            f"{r.worst_decile_access:.2f}",
            f"{r.share_beyond_15_min:.1%}",
            f"{r.share_beyond_30_min:.1%}",
        )
    console.print(table)

    names = city.areas.set_index("area_id")[["name", "district"]]
    worst = Table(title="Least access per service (areas with residents in the group)")
    for col in ("service", "area", "district", "access", "nearest"):
        worst.add_column(col, justify="right" if col in ("access", "nearest") else "left")
    for line, rows in by_area[by_area["persons_in_group"] > 0].groupby("service_line", sort=False):
        for r in rows.nsmallest(3, "access").itertuples():
            worst.add_row(
                line,
                str(names.loc[r.area_id, "name"]),
                str(names.loc[r.area_id, "district"]),
                f"{r.access:.2f}",
                f"{r.nearest_minutes:.0f} min",
            )
    console.print(worst)
    console.print(f"[dim]per-area figures: {ctx.out_dir / 'access_by_area.csv'}[/]")
