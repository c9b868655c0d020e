"""The city bundle: its contract (schemas), reading, validation, loading and the sample city.

from demand.bundle import load_city, make_sample_city, write_bundle
city = load_city("path/to/bundle")        # raises InputError naming file/row/column
city, report = check_bundle("path")       # or get the full report (errors + warnings)
"""

from demand.bundle.city import City
from demand.bundle.load import check_bundle, load_city
from demand.bundle.report import Problem, Report
from demand.bundle.sample_city import make_sample_city
from demand.bundle.schemas import AGE_BANDS, SCHEMAS
from demand.bundle.write import write_bundle

__all__ = [
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
