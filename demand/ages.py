"""Age labels used by need rates: the population's 5-year bands and single years of age.

A single year is taken as one fifth of its 5-year band (persons spread evenly over the band's
years), e.g. persons aged 6 = persons in '5-9' / 5. Grade k of compulsory school is age 5 + k
(grade 1 = age 6 ... grade 9 = age 14).
"""

from __future__ import annotations

from demand.bundle.schemas import AGE_BANDS

#: Oldest age counted in the open band '85+' when measuring overlaps (years).
OLDEST_AGE = 99
BAND_WIDTH = 5


def band_span(band: str) -> tuple[int, int]:
    """First and last single year of age (inclusive) covered by a band like '5-9' or '85+'."""
    if band.endswith("+"):
        return int(band[:-1]), OLDEST_AGE
    lo, hi = band.split("-")
    return int(lo), int(hi)


def band_of_age(age: int) -> str:
    """The 5-year band holding a single year of age."""
    for band in AGE_BANDS:
        lo, hi = band_span(band)
        if lo <= age <= hi:
            return band
    raise ValueError(f"age {age} is outside the population's bands")


def label_span(label: str) -> tuple[int, int]:
    """Years covered by a rate's age label: a band ('5-9', '85+') or a single year ('6')."""
    if label.isdigit():
        return int(label), int(label)
    return band_span(label)


def share_of_band(label: str) -> tuple[str, float]:
    """The band a rate's age label reads persons from, and the share of that band it covers.

    '5-9' -> ('5-9', 1.0); '6' -> ('5-9', 0.2). Single years above 84 are refused because the
    open band '85+' cannot be split evenly.
    """
    if label in AGE_BANDS:
        return label, 1.0
    if not label.isdigit():
        raise ValueError(f"age {label!r} is neither a band ({', '.join(AGE_BANDS)}) nor a year")
    age = int(label)
    if age >= 85:
        raise ValueError(f"single year {age} falls in the open band '85+', which cannot be split")
    return band_of_age(age), 1.0 / BAND_WIDTH


def overlap_share(label: str, min_age: int, max_age: int) -> float:
    """Share of a rate's age label that lies within [min_age, max_age] (years, inclusive)."""
    lo, hi = label_span(label)
    years = max(0, min(hi, max_age) - max(lo, min_age) + 1)
    return years / (hi - lo + 1)
