"""Benchmark: caseworker posting model vs a greedy mover and vs keeping today's posting.

A synthetic bureau of N centres × 12 months (default profile, random caseload, staff and
counters). Figures: visitors NOT served within the target over the year (all opening hours,
Erlang C) and seconds, for the PuLP model, a greedy heuristic that moves one caseworker at a
time to where it helps most (same move limits), and today's posting. Ratios are against greedy.

    .venv/bin/python bench/staffing.py [n_centres]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

# bench/forecasting.py would shadow the forecasting package when this script runs from bench/.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from forecasting.arrivals import learn_arrival_profile, split_into_hourly_arrivals  # noqa: E402
from optimize.staffing import (  # noqa: E402
    ServiceTarget,
    TransferLimits,
    servers_from_roster,
    service_level_by_month,
    staff_service_centres,
)

TARGET = ServiceTarget(target=0.8, within_minutes=15, handling_minutes=15, shrinkage=0.35)
LIMITS = TransferLimits(max_moves_per_centre=3, max_moves_total=10)


def synthetic_bureau(n: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    ids = [f"C{i:03d}" for i in range(n)]
    months = pd.date_range("2026-01-01", periods=12, freq="MS")
    base = rng.uniform(2500, 8000, n)
    season = 1 + 0.15 * np.cos((months.month.to_numpy() - 1) / 12 * 2 * np.pi)
    caseload = pd.DataFrame(
        [(f, m, b * s * rng.lognormal(0, 0.05)) for f, b in zip(ids, base, strict=True)
         for m, s in zip(months, season, strict=True)],
        columns=["facility_id", "month", "cases"],
    )  # fmt: skip
    arrivals = split_into_hourly_arrivals(caseload, learn_arrival_profile(None, ids))
    need = base / 21 / 9 * 1.6 * TARGET.handling_minutes / 60 / (1 - TARGET.shrinkage)
    today = pd.Series(np.round(need * rng.uniform(0.8, 1.3, n)).astype(int), index=ids)
    counters = pd.Series(
        np.round(need * (1 - TARGET.shrinkage) * rng.uniform(1.0, 1.5, n)), index=ids
    )
    return arrivals, today, counters


def late_and_short(
    arrivals: pd.DataFrame, staff: pd.DataFrame, counters: pd.Series, need: pd.Series
) -> tuple[float, float]:
    """Visitors not served in time over the year, and server-months short of the peak-hour need,
    for a posting [facility_id, month, staff]."""
    servers = staff.assign(
        servers=[servers_from_roster(s, counters[f], TARGET.shrinkage)
                 for f, s in zip(staff["facility_id"], staff["staff"], strict=True)]
    )[["facility_id", "month", "servers"]]  # fmt: skip
    # the plan's months are text ("2026-01"); the arrivals' are dates
    servers["month"] = pd.to_datetime(servers["month"].astype(str))
    levels = service_level_by_month(arrivals, servers, TARGET)
    visitors = (
        (arrivals["arrivals_per_hour"] * arrivals["days"])
        .groupby([arrivals["facility_id"], arrivals["month"]])
        .sum()
    )
    levels = levels.set_index(["facility_id", "month"])
    late = float(((1 - levels["service_level_month"]) * visitors.reindex(levels.index)).sum())
    short = float((need.reindex(levels.index) - levels["servers"]).clip(lower=0).sum())
    return late, short


def greedy(arrivals: pd.DataFrame, today: pd.Series, counters: pd.Series) -> pd.DataFrame:
    """Per month, move one caseworker at a time from where it costs least to where it helps most."""
    rows = []
    for month, arr in arrivals.groupby("month"):
        staff = today.copy()

        slots = {f: list(zip(a["arrivals_per_hour"], a["days"], strict=True))
                 for f, a in arr.groupby("facility_id")}  # fmt: skip

        def late(f: str, s: int, slots=slots) -> float:
            n = servers_from_roster(s, counters[f], TARGET.shrinkage)
            return float(sum((1 - TARGET.level_with(n, x)) * x * d for x, d in slots[f]))

        moved = 0
        while moved < LIMITS.max_moves_total:
            ok_out = [
                f
                for f in staff.index
                if staff[f] > 0 and today[f] - staff[f] < LIMITS.max_moves_per_centre
            ]
            ok_in = [f for f in staff.index if staff[f] - today[f] < LIMITS.max_moves_per_centre]
            loss = {f: late(f, staff[f] - 1) - late(f, staff[f]) for f in ok_out}
            gain = {f: late(f, staff[f]) - late(f, staff[f] + 1) for f in ok_in}
            if not loss or not gain:
                break
            giver, taker = min(loss, key=loss.get), max(gain, key=gain.get)
            if giver == taker or gain[taker] - loss[giver] <= 1e-9:
                break
            staff[giver] -= 1
            staff[taker] += 1
            moved += 1
        rows += [(f, month, int(s)) for f, s in staff.items()]
    return pd.DataFrame(rows, columns=["facility_id", "month", "staff"])


def main(n: int) -> None:
    arrivals, today, counters = synthetic_bureau(n)
    months = sorted(arrivals["month"].unique())
    keep = pd.DataFrame([(f, m, int(today[f])) for f in today.index for m in months],
                        columns=["facility_id", "month", "staff"])  # fmt: skip

    t = time.perf_counter()
    result = staff_service_centres(arrivals, today, counters, TARGET, LIMITS)
    model_s = time.perf_counter() - t
    posting = result.plans["posting"].rename(columns={"caseworkers": "staff"})
    need = result.plans["requirements"].set_index(["facility_id", "month"])["servers_needed"]
    model_late, model_short = late_and_short(
        arrivals, posting[["facility_id", "month", "staff"]], counters, need
    )

    t = time.perf_counter()
    greedy_plan = greedy(arrivals, today, counters)
    greedy_s = time.perf_counter() - t
    greedy_late, greedy_short = late_and_short(arrivals, greedy_plan, counters, need)
    today_late, today_short = late_and_short(arrivals, keep, counters, need)
    visitors = float((arrivals["arrivals_per_hour"] * arrivals["days"]).sum())

    print(f"bureau: {n} centres x 12 months, {visitors:,.0f} visitors, {today.sum()} caseworkers")
    print(f"model ({result.status}, {result.solver}): {model_s:.2f} s total, solve "
          f"{result.solve_seconds:.2f} s; objective {result.objective:,.6g}, gap "
          f"{result.gap:.4%}")  # fmt: skip
    print(f"greedy mover (baseline): {greedy_s:.2f} s")
    for name, late, short in (("model", model_late, model_short),
                              ("greedy", greedy_late, greedy_short),
                              ("today's posting", today_late, today_short)):  # fmt: skip
        print(f"  {name:16s} late visitors {late:10,.0f}   server-months short {short:6.0f}")
    print(f"ratio late visitors model / greedy: {model_late / max(greedy_late, 1e-9):.3f}")
    print(f"ratio server-months short model / greedy: {model_short / max(greedy_short, 1e-9):.3f}")
    print(f"ratio seconds model / greedy: {model_s / max(greedy_s, 1e-9):.3f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
