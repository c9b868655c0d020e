"""Benchmark: a whole `civicalloc run` of every model on a 5,000-area city, end to end.

    .venv/bin/python bench/e2e_5000.py [--areas 5000] [--baseline-areas 300]
        [--time-limit 300] [--solver highs] [--keep DIR]

Writes a scenario naming every model (access, forecast, health outreach and beds, districts,
teachers, staffing) on the sample city ``sample:AREAS``, runs it with the CLI in a child process
(as a user would) into a fresh SQLite store, and prints for the big city and, measured in the
same run, for the baseline city (the demo's 300 areas):

- wall and CPU time of the whole run (CPU of the process tree, solver children included) and
  the peak memory of the process tree (resident set, sampled every 0.2 s);
- each model's status, gap and solve seconds, and whether the stored run is complete (every
  model reached a plan; `runs.complete`).

Exits 1 if a run is incomplete or a model has no plan. Timings depend on the machine's load:
note `uptime` with the figures.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

MODELS = [
    "access", "forecast", "health.outreach", "health.beds", "education.districts",
    "education.teachers", "social_security.staffing",
]  # fmt: skip


def scenario_text(areas: int, time_limit_s: float, solver: str) -> str:
    """A scenario naming every model on the sample city with ``areas`` areas."""
    models = ", ".join(f'"{m}"' for m in MODELS)
    return (
        f'name = "e2e {areas} areas"\nowner = "admin"\ncity = "sample:{areas}"\n'
        f'models = [{models}]\n\n[solver]\nname = "{solver}"\n'
        f"time_limit_s = {time_limit_s:g}\n"
    )


def run_measured(args: list[str], env: dict) -> dict:
    """Run a command; its wall time, CPU time and peak resident memory of the process tree."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)  # fmt: skip
    root = psutil.Process(proc.pid)
    peak, cpu_seen = 0, {}
    while proc.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            break
        rss = 0
        for p in tree:
            try:
                rss += p.memory_info().rss
                times = p.cpu_times()
                cpu_seen[p.pid] = times.user + times.system + times.children_user + \
                    times.children_system  # fmt: skip
            except psutil.NoSuchProcess:
                continue
        peak = max(peak, rss)
        time.sleep(0.2)
    output = proc.stdout.read()
    wall = time.perf_counter() - started
    return {
        "code": proc.returncode,
        "wall_s": wall,
        "cpu_s": sum(cpu_seen.values()),
        "peak_mb": peak / 2**20,
        "output": output,
    }


def stored_outcomes(db: str):
    """The stored run's model results and its complete flag."""
    from scenarios.store import connect, list_runs, load_model_results

    engine = connect(db)
    runs = list_runs(engine)
    if runs.empty:
        return None, None
    run = runs.iloc[0]
    return load_model_results(engine, run["run_id"]), bool(run["complete"])


def bench(areas: int, time_limit_s: float, solver: str, folder: Path) -> dict:
    """One end-to-end run on a city of ``areas`` areas; the figures to print."""
    scenario = folder / f"e2e_{areas}.toml"
    scenario.write_text(scenario_text(areas, time_limit_s, solver))
    db = f"sqlite:///{folder / f'store_{areas}.sqlite'}"
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "COLUMNS": "160"}
    cli = str(Path(sys.executable).with_name("civicalloc"))
    figures = run_measured([cli, "run", str(scenario), "--db", db], env)
    figures["models"], figures["complete"] = stored_outcomes(db)
    return figures


def report(label: str, f: dict) -> bool:
    """Print one run's figures; True if every model reached a plan."""
    print(f"\n{label}: exit {f['code']}, wall {f['wall_s']:.0f} s, CPU {f['cpu_s']:.0f} s, "
          f"peak memory {f['peak_mb']:,.0f} MB, complete: {f['complete']}")  # fmt: skip
    models = f["models"]
    if models is None:
        print("  nothing stored; the run's output ends with:")
        print("  " + "\n  ".join(f["output"].strip().splitlines()[-5:]))
        return False
    print(f"  {'model':<28}{'status':<40}{'gap':>9}{'solve s':>9}  plan")
    order = {m: i for i, m in enumerate(MODELS)}
    for r in models.sort_values("model", key=lambda s: s.map(order)).itertuples():
        gap = "" if r.gap is None or r.gap != r.gap else f"{r.gap:.2%}"
        solve = "" if r.solve_seconds is None or r.solve_seconds != r.solve_seconds else (
            f"{r.solve_seconds:.0f}")  # fmt: skip
        print(f"  {r.model:<28}{r.status:<40}{gap:>9}{solve:>9}  {'yes' if r.has_plan else 'NO'}")
    return bool(f["complete"]) and bool(models["has_plan"].all()) and f["code"] == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, default=5000)
    parser.add_argument("--baseline-areas", type=int, default=300)
    parser.add_argument("--time-limit", type=float, default=300.0, help="Scenario seconds.")
    parser.add_argument("--solver", default="highs", choices=["highs", "cbc"])
    parser.add_argument("--keep", type=Path, help="Keep the scenarios and stores here.")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="e2e-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"load before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; solver "
          f"{args.solver}, scenario time limit {args.time_limit:g} s per model")  # fmt: skip
    base = bench(args.baseline_areas, args.time_limit, args.solver, folder)
    big = bench(args.areas, args.time_limit, args.solver, folder)
    ok_base = report(f"baseline, {args.baseline_areas} areas", base)
    ok_big = report(f"{args.areas} areas", big)
    print(f"\nscale: {args.areas / args.baseline_areas:.1f}x the areas took "
          f"{big['wall_s'] / max(base['wall_s'], 1e-9):.1f}x the wall time and "
          f"{big['peak_mb'] / max(base['peak_mb'], 1e-9):.1f}x the peak memory; load after: "
          f"{os.getloadavg()[0]:.1f}")  # fmt: skip
    sys.exit(0 if ok_base and ok_big else 1)


if __name__ == "__main__":
    main()
