"""The error type for bad user input, shared by every stage."""

from __future__ import annotations


class InputError(ValueError):
    """A problem with a user's input: says which file, row and column, and what to do."""
