"""Package exports imported on first use (PEP 562), so that importing one light module of a
package (its rules, its schemas) does not import all of it: the command line starts fast.

    __getattr__, __dir__ = lazy_exports(__name__, {"OutreachRules": "optimize.health.rules"})
"""

from __future__ import annotations

import importlib
from collections.abc import Callable


def lazy_exports(package: str, where: dict[str, str]) -> tuple[Callable, Callable]:
    """A module ``__getattr__`` that imports ``name`` from ``where[name]`` when first asked
    for (and keeps it in the package), and the matching ``__dir__``."""

    def __getattr__(name: str):  # noqa: N807 (the module hook's name)
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(importlib.import_module(package), name, value)
        return value

    def __dir__() -> list[str]:  # noqa: N807
        return sorted(where)

    return __getattr__, __dir__
