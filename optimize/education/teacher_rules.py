"""The teacher model's rules, declared once with their units and bounds (``optimize.rules``);
``civicalloc teachers`` builds its options from them. Nothing heavy is imported here."""

from __future__ import annotations

from dataclasses import dataclass

from demand.errors import InputError
from optimize.rules import check_settings, setting

__all__ = ["TeacherRules"]


@dataclass(frozen=True)
class TeacherRules:
    """How teachers may be placed. ``subject_shares``: share of posts per subject (default: the
    level's); they must add up to 1."""

    pupils_per_teacher: float | None = setting(
        None, "pupils", "pupil-teacher norm (default: the level's, 19 primary / 13.5 middle)",
        gt=0, cli="--pupils-per-teacher",
    )  # fmt: skip
    subject_shares: dict[str, float] | None = None
    max_transfers_per_school: int | None = setting(
        4, "teachers", "teachers a school may gain, and may lose, in total; none = any",
        ge=0, cli="--max-transfers",
    )  # fmt: skip
    short_penalty: float = setting(100.0, "moves", "cost of one teacher short, in moves", ge=0)
    new_teachers: int = setting(
        0, "teachers", "teachers the bureau may hire on top of today's, posted by the plan "
        "where the norm is short", ge=0, le=100_000, cli="--new-teachers",
        scenario="budgets.new_teachers",
    )  # fmt: skip

    def __post_init__(self) -> None:
        check_settings(self, "teacher rule")
        if self.subject_shares is not None and abs(sum(self.subject_shares.values()) - 1) > 0.01:
            raise InputError("subject_shares must add up to 1")
