"""Demo step (cities whose bundle names an OSM extract): the roads against straight lines.

Prints each mode's network (and what was cut off), then the share of area-facility pairs whose
road time is at least 1.2x the straight-line estimate: the reason road times matter.
"""

from __future__ import annotations

from rich.table import Table

from supply.travel import road_source

ORDER = 25
TITLE = "Roads: drive, walk and bike networks against straight lines"


def run(ctx) -> None:
    """Per mode: the network report and the share of pairs where roads take >= 1.2x longer."""
    roads = road_source(ctx.city)
    if roads is None:
        ctx.console.print("[dim]the bundle names no OSM extract: travel by straight lines[/]")
        return
    from supply.osm.detour import DETOUR_RATIO, detour_shares
    from supply.osm.network import cached_network
    from supply.osm.read import ATTRIBUTION

    city, console = ctx.city, ctx.console
    for mode in ("drive", "walk", "bike"):
        for line in cached_network(str(roads["osm"]), mode).report.lines():
            console.print(line)
    from supply.osm.travel import bundle_snap_warnings

    for line in bundle_snap_warnings(roads, city.areas, city.facilities):
        console.print(f"[yellow]warning:[/] {line}")
    shares = detour_shares(roads["osm"], city.areas, city.facilities)
    table = Table(
        title=f"Road time vs the straight-line estimate ({len(city.areas)} areas x "
        f"{len(city.facilities)} facilities)"
    )
    for col in (
        "mode",
        "pairs",
        f"road >= {DETOUR_RATIO:g}x straight",
        "median ratio",
        "straight-line speed",
    ):
        table.add_column(col, justify="left" if col == "mode" else "right")
    for r in shares.itertuples():
        table.add_row(
            r.mode,
            f"{r.pairs:,}",
            f"{r.share_detour:.1%}",
            f"{r.median_ratio:.2f}",
            f"{r.straight_kmh:g} km/h",
        )
    console.print(table)
    shares.to_csv(ctx.out_dir / "road_vs_straight_line.csv", index=False)
    ctx.state["road_detours"] = shares
    console.print(
        f"every model of this city uses road times by {roads['mode']} "
        f"({roads['osm'].name}); map data {ATTRIBUTION}"
    )
