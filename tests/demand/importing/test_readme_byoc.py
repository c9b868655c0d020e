"""README's "Bring your own city": messy files → bundle + report → a full run, in 3 commands."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from demand.importing.fixture import write_messy_city
from scenarios.cli import app

README = Path(__file__).resolve().parents[3] / "README.md"


def readme_commands() -> list[list[str]]:
    section = README.read_text(encoding="utf-8").split("## Bring your own city", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    lines = [line.split("#", 1)[0].strip() for line in block.splitlines()]
    return [shlex.split(line)[1:] for line in lines if line.startswith("civicalloc ")]


@pytest.mark.slow
def test_three_readme_commands_take_messy_files_to_a_full_run(small_city, tmp_path, monkeypatch):
    commands = readme_commands()
    assert [c[0] for c in commands] == ["import", "validate", "run"]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CIVICALLOC_DB", f"sqlite:///{tmp_path / 'runs.sqlite'}")
    write_messy_city(small_city, tmp_path / "raw")
    runner = CliRunner()
    outputs = []
    for args in commands:
        result = runner.invoke(app, args)
        assert result.exit_code == 0, f"civicalloc {' '.join(args)}:\n{result.output}"
        outputs.append(result.output)
    assert (tmp_path / "city" / "quality" / "report.zh-CN.html").exists()
    assert (tmp_path / "city-report" / "report.json").exists()
    run = outputs[2]
    assert "stored imported city" in run
    for model in ("access", "forecast", "health.outreach", "health.beds", "education.districts",
                  "education.teachers", "social_security.staffing"):  # fmt: skip
        assert f"{model}: " in run, run
    assert "infeasible" not in run.lower() or "shortfall" in run.lower()
