"""Benchmark: need + travel + 2SFCA for a 5,000-area city and 500 health facilities.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/access.py [--areas 5000] [--facilities 500]

Prints wall time and peak traced memory per step, then the same 2SFCA through PySAL `access`
(the baseline, measured in this run) as a time ratio, and the largest difference between them.
Target: need + travel + 2SFCA under 30 s on 2 cores.
"""

from __future__ import annotations

import argparse
import logging
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from demand.bundle import make_sample_city
from demand.daytime import compute_need
from optimize.metrics import two_step_fca
from supply.capacity import effective_capacity
from supply.travel import travel_times_from_geometry


def measure(label: str, fn: Callable[[], object]) -> tuple[object, float]:
    """Run fn twice: untraced for wall seconds, then under tracemalloc for peak memory (MB)."""
    started = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label:<46} {seconds:8.2f} s   peak {peak / 2**20:8.1f} MB")
    return out, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, default=5000)
    parser.add_argument("--facilities", type=int, default=500)
    parser.add_argument("--cutoff", type=float, default=60.0, help="travel cutoff, minutes")
    parser.add_argument("--catchment", type=float, default=30.0, help="2SFCA catchment, minutes")
    args = parser.parse_args()

    started = time.perf_counter()
    city = make_sample_city(n_areas=args.areas, seed=11)
    year = city.latest_year
    built = time.perf_counter() - started
    print(
        f"sample city: {len(city.areas)} areas, {len(city.population):,} population rows, "
        f"{len(city.mobility):,} OD rows (built in {built:.1f} s, not timed)"
    )
    health = city.facilities[city.facilities["kind"].isin(["hospital", "community_health_centre"])]
    health = pd.concat(
        [health[health["kind"] == "hospital"], health[health["kind"] != "hospital"]]
    ).head(args.facilities)
    print(f"facilities: {len(health)} ({health['kind'].value_counts().to_dict()})\n")

    need, t_need = measure(
        "need (rates x population + day-time rule)",
        lambda: compute_need(city.population, mobility=city.mobility, years=[year]),
    )
    travel, t_travel = measure(
        f"travel from geometry (KD-tree, {args.cutoff:g}-min cutoff)",
        lambda: travel_times_from_geometry(city.areas, health, cutoff_minutes=args.cutoff),
    )
    visits = need[need["resource"].str.startswith("outpatient_visits:")]
    demand = visits.groupby("area_id")["amount"].sum()
    cap = effective_capacity(city.capacity, city.workforce)
    cap = cap[
        cap["facility_id"].isin(health["facility_id"])
        & cap["resource"].str.startswith("outpatient_visits:")
    ]  # noqa: E501
    supply = cap.groupby("facility_id")["amount"].sum().reindex(health["facility_id"], fill_value=0)
    ours, t_fca = measure(
        f"2SFCA ({args.catchment:g} min, numpy bincount)",
        lambda: two_step_fca(demand, supply, travel, args.catchment),
    )
    total = t_need + t_travel + t_fca
    print(f"{'total need + travel + 2SFCA':<46} {total:8.2f} s   (target < 30 s)")
    print(f"pairs within cutoff: {len(travel):,} of {len(city.areas) * len(health):,} possible "
          f"({len(travel) / (len(city.areas) * len(health)):.1%})")  # fmt: skip

    # baseline: PySAL access on the same inputs (drop bench/ from the path: this file is
    # itself called access.py and would shadow the package)
    here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    import access

    logging.getLogger("access").setLevel(logging.WARNING)

    def baseline() -> pd.Series:
        model = access.Access(
            demand_df=demand.rename("need").rename_axis("area_id").reset_index(),
            demand_index="area_id",
            demand_value="need",
            supply_df=supply.rename("visits").rename_axis("facility_id").reset_index(),
            supply_index="facility_id",
            supply_value="visits",
            cost_df=travel,
            cost_origin="area_id",
            cost_dest="facility_id",
            cost_name="minutes",
        )
        frame = model.two_stage_fca(name="fca", max_cost=args.catchment)
        return frame.iloc[:, 0].reindex(demand.index).fillna(0.0)

    theirs, t_base = measure("baseline: PySAL access two_stage_fca", baseline)
    diff = float(np.max(np.abs(ours.to_numpy() - theirs.to_numpy())))
    scale = float(np.max(np.abs(theirs.to_numpy())))
    print(f"\n2SFCA speed-up over PySAL access: {t_base / t_fca:.1f}x  "
          f"(max |difference| {diff:.2e} on values up to {scale:.3g})")  # fmt: skip
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak resident memory: {rss:.0f} MB")


if __name__ == "__main__":
    main()
