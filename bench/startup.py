"""Benchmark: how long the command line takes to start (issue #22: under 0.5 s).

    .venv/bin/python bench/startup.py [--repeat 10]

Runs, each ``--repeat`` times in fresh processes (as hyperfine does): ``civicalloc --help``; a
small ``civicalloc locate`` (a 30 x 6 p-median), whose start-up is its wall time less the model's
own build and solve time (from the result JSON); and, as the baseline in the same run, a bare
``python -c pass`` and ``python -c "import pandas"``. Prints mean ± sd and min of wall and CPU
seconds, peak memory, and the modules that take longest to import for ``--help``
(``python -X importtime``). Wall times on a busy machine are inflated: the CPU seconds and the
load average are printed beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
TARGET_S = 0.5


#: Runs a command and reports its own wall and CPU seconds and peak memory (KB), so each command
#: is measured alone (a process's RUSAGE_CHILDREN peak covers every child it ever waited for).
PROBE = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "wall = time.perf_counter() - t\n"
    "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(wall, u.ru_utime + u.ru_stime, u.ru_maxrss, r.returncode)\n"
    "sys.stderr.write(r.stdout + r.stderr)\n"
)


def timed(cmd: list[str], repeat: int) -> dict:
    """Wall and CPU seconds (mean, sd, min) and peak RSS (MB) of ``cmd`` over ``repeat`` runs."""
    walls, cpus, peak = [], [], 0.0
    for _ in range(repeat):
        done = subprocess.run(
            [sys.executable, "-c", PROBE, *cmd], capture_output=True, text=True, cwd=HERE.parent
        )
        wall, cpu, rss, code = done.stdout.split()
        if int(code) != 0:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr}")
        walls.append(float(wall))
        cpus.append(float(cpu))
        peak = max(peak, int(rss) / 1024)
    return {
        "wall": (statistics.mean(walls), statistics.pstdev(walls), min(walls)),
        "cpu": (statistics.mean(cpus), statistics.pstdev(cpus), min(cpus)),
        "mb": peak,
    }


def small_locate(folder: Path) -> list[str]:
    """Files of a 30-demand, 6-site p-median and the command that solves it."""
    lines = ["demand_id,site_id,cost"]
    for i in range(30):
        for j in range(6):
            lines.append(f"d{i},s{j},{abs(i * 7 - j * 31) % 53 + 1}")
    (folder / "cost.csv").write_text("\n".join(lines) + "\n")
    return [str(BIN / "civicalloc"), "locate", "--model", "p-median", "--p", "2",
            "--cost", str(folder / "cost.csv"), "--out", str(folder / "r.json")]  # fmt: skip


def import_times(top: int = 8) -> list[tuple[float, str]]:
    """The ``top`` modules by cumulative import time (ms) when the CLI starts."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import scenarios.cli"],
        capture_output=True, text=True, cwd=HERE.parent,
    )  # fmt: skip
    rows = []
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]) / 1000, parts[2].rstrip()))
    return sorted(rows, reverse=True)[:top]


def line(label: str, figures: dict, extra: str = "") -> str:
    wall, cpu = figures["wall"], figures["cpu"]
    return (
        f"{label:<34} wall {wall[0]:6.3f} ± {wall[1]:5.3f} s (min {wall[2]:6.3f})   "
        f"CPU {cpu[0]:6.3f} s   peak {figures['mb']:6.0f} MB{extra}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    env_note = f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    print(f"start-up of the command line, {args.repeat} runs each; {env_note}")
    bare = timed([sys.executable, "-c", "pass"], args.repeat)
    pandas = timed([sys.executable, "-c", "import pandas"], args.repeat)
    helped = timed([str(BIN / "civicalloc"), "--help"], args.repeat)
    with tempfile.TemporaryDirectory() as tmp:
        cmd = small_locate(Path(tmp))
        located = timed(cmd, args.repeat)
        result = json.loads((Path(tmp) / "r.json").read_text())
    model_s = result["build_seconds"] + result["solve_seconds"]
    print(line("baseline: python -c pass", bare))
    print(line("baseline: python -c 'import pandas'", pandas))
    print(line("civicalloc --help", helped))
    print(line("civicalloc locate (30 x 6 p-median)", located, f"   model {model_s:.3f} s"))
    startup = {
        "--help": helped["wall"][0],
        "locate": located["wall"][0] - model_s,
    }
    for name, seconds in startup.items():
        verdict = "met" if seconds < TARGET_S else "not met"
        print(f"start-up of {name}: {seconds:.3f} s wall, target < {TARGET_S} s -> {verdict}")
    print(f"CPU start-up of --help {helped['cpu'][0]:.3f} s; of locate "
          f"{located['cpu'][0] - model_s:.3f} s (model time taken off)")  # fmt: skip
    print("slowest imports for --help (cumulative ms):")
    for ms, name in import_times():
        print(f"  {ms:8.1f}  {name.strip()}")
    print(env_note)


if __name__ == "__main__":
    main()
