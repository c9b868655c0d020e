"""Property: a malformed input file, to any command, gives exit 1 and one error line, never a
traceback.

Each case starts from a valid file for one input of one command and applies one to three
defects that always make it invalid (a missing column, a cell that is not a number >= 0, a
repeated key, a blank id, GBK bytes, an empty file, binary garbage, a wrong header), then runs
the command through the CLI. Rerun with HYPOTHESIS_PROFILE=explore for fresh examples.
"""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from scenarios.cli import app

cli = CliRunner()
#: Examples per case: few in the suite (repeatable draws), many with HYPOTHESIS_PROFILE=explore.
SCALE = 1 if os.environ.get("HYPOTHESIS_PROFILE", "repeatable") == "repeatable" else 20
NOT_NUMBERS = ["abc", "", "nan", "NaN", "inf", "-inf", "1e999", "一", "--3", "12abc", "-1"]
CHINESE = "南湖学校"  # each character's GBK bytes are not valid UTF-8


@dataclass
class Slot:
    """One input file of one command: a valid example and what makes a row valid."""

    name: str
    valid: str  # CSV text (header + rows)
    ids: list[str]  # columns that must not be blank
    numbers: list[str]  # columns that must hold finite numbers >= 0
    key: list[str]  # columns unique per row
    args: list[str] = field(default_factory=list)  # the command; {file} is the file, {dir} tmp
    suffix: str = ".csv"


def _rows(header: str, rows: list[str]) -> str:
    return header + "\n" + "\n".join(rows) + "\n"


COST = _rows("demand_id,site_id,cost", [f"d{i},s{j},{i + j + 1}" for i in range(4) for j in
                                        range(3)])  # fmt: skip
HISTORY = _rows("series_id,ds,y", [f"s1,{2020 + i // 12}-{i % 12 + 1:02d}-01,{50 + i % 7}" for i
                                   in range(36)])  # fmt: skip
ACCESS = ["access", "--method", "2sfca", "--out", "{dir}/a.csv"]
FILES = {
    "demand.csv": "area_id,persons\na1,100\na2,50\na3,20\n",
    "supply.csv": "facility_id,capacity\nf1,10\nf2,5\n",
    "travel.csv": "area_id,facility_id,minutes\na1,f1,10\na2,f1,20\na3,f2,5\n",
    "cost.csv": COST,
    "caseload.csv": "facility_id,month,cases\nA,2026-01,4000\nA,2026-02,3600\n",
    "history.csv": HISTORY,
    "centres.csv": "facility_id,caseworkers,counters\nA,22,14\n",
}
LOCATE = ["locate", "--model", "p-median", "--p", "1", "--cost", "{dir}/cost.csv", "--out",
          "{dir}/r.json"]  # fmt: skip
STAFF = ["staff", "--caseload", "{dir}/caseload.csv", "--centres", "{dir}/centres.csv"]

SLOTS = [
    Slot("access --demand", FILES["demand.csv"], ["area_id"], ["persons"], ["area_id"],
         [*ACCESS, "--demand", "{file}", "--supply", "{dir}/supply.csv", "--cost",
          "{dir}/travel.csv"]),
    Slot("access --supply", FILES["supply.csv"], ["facility_id"], ["capacity"], ["facility_id"],
         [*ACCESS, "--demand", "{dir}/demand.csv", "--supply", "{file}", "--cost",
          "{dir}/travel.csv"]),
    Slot("access --cost", FILES["travel.csv"], ["area_id", "facility_id"], ["minutes"],
         ["area_id", "facility_id"], [*ACCESS, "--demand", "{dir}/demand.csv", "--supply",
                                      "{dir}/supply.csv", "--cost", "{file}"]),
    Slot("locate --cost", COST, ["demand_id", "site_id"], ["cost"], ["demand_id", "site_id"],
         ["locate", "--model", "p-median", "--p", "1", "--cost", "{file}", "--out",
          "{dir}/r.json"]),
    Slot("locate --weights", _rows("demand_id,weight", [f"d{i},{i + 1}" for i in range(4)]),
         ["demand_id"], ["weight"], ["demand_id"], [*LOCATE, "--weights", "{file}"]),
    Slot("locate --capacity", _rows("site_id,capacity", ["s0,100", "s1,100", "s2,100"]),
         ["site_id"], ["capacity"], ["site_id"],
         ["locate", "--model", "cap-p-median", "--p", "2", "--cost", "{dir}/cost.csv",
          "--capacity", "{file}", "--out", "{dir}/r.json"]),
    Slot("forecast --history", HISTORY, ["series_id"], ["y"], ["series_id", "ds"],
         ["forecast", "--history", "{file}", "--out", "{dir}/f.csv", "--jobs", "1"]),
    Slot("watch --history", HISTORY, ["series_id"], ["y"], ["series_id", "ds"],
         ["watch", "--history", "{file}", "--bureau", "health", "--no-push", "--db",
          "sqlite:///{dir}/alerts.sqlite"]),
    Slot("staff --caseload", FILES["caseload.csv"], ["facility_id"], ["cases"],
         ["facility_id", "month"], ["staff", "--caseload", "{file}", "--centres",
                                    "{dir}/centres.csv"]),
    Slot("staff --centres", FILES["centres.csv"], ["facility_id"], ["caseworkers", "counters"],
         ["facility_id"], ["staff", "--caseload", "{dir}/caseload.csv", "--centres", "{file}"]),
    Slot("staff --profile", "facility_id,weekday,hour,visits\nA,0,9,40\nA,1,10,30\n",
         ["facility_id"], ["visits"], ["facility_id", "weekday", "hour"],
         [*STAFF, "--profile", "{file}"]),
]  # fmt: skip


