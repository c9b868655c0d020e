"""The health bureau's results in the terminal: the outreach schedule and the bed plan."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from optimize.result import PlanResult


def print_outreach(result: PlanResult, console: Console, top: int = 8) -> None:
    """Status, the headline numbers and the busiest schedule rows."""
    console.print(result.summary())
    if not result.plans:
        console.print("no plan: " + "; ".join(result.messages))
        return
    by_area = result.plans["by_area"]
    need, served = by_area["need"].sum(), by_area["served"].sum()
    line = (
        f"visits a week that could be seen near home: {need:,.0f}; served at centres "
        f"{served:,.0f} ({served / max(need, 1e-9):.0%}); unmet {by_area['unmet'].sum():,.0f} "
        f"(worst area {by_area['unmet_share'].max():.0%} unmet)"
    )
    console.print(line)
    if "minutes_before" in by_area:
        w = by_area["need"]
        before = (by_area["minutes_before"] * w).sum() / w.sum()
        after = (by_area["minutes_after"] * w).sum() / w.sum()
        console.print(f"average one-way trip per specialist visit: {before:.1f} -> {after:.1f} min")
    access = result.plans.get("access_change")
    if access is not None and len(access):
        console.print(
            "2SFCA specialist half-days per week per 1,000 residents within reach: mean "
            f"{access['access_before'].mean():.2f} -> {access['access_after'].mean():.2f}, "
            f"lowest area {access['access_before'].min():.2f} -> "
            f"{access['access_after'].min():.2f}"
        )
    schedule = result.plans["schedule"].sort_values("sessions", ascending=False).head(top)
    table = Table(title=f"Weekly schedule (top {top} of {len(result.plans['schedule'])} rows)")
    for col in ("hospital", "specialty", "centre", "sessions", "one-way min", "half-day slots"):
        table.add_column(col, justify="right" if col in ("sessions", "one-way min") else "left")
    for r in schedule.itertuples(index=False):
        table.add_row(r.hospital_id, r.specialty, r.centre_id, f"{r.sessions:.0f}",
                      f"{r.one_way_minutes:.0f}", r.slots)  # fmt: skip
    console.print(table)
    if len(result.binding):
        console.print("rules that had to give: " + ", ".join(
            f"{c} ({t:,.1f} at {p} places)" for c, p, t in result.binding.itertuples(index=False)
        ))  # fmt: skip


def print_beds(result: PlanResult, console: Console) -> None:
    """Status, beds and turn-aways per hospital before/after, and what binds."""
    console.print(result.summary())
    if not result.plans:
        console.print("no plan: " + "; ".join(result.messages))
        return
    console.print(result.messages[-1])
    hosp = result.plans["hospitals"]
    wards = result.plans["wards"]
    table = Table(title="Beds per hospital (turned away = expected patients a year, Erlang B)")
    for col in ("hospital", "beds before", "after", "moved in", "moved out", "new",
                "turned away before", "after", "occupancy before", "after"):  # fmt: skip
        table.add_column(col, justify="left" if col == "hospital" else "right")
    for r in hosp.itertuples(index=False):
        g = wards[wards["hospital_id"] == r.hospital_id]
        occ0 = (g["occupancy_before"] * g["beds_before"]).sum() / max(g["beds_before"].sum(), 1)
        occ1 = (g["occupancy_after"] * g["beds_after"]).sum() / max(g["beds_after"].sum(), 1)
        table.add_row(r.hospital_id, f"{r.beds_before:,}", f"{r.beds_after:,}", f"{r.moved_in:.0f}",
                      f"{r.moved_out:.0f}", f"{r.new_beds:.0f}", f"{r.turned_away_before:,.0f}",
                      f"{r.turned_away_after:,.0f}", f"{occ0:.0%}", f"{occ1:.0%}")  # fmt: skip
    console.print(table)
    console.print(
        f"turned away a year: {wards['turned_away_before'].sum():,.0f} -> "
        f"{wards['turned_away_after'].sum():,.0f}; wards below need at the target: "
        f"{len(result.shortfall)} ({result.shortfall['amount'].sum():,.0f} beds)"
    )
    binds = result.plans["what_binds"]
    if len(binds):
        counts = binds.groupby("rule")["saves_per_year_if_relaxed"].agg(["size", "max"])
        console.print("what binds: " + "; ".join(
            f"{rule} at {int(n)} place(s) (one more bed would save up to {m:,.1f} patients a year)"
            for rule, (n, m) in counts.iterrows()
        ))  # fmt: skip
    if len(result.binding):
        console.print("rules that had to give: " + ", ".join(
            f"{c} ({t:,.0f} beds at {p} places)"
            for c, p, t in result.binding.itertuples(index=False)
        ))  # fmt: skip
