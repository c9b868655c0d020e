"""Reading one source the way a bureau saved it: a sheet, a CSV in some encoding, a shapefile.

Every reader returns a `SourceTable`: the cells as text (geometry kept), the header labels as
the user sees them (two header rows merged into 'upper|lower'), and for each data row its
position in the file as the user would look for it (Excel row number, CSV line, record), so
every later problem can name file, sheet, row and column.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import os
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from demand.errors import InputError

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
SPATIAL_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json", ".fgb")
HEADER_JOIN = "|"  # labels of stacked header rows, upper|lower


@dataclass
class SourceTable:
    """One sheet or file after reading: text cells and where each row sits in the file."""

    frame: pd.DataFrame  # text cells (geometry column kept for spatial sources)
    file: str  # file name shown to users
    sheet: str | None  # sheet (or layer) name, None for a single-table file
    rows: np.ndarray  # 1-based row number in the file of each data row (Excel row, CSV line)
    encoding: str | None = None  # text encoding found or used (CSV, dBASE)
    crs: object = None
    notices: list[str] = field(default_factory=list)

    def label(self) -> str:
        """'file.xlsx, sheet 人口' or 'file.csv'."""
        return f"{self.file}, sheet {self.sheet}" if self.sheet else self.file


def decode_text(data: bytes, name: str, encoding: str | None = None) -> tuple[str, str]:
    """The text of a file and the encoding used: given, or found (UTF-8 with/without BOM, GBK).

    GB18030 is the superset of GBK (and GB2312) that Chinese Excel and Windows save by default.
    """
    if encoding:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise InputError(
                f"{name}: cannot be read as {encoding} ({exc}); fix 'encoding' in the mapping "
                "or leave it out to detect UTF-8 / GBK"
            ) from None
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "UTF-8 with BOM"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("gb18030"), "GB18030 (GBK)"
        except UnicodeDecodeError:
            raise InputError(
                f"{name}: neither UTF-8 nor GBK/GB18030 text (byte {utf8_error.start}); save it "
                "as 'CSV UTF-8' or set encoding = \"...\" in the mapping"
            ) from None


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if np.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d") if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _grid_to_table(
    grid: list[list[str]] | pd.DataFrame,
    file: str,
    sheet: str | None,
    skip_rows: int,
    header_rows: int,
    first_row: int = 1,
) -> SourceTable:
    """Header rows merged into labels, data rows below them, empty rows and columns left out."""
    where = f"{file}, sheet {sheet}" if sheet else file
    if len(grid) < skip_rows + header_rows:
        raise InputError(
            f"{where}: has {len(grid)} row(s), fewer than skip_rows + header_rows = "
            f"{skip_rows + header_rows}; check 'skip_rows' and 'header_rows' in the mapping"
        )
    if isinstance(grid, pd.DataFrame):
        grid = grid.fillna("")
        frame_all = grid.apply(lambda col: col.str.strip()) if len(grid) else grid
        header = frame_all.iloc[skip_rows : skip_rows + header_rows].values.tolist()
        width = frame_all.shape[1]
        frame = frame_all.iloc[skip_rows + header_rows :].copy()
        frame.columns = range(width)
    else:
        width = max((len(r) for r in grid), default=0)
        grid = [list(r) + [""] * (width - len(r)) for r in grid]
        header = grid[skip_rows : skip_rows + header_rows]
        frame = pd.DataFrame(grid[skip_rows + header_rows :], columns=range(width), dtype=object)
    header = _fill_groups([[str(c).strip() for c in row] for row in header])
    labels = []
    for col in range(width):
        parts: list[str] = []
        for row in header:
            text = str(row[col]).replace("\n", "").strip()
            if text and (not parts or parts[-1] != text):
                parts.append(text)
        labels.append(HEADER_JOIN.join(parts))
    rows = np.arange(len(frame)) + first_row + skip_rows + header_rows
    keep_rows = (frame != "").any(axis=1).to_numpy()
    keep_cols = [c for c in range(width) if labels[c] or (frame[c] != "").any()]
    blank = [c for c in keep_cols if not labels[c]]
    if blank:
        letters = ", ".join(_column_letter(c) for c in blank[:3])
        raise InputError(
            f"{where}: column {letters} has data but no header; give it a header or adjust "
            "'skip_rows' / 'header_rows' in the mapping"
        )
    seen: dict[str, int] = {}
    for c in keep_cols:
        label = labels[c]
        if label in seen:
            raise InputError(
                f"{where}: header {label!r} appears twice (columns {_column_letter(seen[label])} "
                f"and {_column_letter(c)}); rename one, or set header_rows to merge the rows "
                "above it"
            )
        seen[label] = c
    frame = frame.loc[keep_rows, keep_cols]
    frame.columns = [labels[c] for c in keep_cols]
    return SourceTable(frame.reset_index(drop=True), file, sheet, rows[keep_rows])


def _fill_groups(header: list[list[str]]) -> list[list[str]]:
    """Upper header cells left blank inside a group (a merged cell saved as CSV) filled from the
    left: '男', '', '' over '0-4岁', '5-9岁', '10-14岁' is 男 for all three. A blank is filled only
    when the column to its left belongs to a group (has a label below), so '社区' over a blank
    does not spill into the next column."""
    for level in range(len(header) - 1):
        upper, below = header[level], header[level + 1]
        for col in range(1, len(upper)):
            if not upper[col] and below[col] and upper[col - 1] and below[col - 1]:
                upper[col] = upper[col - 1]
    return header


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def excel_sheet_names(path: Path) -> list[str]:
    """Names of the sheets of a workbook, in order."""
    try:
        if path.suffix.lower() == ".xls":
            import xlrd

            with open(os.devnull, "w") as quiet:  # xlrd prints OLE2 remarks on stdout
                return xlrd.open_workbook(path, on_demand=True, logfile=quiet).sheet_names()
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True)
        try:
            return list(book.sheetnames)
        finally:
            book.close()
    except Exception as exc:  # a damaged workbook, or another kind of file named .xlsx
        raise InputError(
            f"{path.name}: cannot be read as an Excel workbook ({type(exc).__name__}: {exc}); "
            "open it in Excel and save it again as .xlsx"
        ) from None


def _xlsx_merges(path: Path, sheet: str) -> list[tuple[int, int, int, int]]:
    """Merged ranges of a sheet as (min_row, min_col, max_row, max_col), 1-based, read from the
    sheet's XML (openpyxl's fast read-only mode does not report them)."""
    from openpyxl.utils.cell import range_boundaries

    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml").decode("utf-8")
        rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8")
        rid = None
        for m in re.finditer(r"<(?:\w+:)?sheet\b[^>]*>", book):
            tag = m.group(0)
            name = re.search(r'\bname="([^"]*)"', tag)
            if name and html.unescape(name.group(1)) == sheet:
                rid = re.search(r'\br:id="([^"]*)"|\bid="([^"]*)"', tag)
                rid = rid.group(1) or rid.group(2)
                break
        target = None
        for m in re.finditer(r"<Relationship\b[^>]*>", rels):
            tag = m.group(0)
            if f'Id="{rid}"' in tag:
                target = re.search(r'Target="([^"]*)"', tag).group(1)
        if target is None:
            return []
        target = target.lstrip("/")
        member = target if target.startswith("xl/") else f"xl/{target}"
        xml = z.read(member).decode("utf-8")
    merges = []
    for ref in re.findall(r'<mergeCell\b[^>]*\bref="([A-Z]+\d+:[A-Z]+\d+)"', xml):
        min_col, min_row, max_col, max_row = range_boundaries(ref)
        merges.append((min_row, min_col, max_row, max_col))
    return merges


def _xlsx_grid(path: Path, sheet: str) -> list[list[str]]:
    from openpyxl import load_workbook

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = load_workbook(path, read_only=True, data_only=True)
    try:
        grid = [[_cell_text(v) for v in row] for row in book[sheet].iter_rows(values_only=True)]
    finally:
        book.close()
    for min_row, min_col, max_row, max_col in _xlsx_merges(path, sheet):
        if min_row - 1 >= len(grid) or min_col - 1 >= len(grid[min_row - 1]):
            continue
        value = grid[min_row - 1][min_col - 1]  # a merged cell's value fills its whole range
        for r in range(min_row - 1, min(max_row, len(grid))):
            row = grid[r]
            if len(row) < max_col:
                row.extend([""] * (max_col - len(row)))
            for c in range(min_col - 1, max_col):
                row[c] = value
    return grid


def _xls_grid(path: Path, sheet: str) -> list[list[str]]:
    import xlrd

    with open(os.devnull, "w") as quiet:
        book = xlrd.open_workbook(path, formatting_info=True, logfile=quiet)
    ws = book.sheet_by_name(sheet)
    grid = []
    for r in range(ws.nrows):
        row = []
        for c in range(ws.ncols):
            cell = ws.cell(r, c)
            if cell.ctype == xlrd.XL_CELL_DATE:
                row.append(_cell_text(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode)))
            else:
                row.append(_cell_text(cell.value))
        grid.append(row)
    for rlo, rhi, clo, chi in ws.merged_cells:
        for r in range(rlo, rhi):
            for c in range(clo, chi):
                grid[r][c] = grid[rlo][clo]
    return grid


def read_excel(path: Path, sheet: str | int, skip_rows: int, header_rows: int) -> SourceTable:
    """One sheet (by name or 0-based index) with merged cells filled, as a SourceTable."""
    names = excel_sheet_names(path)
    if isinstance(sheet, int):
        if not 0 <= sheet < len(names):
            raise InputError(
                f"{path.name}: no sheet number {sheet} (sheets are counted from 0; the workbook "
                f"has {len(names)}: {', '.join(names)})"
            )
        sheet = names[sheet]
    if sheet not in names:
        raise InputError(
            f"{path.name}: no sheet {sheet!r}; the workbook has: {', '.join(names)}; fix "
            "'sheet' in the mapping"
        )
    grid = _xls_grid(path, sheet) if path.suffix.lower() == ".xls" else _xlsx_grid(path, sheet)
    return _grid_to_table(grid, path.name, sheet, skip_rows, header_rows)


def read_csv(
    path: Path, skip_rows: int, header_rows: int, encoding: str | None, sep: str | None
) -> SourceTable:
    """A CSV (any of , ; tab |) in UTF-8, UTF-8 with BOM or GBK, as a SourceTable."""
    text, used = decode_text(path.read_bytes(), path.name, encoding)
    if sep is None:
        sample = "\n".join(text.splitlines()[skip_rows : skip_rows + 20])
        try:
            sep = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
        except csv.Error:
            sep = ","
    # widest line, so a title row above the header does not fix the width (a separator inside
    # quotes over-counts: the extra column is empty and left out)
    width = max((line.count(sep) for line in text.splitlines()), default=0) + 1
    try:
        grid = pd.read_csv(io.StringIO(text), sep=sep, header=None, names=range(width), dtype=str,
                           skip_blank_lines=False, keep_default_na=False, engine="c")  # fmt: skip
    except pd.errors.ParserError as exc:
        raise InputError(f"{path.name}: cannot be read as CSV ({exc}); check the file") from None
    except pd.errors.EmptyDataError:
        raise InputError(f"{path.name}: the file is empty") from None
    table = _grid_to_table(grid, path.name, None, skip_rows, header_rows)
    table.encoding = used
    return table


def _dbf_encoding(path: Path) -> str | None:
    """The encoding of a shapefile's .dbf when it has no .cpg: UTF-8 or GBK, from its bytes."""
    dbf = path.with_suffix(".dbf")
    if not dbf.exists():
        for candidate in path.parent.glob(path.stem + ".*"):
            if candidate.suffix.lower() == ".dbf":
                dbf = candidate
    if not dbf.exists():
        return None
    data = dbf.read_bytes()
    header = int.from_bytes(data[8:10], "little") if len(data) > 10 else 0
    body = data[header:]
    try:
        body.decode("utf-8")
        return "UTF-8"
    except UnicodeDecodeError:
        try:
            body.decode("gb18030")
            return "GB18030"
        except UnicodeDecodeError:
            return None


