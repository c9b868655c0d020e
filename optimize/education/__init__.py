"""Education bureau models: school attendance districts and teacher allocation.

- ``levels``: school levels (primary grades 1-6 = ages 6-11; middle grades 7-9 = ages 12-14),
  pupil-teacher norms and subject shares.
- ``pupils``: school-age children per area and year (observed, then a labelled trend projection).
- ``neighbours``: which units share a boundary (for contiguous districts).
- ``city_inputs``: units, pupils, schools, travel and today's districts of one level from a City.
- ``districts``: ``redraw_districts`` (a PuLP model: capacity per year with tolerance, max travel,
  shortest-path-tree contiguity, keep-together groups, reassignment limit, closed/new schools)
  and ``district_map`` (the new districts dissolved per school).
- ``bureau``: ``redistrict_city`` runs the whole job on a ``City``.
- ``teachers``: ``allocate_teachers`` (subject teachers to meet pupil-teacher norms with few
  moves, transfer limits per school, and a shortage report).

See docs/education.md.
"""

from optimize.education.bureau import Redistricting, redistrict_city
from optimize.education.city_inputs import EducationInputs, education_inputs
from optimize.education.districts import (
    DistrictRules,
    district_map,
    peak_pressure_year,
    redraw_districts,
)
from optimize.education.levels import LEVELS, Level
from optimize.education.neighbours import unit_neighbours
from optimize.education.pupils import pupils_by_area
from optimize.education.teachers import TeacherRules, allocate_teachers

__all__ = [
    "LEVELS",
    "DistrictRules",
    "EducationInputs",
    "Level",
    "Redistricting",
    "TeacherRules",
    "allocate_teachers",
    "district_map",
    "education_inputs",
    "peak_pressure_year",
    "pupils_by_area",
    "redistrict_city",
    "redraw_districts",
    "unit_neighbours",
]
