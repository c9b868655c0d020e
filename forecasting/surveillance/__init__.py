"""Surveillance of counts: detectors that flag what the past did not expect, and time to breach.

Detectors (``forecasting.surveillance.detectors``) are estimators over ``series_id, ds, y``:
``fit(history)`` then ``detect(since, until)``. ``make_detector(name)`` builds one by the name
that rules files and the CLI use (``DETECTORS``). Time to breach (when forecast need passes
capacity, and how likely by a date) is ``forecasting.surveillance.breach``. See docs/alerts.md.
"""

from __future__ import annotations

from typing import Any

from demand.errors import InputError
from forecasting.surveillance.detectors import (
    RESULT_COLUMNS,
    Cusum,
    Detector,
    EarsC1,
    EarsC2,
    EarsC3,
    Ewma,
    Farrington,
    FarringtonFlexible,
    ForecastExceedance,
)

__all__ = ["DEFAULT_METHODS", "DETECTORS", "RESULT_COLUMNS", "Detector", "make_detector"]

#: Detectors by the name used in rules files and on the command line.
DETECTORS: dict[str, type[Detector]] = {
    "farrington": FarringtonFlexible,
    "farrington_1996": Farrington,
    "ears_c1": EarsC1,
    "ears_c2": EarsC2,
    "ears_c3": EarsC3,
    "cusum": Cusum,
    "ewma": Ewma,
    "forecast": ForecastExceedance,
}
#: What `civicalloc watch` runs unless a rules file says otherwise.
DEFAULT_METHODS = ("farrington", "cusum")


def make_detector(name: str, source: str = "methods", **settings: Any) -> Detector:
    """A detector by name with its settings; unknown names and settings name the source."""
    cls = DETECTORS.get(name)
    if cls is None:
        raise InputError(f"{source}: unknown method {name!r}; use one of {', '.join(DETECTORS)}")
    try:
        return cls(**settings)
    except TypeError:
        allowed = ", ".join(cls().get_params()) or "none"
        bad = ", ".join(sorted(set(settings) - set(cls().get_params())))
        raise InputError(
            f"{source}: method {name!r} has no setting(s) {bad}; its settings are {allowed}"
        ) from None
