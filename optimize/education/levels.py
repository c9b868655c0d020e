"""School levels: which ages and grades they teach, and the staffing norms that apply."""

from __future__ import annotations

from dataclasses import dataclass, field

from demand.errors import InputError


@dataclass(frozen=True)
class Level:
    """One school level.

    ages: single years of age of its pupils (primary 6-11, middle 12-14).
    grades: grades taught (seats are given per grade as 'seats:grade_<g>').
    kind: the facility kind of its schools.
    pupils_per_teacher: the staffing norm (2014 national norm for urban schools).
    subject_shares: share of teaching posts per subject (sums to 1).
    """

    name: str
    ages: range
    grades: range
    kind: str
    pupils_per_teacher: float
    subject_shares: dict[str, float] = field(default_factory=dict)


LEVELS: dict[str, Level] = {
    "primary": Level(
        "primary",
        ages=range(6, 12),
        grades=range(1, 7),
        kind="primary_school",
        pupils_per_teacher=19.0,
        subject_shares={
            "chinese": 0.27,
            "math": 0.22,
            "english": 0.12,
            "science": 0.08,
            "pe": 0.11,
            "arts": 0.12,
            "other": 0.08,
        },  # fmt: skip
    ),
    "middle": Level(
        "middle",
        ages=range(12, 15),
        grades=range(7, 10),
        kind="middle_school",
        pupils_per_teacher=13.5,
        subject_shares={
            "chinese": 0.17,
            "math": 0.17,
            "english": 0.15,
            "science": 0.24,
            "pe": 0.08,
            "arts": 0.07,
            "other": 0.12,
        },  # fmt: skip
    ),
}


def level_named(name: str) -> Level:
    """The level called ``name`` ('primary' or 'middle'), or a clear error."""
    try:
        return LEVELS[name]
    except KeyError:
        raise InputError(f"unknown school level {name!r}; use one of {', '.join(LEVELS)}") from None
