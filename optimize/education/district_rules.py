"""The rules of a redistricting, in one frozen record (``DistrictRules``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from demand.errors import InputError

#: How the districts model is solved: the plain MIP, region by region with the MIP proving the
#: bound (``district_search``), or chosen by size.
Method = Literal["auto", "plain", "regions"]
METHODS: tuple[str, ...] = ("auto", "plain", "regions")

#: ``method="auto"`` solves by regions from this many allowed pairs up (smaller models: plain).
REGIONS_FROM_PAIRS = 6_000


@dataclass(frozen=True)
class DistrictRules:
    """The rules of a redistricting.

    max_minutes: longest travel any child may have to their school (None = no limit).
    capacity_tolerance: a school may take up to seats x (1 + tolerance) pupils (0.05 = 5%).
    max_reassigned_share: at most this share of pupils (plan year) leave today's school
        (None = no limit). Moves forced by closures or by the travel limit count towards it;
        when they alone exceed it, the limit is raised to them (said in ``messages``).
    contiguous: every district is one connected piece (shortest-path-tree rule).
    crossings: which water crossings join land that no shared boundary joins (an island, a
        bank across a river): "nearest" joins each piece of land to the nearest other piece
        (within ``max_crossing_m``), as a ferry or a bridge missing from the polygons would;
        "declared" counts only the crossings given to ``redraw_districts``. Units on a piece
        of land that no crossing joins to a school get no district (a reported shortfall).
    max_crossing_m: the widest water gap "nearest" bridges (metres; None = any).
    candidate_schools: offer each unit only its k nearest schools within reach, plus today's
        (None = all within reach); keeps large instances small.
    over_capacity_penalty: pupil-minutes per pupil over capacity (and per pupil travelling
        beyond max_minutes); must exceed any travel time so that seats are used first.
    reassign_penalty: pupil-minutes per pupil moved from today's school.
    balance_penalty: pupil-minutes per unit of imbalance of the balance attribute.
    method: "plain" solves the whole MIP; "regions" starts from a plan that keeps every rule,
        improves it region by region and lets the MIP prove the bound (large cities); "auto"
        takes "regions" from ``REGIONS_FROM_PAIRS`` allowed pairs up.
    """

    max_minutes: float | None = 30.0
    capacity_tolerance: float = 0.05
    max_reassigned_share: float | None = 0.2
    contiguous: bool = True
    crossings: Literal["nearest", "declared"] = "nearest"
    max_crossing_m: float | None = None
    candidate_schools: int | None = 4
    over_capacity_penalty: float = 1_000.0
    reassign_penalty: float = 1.0
    balance_penalty: float = 0.0
    method: Method = "auto"

    def __post_init__(self) -> None:
        if self.max_minutes is not None and self.max_minutes <= 0:
            raise InputError(f"max_minutes must be > 0, got {self.max_minutes}")
        if self.capacity_tolerance < 0:
            raise InputError(f"capacity_tolerance must be >= 0, got {self.capacity_tolerance}")
        share = self.max_reassigned_share
        if share is not None and not 0 <= share <= 1:
            raise InputError(f"max_reassigned_share must be within 0..1, got {share}")
        if self.candidate_schools is not None and self.candidate_schools < 1:
            raise InputError(f"candidate_schools must be >= 1, got {self.candidate_schools}")
        if self.crossings not in ("nearest", "declared"):
            raise InputError(f"crossings must be 'nearest' or 'declared', got {self.crossings!r}")
        if self.max_crossing_m is not None and not self.max_crossing_m >= 0:
            raise InputError(f"max_crossing_m must be >= 0, got {self.max_crossing_m}")
        if self.method not in METHODS:
            raise InputError(f"method must be one of {', '.join(METHODS)}, got {self.method!r}")
