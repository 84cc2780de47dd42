"""`snapshot approve` says what the new baseline changes against the one it replaces;
`--dry-run` says it and writes nothing."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from auditor.cli import cli
from auditor.sandbox.server import RunningSandbox


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def approved(sandbox: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INTELLIXENT_BASE_URL", sandbox.base_url)
    monkeypatch.setenv("INTELLIXENT_API_KEY", sandbox.api_key)
    first = invoke("snapshot", "approve", "-o", "base.json")
    assert first.exit_code == 0, first.output
    assert "no baseline yet" not in first.stderr  # only said with --dry-run
    # tonight: one assistant removed, one changed
    fleet = copy.deepcopy(sandbox.fleet)
    gone = fleet.pop(3)
    fleet[0]["max_duration"] = 42
    sandbox.set_fleet(fleet)
    (tmp_path / "gone.txt").write_text(str(gone["name"]))
    return tmp_path / "base.json"


def test_approve_counts_what_changes_against_the_baseline_it_replaces(approved: Path) -> None:
    result = invoke("snapshot", "approve", "-o", str(approved))
    assert result.exit_code == 0, result.output
    assert f"against the baseline it replaces ({approved}): 0 added, 1 removed, 1 changed" in (
        result.stderr
    )
    assert Path(f"{approved}.prev").is_file()


def test_dry_run_names_the_assistants_under_v_and_writes_nothing(approved: Path) -> None:
    before = approved.read_bytes()
    result = invoke("snapshot", "approve", "-o", str(approved), "--dry-run", "-v")
    assert result.exit_code == 0, result.output
    gone = Path("gone.txt").read_text()
    assert "0 added, 1 removed, 1 changed" in result.stderr
    assert f"  - {gone}" in result.stderr
    assert ": max_duration" in result.stderr
    assert "left as it is" in result.stderr
    assert approved.read_bytes() == before
    assert not Path(f"{approved}.prev").exists()


def test_dry_run_without_a_baseline_writes_nothing(
    sandbox: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INTELLIXENT_BASE_URL", sandbox.base_url)
    monkeypatch.setenv("INTELLIXENT_API_KEY", sandbox.api_key)
    result = invoke("snapshot", "approve", "-o", "new/base.json", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "no baseline yet" in result.stderr
    assert not Path("new").exists()
