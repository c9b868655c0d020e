"""Need rates: how much of each service resource one person of a given age and sex needs.

The default table ships as ``demand/data/need_rates.csv`` (columns service, resource, sex,
age_band, rate, unit, source); sources and assumptions are in docs/demand.md. A scenario can
edit the CSV or pass an override frame with the same columns (unit and source optional) to
``override_rates``. In both, ``sex`` may be 'F', 'M' or '*' (both) and ``age_band`` a 5-year
band ('60-64', '85+'), a single year ('6') or '*' (every band).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from demand.ages import share_of_band
from demand.bundle.schemas import AGE_BANDS, SERVICES, SEXES
from demand.checks import require_columns, require_ids, require_numbers
from demand.errors import InputError

RATE_COLUMNS = ["service", "resource", "sex", "age_band", "rate", "unit", "source"]
KEY = ["service", "resource", "sex", "age_band"]


def default_rates_path() -> Path:
    """Where the shipped default rate table lives."""
    return Path(__file__).with_name("data") / "need_rates.csv"


def _expand(frame: pd.DataFrame) -> pd.DataFrame:
    """Wildcards '*' replaced by every sex / every band (row order kept)."""
    out = frame
    if (out["sex"] == "*").any():
        star = out["sex"] == "*"
        both = pd.concat([out[star].assign(sex=s) for s in SEXES])
        out = pd.concat([out[~star], both]).sort_index(kind="stable")
    if (out["age_band"] == "*").any():
        star = out["age_band"] == "*"
        every = pd.concat([out[star].assign(age_band=b) for b in AGE_BANDS])
        out = pd.concat([out[~star], every]).sort_index(kind="stable")
    return out.reset_index(drop=True)


def check_rates(
    frame: pd.DataFrame, source: str = "need rates", row_offset: int = 2
) -> pd.DataFrame:
    """Validate a rate table and return it with wildcards expanded.

    Raises InputError naming the row and column of the first bad cell: unknown service or sex,
    an age that is neither a band nor a single year under 85, a negative rate, a repeated
    (service, resource, sex, age) or a single year that overlaps a band rate of the same resource.
    """
    require_columns(frame, ["service", "resource", "sex", "age_band", "rate"], source)
    checked = pd.DataFrame(
        {
            "service": require_ids(frame, "service", source, row_offset=row_offset),
            "resource": require_ids(frame, "resource", source, row_offset=row_offset),
            "sex": require_ids(frame, "sex", source, row_offset=row_offset),
            "age_band": require_ids(frame, "age_band", source, row_offset=row_offset),
            "rate": require_numbers(frame, "rate", source, row_offset=row_offset),
            "unit": frame["unit"].fillna("").astype(str) if "unit" in frame else "",
            "source": frame["source"].fillna("").astype(str) if "source" in frame else "",
        }
    ).reset_index(drop=True)
    for column, allowed in (("service", SERVICES), ("sex", (*SEXES, "*"))):
        bad = ~checked[column].isin(allowed)
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            raise InputError(
                f"{source}, row {i + row_offset}, column {column}: {checked[column][i]!r} is not "
                f"one of {', '.join(allowed)}."
            )
    for i, label in enumerate(checked["age_band"]):
        if label == "*":
            continue
        try:
            share_of_band(label)
        except ValueError as exc:
            raise InputError(f"{source}, row {i + row_offset}, column age_band: {exc}.") from None
    checked["row"] = checked.index + row_offset
    expanded = _expand(checked)
    _unique(expanded, source)
    _no_overlap(expanded, source)
    return expanded.drop(columns="row")


def _unique(expanded: pd.DataFrame, source: str) -> None:
    dup = expanded.duplicated(subset=KEY, keep=False)
    if dup.any():
        rows = expanded.loc[dup].sort_values("row")
        first = rows.iloc[0]
        others = sorted(set(rows.loc[(rows[KEY] == first[KEY]).all(axis=1), "row"]))
        raise InputError(
            f"{source}, rows {', '.join(map(str, others))}: {first['resource']} for sex "
            f"{first['sex']} age {first['age_band']} is given more than once (wildcards '*' "
            "count). Keep one rate per service, resource, sex and age."
        )


def _no_overlap(expanded: pd.DataFrame, source: str) -> None:
    bands = expanded["age_band"].map(lambda a: share_of_band(a)[0])
    single = expanded["age_band"] != bands
    if not single.any():
        return
    keyed = expanded.assign(band=bands)
    band_rows = keyed[~single].set_index(["service", "resource", "sex", "band"])
    for _, row in keyed[single].iterrows():
        key = (row["service"], row["resource"], row["sex"], row["band"])
        if key in band_rows.index:
            raise InputError(
                f"{source}, row {row['row']}, column age_band: single year {row['age_band']} of "
                f"{row['resource']} overlaps the band {row['band']} rate in row "
                f"{band_rows.loc[[key], 'row'].iloc[0]}. Use either single years or the band."
            )


def load_need_rates(path: str | Path | None = None) -> pd.DataFrame:
    """The need-rate table from a CSV (the shipped defaults when ``path`` is None), checked."""
    path = default_rates_path() if path is None else Path(path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    return check_rates(frame, source=path.name)


def override_rates(
    rates: pd.DataFrame, overrides: pd.DataFrame, source: str = "rate overrides"
) -> pd.DataFrame:
    """Rates with some replaced or added, e.g. a scenario's higher elderly admission rates.

    ``overrides`` uses the rate-table columns (unit and source optional; '*' allowed). A row
    replaces the default with the same service, resource, sex and age; a new key is added.
    """
    new = check_rates(overrides, source=source, row_offset=0)
    new["source"] = new["source"].where(new["source"] != "", "scenario override")
    kept = rates.merge(new[KEY], on=KEY, how="left", indicator=True)
    kept = kept[kept["_merge"] == "left_only"].drop(columns="_merge")
    unit = rates.drop_duplicates("resource").set_index("resource")["unit"]
    new["unit"] = new["unit"].where(new["unit"] != "", new["resource"].map(unit).fillna(""))
    return check_rates(pd.concat([kept, new], ignore_index=True), source=source, row_offset=0)


def need_units(rates: pd.DataFrame) -> pd.Series:
    """resource -> unit of its need amount (e.g. 'beds:icu' -> 'occupied beds').

    The rate unit is 'X per person...'; the need amount is in X (per year where stated).
    """
    unit = rates.drop_duplicates("resource").set_index("resource")["unit"]
    unit = unit.str.replace(" per person-year", " per year", regex=False)
    unit = unit.str.replace(r" per person(?: of that single-year age)?$", "", regex=True)
    return unit.rename("unit")
