"""Decision briefs from a 5,000-area run: how long one takes, beside a baseline in the same run.

Target (issue 23): a brief from a 5,000-area run in under 20 s. The run (the sample city at
5,000 areas: access, forecast, beds, staffing; and a "more beds" variant to compare against) is
computed once and kept in build/bench/brief-5000.sqlite. Then, timed with wall and CPU time:
the brief built from the store (figures, maps), then written as HTML, PDF and Word, each in a
fresh process as `civicalloc brief` is; baseline: `civicalloc export` of the same run (its plans
and KPIs as CSV), the by-hand starting point a brief replaces. The machine is shared: the load
average is printed with the figures.

    .venv/bin/python bench/brief.py [--areas 5000] [--db sqlite:///…] [--bureau health]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# bench/ holds forecasting.py and dashboard.py: keep it off the path so the packages are found.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
CLI = Path(sys.executable).parent / "civicalloc"
MODELS = ["access", "forecast", "health.beds", "social_security.staffing"]


def ensure_runs(url: str, areas: int) -> None:
    """Store today and "more beds" of the sample city at `areas` areas, unless already there."""
    from scenarios.pipeline import run_scenario
    from scenarios.spec import load_scenario, with_changes
    from scenarios.store import connect, list_runs, save_run

    engine = connect(url)
    have = set(list_runs(engine)["scenario"])
    base = with_changes(load_scenario(ROOT / "scenarios/examples/today.toml"),
                        {"city": f"sample:{areas}", "models": MODELS,
                         "solver.time_limit_s": 60})  # fmt: skip
    for name, changes in (("today", {}), ("more beds", {"budgets.new_beds": 300})):
        if name in have:
            continue
        started = time.perf_counter()
        record = run_scenario(with_changes(base, {"name": name, **changes}), "bench")
        save_run(engine, record)
        print(f"stored {name} ({areas} areas) in {time.perf_counter() - started:.0f} s")


def timed(args: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of a command in a fresh process (its children's CPU time)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise SystemExit(f"{' '.join(args)} failed: {done.stdout}{done.stderr}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, default=5000)
    parser.add_argument("--db", default=None, help="store (default build/bench/brief-N.sqlite)")
    parser.add_argument("--bureau", default="health")
    options = parser.parse_args()
    url = options.db or f"sqlite:///{ROOT / 'build' / 'bench' / f'brief-{options.areas}.sqlite'}"
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    ensure_runs(url, options.areas)
    out = Path(tempfile.mkdtemp(prefix="civicalloc-brief-bench-"))
    base = [str(CLI)]
    rows = []
    for suffix in (".html", ".pdf", ".docx"):
        args = base + [
            "brief",
            "more beds",
            "--against",
            "today",
            "--bureau",
            options.bureau,
            "--lang",
            "zh-CN",
            "--out",
            str(out / f"brief{suffix}"),
            "--db",
            url,
        ]
        rows.append((f"brief {suffix[1:]} (zh-CN, {options.bureau}, against today)",
                     *timed(args)))  # fmt: skip
    rows.append(("baseline: civicalloc export of the run (CSV)",
                 *timed(base + ["export", "more beds", "--out", str(out / "export"),
                                "--db", url])))  # fmt: skip
    load = os.getloadavg()
    print(f"\nbrief of a {options.areas}-area run (target: under 20 s), load average "
          f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on {os.cpu_count()} cores")  # fmt: skip
    print(f"{'what':58} {'wall s':>8} {'CPU s':>8}")
    for what, wall, cpu in rows:
        print(f"{what:58} {wall:8.1f} {cpu:8.1f}")
    for path in sorted(out.glob("brief.*")):
        print(f"  {path.name}: {path.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
