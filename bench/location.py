"""Benchmark: civicalloc location models vs PySAL spopt on the very same seeded instances.

Sizes (demand points, candidate sites, p): small (1000, 100, 10), middle (3000, 300, 20),
large (10000, 500, 30). Costs are straight-line metres between uniform random points in a
20 km square; weights are 1..100 persons; MCLP radius 2.5 km; capacitated p-median sites hold
1.25 x (total weight / p). spopt runs in a child process under a time cap (it builds the full
n x m binary model, which at the large size does not fit the cap).

    .venv/bin/python bench/location.py --sizes small,middle --spopt-cap 600

Prints build and solve seconds, objective, and spopt / civicalloc end-to-end time as a ratio.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import signal
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

SIZES = {"small": (1000, 100, 10), "middle": (3000, 300, 20), "large": (10000, 500, 30)}
RADIUS_M = 2500.0
CAPACITY_FACTOR = 1.25  # each site holds 1.25 x an equal share: binding in places


def instance(n: int, m: int, p: int, seed: int = 42):
    """Cost matrix (metres), weights (persons) and site capacities (persons)."""
    rng = np.random.default_rng(seed)
    demand = rng.uniform(0, 20_000, (n, 2))
    sites = rng.uniform(0, 20_000, (m, 2))
    cost = np.hypot(
        demand[:, None, 0] - sites[None, :, 0], demand[:, None, 1] - sites[None, :, 1]
    ).round(1)
    weights = rng.integers(1, 101, n).astype(float)
    capacity = np.full(m, np.ceil(CAPACITY_FACTOR * weights.sum() / p))
    return cost, weights, capacity


def run_ours(model: str, size: str, solver: str, gap: float | None, time_limit: float | None):
    from optimize.location import MCLP, CapacitatedPMedian, PMedian
    from optimize.solver import SolverOptions

    n, m, p = SIZES[size]
    cost, weights, capacity = instance(n, m, p)
    t0 = time.perf_counter()
    k = max(10, 2 * m // p)
    if model == "p-median":
        obj = PMedian.from_cost_matrix(cost, weights, p=p, k_nearest=k)
    elif model == "mclp":
        obj = MCLP.from_cost_matrix(cost, weights, p=p, radius=RADIUS_M)
    else:
        cap = pd.Series(capacity, index=[str(j) for j in range(m)])
        obj = CapacitatedPMedian.from_cost_matrix(cost, weights, p=p, capacity=cap, k_nearest=k)
    doors = time.perf_counter() - t0
    result = obj.solve(SolverOptions(solver, time_limit_s=time_limit, gap_rel=gap))
    total = time.perf_counter() - t0
    return {
        "build_s": doors + result.build_seconds,
        "solve_s": result.solve_seconds,
        "total_s": total,
        "objective": result.objective,
        "gap": result.gap,
        "status": result.status,
    }


def _spopt_child(model: str, size: str, queue) -> None:
    os.setpgrp()  # own process group, so the cap also stops the CBC it starts
    import pulp
    from spopt.locate import MCLP, PMedian

    n, m, p = SIZES[size]
    cost, weights, capacity = instance(n, m, p)
    t0 = time.perf_counter()
    if model == "p-median":
        obj = PMedian.from_cost_matrix(cost, weights, p_facilities=p)
    elif model == "mclp":
        obj = MCLP.from_cost_matrix(cost, weights, service_radius=RADIUS_M, p_facilities=p)
    else:
        obj = PMedian.from_cost_matrix(cost, weights, p_facilities=p, facility_capacities=capacity)
    queue.put(("built", time.perf_counter() - t0))
    t1 = time.perf_counter()
    obj.solve(pulp.PULP_CBC_CMD(msg=False), results=False)
    solve_s = time.perf_counter() - t1
    queue.put(
        (
            "solved",
            solve_s,
            float(pulp.value(obj.problem.objective)),
            pulp.LpStatus[obj.problem.status],
        )
    )


def run_spopt(model: str, size: str, cap_s: float):
    queue = mp.Queue()
    child = mp.Process(target=_spopt_child, args=(model, size, queue))
    t0 = time.perf_counter()
    child.start()
    build_s = None
    out = {"build_s": None, "solve_s": None, "total_s": None, "objective": None, "status": ""}
    while True:
        left = cap_s - (time.perf_counter() - t0)
        try:
            msg = queue.get(timeout=max(left, 0.01))
        except Exception:  # noqa: BLE001 - queue.Empty: over the cap
            try:
                os.killpg(child.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            child.join()
            stage = "building" if build_s is None else "solving"
            out["status"] = f"not done after {cap_s:.0f}s ({stage})"
            out["build_s"] = build_s
            return out
        if msg[0] == "built":
            build_s = msg[1]
        else:
            child.join()
            out.update(
                build_s=build_s,
                solve_s=msg[1],
                total_s=build_s + msg[1],
                objective=msg[2],
                status=msg[3].lower(),
            )
            return out


def fmt(x, spec=".2f"):
    return "-" if x is None else format(x, spec)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="small,middle")
    ap.add_argument("--models", default="p-median,mclp,cap-p-median")
    ap.add_argument("--solver", default="highs")
    ap.add_argument("--gap", type=float, default=None, help="ours; None = solver default")
    ap.add_argument("--time-limit", type=float, default=300.0, help="ours, seconds")
    ap.add_argument("--spopt-cap", type=float, default=600.0, help="seconds; 0 = skip spopt")
    ap.add_argument("--large-gap", type=float, default=0.01, help="gap for the large size")
    ap.add_argument("--cap-gap", type=float, default=0.01, help="gap for cap-p-median")
    ap.add_argument("--spopt-only", action="store_true", help="rerun spopt with a longer cap")
    args = ap.parse_args()
    header = (
        f"{'model':13} {'size':7} {'who':10} {'build s':>8} {'solve s':>8} {'total s':>8} "
        f"{'objective':>14} {'gap':>7}  status / ratio"
    )
    print(header)
    print("-" * len(header))
    for size in args.sizes.split(","):
        for model in args.models.split(","):
            gap = args.large_gap if size == "large" else args.gap
            if model == "cap-p-median":
                gap = args.cap_gap
            if args.spopt_only:
                theirs = run_spopt(model, size, args.spopt_cap)
                print(
                    f"{model:13} {size:7} {'spopt':10} {fmt(theirs['build_s']):>8} "
                    f"{fmt(theirs['solve_s']):>8} {fmt(theirs['total_s']):>8} "
                    f"{fmt(theirs['objective'], ',.1f'):>14} {'':>7}  {theirs['status']}",
                    flush=True,
                )
                continue
            ours = run_ours(model, size, args.solver, gap, args.time_limit)
            print(
                f"{model:13} {size:7} {'civicalloc':10} {fmt(ours['build_s']):>8} "
                f"{fmt(ours['solve_s']):>8} {fmt(ours['total_s']):>8} "
                f"{fmt(ours['objective'], ',.1f'):>14} {fmt(ours['gap'], '.3%'):>7}  "
                f"{ours['status']} ({args.solver})",
                flush=True,
            )
            if args.spopt_cap <= 0:
                continue
            theirs = run_spopt(model, size, args.spopt_cap)
            ratio = ""
            if theirs["total_s"] is not None:
                ratio = f"; spopt/ours time {theirs['total_s'] / ours['total_s']:.1f}x"
                if theirs["objective"] and ours["objective"]:
                    ratio += f", objective ratio {ours['objective'] / theirs['objective']:.6f}"
            else:
                ratio = f"; ratio > {args.spopt_cap / ours['total_s']:.1f}x"
            print(
                f"{model:13} {size:7} {'spopt':10} {fmt(theirs['build_s']):>8} "
                f"{fmt(theirs['solve_s']):>8} {fmt(theirs['total_s']):>8} "
                f"{fmt(theirs['objective'], ',.1f'):>14} {'':>7}  {theirs['status']} (cbc)"
                f"{ratio}",
                flush=True,
            )


if __name__ == "__main__":
    main()
