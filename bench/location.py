"""Benchmark: issue #22's location targets, each beside the plain model and spopt in one run.

Rows (2 cores; the target in brackets):
  orlib         OR-Library pmed1-40: all proven optimal, none over 10 s, all in 120 s
  pmed-middle   p-median 3,000 x 300, p=20: proven optimal in 30 s
  pmed-large    p-median 10,000 x 500, p=30: within 0.5% (proven bound) in 120 s
  mclp-large    MCLP 10,000 x 500, p=30, radius 2.5 km: within 1% (proven bound) in 300 s
  pcenter-middle  p-center 3,000 x 300, p=20: proven optimal in 120 s
  cap-small / cap-middle / cap-large  capacitated p-median (no target; gap 1%)

"ours" is what ``civicalloc locate`` runs (method auto, HiGHS); "plain" is the compact PuLP
model (method="compact", HiGHS; the p-median and p-center over each demand's k nearest sites,
widened until exact), under the same time limit; "spopt" is PySAL spopt 0.7 with CBC, in its
own process group under the same cap. Each runs in a child process with a hard cap (limit +
grace), so a model too big to build is reported, not waited for. Seconds are wall clock and
CPU (the process and the children it waited for); the load average is printed with them.

Instances: uniform random points in a 20 km square (seed 42), straight-line metres rounded to
0.1 m, weights 1..100 persons; capacitated sites hold 1.25 x (total weight / p).

    .venv/bin/python bench/location.py                       # every row
    .venv/bin/python bench/location.py --rows orlib --spopt-cap 0
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import signal
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

ORLIB = Path(os.environ.get("CIVICALLOC_ORLIB", "/work/shared/data/orlib-pmed"))
RADIUS_M = 2500.0
CAPACITY_FACTOR = 1.25  # each site holds 1.25 x an equal share: binding in places
GRACE_S = 30.0  # a child gets its time limit plus this to build and report

#: row -> (model, demands, sites, p, gap, time limit s, target in words)
ROWS = {
    "pmed-middle": ("p-median", 3000, 300, 20, None, 30.0, "optimal < 30 s"),
    "pmed-large": ("p-median", 10000, 500, 30, 0.005, 120.0, "<= 0.5% < 120 s"),
    "mclp-large": ("mclp", 10000, 500, 30, 0.01, 300.0, "<= 1% < 300 s"),
    "pcenter-middle": ("p-center", 3000, 300, 20, None, 120.0, "optimal < 120 s"),
    "cap-small": ("cap-p-median", 1000, 100, 10, 0.01, 300.0, "(none)"),
    "cap-middle": ("cap-p-median", 3000, 300, 20, 0.01, 300.0, "(none)"),
    "cap-large": ("cap-p-median", 10000, 500, 30, 0.01, 300.0, "(none)"),
}
#: spopt builds one binary per demand-site pair in PuLP: above this many it is not run
SPOPT_MAX_PAIRS = 1_000_000


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


def problem(row: str):
    """(model, cost, weights, capacity, p, gap, limit) of a row or of an OR-Library file."""
    if row.startswith("pmed") and row[4:].isdigit():
        from optimize.location.orlib import read_orlib_pmed

        cost, p = read_orlib_pmed(ORLIB / f"{row}.txt")
        return "p-median", cost, None, None, p, None, 10.0
    model, n, m, p, gap, limit, _ = ROWS[row]
    cost, weights, capacity = instance(n, m, p)
    return model, cost, weights, capacity, p, gap, limit


def run_civicalloc(row: str, method: str) -> dict:
    """Our model (method "auto") or the plain one ("compact"), HiGHS, the row's limit."""
    import pandas as pd

    from optimize.location import MCLP, CapacitatedPMedian, PCenter, PMedian
    from optimize.solver import SolverOptions

    model, cost, weights, capacity, p, gap, limit = problem(row)
    m = cost.shape[1]
    plain_k = {"k_nearest": max(10, 2 * m // p)} if method == "compact" else {}
    if model == "p-median":
        obj = PMedian.from_cost_matrix(cost, weights, p=p, method=method, **plain_k)
    elif model == "p-center":
        obj = PCenter.from_cost_matrix(cost, weights, p=p, method=method, **plain_k)
    elif model == "mclp":
        obj = MCLP.from_cost_matrix(cost, weights, p=p, radius=RADIUS_M, method=method)
    else:
        cap = pd.Series(capacity, index=[str(j) for j in range(m)])
        obj = CapacitatedPMedian.from_cost_matrix(
            cost, weights, p=p, capacity=cap, k_nearest=max(10, 2 * m // p)
        )
    result = obj.solve(SolverOptions("highs", time_limit_s=limit, gap_rel=gap))
    return {
        "objective": result.objective,
        "bound": result.best_bound,
        "gap": result.gap,
        "status": result.status,
        "method": result.params.get("method", method),
    }


def run_spopt(row: str, method: str) -> dict:
    """spopt's model of the row, CBC, under the row's limit."""
    import pulp
    from spopt.locate import MCLP, PCenter, PMedian

    model, cost, weights, capacity, p, gap, limit = problem(row)
    if weights is None:
        weights = np.ones(cost.shape[0])
    if model == "p-median":
        obj = PMedian.from_cost_matrix(cost, weights, p_facilities=p)
    elif model == "p-center":
        obj = PCenter.from_cost_matrix(cost, p_facilities=p)
    elif model == "mclp":
        obj = MCLP.from_cost_matrix(cost, weights, service_radius=RADIUS_M, p_facilities=p)
    else:
        obj = PMedian.from_cost_matrix(cost, weights, p_facilities=p, facility_capacities=capacity)
    solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=limit, gapRel=gap)
    obj.solve(solver, results=False)
    # PuLP says "Optimal" when CBC stops at its time limit with a plan; sol_status tells them apart
    status = {1: "optimal", 2: "stopped with a plan (no proof)"}.get(
        obj.problem.sol_status, pulp.LpSolution[obj.problem.sol_status].lower()
    )
    value = pulp.value(obj.problem.objective)
    return {"objective": None if value is None else float(value), "status": status}


def _child(fn, row: str, method: str, queue) -> None:
    os.setpgrp()  # own process group: the cap also stops the solver processes it starts
    try:
        queue.put(("ok", fn(row, method)))
    except Exception as exc:  # noqa: BLE001 - reported as the row's status
        queue.put(("error", {"status": f"error: {exc}"[:80]}))


def capped(fn, row: str, method: str, cap_s: float) -> dict:
    """``fn(row, method)`` in a child process; its wall and CPU seconds, or a note at the cap."""
    queue = mp.Queue()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    child = mp.Process(target=_child, args=(fn, row, method, queue))
    t0 = time.perf_counter()
    child.start()
    try:
        _, out = queue.get(timeout=cap_s)
    except Exception:  # noqa: BLE001 - queue.Empty: over the cap
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out = {"status": f"not done after {cap_s:.0f} s"}
    child.join()
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {**out, "wall_s": wall, "cpu_s": cpu}


def fmt(x, spec=".2f") -> str:
    return "-" if x is None else format(x, spec)


def line(row: str, who: str, out: dict) -> str:
    gap = fmt(out.get("gap"), ".3%") if out.get("gap") is not None else "-"
    return (
        f"{row:15} {who:10} {fmt(out['wall_s'], '.1f'):>7} {fmt(out['cpu_s'], '.1f'):>7} "
        f"{fmt(out.get('objective'), ',.1f'):>16} {gap:>8}  {out['status']}"
        + (f" [{out['method']}]" if out.get("method") else "")
    )


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def bench_orlib(args) -> None:
    """pmed1-40: ours, plain and spopt per instance, then the three summaries."""
    from optimize.location.orlib import read_orlib_optima

    optima = read_orlib_optima(ORLIB / "pmedopt.txt")
    names = [f"pmed{k}" for k in range(1, 41)]
    who_runs = [("ours", run_civicalloc, "auto", 10.0 + GRACE_S)]
    if args.plain:
        who_runs.append(("plain", run_civicalloc, "compact", args.orlib_plain_cap))
    if args.spopt_cap > 0:
        who_runs.append(("spopt", run_spopt, "cbc", args.spopt_cap))
    totals = {who: [0.0, 0.0, 0, 0.0] for who, *_ in who_runs}  # wall, cpu, at optimum, max
    for name in names:
        for who, fn, method, cap in who_runs:
            out = capped(fn, name, method, cap)
            right = out.get("objective") is not None and abs(out["objective"] - optima[name]) < 0.5
            proven = out["status"] == "optimal" and right
            t = totals[who]
            t[0] += out["wall_s"]
            t[1] += out["cpu_s"]
            t[2] += proven
            t[3] = max(t[3], out["wall_s"])
            print(line(name, who, out) + f" (published {optima[name]:,.0f})", flush=True)
    print(f"-- orlib summary ({load()})")
    for who, (wall, cpu, good, worst) in totals.items():
        print(
            f"orlib total     {who:10} {wall:7.1f} {cpu:7.1f}  {good}/40 proven at the "
            f"published optimum; slowest {worst:.1f} s  [target: 40/40, each <= 10 s, all "
            f"<= 120 s]",
            flush=True,
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", default="orlib," + ",".join(ROWS))
    ap.add_argument("--spopt-cap", type=float, default=None, help="s; default the row's limit")
    ap.add_argument("--no-plain", dest="plain", action="store_false", help="skip the plain model")
    ap.add_argument(
        "--orlib-plain-cap", type=float, default=120.0, help="s per pmed file (plain model)"
    )
    args = ap.parse_args()
    header = (
        f"{'row':15} {'who':10} {'wall s':>7} {'cpu s':>7} {'objective':>16} {'gap':>8}  status"
    )
    print(f"bench/location.py on {os.cpu_count()} cores; {load()}")
    print(header)
    print("-" * len(header))
    for row in args.rows.split(","):
        if row == "orlib":
            if args.spopt_cap is None:
                args.spopt_cap = 10.0
            bench_orlib(args)
            args.spopt_cap = None
            continue
        if row in ROWS:
            _, n, m, _, _, limit, target = ROWS[row]
        else:  # one OR-Library file, e.g. pmed36
            n = m = 900
            limit, target = 10.0, "optimal < 10 s"
        ours = capped(run_civicalloc, row, "auto", limit + GRACE_S)
        print(line(row, "ours", ours) + f"  [target {target}]", flush=True)
        if args.plain:
            print(line(row, "plain", capped(run_civicalloc, row, "compact", limit + GRACE_S)))
        spopt_cap = limit if args.spopt_cap is None else args.spopt_cap
        if spopt_cap <= 0:
            pass
        elif n * m > SPOPT_MAX_PAIRS:
            print(f"{row:15} {'spopt':10} not run: {n * m:,} binaries in PuLP", flush=True)
        else:
            print(line(row, "spopt", capped(run_spopt, row, "cbc", spopt_cap + GRACE_S)))
        print(f"   ({load()})", flush=True)


if __name__ == "__main__":
    main()
