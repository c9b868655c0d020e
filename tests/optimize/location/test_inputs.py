"""check_costs strips each distinct id once: the same ids, and the same one-line errors, as
demand.checks.require_ids on every row."""

from __future__ import annotations

import pandas as pd
import pytest

from demand.checks import require_ids
from demand.errors import InputError
from optimize.location.inputs import check_costs


@pytest.mark.parametrize(
    "ids",
    [[" a", "b ", " a"], [1, 2, 1], [1.0, 2.0, 1.0], ["1", 1, "x"], ["a", "b", "a"]],
)
def test_ids_are_those_of_require_ids(ids):
    frame = pd.DataFrame({"demand_id": ids, "site_id": ["s1", "s2", "s3"], "cost": [1, 2, 3]})
    expected = require_ids(frame, "demand_id", "costs").tolist()
    assert check_costs(frame)["demand_id"].tolist() == expected


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_a_blank_id_names_its_row(blank):
    frame = pd.DataFrame(
        {"demand_id": ["a", "b", blank], "site_id": ["s", "s", "s"], "cost": [1, 2, 3]}
    )
    with pytest.raises(InputError, match=r"^costs, row 4, column demand_id: id is blank"):
        check_costs(frame)