def read_spatial(path: Path, layer: str | None, encoding: str | None) -> SourceTable:
    """A shapefile (its .cpg honoured, else UTF-8/GBK found), GeoPackage layer or GeoJSON."""
    suffix = path.suffix.lower()
    used = None
    kwargs: dict = {}
    if suffix == ".shp":
        cpg = [p for p in path.parent.glob(path.stem + ".*") if p.suffix.lower() == ".cpg"]
        if encoding:
            used = encoding
        elif cpg:
            used = cpg[0].read_text(errors="replace").strip() or None
        else:
            used = _dbf_encoding(path)
        if used:
            kwargs["encoding"] = "GB18030" if used.upper() in ("GBK", "GB2312", "CP936") else used
    if suffix == ".gpkg" and layer is not None:
        layers = [name for name, _ in pyogrio.list_layers(path)]
        if layer not in layers:
            raise InputError(
                f"{path.name}: no layer {layer!r}; the GeoPackage has: {', '.join(layers)}"
            )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = pyogrio.read_dataframe(path, layer=layer, **kwargs)
    except Exception as exc:  # GDAL's errors are many and untyped
        raise InputError(f"{path.name}: cannot be read ({exc}); check the file") from None
    return _spatial_table(frame, path.name, layer, used)


def _spatial_table(frame, file: str, layer: str | None, encoding: str | None) -> SourceTable:
    crs = getattr(frame, "crs", None)
    geometry = frame.geometry if isinstance(frame, gpd.GeoDataFrame) else None
    attrs = frame.drop(columns=["geometry"], errors="ignore")
    text = pd.DataFrame(
        {str(c): attrs[c].map(_cell_text).astype(object) for c in attrs.columns},
        index=attrs.index,
    )
    if geometry is not None:
        text = gpd.GeoDataFrame(text, geometry=geometry.values, crs=crs)
    rows = np.arange(len(text)) + 1
    return SourceTable(text.reset_index(drop=True), file, layer, rows, encoding, crs)


