"""Small checks that turn bad frames into an InputError naming the source, row and column.

Row numbers, everywhere in civicalloc, are the row a spreadsheet shows for the file (the line
of a CSV): the header is row 1, so the first data row is row 2 (``row_offset=2``). For frames
built in code pass ``row_offset=0``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from demand.errors import InputError


def not_utf8(path: Path | str, exc: UnicodeDecodeError, spreadsheet: bool = True) -> InputError:
    """The error for a text file that is not UTF-8, saying what it looks like and what to do."""
    raw = exc.object if isinstance(exc.object, bytes) else b""
    try:
        raw.decode("gb18030")
        looks = "it looks like GBK/GB18030, which Chinese Windows programs save by default"
    except UnicodeDecodeError:
        looks = f"{exc.reason} at byte {exc.start}"
    how = "Excel: Save As > 'CSV UTF-8'" if spreadsheet else "in the editor's Save As dialog"
    return InputError(
        f"{path}: not UTF-8 text ({looks}); save it as UTF-8 ({how}), or convert it: "
        "iconv -f GB18030 -t UTF-8"
    )


#: How far past its latest population year a city may be projected (the scenarios' horizon).
MAX_YEARS_AHEAD = 30


def require_years(years: Iterable[int], first: int, latest: int, option: str) -> list[int]:
    """``years`` if each lies from ``first`` (the city's first population year) to
    ``MAX_YEARS_AHEAD`` past ``latest``; InputError naming the option otherwise."""
    years = list(years)
    last = latest + MAX_YEARS_AHEAD
    for year in years:
        if not first <= year <= last:
            raise InputError(
                f"{option} {year}: the city's population runs from {first} to {latest} and can "
                f"be projected to {last}; choose years in {first}-{last}"
            )
    return years


def require_columns(frame: pd.DataFrame, columns: Iterable[str], source: str) -> None:
    """Raise if any of ``columns`` is missing, listing what the frame has instead."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            f"{source}: missing column(s) {', '.join(missing)}; it has "
            f"{', '.join(map(str, frame.columns)) or 'no columns'}. Add them to the header."
        )


def _first_bad(mask: np.ndarray, frame: pd.DataFrame, row_offset: int) -> tuple[int, int]:
    pos = int(np.flatnonzero(mask)[0])
    return pos + row_offset, int(mask.sum())


def require_numbers(
    frame: pd.DataFrame,
    column: str,
    source: str,
    *,
    minimum: float | None = 0.0,
    row_offset: int = 2,
    whole: bool = False,
) -> pd.Series:
    """The column as floats; raise at the first blank, non-number, value below ``minimum`` or
    (``whole``) value with a fraction, e.g. 2.5 caseworkers."""
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna().to_numpy() | ~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))
    if bad.any():
        row, n = _first_bad(bad, frame, row_offset)
        raw = frame[column].iloc[row - row_offset]
        raise InputError(
            f"{source}, row {row}, column {column}: {raw!r} is not a number "
            f"({n} such row(s)). Fill in a number."
        )
    if minimum is not None and (values < minimum).any():
        row, n = _first_bad((values < minimum).to_numpy(), frame, row_offset)
        raise InputError(
            f"{source}, row {row}, column {column}: {values.iloc[row - row_offset]:g} is below "
            f"{minimum:g} ({n} such row(s)). Use a value >= {minimum:g}."
        )
    if whole and (values != np.round(values)).any():
        row, n = _first_bad((values != np.round(values)).to_numpy(), frame, row_offset)
        raise InputError(
            f"{source}, row {row}, column {column}: {values.iloc[row - row_offset]:g} is not a "
            f"whole number ({n} such row(s)). Use whole numbers."
        )
    return values.astype(float)


def require_ids(frame: pd.DataFrame, column: str, source: str, *, row_offset: int = 2) -> pd.Series:
    """The column as stripped strings; raise at the first blank id."""
    ids = frame[column].astype("string").str.strip()
    blank = (ids.isna() | (ids == "")).to_numpy()
    if blank.any():
        row, n = _first_bad(blank, frame, row_offset)
        raise InputError(
            f"{source}, row {row}, column {column}: id is blank ({n} such row(s)). Give every "
            "row an id."
        )
    return ids.astype(object)


def require_unique(
    frame: pd.DataFrame, columns: list[str], source: str, *, row_offset: int = 2
) -> None:
    """Raise at the first row repeating an earlier row's ``columns``."""
    dup = frame.duplicated(subset=columns, keep="first").to_numpy()
    if dup.any():
        row, n = _first_bad(dup, frame, row_offset)
        key = ", ".join(f"{c}={frame[c].iloc[row - row_offset]!r}" for c in columns)
        raise InputError(
            f"{source}, row {row}, columns {', '.join(columns)}: {key} appears more than once "
            f"({n} repeated row(s)). Keep one row per {' + '.join(columns)}."
        )


def require_known(
    frame: pd.DataFrame,
    column: str,
    known: Iterable[str],
    source: str,
    what: str,
    *,
    row_offset: int = 2,
) -> None:
    """Raise at the first row whose ``column`` is not among ``known`` ids (``what`` names them)."""
    known_index = pd.Index(list(known))
    unknown = ~frame[column].isin(known_index).to_numpy()
    if unknown.any():
        row, n = _first_bad(unknown, frame, row_offset)
        raise InputError(
            f"{source}, row {row}, column {column}: {frame[column].iloc[row - row_offset]!r} is "
            f"not a known {what} ({n} such row(s)). Use an id from the {what} table."
        )