def _gbk(text: str) -> bytes:
    return text.encode("gbk")


@st.composite
def malformed(draw, slot: Slot) -> bytes:
    """The slot's valid file with one to three defects that each make it invalid."""
    frame = pd.read_csv(io.StringIO(slot.valid), dtype=str, keep_default_na=False)
    defects = ["drop", "number", "repeat", "blank", "gbk", "empty", "garbage", "header"]
    kinds = draw(st.lists(st.sampled_from(defects), min_size=1, max_size=3))
    encode = str.encode
    for kind in kinds:
        row = draw(st.integers(0, max(len(frame) - 1, 0)))
        if kind == "drop" and len(frame.columns) > 1:
            needed = slot.ids + slot.numbers
            column = draw(st.sampled_from([c for c in needed if c in frame.columns] or [None]))
            if column is not None:
                frame = frame.drop(columns=column)
        elif kind == "number" and len(frame):
            column = draw(st.sampled_from([c for c in slot.numbers if c in frame.columns] or
                                          [None]))  # fmt: skip
            if column is not None:
                frame.loc[row, column] = draw(st.sampled_from(NOT_NUMBERS))
        elif kind == "repeat" and len(frame):
            frame = pd.concat([frame, frame.iloc[[row]]], ignore_index=True)
        elif kind == "blank" and len(frame):
            column = draw(st.sampled_from([c for c in slot.ids if c in frame.columns] or [None]))
            if column is not None:
                frame.loc[row, column] = ""
        elif kind == "gbk" and len(frame) and len(frame.columns):
            column = draw(st.sampled_from(list(frame.columns)))
            frame.loc[row, column] = CHINESE + str(frame.loc[row, column])
            encode = _gbk
        elif kind == "empty":
            return b""
        elif kind == "garbage":
            return b"\xff\xfe\x00" + draw(st.binary(min_size=0, max_size=200))
        elif kind == "header":
            words = draw(st.lists(st.sampled_from(["id", "value", "名称", "x", "Unnamed"]),
                                  min_size=1, max_size=4, unique=True))  # fmt: skip
            frame = pd.DataFrame([["1"] * len(words)], columns=words)
    return encode(frame.to_csv(index=False), "utf-8") if encode is str.encode else encode(
        frame.to_csv(index=False))  # fmt: skip


def assert_refused_in_one_line(result) -> None:
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 1, (result.exit_code, result.output)
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    assert "unexpected" not in lines[0], lines[0]  # an error we did not foresee
    assert "np.float64" not in lines[0]


def _invoke(args: list[str], file: Path, folder: Path):
    filled = [a.replace("{file}", str(file)).replace("{dir}", str(folder)) for a in args]
    return cli.invoke(app, filled, env={"COLUMNS": "100"})


@pytest.fixture
def folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz")
    for name, text in FILES.items():
        (folder / name).write_text(text)
    return folder


@pytest.mark.parametrize("slot", SLOTS, ids=lambda s: s.name)
def test_a_malformed_file_is_refused_in_one_line(slot, folder):
    valid = folder / f"valid{slot.suffix}"
    valid.write_text(slot.valid)
    ok = _invoke(slot.args, valid, folder)
    assert ok.exit_code == 0, ok.output  # the starting point is valid: each defect is the cause

    @settings(max_examples=12 * SCALE, deadline=None, suppress_health_check=list(HealthCheck))
    @given(content=malformed(slot))
    def check(content: bytes) -> None:
        bad = folder / f"bad{slot.suffix}"
        bad.write_bytes(content)
        assert_refused_in_one_line(_invoke(slot.args, bad, folder))

    check()


# ---- inputs that are not CSV: scenario TOML, run files, stores, bundle tables -------------

