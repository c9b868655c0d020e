"""Scenario files: validation errors name the key; inheritance changes only what differs."""

from __future__ import annotations

from pathlib import Path

import pytest

from demand.errors import InputError
from scenarios.spec import load_scenario, scenario_from_dict, with_changes

EXAMPLES = Path(__file__).resolve().parents[2] / "scenarios" / "examples"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_examples_are_valid():
    names = {load_scenario(p).name for p in EXAMPLES.glob("*.toml")}
    assert {"today", "new hospital in Xincheng", "20% of cases online"} <= names


def test_inheritance_changes_only_what_differs():
    today = load_scenario(EXAMPLES / "today.toml")
    online = load_scenario(EXAMPLES / "online_20.toml")
    assert online.rules.online_share == 0.2
    assert online.owner == "social_security"
    assert online.rules.max_travel_minutes == today.rules.max_travel_minutes
    assert online.solver == today.solver and online.models == today.models
    assert online.city == today.city


def test_unknown_key_is_named(tmp_path):
    path = _write(
        tmp_path / "s.toml", 'name = "x"\nowner = "health"\n[rules]\nmax_travl_minutes = 3\n'
    )
    with pytest.raises(InputError, match=r"s.toml: key 'rules.max_travl_minutes': unknown key"):
        load_scenario(path)


def test_out_of_range_value_is_named(tmp_path):
    path = _write(
        tmp_path / "s.toml", 'name = "x"\nowner = "health"\n[rules]\nonline_share = 1.5\n'
    )
    with pytest.raises(InputError, match=r"key 'rules.online_share'.*less than or equal to 0.95"):
        load_scenario(path)


def test_unknown_owner_and_model_are_named(tmp_path):
    path = _write(tmp_path / "s.toml", 'name = "x"\nowner = "police"\nmodels = ["magic"]\n')
    with pytest.raises(InputError) as err:
        load_scenario(path)
    assert "key 'owner'" in str(err.value) and "'police'" in str(err.value)
    assert "unknown model(s) ['magic']" in str(err.value)


def test_inheritance_cycle_and_missing_base(tmp_path):
    _write(tmp_path / "a.toml", 'base = "b.toml"\nname = "a"\nowner = "health"\n')
    _write(tmp_path / "b.toml", 'base = "a.toml"\nname = "b"\nowner = "health"\n')
    with pytest.raises(InputError, match="circle"):
        load_scenario(tmp_path / "a.toml")
    _write(tmp_path / "c.toml", 'base = "nope.toml"\nname = "c"\nowner = "health"\n')
    with pytest.raises(InputError, match="nope.toml: no such scenario file"):
        load_scenario(tmp_path / "c.toml")


def test_bad_toml_syntax(tmp_path):
    path = _write(tmp_path / "s.toml", 'name = "x\n')
    with pytest.raises(InputError, match="not valid TOML"):
        load_scenario(path)


def test_with_changes_validates():
    today = load_scenario(EXAMPLES / "today.toml")
    assert with_changes(today, {"budgets.new_beds": 100}).budgets.new_beds == 100
    with pytest.raises(InputError, match="budgets.new_beds"):
        with_changes(today, {"budgets.new_beds": -1})
    with pytest.raises(InputError, match="not a scenario key"):
        with_changes(today, {"budgets.gold": 1})


def _bounds(info) -> dict:
    out = {}
    for item in info.metadata:
        for name in ("gt", "ge", "lt", "le"):
            if getattr(item, name, None) is not None:
                out[name] = getattr(item, name)
    return out


def test_scenario_keys_have_the_models_name_type_default_and_bounds():
    """A rule a scenario sets is declared once, in the model: the scenario schema agrees."""
    from optimize.education.district_rules import DistrictRules
    from optimize.education.teacher_rules import TeacherRules
    from optimize.health.rules import BedRules, OutreachRules
    from optimize.rules import settings_of
    from optimize.staffing.rules import ServiceTarget, TransferLimits
    from scenarios.spec import Scenario

    checked = 0
    for rules in (OutreachRules, BedRules, DistrictRules, TeacherRules, ServiceTarget,
                  TransferLimits):  # fmt: skip
        for d in settings_of(rules):
            if d.spec.scenario is None:
                continue
            table, key = d.spec.scenario.split(".")
            field = Scenario.model_fields[table].annotation.model_fields[key]
            assert field.annotation is d.type, (d.name, field.annotation)
            assert field.default == d.default, (d.name, field.default)
            declared = {k: getattr(d.spec, k) for k in ("gt", "ge", "lt", "le")}
            assert _bounds(field) == {k: v for k, v in declared.items() if v is not None}, d.name
            checked += 1
    assert checked >= 9


def test_a_scenario_written_with_the_old_key_still_reads():
    old = scenario_from_dict({"name": "x", "owner": "health",
                              "rules": {"max_outreach_halfdays": 3}})  # fmt: skip
    assert old.rules.max_outreach_half_days == 3.0
