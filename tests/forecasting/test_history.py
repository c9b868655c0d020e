"""Frequency inference and bad-input errors on the history table."""

from __future__ import annotations

import pandas as pd
import pytest

from demand.errors import InputError
from forecasting.history import check_history, infer_frequency, read_history_csv


def monthly(sid: str = "A", n: int = 30, start: str = "2020-01-01") -> pd.DataFrame:
    ds = pd.date_range(start, periods=n, freq="MS")
    return pd.DataFrame({"series_id": sid, "ds": ds, "y": range(n)})


def test_monthly_and_yearly_inferred():
    assert infer_frequency(check_history(monthly())) == "MS"
    yearly = pd.DataFrame(
        {"series_id": "S", "ds": pd.date_range("2016-01-01", periods=8, freq="YS"), "y": 1.0}
    )
    assert infer_frequency(check_history(yearly)) == "YS"


def test_clean_history_is_sorted_and_float():
    frame = pd.concat([monthly("B"), monthly("A")]).iloc[::-1]
    out = check_history(frame)
    assert list(out["series_id"].unique()) == ["A", "B"]
    assert (
        out["ds"].is_monotonic_increasing
        or out.groupby("series_id")["ds"].is_monotonic_increasing.all()
    )
    assert out["y"].dtype == float and len(out) == len(frame)


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (
            lambda f: pd.concat([f, f.iloc[[3]]], ignore_index=True),
            "row 32, column ds: series A has 2020-04-01 twice (also row 5)",
        ),
        (
            lambda f: f.drop(index=5).reset_index(drop=True),
            "gap in a monthly series between 2020-05-01 and 2020-07-01",
        ),
        (
            lambda f: f.assign(y=f["y"].astype(object).where(f.index != 7, "n/a")),
            "row 9, column y (series A): 'n/a' is not a number",
        ),
        (
            lambda f: f.assign(y=f["y"].where(f.index != 2, -4)),
            "row 4, column y (series A): -4 is negative",
        ),
        (
            lambda f: f.assign(ds=f["ds"].astype(str).where(f.index != 1, "2020-02-15")),
            "not the first of a month",
        ),
        (
            lambda f: f.assign(ds=f["ds"].astype(str).where(f.index != 1, "Feb 31st")),
            "row 3, column ds",
        ),
        (lambda f: f.drop(columns="y"), "missing column(s) y"),
    ],
)
def test_bad_history_names_row_and_column(mutate, expected):
    with pytest.raises(InputError) as err:
        check_history(mutate(monthly()), source="H.csv")
    assert expected in str(err.value)
    assert str(err.value).startswith("H.csv")


def test_mixed_frequency_names_both_series():
    yearly = pd.DataFrame(
        {"series_id": "Y", "ds": pd.date_range("2016-01-01", periods=5, freq="YS"), "y": 3.0}
    )
    with pytest.raises(InputError, match="series A is monthly but series Y is yearly"):
        check_history(pd.concat([monthly("A"), yearly]))


def test_csv_errors_name_file_and_line(tmp_path):
    path = tmp_path / "H.csv"
    frame = monthly()
    frame.loc[10, "y"] = None
    frame.to_csv(path, index=False)
    with pytest.raises(InputError) as err:
        read_history_csv(path)
    # line 12 of the file: header is line 1, data row index 10 is line 12
    assert f"{path}: row 12, column y (series A)" in str(err.value)
    with pytest.raises(InputError, match="file not found"):
        read_history_csv(tmp_path / "missing.csv")


def test_history_read_as_text_like_every_other_table(tmp_path):
    """A series named "NA" stays a series (not a missing id); a BOM is fine; GBK text, a folder
    and an empty file each give one line naming the file."""
    path = tmp_path / "H.csv"
    frame = pd.concat([monthly("NA"), monthly("B")])
    path.write_bytes(b"\xef\xbb\xbf" + frame.to_csv(index=False).encode())
    history = read_history_csv(path)
    assert sorted(history["series_id"].unique()) == ["B", "NA"]
    assert len(history) == len(frame)

    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(frame.assign(series_id="门诊").to_csv(index=False).encode("gbk"))
    with pytest.raises(InputError, match="gbk.csv.*GBK"):
        read_history_csv(gbk)
    with pytest.raises(InputError, match="is a folder"):
        read_history_csv(tmp_path)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(InputError, match="empty.csv: the file is empty"):
        read_history_csv(empty)
