"""How full a ward may run: target occupancy that depends on ward size, from Erlang's loss formula.

A ward is an M/M/c/c loss system: patients arrive at ``admissions_per_day``, stay ``alos_days``
on average, and a patient who finds every bed taken is turned away (diverted to another
hospital or a corridor bed). The offered load in Erlangs is admissions per day x days per stay:
the beds that would be busy on average if nobody were turned away. Erlang B gives the share
turned away; it falls as beds are added and each extra bed saves fewer patients than the last
(the loss is convex in the number of beds), which is what lets the bed model use it in a linear
program.

Small wards need lower occupancy: with a 3% turn-away target, 10 beds may run at about 54%
busy, 50 beds at about 81%, 200 beds at about 93% -- not a flat 85%.
"""

from __future__ import annotations

import math

import numpy as np

from demand.errors import InputError, shown
from optimize.queueing import erlang_b

__all__ = [
    "beds_needed",
    "expected_turned_away_per_day",
    "occupancy_at",
    "target_occupancy",
    "turn_away_curve",
]

MAX_BEDS = 20_000


def _check_share(value: float, name: str) -> None:
    if not 0 < value < 1:
        raise InputError(f"{name} must be a share between 0 and 1 (e.g. 0.03), got {value!r}")


def _check_load(load_erlangs: float) -> None:
    if not math.isfinite(load_erlangs) or load_erlangs < 0:
        raise InputError(
            f"bed load must be a finite number of occupied beds >= 0, got {shown(load_erlangs)}"
        )


def beds_needed(load_erlangs: float, max_turn_away: float = 0.03) -> int:
    """Fewest beds so that at most ``max_turn_away`` of arriving patients find the ward full.

    load_erlangs: admissions per day x average length of stay in days (occupied beds if nobody
    were turned away). Zero load needs zero beds.
    """
    _check_share(max_turn_away, "max_turn_away")
    _check_load(load_erlangs)
    if load_erlangs == 0:
        return 0
    blocking, beds = 1.0, 0
    while blocking > max_turn_away:
        beds += 1
        blocking = load_erlangs * blocking / (beds + load_erlangs * blocking)
        if beds > MAX_BEDS:
            raise InputError(f"more than {MAX_BEDS} beds needed; check the units of the load")
    return beds


def occupancy_at(beds: int, load_erlangs: float) -> float:
    """Share of beds occupied on average: carried load (offered x (1 - turned away)) / beds."""
    _check_load(load_erlangs)
    if beds <= 0:
        return 0.0
    return load_erlangs * (1.0 - erlang_b(int(beds), load_erlangs)) / beds


def target_occupancy(beds: int, max_turn_away: float = 0.03) -> float:
    """Highest average occupancy a ward of ``beds`` can run at with turn-aways <= the target.

    Found by bisection on the load (Erlang B rises with the load), then reported as carried
    occupancy. E.g. 3%: 10 beds -> ~0.54, 50 beds -> ~0.81, 200 beds -> ~0.93.
    """
    _check_share(max_turn_away, "max_turn_away")
    if int(beds) != beds or beds < 1:
        raise InputError(f"beds must be a whole number >= 1, got {shown(beds)}")
    lo, hi = 0.0, float(beds) * 2 + 10
    for _ in range(80):
        mid = (lo + hi) / 2
        if erlang_b(int(beds), mid) <= max_turn_away:
            lo = mid
        else:
            hi = mid
    return occupancy_at(int(beds), lo)


def expected_turned_away_per_day(beds: int, admissions_per_day: float, alos_days: float) -> float:
    """Patients per day expected to find the ward full (admissions x Erlang B)."""
    if alos_days <= 0:
        raise InputError(f"average length of stay must be > 0 days, got {shown(alos_days)}")
    load = admissions_per_day * alos_days
    return admissions_per_day * erlang_b(int(max(beds, 0)), load)


def turn_away_curve(admissions_per_day: float, alos_days: float, max_beds: int) -> np.ndarray:
    """Expected turned-away patients per day with 0, 1, ..., max_beds beds (decreasing, convex).

    One pass of the Erlang B recursion, so a 500-bed curve costs 500 multiplications.
    """
    load = admissions_per_day * alos_days
    _check_load(load)
    out = np.empty(int(max_beds) + 1)
    blocking = 1.0
    out[0] = admissions_per_day
    for k in range(1, int(max_beds) + 1):
        blocking = load * blocking / (k + load * blocking)
        out[k] = admissions_per_day * blocking
    return out
