"""Reading the raw tables of a city bundle from disk, before any checking.

Attribute columns are read as text so that validation can say exactly which cell is wrong;
nothing is coerced or dropped here. Text cells are stripped of surrounding whitespace here,
once: validation, typing (`load._typed`) and the quality report rely on it and do not strip
again (three passes over a 5,000-area bundle's six million cells cost seconds per brief).
"""

from __future__ import annotations

import csv
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from demand.bundle.schemas import SCHEMAS
from demand.checks import not_utf8
from demand.errors import InputError

ATTRIBUTE_SUFFIXES = (".csv", ".parquet")
SPATIAL_SUFFIXES = (".geojson", ".gpkg", ".parquet", ".json")


@dataclass
class RawTable:
    """A table as found on disk: the frame, the file it came from, how its rows are numbered.

    Every attribute cell of ``frame`` is text (``str``) already stripped of surrounding
    whitespace (`strip_cells`); whoever builds a RawTable outside `read_raw_tables` strips too.
    """

    name: str
    frame: pd.DataFrame
    file: str  # shown to users, e.g. "population.csv" or "city.gpkg:population"
    header_lines: int = 1  # CSV: data row i (0-based) is on line i + 2
    _numbers: dict[str, pd.Series] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def numbers(self, column: str) -> pd.Series:
        """The text column as numbers, NaN where blank or not a number ('inf' is inf).

        Parsed once and kept: validation, typing and the quality report all read the same
        numbers (three parses of a 5,000-area bundle's 2.5 million numbers cost a second). The
        frame is not changed after it is read."""
        if column not in self._numbers:
            text = self.frame[column]
            self._numbers[column] = pd.to_numeric(text.where(text.ne("")), errors="coerce")
        return self._numbers[column]

    def where(self, index: int) -> str:
        """User-facing position of the 0-based row `index`: in a CSV the row a spreadsheet
        shows (the header is row 1, so the first data row is row 2); else the feature count."""
        if self.file.endswith(".csv"):
            return f"row {index + 1 + self.header_lines}"
        return f"row {index + 1}"


def read_csv_text(path: Path) -> pd.DataFrame:
    """A CSV file as text cells (UTF-8, BOM allowed); InputError when it cannot be read."""
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise not_utf8(path.name, exc) from None
    except pd.errors.EmptyDataError:  # a ValueError too: first
        raise InputError(f"{path.name}: the file is empty; it needs a header row") from None
    except (pd.errors.ParserError, csv.Error, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{path.name}: cannot be read as CSV: {first}") from None


def strip_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell stripped of surrounding whitespace (``str.strip``: also
    the ideographic space U+3000 and no-break spaces), in place; geometry left alone.

    The one place a bundle's cells are stripped: the checks, the typing and the quality report
    read the cells as they are."""
    for col in frame.columns:
        if col == "geometry" or frame[col].dtype != object:
            continue
        try:  # all text (read_csv_text, _as_text): a ufunc loop, twice as fast as .str.strip
            frame[col] = _STRIP(frame[col].to_numpy())
        except TypeError:  # a cell that is not text (None, a number): kept as it is
            text = frame[col].map(type).eq(str)
            frame[col] = frame[col].where(~text, frame[col][text].str.strip())
    return frame


_STRIP = np.frompyfunc(str.strip, 1, 1)


def _read_spatial(path: Path, layer: str | None = None) -> pd.DataFrame:
    # geopandas and pyogrio here, not at the top: a command reading only CSVs (locate) skips them
    import geopandas as gpd
    import pyogrio

    if path.suffix == ".parquet":
        try:
            return gpd.read_parquet(path)
        except (ValueError, TypeError):
            return pd.read_parquet(path)  # no geometry metadata: an attribute table
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            frame = pyogrio.read_dataframe(path, layer=layer)
        except UnicodeDecodeError as exc:
            raise not_utf8(path.name, exc, spreadsheet=False) from None
    return frame


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Attribute columns as stripped text (geometry kept), so every cell can be checked the
    same way."""
    out = frame.copy()
    for col in out.columns:
        if col == "geometry":
            continue
        series = out[col]
        if pd.api.types.is_datetime64_any_dtype(series):
            text = series.dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_float_dtype(series):
            text = series.map(lambda v: "" if pd.isna(v) else repr(float(v)))
        else:
            text = series.astype("string").fillna("").astype(object)
        out[col] = text.astype(object).where(series.notna(), "")
    return strip_cells(out)


def read_raw_tables(path: str | Path) -> tuple[dict[str, RawTable], list[str]]:
    """All contract tables found at `path` (a folder or one GeoPackage), plus unknown files.

    Returns (tables by name, names of files/layers that match no table). Every attribute cell
    is text stripped of surrounding whitespace, here and only here: `validate_tables`,
    `load.typed_city` and `quality.build_quality` rely on it.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such folder or file; give the folder of a city bundle")
    tables: dict[str, RawTable] = {}
    unknown: list[str] = []
    if path.is_file():
        if path.suffix != ".gpkg":
            raise InputError(
                f"{path.name}: a bundle is a folder of files or one GeoPackage (.gpkg)"
            )
        import pyogrio

        for layer, _geom_type in pyogrio.list_layers(path):
            if layer in SCHEMAS:
                frame = _as_text(_read_spatial(path, layer=layer))
                tables[layer] = RawTable(layer, frame, f"{path.name}:{layer}")
            else:
                unknown.append(f"{path.name}:{layer}")
        return tables, unknown

    for file in sorted(path.iterdir()):
        if file.name.startswith(".") or file.name == "bundle.toml" or file.is_dir():
            continue
        name = file.stem
        if name not in SCHEMAS:
            unknown.append(file.name)
            continue
        if name in tables:
            raise InputError(
                f"{file.name}: table '{name}' is given twice ({tables[name].file} and "
                f"{file.name}); keep one file per table"
            )
        if file.suffix == ".csv":
            frame = strip_cells(read_csv_text(file))
        elif file.suffix in SPATIAL_SUFFIXES:
            frame = _as_text(_read_spatial(file))
        else:
            unknown.append(file.name)
            continue
        tables[name] = RawTable(name, frame, file.name)
    return tables, unknown