def read_parquet(path: Path) -> SourceTable:
    """A Parquet file: GeoParquet when it has geometry metadata, else an attribute table."""
    try:
        frame = gpd.read_parquet(path)
    except (ValueError, TypeError):
        frame = pd.read_parquet(path)
    return _spatial_table(frame, path.name, None, None)


def read_source(
    path: Path,
    sheet: str | int | None = None,
    skip_rows: int = 0,
    header_rows: int = 1,
    encoding: str | None = None,
    sep: str | None = None,
) -> SourceTable:
    """Any supported source file, by its suffix."""
    if not path.exists():
        raise InputError(
            f"{path}: no such file; fix 'file' in the mapping (paths are relative "
            "to the mapping file)"
        )
    suffix = path.suffix.lower()
    kinds = {**dict.fromkeys(EXCEL_SUFFIXES, "an Excel workbook"),
             **dict.fromkeys((".parquet", ".geoparquet"), "Parquet")}  # fmt: skip
    try:
        if suffix in EXCEL_SUFFIXES:
            return read_excel(path, 0 if sheet is None else sheet, skip_rows, header_rows)
        if suffix in (".csv", ".txt", ".tsv"):
            tab = "\t" if suffix == ".tsv" else sep
            return read_csv(path, skip_rows, header_rows, encoding, tab)
        if suffix in SPATIAL_SUFFIXES:
            return read_spatial(path, None if sheet is None else str(sheet), encoding)
        if suffix in (".parquet", ".geoparquet"):
            return read_parquet(path)
    except InputError:
        raise
    except Exception as exc:  # a damaged or mislabelled file: each library fails its own way
        raise InputError(
            f"{path.name}: cannot be read as {kinds.get(suffix, 'this kind of file')} "
            f"({type(exc).__name__}: {exc}); open it in the program that made it and save it "
            "again (Excel: .xlsx)"
        ) from None
    raise InputError(
        f"{path.name}: unknown kind of file; use .xlsx/.xls, .csv, .shp, .gpkg, .geojson or "
        ".parquet"
    )
