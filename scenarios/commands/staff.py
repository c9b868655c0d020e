"""`civicalloc staff`: next year's caseworker posting for social-security service centres.

Either from a city bundle (caseload forecast from its history, caseworkers from its workforce,
counters from its capacity, the visit profile from its arrival_profile), or from plain CSVs:

    civicalloc staff --caseload caseload.csv --centres centres.csv --target 0.8 --within-min 20 \\
        --aht-min 12 --online-share 0.2 --out plan.csv

caseload.csv: facility_id, month (2026-01 or 2026-01-01), cases (visits in the month).
centres.csv:  facility_id, caseworkers (today), counters.
profile.csv (optional): facility_id, weekday (0 = Monday), hour, visits.
"""

from __future__ import annotations

from pathlib import Path

import typer

from optimize.staffing.rules import MAX_ONLINE_SHARE, ServiceTarget, TransferLimits
from scenarios.errors import user_errors
from scenarios.options import SOLVER, rules_options, solver_options, time_limit
from scenarios.out_paths import check_out_file


def register(app: typer.Typer) -> None:
    """Add `civicalloc staff` to the CLI."""

    @app.command("staff")
    @rules_options(TransferLimits, param="limits")
    @rules_options(ServiceTarget, param="service")
    def staff(
        service: ServiceTarget,
        limits: TransferLimits,
        bundle: Path | None = typer.Option(None, "--bundle", help="City bundle to plan for."),
        caseload: Path | None = typer.Option(
            None, "--caseload", help="CSV: facility_id, month, cases (instead of --bundle)."
        ),
        centres: Path | None = typer.Option(
            None, "--centres", help="CSV: facility_id, caseworkers, counters (with --caseload)."
        ),
        profile: Path | None = typer.Option(
            None, "--profile", help="CSV: facility_id, weekday, hour, visits (optional)."
        ),
        months: int = typer.Option(12, "--months", min=1, help="Months to forecast (--bundle)."),
        online_share: float = typer.Option(
            0.0,
            "--online-share",
            min=0.0,
            max=MAX_ONLINE_SHARE,
            help="Share of cases moved online (0.2 = 20%).",
        ),
        solver: str = SOLVER,
        time_limit_s: float = time_limit(60.0),
        out: Path | None = typer.Option(
            None, "--out", help="Write the plan per centre-month (CSV)."
        ),
    ) -> None:
        """Post caseworkers across centres and months to serve visitors within the target."""
        from demand.errors import InputError
        from scenarios.show import console
        from scenarios.show.staffing import centre_table
        from scenarios.spreadsheet import write_csv

        with user_errors():
            check_out_file(out, "--out", (".csv",))
            options = solver_options(solver, time_limit_s)
            if bundle is not None:
                from demand.bundle import load_city
                from optimize.staffing.city import staff_city

                city = load_city(bundle)
                console.print(f"forecasting {months} months of caseload …")
                result = staff_city(city, service, limits, online_share, months=months,
                                    options=options)  # fmt: skip
            elif caseload is not None and centres is not None:
                from demand.tables import CASELOAD, CENTRE_STAFF, VISIT_PROFILE, read_table
                from optimize.staffing.city import staff_from_caseload

                table = read_table(centres, CENTRE_STAFF).set_index("facility_id")
                result = staff_from_caseload(
                    read_table(caseload, CASELOAD), table["caseworkers"], table["counters"],
                    None if profile is None else read_table(profile, VISIT_PROFILE),
                    service, limits, online_share, options, sources=(str(caseload), str(profile)),
                )  # fmt: skip
            else:
                raise InputError("give --bundle PATH, or --caseload CSV and --centres CSV")
        console.print(result.summary())
        for message in result.messages:
            console.print(f"  {message}")
        if "posting" not in result.plans:
            raise typer.Exit(code=1)
        posting = result.plans["posting"]
        console.print(centre_table(posting, service))
        if not result.shortfall.empty:
            total = result.shortfall.groupby("constraint")["amount"].sum()
            for rule, amount in total.items():
                console.print(f"short: {rule}: {amount:g} in {len(result.shortfall)} places")
        if out is not None:
            write_csv(posting, out)
            console.print(f"wrote the plan per centre and month → {out}")
