"""`civicalloc access`: accessibility per area from your own demand, supply and travel CSVs.

For analysts who bring their own matrices: D.csv ``area_id, persons``; S.csv
``facility_id, capacity``; C.csv long ``area_id, facility_id, minutes``. Writes A.csv with one
row per area of D.csv: access, nearest_minutes, and covered (for --method coverage).
"""

from __future__ import annotations

from pathlib import Path

import typer

from demand.errors import InputError
from scenarios.errors import user_errors
from scenarios.out_paths import check_out_file

METHODS = ("2sfca", "e2sfca", "gravity", "coverage")  # optimize.metrics.ACCESS_METHODS


def parse_decay(method: str, decay: str | None) -> dict:
    """Keyword arguments of the metric for a --decay text; raises InputError when unclear.

    e2sfca: ``steps:10=1,20=0.68,30=0.22`` (default) or ``gaussian:SIGMA_MINUTES``;
    gravity: ``power:BETA`` for weight max(t, 1 min) ** -BETA (default power:1).
    """
    hint = {
        "e2sfca": "use --decay steps:10=1,20=0.68,30=0.22 or --decay gaussian:15",
        "gravity": "use --decay power:1.5",
    }
    if decay is None:
        return {}
    if method not in hint:
        raise InputError(f"--decay does not apply to --method {method}; leave it out.")
    kind, _, spec = decay.partition(":")
    try:
        if method == "e2sfca" and kind == "steps":
            steps = {}
            for part in spec.split(","):
                minutes, weight = part.split("=")
                steps[float(minutes)] = float(weight)
            if any(w < 0 for w in steps.values()):
                raise ValueError
            return {"steps": steps}
        if method == "e2sfca" and kind == "gaussian" and float(spec) > 0:
            return {"sigma_minutes": float(spec)}
        if method == "gravity" and kind == "power" and float(spec) > 0:
            return {"alpha": -float(spec)}
    except ValueError:
        pass
    raise InputError(f"--decay {decay!r} is not understood for {method}: {hint[method]}.")


def register(app: typer.Typer) -> None:
    """Add the access command to the CLI."""

    @app.command("access")
    def access(
        method: str = typer.Option(..., "--method", help="2sfca, e2sfca, gravity or coverage."),
        demand: Path = typer.Option(..., "--demand", help="CSV: area_id, persons."),
        supply: Path = typer.Option(..., "--supply", help="CSV: facility_id, capacity."),
        cost: Path = typer.Option(..., "--cost", help="CSV: area_id, facility_id, minutes."),
        out: Path = typer.Option(..., "--out", help="CSV to write: access per area."),
        threshold: float = typer.Option(
            None,
            "--threshold",
            help="Catchment in minutes (2sfca/coverage default 30; caps e2sfca and gravity).",
        ),
        decay: str = typer.Option(
            None,
            "--decay",
            help="e2sfca: steps:10=1,20=0.68,30=0.22 or gaussian:SIGMA; gravity: power:BETA.",
        ),
    ) -> None:
        """Access per area: 2SFCA, enhanced 2SFCA, gravity, or coverage within a threshold."""
        from demand.tables import AREA_DEMAND, FACILITY_SUPPLY, read_table, read_text
        from optimize.metrics import access_by_method
        from scenarios.show import console
        from scenarios.show.access import print_access
        from scenarios.spreadsheet import write_csv
        from supply.travel import travel_times_from_matrix

        with user_errors():
            check_out_file(out, "--out", (".csv",))
            if method not in METHODS:
                raise InputError(f"--method {method!r} is not one of {', '.join(METHODS)}.")
            if threshold is not None and not threshold > 0:
                raise InputError(f"--threshold must be > 0 minutes, got {threshold:g}.")
            decay_kwargs = parse_decay(method, decay)
            persons = read_table(demand, AREA_DEMAND).set_index("area_id")["persons"]
            capacity = read_table(supply, FACILITY_SUPPLY).set_index("facility_id")["capacity"]
            travel = travel_times_from_matrix(
                read_text(cost, "cost"), persons.index, capacity.index, source=cost.name
            )
            result = access_by_method(method, persons, capacity, travel, threshold,
                                      **decay_kwargs)  # fmt: skip
            write_csv(result, out)
        print_access(result, persons, method, threshold, out, console)
