"""Decision briefs from a 5,000-area run: how long one takes, beside a baseline in the same run.

Target (issue 23): a brief from a 5,000-area run in under 20 s. The city is the sample city at
5,000 areas written as a bundle on disk, as a user's city is (build/bench/city-5000, written
once and reused); its runs (today: access, forecast, beds, staffing; and "more beds" to compare
against) are computed once and kept in build/bench/brief-5000.sqlite. Then, timed with wall and
CPU time, each in a fresh process as `civicalloc brief` is: the brief of "more beds" against
today as HTML, PDF and Word, each twice — first with nothing cached in the store (the brief
reads and checks the bundle), then again (the city from the store's cache, as every brief of
that bundle after the first); baseline: `civicalloc export` of the same run (its plans and KPIs
as CSV), the by-hand starting point a brief replaces. The machine is shared: the load average
is printed with the figures.

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


def ensure_bundle(areas: int) -> Path:
    """The sample city at `areas` areas written as a bundle on disk (build/bench/city-N), as a
    user's city is; written once and reused by every case and later runs of the bench."""
    from demand.bundle import make_sample_city, write_bundle

    path = ROOT / "build" / "bench" / f"city-{areas}"
    if not (path / "bundle.toml").exists():
        started = time.perf_counter()
        write_bundle(make_sample_city(n_areas=areas), path)
        print(f"wrote the sample city ({areas} areas) to {path} in "
              f"{time.perf_counter() - started:.0f} s")  # fmt: skip
    return path


def ensure_runs(url: str, bundle: Path) -> None:
    """Store today and "more beds" of the city bundle, unless already there."""
    from scenarios.pipeline import run_scenario
    from scenarios.spec import load_scenario, with_changes
    from scenarios.store import connect, list_runs, save_run

    engine = connect(url)
    have = set(list_runs(engine)["scenario"])
    base = with_changes(load_scenario(ROOT / "scenarios/examples/today.toml"),
                        {"city": str(bundle), "models": MODELS,
                         "solver.time_limit_s": 60})  # fmt: skip
    for name, changes in (("today", {}), ("more beds", {"budgets.new_beds": 300})):
        if name in have:
            continue
        started = time.perf_counter()
        record = run_scenario(with_changes(base, {"name": name, **changes}), "bench")
        save_run(engine, record)
        print(f"stored {name} ({bundle.name}) in {time.perf_counter() - started:.0f} s")


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


def clear_cache(url: str) -> int:
    """Forget the cities the store's briefs cached (the next brief reads its bundle)."""
    from dashboard.brief.city import clear_city_cache
    from scenarios.store import connect

    engine = connect(url)
    try:
        return clear_city_cache(engine)
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, default=5000)
    parser.add_argument("--db", default=None, help="store (default build/bench/brief-N.sqlite)")
    parser.add_argument("--bureau", default="health")
    options = parser.parse_args()
    url = options.db or f"sqlite:///{ROOT / 'build' / 'bench' / f'brief-{options.areas}.sqlite'}"
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    bundle = ensure_bundle(options.areas)
    ensure_runs(url, bundle)
    out = Path(tempfile.mkdtemp(prefix="civicalloc-brief-bench-"))
    rows = []
    for suffix in (".html", ".pdf", ".docx"):
        args = [str(CLI), "brief", "more beds", "--against", "today", "--bureau",
                options.bureau, "--lang", "zh-CN", "--out", str(out / f"brief{suffix}"),
                "--db", url]  # fmt: skip
        what = f"brief {suffix[1:]} (zh-CN, {options.bureau}, against today)"
        clear_cache(url)
        rows.append((f"{what}: first", *timed(args)))
        rows.append((f"{what}: repeat", *timed(args)))
    rows.append(("baseline: civicalloc export of the run (CSV)",
                 *timed([str(CLI), "export", "more beds", "--out", str(out / "export"),
                         "--db", url])))  # fmt: skip
    load = os.getloadavg()
    print(f"\nbrief of a {options.areas}-area run (target: under 20 s), bundle {bundle}, "
          f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on "
          f"{os.cpu_count()} cores")  # fmt: skip
    print("first: nothing cached in the store (the bundle is read and checked); repeat: the "
          "city read from the store's cache")  # fmt: skip
    print(f"{'what':62} {'wall s':>8} {'CPU s':>8}")
    for what, wall, cpu in rows:
        print(f"{what:62} {wall:8.1f} {cpu:8.1f}")
    for path in sorted(out.glob("brief.*")):
        print(f"  {path.name}: {path.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
