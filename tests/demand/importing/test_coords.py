"""GCJ-02 and BD-09 to WGS-84, against published reference points."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from demand.errors import InputError
from demand.importing.coords import (
    from_wgs84,
    gcj02_to_bd09,
    system_name,
    to_wgs84,
    wgs84_to_gcj02,
)

# City centres as WGS-84, GCJ-02 (Amap) and BD-09 (Baidu) lon/lat, from the test fixture of the
# gcoord library (hujiulong/gcoord, MIT licence, test/fixtures/china-cities.json), which holds
# the positions each map gives for the same place.
CITIES = {
    "驻马店": ((114.0164322, 33.0133556), (114.022306, 33.0115324), (114.0287781, 33.0176697)),
    "邵阳": ((111.4622119, 27.242124), (111.4677938, 27.2388981), (111.4742271, 27.2451662)),
    "那曲": ((92.0499619, 31.4784436), (92.0512438, 31.4762063), (92.0576832, 31.4824421)),
    "沈阳": ((123.4253306, 41.8032629), (123.4314787, 41.8057023), (123.438095, 41.8114013)),
    "酒泉": ((98.4937175, 39.7319946), (98.4943595, 39.7328234), (98.5008441, 39.7388949)),
    "锡林郭勒": ((116.0414035, 43.9312805), (116.0482308, 43.9334573), (116.0546232, 43.9397782)),
}
# WGS-84 → GCJ-02 pairs from the test suite of eviltransform (googollee/eviltransform, MIT).
EVIL = [
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),  # Shanghai
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),  # Shenzhen
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),  # Beijing
]


def metres(a, b) -> float:
    """Ground distance between two lon/lat points (equirectangular; fine below 1 km)."""
    dx = (a[0] - b[0]) * 111_320 * np.cos(np.radians(b[1]))
    dy = (a[1] - b[1]) * 110_540
    return float(np.hypot(dx, dy))


@pytest.mark.parametrize("city", list(CITIES))
def test_web_map_points_land_within_a_metre_of_their_wgs84_position(city):
    wgs, gcj, bd = CITIES[city]
    assert metres(to_wgs84(*gcj, "gcj02"), wgs) < 1.0
    assert metres(to_wgs84(*bd, "bd09"), wgs) < 1.0
    assert metres(wgs84_to_gcj02(*wgs), gcj) < 1.0
    assert metres(gcj02_to_bd09(*gcj), bd) < 0.05  # Baidu's step is exact
    # and the raw offsets are what a user would see on a map: hundreds of metres
    assert 100 < metres(gcj, wgs) < 800 and 500 < metres(bd, wgs) < 1500


def test_formula_matches_eviltransform_reference_values():
    for wgs, gcj in EVIL:
        lon, lat = wgs84_to_gcj02(*wgs)
        assert lon == pytest.approx(gcj[0], abs=1e-9) and lat == pytest.approx(gcj[1], abs=1e-9)


def test_outside_china_is_unchanged():
    lon, lat = to_wgs84([-0.1276, 151.2093], [51.5072, -33.8688], "gcj02")
    assert np.allclose(lon, [-0.1276, 151.2093]) and np.allclose(lat, [51.5072, -33.8688])


@given(
    st.floats(min_value=100.0, max_value=125.0),
    st.floats(min_value=20.0, max_value=45.0),
    st.sampled_from(["gcj02", "bd09"]),
)
def test_round_trip_is_exact_to_a_centimetre(lon, lat, system):
    back = to_wgs84(*from_wgs84(lon, lat, system), system)
    assert metres(back, (lon, lat)) < 0.01


def test_system_names_as_users_write_them():
    assert system_name("高德") == "gcj02" and system_name("BD-09") == "bd09"
    with pytest.raises(InputError, match="unknown coordinate system 'mars'"):
        system_name("mars")
