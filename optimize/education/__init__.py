"""Education bureau models: school attendance districts and teacher allocation.

- ``levels``: school levels (primary grades 1-6 = ages 6-11; middle grades 7-9 = ages 12-14),
  pupil-teacher norms and subject shares.
- ``pupils``: school-age children per area and year (observed, then a labelled trend projection).
- ``neighbours``: which units share a boundary (for contiguous districts).
- ``city_inputs``: units, pupils, schools, travel and today's districts of one level from a City.
- ``districts``: ``redraw_districts`` (a PuLP model: capacity per year with tolerance, max travel,
  shortest-path-tree contiguity, keep-together groups, reassignment limit, closed/new schools)
  and ``district_map`` (the new districts dissolved per school).
- ``bureau``: the entry points on a ``City``: ``redistrict_city`` and ``place_city_teachers``
  (each returns a ``PlanResult``); ``share_new_teachers`` splits a hiring budget among levels.
- ``teachers``: ``allocate_teachers`` (subject teachers to meet pupil-teacher norms with few
  moves, transfer limits per school, and a shortage report).

See docs/education.md.
"""

from demand.lazy import lazy_exports

#: What the package exports, and the module each comes from (imported on first use).
_EXPORTS = {
    "place_city_teachers": "optimize.education.bureau",
    "redistrict_city": "optimize.education.bureau",
    "share_new_teachers": "optimize.education.bureau",
    "EducationInputs": "optimize.education.city_inputs",
    "education_inputs": "optimize.education.city_inputs",
    "DistrictRules": "optimize.education.districts",
    "district_map": "optimize.education.districts",
    "peak_pressure_year": "optimize.education.districts",
    "redraw_districts": "optimize.education.districts",
    "LEVELS": "optimize.education.levels",
    "Level": "optimize.education.levels",
    "unit_neighbours": "optimize.education.neighbours",
    "pupils_by_area": "optimize.education.pupils",
    "TeacherRules": "optimize.education.teacher_rules",
    "allocate_teachers": "optimize.education.teachers",
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = [  # noqa: F822 (exported lazily, see _EXPORTS)
    "LEVELS",
    "DistrictRules",
    "EducationInputs",
    "Level",
    "TeacherRules",
    "allocate_teachers",
    "district_map",
    "education_inputs",
    "peak_pressure_year",
    "place_city_teachers",
    "pupils_by_area",
    "redistrict_city",
    "share_new_teachers",
    "redraw_districts",
    "unit_neighbours",
]
