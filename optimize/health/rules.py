"""The health models' rules, declared once with their units and bounds (``optimize.rules``).

The models check them, the ``civicalloc health`` options are built from them and the scenario
keys they name are checked against them by a test. This module imports nothing heavy, so the
command line can read it at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from optimize.rules import check_settings, setting

__all__ = ["BedRules", "OutreachRules", "OutreachWeights"]


@dataclass(frozen=True)
class OutreachRules:
    """The rules of the outreach plan, in the units a health bureau uses.

    A session at a centre ``m`` minutes from the hospital (one way) costs a specialist one
    half-day plus ``max(0, 2 m - 2 travel_allowance_minutes) / half_day_minutes`` of one.
    """

    max_outreach_half_days: float = setting(
        4.0, "half-days/week", "outreach half-days per specialist, travel included",
        gt=0, le=10, cli="--half-days", scenario="rules.max_outreach_half_days",
    )  # fmt: skip
    working_half_days: float = setting(
        10.0, "half-days/week", "a specialist's working half-days (5 days x 2)", gt=0, le=14
    )
    min_in_house_share: float = setting(
        0.6, "share", "share of a pool's working half-days that stays at the hospital",
        ge=0, le=1, cli="--in-house",
    )  # fmt: skip
    visits_per_session: float = setting(
        15.0, "visits", "patients seen in one half-day session (12-20 is usual)",
        gt=0, cli="--visits-per-session",
    )  # fmt: skip
    max_resident_minutes: float = setting(
        30.0, "minutes", "residents are served only at centres this close (one way)",
        gt=0, le=240, cli="--max-minutes", scenario="rules.max_travel_minutes",
    )  # fmt: skip
    max_specialist_minutes: float = setting(
        60.0, "minutes", "a pool serves only centres this close to its hospital (one way)",
        gt=0, le=240,
    )  # fmt: skip
    travel_allowance_minutes: float = setting(
        30.0, "minutes", "one-way trip that fits inside the session's half-day", ge=0
    )
    half_day_minutes: float = setting(
        240.0, "minutes", "length of a half-day, for charging longer trips", gt=0
    )
    room_share_for_outreach: float = setting(
        0.5, "share", "share of a centre's room half-days kept for visiting specialists",
        ge=0, le=1,
    )  # fmt: skip
    room_half_days_per_week: float = setting(
        10.0, "half-days/week", "half-days a consultation room is open", gt=0, le=14
    )
    partner_hospitals: int | None = setting(
        None, "hospitals", "per centre and specialty, only the k nearest hospitals with it may "
        "send sessions (a 医联体 partnership); none = every hospital within reach", ge=1,
    )  # fmt: skip
    centres_per_area: int | None = setting(
        3, "centres", "per area and specialty, only the k nearest centres hosting it; none = "
        "every centre within reach", ge=1,
    )  # fmt: skip
    min_sessions_per_centre: int = setting(
        0, "sessions/week", "guaranteed specialist sessions at every centre (0 = none)",
        ge=0, cli="--min-sessions",
    )  # fmt: skip

    def __post_init__(self) -> None:
        check_settings(self, "outreach rule")

    @property
    def outreach_half_days(self) -> float:
        """Half-days a specialist may spend on outreach a week: the weekly cap or what the
        in-house share leaves, whichever is lower."""
        return min(
            self.max_outreach_half_days, (1 - self.min_in_house_share) * self.working_half_days
        )

    def session_half_days(self, minutes):
        """Half-days one session costs a specialist: 1 + round-trip minutes beyond the allowance
        (``minutes``: one way, an array)."""
        import numpy as np

        extra = np.maximum(0.0, 2 * np.asarray(minutes, float) - 2 * self.travel_allowance_minutes)
        return 1.0 + extra / self.half_day_minutes


@dataclass(frozen=True)
class OutreachWeights:
    """Objective weights, per week. The defaults make them lexicographic in practice: unmet
    visits first, then residents' travel, then specialists' travel."""

    unmet_visit: float = setting(1_000.0, "per visit", "weight of a visit a week not seen", ge=0)
    resident_minute: float = setting(
        1.0, "per person-minute", "weight of residents' travel to a centre (one way)", ge=0
    )
    specialist_minute: float = setting(
        0.1, "per minute", "weight of specialists' travel (round trip)", ge=0
    )
    equity: bool = setting(
        False, "yes/no", "also minimise the worst area's unmet share", cli="--equity"
    )
    worst_share: float | None = setting(
        None, "per share", "weight of the worst area's unmet share (0..1) with equity; none = "
        "unmet_visit x the city's weekly need, so one point of it weighs like 1% of all visits "
        "going unmet", ge=0,
    )  # fmt: skip

    def __post_init__(self) -> None:
        check_settings(self, "objective weight")


@dataclass(frozen=True)
class BedRules:
    """The rules of a bed plan (costs are in turned-away patients a year a move must save)."""

    max_turn_away: float = setting(
        0.03, "share", "target share of patients who may find the ward full (Erlang B)",
        gt=0, lt=1, cli="--max-turn-away",
    )  # fmt: skip
    floor_share: float = setting(
        0.8, "share", "each ward keeps at least this share of today's beds (rounded up)",
        ge=0, le=1, cli="--floor-share",
    )  # fmt: skip
    ceiling_share: float = setting(
        1.5, "x today's beds", "each ward grows to at most this multiple of today's beds",
        ge=1, cli="--ceiling-share",
    )  # fmt: skip
    new_bed_budget: int = setting(
        0, "beds", "new beds the bureau can fund, city-wide", ge=0, le=100_000,
        cli="--budget", scenario="budgets.new_beds",
    )  # fmt: skip
    move_cost_within: float = setting(
        1.0, "patients/year", "cost of moving a bed between departments of one hospital", ge=0
    )
    move_cost_across: float = setting(
        5.0, "patients/year", "extra cost of moving a bed to another hospital", ge=0
    )
    new_bed_cost: float = setting(
        10.0, "patients/year", "cost of a new bed (on top of the budget)", ge=0
    )
    objective: Literal["turned_away", "bed_days_short"] = setting(
        "turned_away", "", "what the plan minimises: turned_away = patients turned away a "
        "year, bed_days_short = bed-days a year below the need at the target",
        choices=("turned_away", "bed_days_short"),
        cli="--objective",
    )  # fmt: skip
    days_per_year: float = setting(365.0, "days", "to turn daily rates into yearly ones", gt=0)

    def __post_init__(self) -> None:
        check_settings(self, "bed rule")
