"""The rules of a redistricting, in one frozen record (``DistrictRules``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from optimize.rules import check_settings, setting

#: How the districts model is solved: the plain MIP, region by region with the MIP proving the
#: bound (``district_search``), or chosen by size.
Method = Literal["auto", "plain", "regions"]
METHODS: tuple[str, ...] = ("auto", "plain", "regions")

#: ``method="auto"`` solves by regions from this many allowed pairs up (smaller models: plain).
REGIONS_FROM_PAIRS = 6_000


@dataclass(frozen=True)
class DistrictRules:
    """The rules of a redistricting, declared once with their units and bounds
    (``optimize.rules``): the model checks them, ``civicalloc districts`` builds its options from
    them and the scenario keys they name are checked against them by a test.

    Moves forced by closures or by the travel limit count towards ``max_reassigned_share``;
    when they alone exceed it, the limit is raised to them (said in ``messages``). With
    ``crossings="nearest"`` each piece of land is joined to the nearest other piece (within
    ``max_crossing_m``), as a ferry or a bridge missing from the polygons would; "declared"
    counts only the crossings given to ``redraw_districts``. Units on land that no crossing
    joins to a school get no district (a reported shortfall). ``method`` "regions" starts from
    a plan that keeps every rule, improves it region by region and lets the MIP prove the bound
    (large cities); "auto" takes it from ``REGIONS_FROM_PAIRS`` allowed pairs up.
    """

    max_minutes: float | None = setting(
        30.0, "minutes", "longest trip any child may have to their school; none = no limit",
        gt=0, le=240, cli="--max-minutes", scenario="rules.max_travel_minutes",
    )  # fmt: skip
    travel_cutoff_minutes: float = setting(
        60.0, "minutes", "travel is computed within this; a unit with no school within it gets "
        "no district (a reported shortfall)", gt=0, le=600, cli="--travel-cutoff",
        scenario="rules.travel_cutoff_minutes",
    )  # fmt: skip
    capacity_tolerance: float = setting(
        0.05, "share", "a school may take up to seats x (1 + this) pupils", ge=0,
        cli="--tolerance",
    )  # fmt: skip
    max_reassigned_share: float | None = setting(
        0.2, "share", "pupils (plan year) who may leave today's school; none = no limit",
        ge=0, le=1, cli="--max-reassigned", scenario="rules.reassignment_limit",
    )  # fmt: skip
    contiguous: bool = setting(
        True, "yes/no", "every district is one connected piece (shortest-path-tree rule)"
    )
    crossings: Literal["nearest", "declared"] = setting(
        "nearest", "", "water crossings that count: nearest (the narrowest gaps) or declared "
        "(only --crossing-file)", choices=("nearest", "declared"), cli="--crossings",
    )  # fmt: skip
    max_crossing_m: float | None = setting(
        None, "metres", "the widest water gap 'nearest' bridges; none = any", ge=0
    )
    candidate_schools: int | None = setting(
        4, "schools", "schools offered per unit: its k nearest within reach, plus today's; "
        "none = all", ge=1, cli="--candidates",
    )  # fmt: skip
    over_capacity_penalty: float = setting(
        1_000.0, "pupil-minutes", "per pupil over capacity (and per pupil beyond max_minutes); "
        "must exceed any trip so that seats are used first", ge=0,
    )  # fmt: skip
    reassign_penalty: float = setting(
        1.0, "pupil-minutes", "per pupil moved from today's school", ge=0
    )
    balance_penalty: float = setting(
        0.0, "pupil-minutes", "per unit of imbalance of the balance attribute", ge=0
    )
    method: Method = setting(
        "auto", "", "how the model is solved: auto, plain (whole MIP) or regions (large cities)",
        choices=METHODS, cli="--method",
    )  # fmt: skip

    def __post_init__(self) -> None:
        check_settings(self, "district rule")
