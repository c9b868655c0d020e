"""`civicalloc districts`: redraw school attendance districts of a city bundle.

Reads the bundle, runs ``optimize.education.redistrict_city`` and prints before / after figures
and the schools under most pressure; ``--out`` writes the new district map (GeoPackage with
layers ``districts``, ``today`` and ``units``, or GeoJSON of the districts) with the per-unit
assignment and per-school enrolment as CSV files next to it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from demand.bundle import load_city
from demand.errors import InputError
from optimize.education import DistrictRules, Redistricting, redistrict_city
from optimize.solver import SolverOptions
from scenarios.errors import user_errors

console = Console(highlight=False, soft_wrap=True)


def parse_years(text: str | None) -> list[int] | None:
    """'2026-2030' or '2026,2028' as a list of years (None when not given)."""
    if not text:
        return None
    try:
        if "-" in text:
            first, last = (int(t) for t in text.split("-", 1))
            return list(range(first, last + 1))
        return [int(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise InputError(
            f"--years {text!r}: give a range like 2026-2030 or a list 2026,2028"
        ) from None


def parse_new_schools(specs: list[str]) -> pd.DataFrame | None:
    """'N1:A0123:1620' (school id, area id, seats) per new school."""
    rows = []
    for spec in specs:
        parts = spec.split(":")
        if len(parts) != 3:
            raise InputError(f"--new-school {spec!r}: write SCHOOL_ID:AREA_ID:SEATS")
        try:
            rows.append((parts[0], parts[1], float(parts[2])))
        except ValueError:
            raise InputError(f"--new-school {spec!r}: seats must be a number") from None
    return pd.DataFrame(rows, columns=["school_id", "area_id", "seats"]) if rows else None


def read_today(path: Path | None) -> pd.Series | None:
    """Today's districts from a CSV with columns area_id, school_id."""
    if path is None:
        return None
    if not path.exists():
        raise InputError(f"{path}: today's districts file not found. Check the path.")
    frame = pd.read_csv(path, dtype=str)
    missing = {"area_id", "school_id"} - set(frame.columns)
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    return frame.set_index("area_id")["school_id"]


def write_districts(plan: Redistricting, out: Path) -> list[Path]:
    """Write the district map (.gpkg or .geojson) and the assignment / enrolment CSVs."""
    out.parent.mkdir(parents=True, exist_ok=True)
    written = [out]
    districts = plan.districts
    if out.suffix.lower() == ".gpkg":
        districts.to_file(out, layer="districts", driver="GPKG")
        plan.today_districts.to_file(out, layer="today", driver="GPKG")
        units = plan.inputs.units.merge(plan.result.plans["assignment"], on="area_id")
        units.to_file(out, layer="units", driver="GPKG")
    elif out.suffix.lower() in (".geojson", ".json"):
        districts.to_file(out, driver="GeoJSON")
    else:
        raise InputError(f"--out {out}: use a .gpkg or .geojson file name")
    stem = out.with_suffix("")
    for name in ("assignment", "enrolment", "summary"):
        path = Path(f"{stem}_{name}.csv")
        plan.result.plans[name].to_csv(path, index=False)
        written.append(path)
    return written


def print_redistricting(plan: Redistricting, top: int = 10, out: Console | None = None) -> None:
    """Status, before / after figures, and the schools under most pressure in the plan year."""
    out = out or console
    result = plan.result
    out.print(result.summary(), style="green" if result.has_plan else "yellow")
    for message in result.messages:
        out.print(f"  · {message}", style="dim")
    if not result.has_plan:
        return
    table = Table(title=f"{plan.inputs.level.name} districts, plan year {plan.plan_year}")
    for col in ("measure", "today", "new"):
        table.add_column(col, justify="left" if col == "measure" else "right")
    for rec in result.plans["summary"].itertuples(index=False):
        fmt = "{:.1%}" if "share" in rec.measure else "{:,.1f}"
        table.add_row(rec.measure, fmt.format(rec.before), fmt.format(rec.after))
    out.print(table)
    enrol = plan.enrolment
    year = enrol[enrol["year"] == plan.plan_year].sort_values("pupils_today", ascending=False)
    year = year.assign(load_today=year["pupils_today"] / year["seats"]).nlargest(top, "load_today")
    busy = Table(title=f"schools fullest today, {plan.plan_year}: pupils / seats")
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


def register(app: typer.Typer) -> None:
    """Add `districts` to the CLI."""

    @app.command("districts")
    def districts(
        bundle: Path = typer.Argument(..., help="City bundle: a folder of files or one .gpkg."),
        level: str = typer.Option("primary", "--level", help="primary (ages 6-11) or middle."),
        years: str = typer.Option(None, "--years", help="e.g. 2025-2030 (default: +5 years)."),
        plan_year: int = typer.Option(None, "--plan-year", help="Default: peak pressure."),
        max_minutes: float = typer.Option(30.0, "--max-minutes", help="Longest trip, minutes."),
        tolerance: float = typer.Option(0.05, "--tolerance", help="Seats may be exceeded by."),
        max_reassigned: float = typer.Option(0.2, "--max-reassigned", help="Share of pupils."),
        close: list[str] = typer.Option([], "--close", help="School id to close (repeat)."),
        new_school: list[str] = typer.Option([], "--new-school", help="ID:AREA_ID:SEATS."),
        keep_together: list[str] = typer.Option(
            [], "--keep-together", help="Area ids that share a school: A1,A2 (repeat)."
        ),
        today: Path = typer.Option(
            None, "--today", help="CSV area_id, school_id (default: nearest school)."
        ),  # fmt: skip
        candidates: int = typer.Option(4, "--candidates", help="Schools offered per unit."),
        solver: str = typer.Option("cbc", "--solver", help="cbc or highs."),
        time_limit: float = typer.Option(60.0, "--time-limit", help="Seconds."),
        gap: float = typer.Option(None, "--gap", help="Relative gap to stop at, e.g. 0.01."),
        out: Path = typer.Option(None, "--out", help="Map to write: .gpkg or .geojson."),
    ) -> None:
        """Redraw school attendance districts: capacity, travel, contiguity, few moves."""
        with user_errors():
            if solver not in ("cbc", "highs"):
                raise InputError(f"--solver {solver!r} is not known; use cbc or highs")
            city = load_city(bundle)
            rules = DistrictRules(
                max_minutes=max_minutes,
                capacity_tolerance=tolerance,
                max_reassigned_share=max_reassigned,
                candidate_schools=candidates,
            )
            groups = [[a.strip() for a in g.split(",") if a.strip()] for g in keep_together]
            plan = redistrict_city(
                city,
                level,
                years=parse_years(years),
                plan_year=plan_year,
                rules=rules,
                closed=close,
                new_schools=parse_new_schools(new_school),
                keep_together=groups,
                today=read_today(today),
                options=SolverOptions(solver, time_limit_s=time_limit, gap_rel=gap),
            )
            print_redistricting(plan)
            if out is not None and plan.result.has_plan:
                for path in write_districts(plan, out):
                    console.print(f"wrote {path}")
        if not plan.result.has_plan:
            raise typer.Exit(code=2)
