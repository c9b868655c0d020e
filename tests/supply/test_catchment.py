"""Need carried to the nearest facility: ties, unreachable areas, nothing lost."""

import pandas as pd
import pytest

from supply.catchment import need_at_nearest


def test_need_goes_to_the_nearest_and_unreached_is_returned():
    need = pd.DataFrame({"area_id": ["a", "a", "b", "c"], "resource": ["x", "y", "x", "x"],
                         "amount": [10.0, 1.0, 5.0, 2.0]})  # fmt: skip
    travel = pd.DataFrame({"area_id": ["a", "a", "b", "b"], "facility_id": ["F", "G", "F", "G"],
                           "minutes": [9.0, 3.0, 4.0, 4.0]})  # fmt: skip
    per, unreached = need_at_nearest(need, travel, ["F", "G"])
    got = per.set_index(["facility_id", "resource"])["amount"]
    assert got["G", "x"] == 10.0 and got["G", "y"] == 1.0  # a is nearer G
    assert got["F", "x"] == 5.0  # b ties: the first id in sort order
    assert list(unreached["area_id"]) == ["c"]
    assert per["amount"].sum() + unreached["amount"].sum() == pytest.approx(need["amount"].sum())