TOML_DEFECTS = [
    b"",
    b"\xff\xfe\x00garbage",
    'name = "今天"\nowner = "health"\n'.encode("gbk"),
    b'name = "x"\nowner = "health"\ncity = "sample:5"\n',
    b'name = "x"\nowner = "nobody"\n',
    b'name = "x"\nowner = "health"\nmodels = []\n',
    b'name = "x"\nowner = "health"\nmodels = ["nope"]\n',
    b'name = "x"\nowner = "health"\nrules = { max_travel_minutes = -1 }\n',
    b'name = "x"\nowner = "health"\nrules = { max_travel_minutez = 20 }\n',
    b'name = "x"\nowner = "health"\nbase = "missing.toml"\n',
    b'name = "x"\nowner = "health"\ncity = "no/such/bundle"\n',
    b'name = "x"\nowner = "health"\nhorizon = "five"\n',
    b'name = "x"\nowner = "health"\nsolver = { time_limit_s = nan }\n',
    b'name = "x"\nowner = "health"\nsolver = { time_limit_s = inf }\n',
    b"name = [unclosed\n",
]


@settings(max_examples=20 * SCALE, deadline=None, suppress_health_check=list(HealthCheck))
@given(content=st.one_of(st.sampled_from(TOML_DEFECTS), st.binary(max_size=100).map(
    lambda b: b"\xff" + b)))  # fmt: skip
def test_a_malformed_scenario_is_refused_in_one_line(content, tmp_path_factory):
    folder = tmp_path_factory.mktemp("toml")
    (folder / "s.toml").write_bytes(content)
    result = cli.invoke(app, ["run", str(folder / "s.toml"), "--db",
                              f"sqlite:///{folder / 's.sqlite'}"])  # fmt: skip
    assert_refused_in_one_line(result)


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


RUN_FILE_DEFECTS = st.one_of(
    st.binary(max_size=200),
    st.just(_zip({})),
    st.just(_zip({"run.json": b"{not json"})),
    st.just(_zip({"run.json": b'{"format": "other"}'})),
    st.just(_zip({"run.json": b'{"format": "civicalloc-run", "version": 1}'})),
    st.just(_zip({"run.json": b'{"format": "civicalloc-run", "version": 99}'})),
)


@settings(max_examples=8 * SCALE, deadline=None, suppress_health_check=list(HealthCheck))
@given(content=RUN_FILE_DEFECTS)
def test_a_malformed_run_file_or_store_is_refused_in_one_line(content, tmp_path_factory):
    folder = tmp_path_factory.mktemp("runfile")
    (folder / "r.civicrun").write_bytes(content)
    db = f"sqlite:///{folder / 's.sqlite'}"
    assert_refused_in_one_line(cli.invoke(app, ["import-run", str(folder / "r.civicrun"), "--db",
                                                db]))  # fmt: skip
    (folder / "garbage.sqlite").write_bytes(content + b"x" * 100)
    garbage = f"sqlite:///{folder / 'garbage.sqlite'}"
    assert_refused_in_one_line(cli.invoke(app, ["runs", "--db", garbage]))


BUNDLE_SLOTS = {
    "population.csv": (["area_id", "year", "sex", "age_band"], ["persons"]),
    "capacity.csv": (["facility_id", "resource"], ["amount"]),
}


@pytest.mark.slow
@pytest.mark.parametrize("table", sorted(BUNDLE_SLOTS))
def test_a_bundle_with_a_malformed_table_is_refused(table, small_bundle_dir, tmp_path_factory):
    """validate and a planning command on the bundle (few examples: a bundle is slow to read)."""
    import shutil

    ids, numbers = BUNDLE_SLOTS[table]
    valid = (small_bundle_dir / table).read_text(encoding="utf-8")
    frame = pd.read_csv(io.StringIO(valid), dtype=str, keep_default_na=False)
    key = [c for c in frame.columns if c not in numbers]
    slot = Slot(table, valid, ids, numbers, key)

    @settings(max_examples=3 * SCALE, deadline=None, suppress_health_check=list(HealthCheck))
    @given(content=malformed(slot))
    def check(content: bytes) -> None:
        bundle = Path(shutil.copytree(small_bundle_dir, tmp_path_factory.mktemp("b") / "city"))
        (bundle / table).write_bytes(content)
        result = cli.invoke(app, ["validate", str(bundle)])
        assert result.exit_code == 1 and "Traceback" not in result.output, result.output
        assert_refused_in_one_line(cli.invoke(app, ["teachers", str(bundle)]))

    check()


# ---- every file slot of every command: garbage, empty, a folder, a missing path -----------

