"""`civicalloc locate`: choose sites with a classic location model from long CSV files."""

from __future__ import annotations

from pathlib import Path

import typer

from scenarios.errors import user_errors, warn
from scenarios.options import SOLVER, gap, solver_options, time_limit
from scenarios.out_paths import check_out_file

#: The models by name, and the class of ``optimize.location`` that solves each.
MODELS = {
    "p-median": "PMedian",
    "p-center": "PCenter",
    "mclp": "MCLP",
    "lscp": "LSCP",
    "cap-p-median": "CapacitatedPMedian",
}
NEEDS_P = {"p-median", "p-center", "mclp", "cap-p-median"}
NEEDS_RADIUS = {"mclp", "lscp"}


def read_fixed(text: str | None) -> list[str]:
    """Site ids from "S1,S2" or from a file with one id per line or a site_id column."""
    if not text:
        return []
    path = Path(text)
    if path.exists():
        from demand.errors import InputError
        from demand.tables import read_text

        frame = read_text(path, "fixed sites")
        if "site_id" in frame.columns:
            ids = list(frame["site_id"])
        elif len(frame.columns) == 1:  # one id per line, no header: the first line is an id
            ids = [str(frame.columns[0]), *frame.iloc[:, 0]]
        else:
            raise InputError(f"{path}: give a site_id column, or one site id per line")
        ids = [s.strip() for s in ids if s.strip()]
        if not ids:
            raise InputError(f"{path}: no site ids; write one per line or a site_id column")
        return ids
    return [s.strip() for s in text.split(",") if s.strip()]


def register(app: typer.Typer) -> None:
    """Add `locate` to the CLI."""

    @app.command("locate")
    def locate(
        model: str = typer.Option(..., "--model", help=f"One of: {', '.join(MODELS)}."),
        cost: Path = typer.Option(..., "--cost", help="Long CSV: demand_id, site_id, cost."),
        weights: Path = typer.Option(None, "--weights", help="CSV: demand_id, weight."),
        capacity: Path = typer.Option(None, "--capacity", help="CSV: site_id, capacity."),
        p: int = typer.Option(
            None, "--p", min=1, help="Number of sites to open (fixed ones count)."
        ),
        radius: float = typer.Option(None, "--radius", min=0, help="Service radius, cost units."),
        fixed: str = typer.Option(None, "--fixed", help="Sites open already: S1,S2 or a file."),
        k_nearest: int = typer.Option(
            None, "--k-nearest", min=1, help="Speed: start from k cheapest."
        ),
        max_cost: float = typer.Option(None, "--max-cost", min=0, help="Nobody served farther."),
        unmet_penalty: float = typer.Option(
            None, "--unmet-penalty", min=0, help="Per unserved unit."
        ),
        solver: str = SOLVER,
        time_limit_s: float = time_limit(None),
        gap_rel: float = gap(None),
        threads: int = typer.Option(None, "--threads", min=1, help="Solver threads."),
        seed: int = typer.Option(None, "--seed", help="Solver random seed."),
        out: Path = typer.Option(..., "--out", help="RESULT.json to write."),
    ) -> None:
        """Open sites with p-median, p-center, MCLP, LSCP or capacitated p-median."""
        from demand.errors import InputError
        from demand.tables import COSTS, SITE_CAPACITY, WEIGHTS, read_table
        from optimize import location
        from optimize.location.inputs import check_capacity, check_weights
        from scenarios.show import console
        from scenarios.show.location import print_location

        with user_errors():
            check_out_file(out, "--out", (".json",))
            if model not in MODELS:
                raise InputError(f"--model {model!r} is not known; use one of {', '.join(MODELS)}")
            if model in NEEDS_P and p is None:
                raise InputError(f"--model {model} needs --p (how many sites to open)")
            if model in NEEDS_RADIUS and radius is None:
                raise InputError(f"--model {model} needs --radius (in the cost's units)")
            if model == "cap-p-median" and capacity is None:
                raise InputError("--model cap-p-median needs --capacity CAP.csv")
            options = solver_options(
                solver, time_limit_s, gap_rel=gap_rel, threads=threads, seed=seed
            )
            costs = read_table(cost, COSTS)[["demand_id", "site_id", "cost"]]
            costs.attrs["checked"] = True
            w = None
            if weights is not None:
                table = read_table(weights, WEIGHTS)
                w = check_weights(table, costs["demand_id"], str(weights))
                unserved = ~table["demand_id"].isin(costs["demand_id"]).to_numpy()
                if unserved.any():
                    first = int(unserved.argmax())
                    warn(f"{weights}: {int(unserved.sum())} weighted demand(s) have no cost rows "
                         f"(first {table['demand_id'].iloc[first]!r}, row {first + 2}); they "
                         "cannot be served and count as unmet")  # fmt: skip
            settings: dict = {"fixed_open": read_fixed(fixed)}
            if model in NEEDS_P:
                settings["p"] = p
            if model in NEEDS_RADIUS:
                settings["radius"] = radius
            if model in ("p-median", "p-center", "cap-p-median"):
                settings |= {"k_nearest": k_nearest, "max_cost": max_cost}
                settings["unmet_penalty"] = unmet_penalty
            elif model == "lscp":
                settings["uncovered_penalty"] = unmet_penalty
            if capacity is not None and model == "cap-p-median":
                settings["capacity"] = check_capacity(
                    read_table(capacity, SITE_CAPACITY), str(capacity)
                )
            kind = getattr(location, MODELS[model])
            result = kind.from_costs(costs, w, **settings).solve(options)
            result.to_json(out)
        print_location(result, out, console)
