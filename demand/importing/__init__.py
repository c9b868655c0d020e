"""Import of the files a bureau actually holds into a city bundle (``civicalloc import``).

A mapping file (TOML, docs/import.md) says which spreadsheet, CSV or shapefile feeds each
contract table and how: sheets, header rows, encodings, column names (with presets for common
Chinese statistical headers), units, wide → long, totals rows, division codes, joins by name,
and web-map coordinates (GCJ-02, BD-09). Every excluded or repaired row is recorded for the
data-quality report; every problem names the source file, sheet, row and column.
"""
