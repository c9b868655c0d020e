"""`civicalloc locate`: choose sites with a classic location model from long CSV files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from demand.errors import InputError
from optimize.location import LSCP, MCLP, CapacitatedPMedian, PCenter, PMedian
from optimize.location.inputs import check_capacity, check_costs, check_weights
from optimize.solver import SolverOptions
from scenarios.errors import user_errors

console = Console(highlight=False, soft_wrap=True)

MODELS = {
    "p-median": PMedian,
    "p-center": PCenter,
    "mclp": MCLP,
    "lscp": LSCP,
    "cap-p-median": CapacitatedPMedian,
}
NEEDS_P = {"p-median", "p-center", "mclp", "cap-p-median"}
NEEDS_RADIUS = {"mclp", "lscp"}


def read_table(path: Path, what: str) -> pd.DataFrame:
    """A CSV as text columns (numbers are checked later, naming file, row and column)."""
    if not path.exists():
        raise InputError(f"{path}: {what} file not found. Check the path.")
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"{path}: cannot read it as CSV ({exc}). Save it as UTF-8 CSV.") from None


def read_fixed(text: str | None) -> list[str]:
    """Site ids from "S1,S2" or from a file with one id per line or a site_id column."""
    if not text:
        return []
    path = Path(text)
    if path.exists():
        frame = read_table(path, "fixed sites")
        ids = frame["site_id"] if "site_id" in frame.columns else frame.iloc[:, 0]
        return [s.strip() for s in ids if s.strip()]
    return [s.strip() for s in text.split(",") if s.strip()]


def register(app: typer.Typer) -> None:
    """Add `locate` to the CLI."""

    @app.command("locate")
    def locate(
        model: str = typer.Option(..., "--model", help=f"One of: {', '.join(MODELS)}."),
        cost: Path = typer.Option(..., "--cost", help="Long CSV: demand_id, site_id, cost."),
        weights: Path = typer.Option(None, "--weights", help="CSV: demand_id, weight."),
        capacity: Path = typer.Option(None, "--capacity", help="CSV: site_id, capacity."),
        p: int = typer.Option(None, "--p", help="Number of sites to open (fixed ones count)."),
        radius: float = typer.Option(None, "--radius", help="Service radius, cost units."),
        fixed: str = typer.Option(None, "--fixed", help="Sites open already: S1,S2 or a file."),
        k_nearest: int = typer.Option(None, "--k-nearest", help="Speed: start from k cheapest."),
        max_cost: float = typer.Option(None, "--max-cost", help="Nobody served farther."),
        unmet_penalty: float = typer.Option(None, "--unmet-penalty", help="Per unserved unit."),
        solver: str = typer.Option("cbc", "--solver", help="cbc or highs."),
        time_limit: float = typer.Option(None, "--time-limit", help="Seconds."),
        gap: float = typer.Option(None, "--gap", help="Relative gap to stop at, e.g. 0.01."),
        threads: int = typer.Option(None, "--threads", help="Solver threads."),
        seed: int = typer.Option(None, "--seed", help="Solver random seed."),
        out: Path = typer.Option(..., "--out", help="RESULT.json to write."),
    ) -> None:
        """Open sites with p-median, p-center, MCLP, LSCP or capacitated p-median."""
        with user_errors():
            if model not in MODELS:
                raise InputError(f"--model {model!r} is not known; use one of {', '.join(MODELS)}")
            if model in NEEDS_P and p is None:
                raise InputError(f"--model {model} needs --p (how many sites to open)")
            if model in NEEDS_RADIUS and radius is None:
                raise InputError(f"--model {model} needs --radius (in the cost's units)")
            if model == "cap-p-median" and capacity is None:
                raise InputError("--model cap-p-median needs --capacity CAP.csv")
            if solver not in ("cbc", "highs"):
                raise InputError(f"--solver {solver!r} is not known; use cbc or highs")
            costs = check_costs(read_table(cost, "cost"), source=str(cost))
            costs.attrs["checked"] = True
            w = None
            if weights is not None:
                w = check_weights(read_table(weights, "weights"), costs["demand_id"], str(weights))
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
                    read_table(capacity, "capacity"), str(capacity)
                )
            options = SolverOptions(solver, time_limit, gap, threads, seed)
            result = MODELS[model].from_costs(costs, w, **settings).solve(options)
            result.to_json(out)
        print_result(result, out)


def print_result(result, out: Path) -> None:
    """Status line, the open sites, and any shortfall."""
    console.print(result.summary(), style="green" if result.has_plan else "yellow")
    sites = result.plans.get("open_sites")
    if sites is not None and len(sites):
        table = Table(title="open sites")
        for col in sites.columns:
            table.add_column(str(col))
        for row in sites.head(30).itertuples(index=False):
            table.add_row(*(f"{v:,.4g}" if isinstance(v, float) else str(v) for v in row))
        console.print(table)
    if len(result.shortfall):
        console.print(
            f"shortfall: {result.shortfall['amount'].sum():,.4g} in "
            f"{len(result.shortfall)} place(s), rules: "
            + ", ".join(sorted(set(result.shortfall["constraint"])))
        )
    console.print(f"wrote {out}")
