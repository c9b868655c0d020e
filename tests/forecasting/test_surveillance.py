"""Surveillance detectors: a planted step is flagged in its period by every method, a clean
seasonal series raises nothing at the default level, short series fall back and say so."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from demand.errors import InputError
from forecasting.surveillance import DEFAULT_METHODS, DETECTORS, RESULT_COLUMNS, make_detector

STEP_AT = pd.Timestamp("2024-07-01")


def seasonal(sid: str, step: float, seed: int, freq: str = "MS", years: int = 8) -> pd.DataFrame:
    """Seasonal counts (winter peak, slow growth), negative binomial noise; from STEP_AT on
    the mean is (1 + step) times higher."""
    rng = np.random.default_rng(seed)
    if freq == "MS":
        ds = pd.date_range(
            STEP_AT - pd.DateOffset(years=years - 1), STEP_AT + pd.DateOffset(months=5), freq="MS"
        )
    else:
        ds = pd.date_range(STEP_AT - pd.DateOffset(years=years - 1), periods=52 * years, freq="7D")
        ds = ds[ds <= STEP_AT + pd.DateOffset(weeks=10)]
    t = (ds - pd.Timestamp("2017-01-01")).days.to_numpy() / 365.25  # peak in January
    mu = 300 * (1 + 0.25 * np.cos(2 * np.pi * t)) * (1.02**t)
    mu = np.where(ds >= STEP_AT, mu * (1 + step), mu)
    y = rng.negative_binomial(200, 200 / (200 + mu))
    return pd.DataFrame({"series_id": sid, "ds": ds, "y": y.astype(float)})


@pytest.fixture(scope="module")
def monthly():
    return pd.concat([seasonal("step", 0.8, 1), seasonal("clean", 0.0, 3)], ignore_index=True)


EARS = ("ears_c1", "ears_c2", "ears_c3")
MONTHLY = sorted(set(DETECTORS) - set(EARS))


@pytest.mark.parametrize("name", MONTHLY)
def test_planted_step_flagged_in_its_period(monthly, name):
    found = make_detector(name).fit(monthly).detect(since="2024-01-01")
    assert list(found.columns) == RESULT_COLUMNS
    step = found[found["series_id"] == "step"]
    alarms = step.loc[step["alarm"], "ds"]
    assert len(alarms), f"{name} missed a step of +80%"
    # the first alarm is in the step's first quarter, and nothing before the step
    assert STEP_AT <= alarms.min() <= STEP_AT + pd.DateOffset(months=2)
    first = step[step["ds"] == alarms.min()].iloc[0]
    assert first["observed"] > first["threshold"] >= first["expected"] * 0.5
    assert first["rule"] and first["limit"] and first["method"] != "none"


@pytest.mark.parametrize("name", DEFAULT_METHODS)
def test_clean_seasonal_series_raises_nothing_at_default_level(monthly, name):
    found = make_detector(name).fit(monthly).detect(since="2023-07-01")
    clean = found[found["series_id"] == "clean"]
    assert len(clean) == 18 and not clean["alarm"].any()
    assert (clean["threshold"] > clean["expected"]).all()


@pytest.mark.parametrize("name", DEFAULT_METHODS)
def test_false_alarm_rate_on_clean_series_is_small(name):
    """Over 30 clean seasonal series (with their slow growth), at most 2% of periods alarm."""
    clean = pd.concat([seasonal(f"c{i}", 0.0, 100 + i) for i in range(30)], ignore_index=True)
    found = make_detector(name).fit(clean).detect(since="2024-01-01")
    assert len(found) == 30 * 12
    assert found["alarm"].mean() <= 0.02


def test_weekly_step_flagged_by_ears_and_default_detectors():
    """EARS's 7-period baselines know no season: they are for weekly (or daily) counts."""
    weekly = pd.concat(
        [seasonal("step", 0.6, 3, freq="W"), seasonal("clean", 0.0, 4, freq="W")],
        ignore_index=True,
    )
    for name in DEFAULT_METHODS + EARS:
        found = make_detector(name).fit(weekly).detect(since=STEP_AT - pd.DateOffset(weeks=20))
        step = found[(found["series_id"] == "step") & found["alarm"]]
        assert STEP_AT <= step["ds"].min() <= STEP_AT + pd.DateOffset(weeks=4), name
        if name in DEFAULT_METHODS:
            assert not found[found["series_id"] == "clean"]["alarm"].any(), name


def test_short_series_fall_back_and_say_so():
    short = seasonal("short", 0.0, 5).tail(14)  # 14 months: too short for Farrington
    found = make_detector("farrington").fit(short).detect(since=short["ds"].iloc[-3])
    assert set(found["method"]) == {"EARS C2"}
    assert found["note"].str.contains("needs 2 past years").all()
    tiny = short.tail(5)
    found = make_detector("farrington").fit(tiny).detect()
    assert set(found["method"]) == {"none"} and found["note"].str.contains("EARS C2 needs").all()


def test_bad_history_is_one_clear_error():
    frame = seasonal("A", 0.0, 6)
    bad = frame.copy()
    bad.loc[5, "y"] = -3
    with pytest.raises(InputError, match=r"row 7, column y .* negative"):
        make_detector("farrington").fit(bad, source="H.csv")
    dup = pd.concat([frame, frame.iloc[[10]]], ignore_index=True)
    with pytest.raises(InputError, match=r"H.csv: row \d+, column ds: series A has .* twice"):
        make_detector("ears_c1").fit(dup, source="H.csv")
    weekly = seasonal("W", 0.0, 7, freq="W").drop(index=30)
    with pytest.raises(InputError, match="gap in a weekly series"):
        make_detector("cusum").fit(weekly, source="H.csv")
    with pytest.raises(InputError, match="unknown method 'farington'"):
        make_detector("farington", source="rules.toml")
    with pytest.raises(InputError, match="no setting"):
        make_detector("cusum", source="rules.toml", window=3)
