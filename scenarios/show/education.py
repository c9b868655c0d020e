"""The education bureau's results in the terminal: teachers per subject (districts: see
``print_redistricting``)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from optimize.result import PlanResult


def print_teachers(result: PlanResult, console: Console, title: str) -> None:
    """Status, then teachers per subject city-wide: in post, required, shortage, moved."""
    console.print(result.summary(), style="green" if result.has_plan else "yellow")
    if not result.has_plan:
        return
    subjects = result.plans["subjects"]
    hiring = bool(result.params.get("rules", {}).get("new_teachers"))
    table = Table(title=title)
    for col in ("subject", "in post", *(("hired",) if hiring else ()), "required",
                "city shortage", "moved", "short at schools"):  # fmt: skip
        table.add_column(col, justify="right")
    for rec in subjects.itertuples(index=False):
        table.add_row(
            rec.subject,
            f"{rec.teachers:,}",
            *((f"{rec.hired:,}",) if hiring else ()),
            f"{rec.required:,.1f}",
            f"{rec.city_shortage:,.1f}",
            f"{rec.moved:,}",
            f"{rec.short:,.1f}",
        )
    console.print(table)
    for message in result.messages[1:]:
        console.print(f"  · {message}")


def print_redistricting(result: PlanResult, out: Console, top: int = 10) -> None:
    """Status, before / after figures, and the schools under most pressure in the plan year."""
    out.print(result.summary(), style="green" if result.has_plan else "yellow")
    for message in result.messages:
        out.print(f"  · {message}", style="dim")
    if not result.has_plan:
        return
    plan_year = result.params["plan_year"]
    table = Table(title=f"{result.params['level']} districts, plan year {plan_year}")
    for col in ("measure", "today", "new"):
        table.add_column(col, justify="left" if col == "measure" else "right")
    for rec in result.plans["summary"].itertuples(index=False):
        fmt = "{:.1%}" if "share" in rec.measure else "{:,.1f}"
        table.add_row(rec.measure, fmt.format(rec.before), fmt.format(rec.after))
    out.print(table)
    enrol = result.plans["enrolment"]
    year = enrol[enrol["year"] == plan_year].sort_values("pupils_today", ascending=False)
    year = year.assign(load_today=year["pupils_today"] / year["seats"]).nlargest(top, "load_today")
    busy = Table(title=f"schools fullest today, {plan_year}: pupils / seats")
    for col in ("school", "seats", "today", "new", "over (new)"):
        busy.add_column(col, justify="right")
    for rec in year.itertuples(index=False):
        busy.add_row(
            rec.school_id,
            f"{rec.seats:,.0f}",
            f"{rec.pupils_today:,.0f} ({rec.pupils_today / rec.seats:.0%})",
            f"{rec.pupils:,.0f} ({rec.pupils / rec.seats:.0%})",
            f"{rec.over:,.0f}",
        )
    out.print(busy)
    over = enrol.groupby("year")[["over"]].sum()
    out.print(
        "pupils above capacity (+tolerance) per year: "
        + ", ".join(f"{y}: {v:,.0f}" for y, v in over["over"].items())
    )
