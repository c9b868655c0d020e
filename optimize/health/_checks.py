"""Checking the frames the health models take: named columns, ids, numbers, no duplicates."""

from __future__ import annotations

import pandas as pd

from demand.checks import require_columns, require_ids, require_numbers, require_unique


def checked(
    frame: pd.DataFrame,
    source: str,
    ids: list[str],
    numbers: dict[str, float | None] | None = None,
    unique: bool = True,
) -> pd.DataFrame:
    """A clean copy with ids as strings and numbers as floats; InputError names the bad row.

    numbers: column -> smallest allowed value (None = any number). Rows are numbered from 0
    (frames built in code); files checked at the door keep their own line numbers.
    """
    numbers = numbers or {}
    require_columns(frame, [*ids, *numbers], source)
    out = pd.DataFrame(index=range(len(frame)))
    frame = frame.reset_index(drop=True)
    for col in ids:
        out[col] = require_ids(frame, col, source, row_offset=0).to_numpy()
    for col, minimum in numbers.items():
        out[col] = require_numbers(frame, col, source, minimum=minimum, row_offset=0).to_numpy()
    if unique and ids:
        require_unique(out, ids, source, row_offset=0)
    return out
