"""Benchmark: redraw attendance districts of 2,000 units among 60 schools.

    OMP_NUM_THREADS=1 .venv/bin/python bench/districts.py [--units 2000] [--schools 60]
        [--seconds 60 300] [--solvers cbc highs]

The units are the areas of ``make_sample_city(n_areas=2000)``; the 60 schools are primary
schools of that city picked far apart (farthest-point order, seeded). Seats are today's district
enrolment times a seeded factor of 0.75-1.25 (some schools crowded, some with room), scaled so
the city as a whole has 5% more seats than pupils in 2025. Rules: every district one piece
(shortest-path-tree rule), capacity +5% in 2025, at most 20% of pupils reassigned, travel
<= 45 minutes by bus.

Prints, per solver and time limit: status, objective (pupil-minutes + penalties), best bound,
gap, pupils above capacity and share reassigned, and the baseline measured in this run:
today's districts (nearest school) scored by the same objective, as a ratio.
Target from the issue: gap within 1% after 300 s on 2 cores.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from demand.bundle import make_sample_city
from optimize.education import DistrictRules, education_inputs, redraw_districts
from optimize.education.districts import peak_pressure_year
from optimize.solver import SolverOptions

YEAR = 2025


def pick_far_apart(points: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    """k indices of ``points`` in farthest-point order from a seeded start."""
    rng = np.random.default_rng(seed)
    chosen = [int(rng.integers(len(points)))]
    dist = np.hypot(*(points - points[chosen[0]]).T)
    while len(chosen) < k:
        nxt = int(np.argmax(dist))
        chosen.append(nxt)
        dist = np.minimum(dist, np.hypot(*(points - points[nxt]).T))
    return np.array(chosen)


def bench_instance(n_units: int, n_schools: int):
    """The inputs of the benchmark instance."""
    city = make_sample_city(n_areas=n_units, seed=7)
    primary = city.facilities_of("primary_school")
    xy = np.column_stack([primary.geometry.x, primary.geometry.y])
    keep = primary["facility_id"].to_numpy()[pick_far_apart(xy, n_schools)]
    city.facilities = city.facilities[
        (city.facilities["kind"] != "primary_school") | city.facilities["facility_id"].isin(keep)
    ].reset_index(drop=True)
    inputs = education_inputs(city, "primary", years=[YEAR], cutoff_minutes=60)
    # seats: today's district enrolment x a seeded factor of 0.75-1.25 (some crowded, some with
    # room), then scaled so the city has 5% more seats than pupils
    rng = np.random.default_rng(1)
    today = inputs.pupils.groupby(inputs.pupils["area_id"].map(inputs.today))["pupils"].sum()
    seats = today.reindex(inputs.schools["school_id"]).fillna(0.0).to_numpy()
    seats = seats * rng.uniform(0.75, 1.25, len(seats))
    total = inputs.pupils["pupils"].sum()
    inputs.schools["seats"] = np.round(seats * 1.05 * total / seats.sum())
    return inputs


def today_objective(inputs, rules: DistrictRules) -> tuple[float, float]:
    """Objective of today's districts in the model's terms, and its pupils above capacity."""
    p = inputs.pupils.set_index("area_id")["pupils"]
    minutes = inputs.travel.set_index(["area_id", "school_id"])["minutes"]
    pairs = list(zip(inputs.today.index, inputs.today.to_numpy(), strict=True))
    travel = float(sum(p.get(a, 0.0) * minutes.get((a, s), 0.0) for a, s in pairs))
    load = p.groupby(inputs.today.reindex(p.index)).sum()
    limit = inputs.schools.set_index("school_id")["seats"] * (1 + rules.capacity_tolerance)
    over = float((load - limit.reindex(load.index)).clip(lower=0).sum())
    return travel + rules.over_capacity_penalty * over, over


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--schools", type=int, default=60)
    parser.add_argument("--seconds", type=float, nargs="+", default=[60.0, 300.0])
    parser.add_argument("--solvers", nargs="+", default=["cbc", "highs"])
    args = parser.parse_args()

    started = time.perf_counter()
    inputs = bench_instance(args.units, args.schools)
    rules = DistrictRules(
        max_minutes=45, capacity_tolerance=0.05, max_reassigned_share=0.2,
    )  # fmt: skip
    print(
        f"instance: {len(inputs.units)} units, {len(inputs.schools)} schools, "
        f"{inputs.pupils['pupils'].sum():,.0f} pupils, {inputs.schools['seats'].sum():,.0f} seats "
        f"(built in {time.perf_counter() - started:.1f} s)"
    )
    base, base_over = today_objective(inputs, rules)
    print(f"baseline (today's districts, nearest school): objective {base:,.0f}, "
          f"pupils above capacity {base_over:,.0f}")  # fmt: skip
    print(f"plan year {peak_pressure_year(inputs.pupils, inputs.schools, inputs.today)}")
    header = (
        f"{'solver':<6} {'limit s':>7} {'status':<38} {'objective':>12} {'bound':>12} "
        f"{'gap':>7} {'over':>7} {'moved':>6} {'vs today':>8} {'build s':>7} {'solve s':>7}"
    )
    print(header)
    for solver in args.solvers:
        for seconds in args.seconds:
            options = SolverOptions(solver, time_limit_s=seconds, threads=1, seed=1)
            result = redraw_districts(
                inputs.units, inputs.pupils, inputs.schools, inputs.travel, inputs.today, rules,
                plan_year=YEAR, options=options,
            )  # fmt: skip
            if not result.has_plan:
                print(f"{solver:<6} {seconds:>7.0f} {result.status}")
                continue
            summary = result.plans["summary"].set_index("measure")["after"]
            gap = f"{result.gap:.2%}" if result.gap is not None else "n/a"
            bound = result.best_bound if result.best_bound is not None else float("nan")
            print(
                f"{solver:<6} {seconds:>7.0f} {result.status:<38} {result.objective:>12,.0f} "
                f"{bound:>12,.0f} {gap:>7} {summary['pupils above capacity']:>7,.0f} "
                f"{summary['share of pupils reassigned']:>6.1%} "
                f"{result.objective / base:>8.3f} {result.build_seconds:>7.1f} "
                f"{result.solve_seconds:>7.1f}"
            )
    pd.set_option("display.width", 120)


if __name__ == "__main__":
    main()
