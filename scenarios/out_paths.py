"""Checking where a command will write before it does any work.

A solve of minutes that ends in "is a folder" or "no such folder" wastes the user's time, so
every command checks its output paths first: a file name must not be a folder, a folder name
must not be a file, the suffix must be one the command writes, and the place must be
writable. Missing parent folders are created (as `mkdir -p` would).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from demand.errors import InputError

__all__ = ["check_out_file", "check_out_folder"]


def _writable_place(path: Path, option: str) -> None:
    """Create the folder ``path`` (and parents); raise if that is impossible or not writable."""
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        raise InputError(
            f"{option} {path}: {existing} is a file, not a folder; choose another place"
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(f"{option} {path}: cannot write in {existing} (permission denied)")
    path.mkdir(parents=True, exist_ok=True)


def check_out_file(
    path: Path | None, option: str = "--out", suffixes: Sequence[str] | None = None
) -> Path | None:
    """``path`` if a file can be written there (its folder is created); InputError if not.

    ``suffixes`` (e.g. ``(".csv",)``) are the formats the command writes; None = any.
    """
    if path is None:
        return None
    path = Path(path)
    if path.is_dir():
        example = path / f"result{suffixes[0] if suffixes else '.csv'}"
        raise InputError(f"{option} {path}: is a folder; give a file name such as {example}")
    if suffixes and path.suffix.lower() not in suffixes:
        example = path.with_suffix(suffixes[0]).name if path.name else f"result{suffixes[0]}"
        raise InputError(f"{option} {path}: write a {' or '.join(suffixes)} file, e.g. {example}")
    _writable_place(path.parent, option)
    if path.exists() and not os.access(path, os.W_OK):
        raise InputError(f"{option} {path}: the file exists and cannot be overwritten")
    return path


def check_out_folder(path: Path | None, option: str = "--out") -> Path | None:
    """``path`` if it is (or can be made) a writable folder; InputError if not."""
    if path is None:
        return None
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputError(f"{option} {path}: is a file; give a folder (made if missing)")
    _writable_place(path, option)
    return path
