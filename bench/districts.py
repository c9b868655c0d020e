"""Benchmark: redraw attendance districts of 10,000 units among 200 schools (issue #22).

    OMP_NUM_THREADS=1 .venv/bin/python bench/districts.py [--units 10000] [--schools 200]
        [--seconds 600] [--solvers highs] [--methods plain regions] [--years 1]

The units are the areas of ``make_sample_city(n_areas=units)``; the schools are primary
schools of that city picked far apart (farthest-point order, seeded). Seats are today's district
enrolment times a seeded factor of 0.75-1.25 (some schools crowded, some with room), scaled so
the city as a whole has 5% more seats than pupils in 2025. Rules: every district one piece
(shortest-path-tree rule), capacity +5% in every year, at most 20% of pupils reassigned, travel
<= 45 minutes by bus. ``--years 6`` plans 2025-2030 (capacity in each year, as the scenarios do).

Prints, per solver and method, in the same run: status, objective (pupil-minutes + penalties),
proven bound, gap, pupils above capacity and share reassigned, wall and CPU seconds; and the
baseline measured in this run: today's districts (nearest school) scored by the same objective.
"plain" is the whole MIP handed to the solver; "regions" is the starting plan, improved region
by region, with the whole MIP proving the bound (``optimize/education/district_search.py``).
Target from the issue: within 1% (proven bound) in under 600 s on 2 cores, a plan always.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time

import numpy as np

from demand.bundle import make_sample_city
from optimize.education import DistrictRules, education_inputs, redraw_districts
from optimize.solver import SolverOptions

YEAR = 2025
RULES = DistrictRules(max_minutes=45, capacity_tolerance=0.05, max_reassigned_share=0.2)


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


def bench_instance(n_units: int, n_schools: int, years: int = 1):
    """The inputs of the benchmark instance (capacity in ``years`` years from 2025)."""
    city = make_sample_city(n_areas=n_units, seed=7)
    primary = city.facilities_of("primary_school")
    xy = np.column_stack([primary.geometry.x, primary.geometry.y])
    keep = primary["facility_id"].to_numpy()[pick_far_apart(xy, n_schools)]
    city.facilities = city.facilities[
        (city.facilities["kind"] != "primary_school") | city.facilities["facility_id"].isin(keep)
    ].reset_index(drop=True)
    inputs = education_inputs(city, "primary", years=list(range(YEAR, YEAR + years)),
                              cutoff_minutes=60)  # fmt: skip
    # seats: today's district enrolment x a seeded factor of 0.75-1.25 (some crowded, some with
    # room), then scaled so the city has 5% more seats than pupils
    rng = np.random.default_rng(1)
    first = inputs.pupils[inputs.pupils["year"] == YEAR]
    today = first.groupby(first["area_id"].map(inputs.today))["pupils"].sum()
    seats = today.reindex(inputs.schools["school_id"]).fillna(0.0).to_numpy()
    seats = seats * rng.uniform(0.75, 1.25, len(seats))
    total = first["pupils"].sum()
    inputs.schools["seats"] = np.round(seats * 1.05 * total / seats.sum())
    return inputs


def today_objective(inputs, rules: DistrictRules) -> tuple[float, float]:
    """Objective of today's districts in the model's terms, and its pupils above capacity."""
    p = inputs.pupils[inputs.pupils["year"] == YEAR].set_index("area_id")["pupils"]
    minutes = inputs.travel.set_index(["area_id", "school_id"])["minutes"]
    pairs = list(zip(inputs.today.index, inputs.today.to_numpy(), strict=True))
    travel = float(sum(p.get(a, 0.0) * minutes.get((a, s), 0.0) for a, s in pairs))
    load = p.groupby(inputs.today.reindex(p.index)).sum()
    limit = inputs.schools.set_index("school_id")["seats"] * (1 + rules.capacity_tolerance)
    over = float((load - limit.reindex(load.index)).clip(lower=0).sum())
    return travel + rules.over_capacity_penalty * over, over


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--schools", type=int, default=200)
    parser.add_argument("--seconds", type=float, nargs="+", default=[600.0])
    parser.add_argument("--solvers", nargs="+", default=["highs"])
    parser.add_argument("--methods", nargs="+", default=["plain", "regions"])
    parser.add_argument("--years", type=int, default=1, help="capacity years from 2025")
    args = parser.parse_args()

    started = time.perf_counter()
    inputs = bench_instance(args.units, args.schools, args.years)
    print(f"machine load (1, 5, 15 min): {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(
        f"instance: {len(inputs.units)} units, {len(inputs.schools)} schools, "
        f"{inputs.pupils.groupby('year')['pupils'].sum().max():,.0f} pupils, "
        f"{inputs.schools['seats'].sum():,.0f} seats, years {YEAR}-{YEAR + args.years - 1} "
        f"(built in {time.perf_counter() - started:.1f} s)"
    )
    base, base_over = today_objective(inputs, RULES)
    print(f"baseline (today's districts, nearest school): objective {base:,.0f}, "
          f"pupils above capacity {base_over:,.0f}")  # fmt: skip
    header = (
        f"{'solver':<6} {'method':<8} {'limit s':>7} {'status':<37} {'objective':>13} "
        f"{'bound':>13} {'gap':>7} {'over':>7} {'moved':>6} {'vs today':>8} {'wall s':>7} "
        f"{'cpu s':>7}"
    )
    print(header)
    for solver in args.solvers:
        for seconds in args.seconds:
            for method in args.methods:
                options = SolverOptions(solver, time_limit_s=seconds, threads=1, seed=1,
                                        gap_rel=0.01)  # fmt: skip
                rules = dataclasses.replace(RULES, method=method)
                wall, cpu = time.perf_counter(), time.process_time()
                result = redraw_districts(
                    inputs.units, inputs.pupils, inputs.schools, inputs.travel, inputs.today,
                    rules, plan_year=YEAR, options=options,
                )  # fmt: skip
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                cpu += children_cpu()
                print(row(solver, method, seconds, result, base, wall, cpu), flush=True)
                regions = result.params.get("regions")
                if regions:
                    print(f"       regions: start {regions['start_cost']:,.0f} -> "
                          f"{regions['regions_cost']:,.0f} in {regions['seconds']:.1f} s, "
                          f"{regions['regions_improved']}/{regions['regions_solved']} region "
                          f"MIPs improved, {regions['passes']} pass(es)")  # fmt: skip


_CHILD_CPU = [0.0]


def children_cpu() -> float:
    """CPU seconds of finished child processes since the last call (HiGHS in a child)."""
    import resource

    total = resource.getrusage(resource.RUSAGE_CHILDREN)
    now = total.ru_utime + total.ru_stime
    spent, _CHILD_CPU[0] = now - _CHILD_CPU[0], now
    return spent


def row(solver, method, seconds, result, base, wall, cpu) -> str:
    if not result.has_plan:
        return f"{solver:<6} {method:<8} {seconds:>7.0f} {result.status}"
    summary = result.plans["summary"].set_index("measure")["after"]
    gap = f"{result.gap:.2%}" if result.gap is not None else "n/a"
    bound = result.best_bound if result.best_bound is not None else float("nan")
    return (
        f"{solver:<6} {method:<8} {seconds:>7.0f} {result.status:<37} {result.objective:>13,.0f} "
        f"{bound:>13,.0f} {gap:>7} {summary['pupils above capacity']:>7,.0f} "
        f"{summary['share of pupils reassigned']:>6.1%} {result.objective / base:>8.3f} "
        f"{wall:>7.1f} {cpu:>7.1f}"
    )


if __name__ == "__main__":
    main()
