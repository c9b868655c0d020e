"""Writing tables that people open in spreadsheets: no cell may run as a formula.

A text cell (or column name) that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is
read by Excel, WPS and LibreOffice as a formula — a scenario called `=HYPERLINK(...)` becomes a
live link in an exported header. Every CSV and XLSX the tool writes for people goes through
`neutralise` (OWASP's advice: prefix such text with an apostrophe, which spreadsheets show as
text and do not display). Numbers stay numbers (−3.5 is a number, not a formula).

`write_csv` / `write_xlsx` / `csv_text` are the writers; CSV downloads carry a UTF-8 byte-order
mark so that spreadsheets read Chinese text correctly.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """A cell value that no spreadsheet runs: text starting like a formula gets a leading '."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell and column name made safe (numbers, dates untouched)."""
    columns = {}
    for i in range(frame.shape[1]):
        column = frame.iloc[:, i]
        kind = column.dtype
        if not (pd.api.types.is_numeric_dtype(kind) or pd.api.types.is_datetime64_any_dtype(kind)
                or pd.api.types.is_bool_dtype(kind)):  # fmt: skip
            column = column.astype(object).map(safe_cell)
        columns[i] = column
    out = pd.DataFrame(columns, index=frame.index)
    out.columns = [safe_cell(str(c)) for c in frame.columns]
    return out


def csv_text(frame: pd.DataFrame, **kwargs) -> str:
    """The frame as safe CSV text, with a byte-order mark for spreadsheets."""
    return "\ufeff" + neutralise(frame).to_csv(index=False, **kwargs)


def write_csv(frame: pd.DataFrame, path: Path | str, bom: bool = False, **kwargs) -> Path:
    """Write a safe CSV (UTF-8; with a byte-order mark if `bom`) and return its path."""
    path = Path(path)
    neutralise(frame).to_csv(path, index=False, encoding="utf-8-sig" if bom else "utf-8",
                             **kwargs)  # fmt: skip
    return path


def write_xlsx(frame: pd.DataFrame, path: Path | str, sheet_name: str = "Sheet1") -> Path:
    """Write a safe XLSX sheet and return its path."""
    path = Path(path)
    neutralise(frame).to_excel(path, index=False, sheet_name=sheet_name)
    return path
