"""The city bundle: its contract (schemas), reading, validation, loading and the sample city.

from demand.bundle import load_city, make_sample_city, write_bundle
city = load_city("path/to/bundle")        # raises InputError naming file/row/column
city, report = check_bundle("path")       # or get the full report (errors + warnings)
"""

from demand.lazy import lazy_exports

#: What the package exports, and the module each comes from (imported on first use).
_EXPORTS = {
    "City": "demand.bundle.city",
    "check_bundle": "demand.bundle.load",
    "load_city": "demand.bundle.load",
    "Problem": "demand.bundle.report",
    "Report": "demand.bundle.report",
    "make_sample_city": "demand.bundle.sample_city",
    "AGE_BANDS": "demand.bundle.schemas",
    "SCHEMAS": "demand.bundle.schemas",
    "write_bundle": "demand.bundle.write",
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = [  # noqa: F822 (exported lazily, see _EXPORTS)
    "AGE_BANDS",
    "SCHEMAS",
    "City",
    "Problem",
    "Report",
    "check_bundle",
    "load_city",
    "make_sample_city",
    "write_bundle",
]
