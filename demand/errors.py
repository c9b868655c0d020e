"""The error type for bad user input, shared by every stage."""

from __future__ import annotations


class InputError(ValueError):
    """A problem with a user's input: says which file, row and column, and what to do."""


def shown(value: object) -> str:
    """A value as a message shows it: numpy numbers as plain numbers (never 'np.float64(nan)'),
    NaN (how pandas reads a blank cell) as 'a blank cell', text quoted."""
    item = getattr(value, "item", None)
    if callable(item) and type(value).__module__ == "numpy":
        value = item()
    if isinstance(value, float):
        return "a blank cell" if value != value else f"{value:g}"
    return repr(value)