#: A valid-looking invocation per command; {file} is the slot fed garbage, {bundle} a valid
#: bundle, {dir} a scratch folder with the small valid CSVs of FILES.
EVERY_SLOT = {
    "validate BUNDLE": ["validate", "{file}"],
    "districts BUNDLE": ["districts", "{file}"],
    "districts --today": ["districts", "{bundle}", "--today", "{file}"],
    "teachers BUNDLE": ["teachers", "{file}"],
    "teachers --enrolment": ["teachers", "{bundle}", "--enrolment", "{file}"],
    "health outreach --bundle": ["health", "outreach", "--bundle", "{file}"],
    "health beds --bundle": ["health", "beds", "--bundle", "{file}"],
    "staff --bundle": ["staff", "--bundle", "{file}"],
    "forecast --history": ["forecast", "--history", "{file}", "--out", "{dir}/f.csv"],
    "backtest --history": ["backtest", "--history", "{file}", "--out", "{dir}/b.csv"],
    "locate --fixed": [*LOCATE, "--fixed", "{file}"],
    "run SCENARIO": ["run", "{file}", "--db", "sqlite:///{dir}/s.sqlite"],
    "sweep SCENARIO": ["sweep", "{file}", "--vary", "seed=1,2", "--db", "sqlite:///{dir}/s.sqlite"],
    "import-run FILE": ["import-run", "{file}", "--db", "sqlite:///{dir}/s.sqlite"],
    "runs --db": ["runs", "--db", "sqlite:///{file}"],
    "audit --db": ["audit", "--db", "sqlite:///{file}"],
    "users list --db": ["users", "list", "--db", "sqlite:///{file}"],
    "import MAPPING": ["import", "{file}", "--out", "{dir}/imported"],
    "watch --history": ["watch", "--history", "{file}", "--bureau", "health", "--no-push",
                        "--db", "sqlite:///{dir}/s.sqlite"],
    "watch --rules": ["watch", "--history", "{dir}/history.csv", "--bureau", "health",
                      "--rules", "{file}", "--no-push", "--db", "sqlite:///{dir}/s.sqlite"],
    "watch --series": ["watch", "--history", "{dir}/history.csv", "--series", "{file}",
                       "--no-push", "--db", "sqlite:///{dir}/s.sqlite"],
    "alerts --db": ["alerts", "--db", "sqlite:///{file}"],
    "alerts push --rules": ["alerts", "push", "--rules", "{file}", "--db",
                            "sqlite:///{dir}/s.sqlite"],
    "city-from-osm EXTRACT": ["city-from-osm", "{file}", "--out", "{dir}/osm"],
    "travel --osm": ["travel", "--osm", "{file}", "--areas", "{bundle}/areas.geojson",
                     "--facilities", "{bundle}/facilities.geojson", "--out", "{dir}/t.csv"],
    "travel --areas": ["travel", "--osm", "{file}", "--areas", "{file}", "--facilities",
                       "{bundle}/facilities.geojson", "--out", "{dir}/t.csv"],
}  # fmt: skip
GARBAGE = {
    "empty": b"",
    "binary": b"\xff\xfe\x00\x01PK\x03\x04\x89PNG\r\n\x1a\n" + bytes(range(256)),
    "gbk text": "名称,数量\n南湖,十\n".encode("gbk"),
    "plain text": b"this is not what the command reads\n",
}


#: A store that does not exist yet, or an empty file, is a new store: not garbage; an empty
#: watch file is the default detectors.
NEW_STORE = {(s, k) for s in EVERY_SLOT if s.endswith("--db") for k in ("missing", "empty")}
NEW_STORE.add(("watch --rules", "empty"))


@pytest.mark.parametrize("kind", [*GARBAGE, "folder", "missing"])
@pytest.mark.parametrize("slot", sorted(EVERY_SLOT))
def test_every_file_slot_refuses_garbage_in_one_line(slot, kind, folder, small_bundle_dir):
    if (slot, kind) in NEW_STORE:
        pytest.skip("a new store is made there, or the defaults used")
    target = folder / "slot"
    if kind == "folder":
        target.mkdir()
        (target / "junk.txt").write_bytes(GARBAGE["binary"])
    elif kind != "missing":
        target.write_bytes(GARBAGE[kind])
    args = [a.replace("{file}", str(target)).replace("{bundle}", str(small_bundle_dir))
            .replace("{dir}", str(folder)) for a in EVERY_SLOT[slot]]  # fmt: skip
    result = cli.invoke(app, args, env={"COLUMNS": "100"})
    if slot == "validate BUNDLE" and not result.stderr:  # validate's report lists every problem
        assert result.exit_code == 1 and "ERROR" in result.stdout, result.output
        assert "Traceback" not in result.output and "not usable yet" in result.stdout
        return
    assert_refused_in_one_line(result)
