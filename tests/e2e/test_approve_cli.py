"""`auditor snapshot approve` end to end: atomic, the old baseline kept, never incomplete."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from auditor.cli import cli
from auditor.sandbox.server import RunningSandbox
from auditor.snapshot import read_snapshot


def approve(sandbox: RunningSandbox, *args: str) -> Result:
    target = ["--base-url", sandbox.base_url, "--api-key", sandbox.api_key]
    return CliRunner().invoke(cli, ["snapshot", "approve", *args, *target])


def test_first_approval_then_a_second_keeps_the_first_as_prev(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    baseline = tmp_path / "baseline.json"
    first = approve(sandbox, "-o", str(baseline))
    assert first.exit_code == 0, first.output
    assert first.stderr.splitlines() == [
        f"approved 47 assistants from {sandbox.base_url} as the baseline {baseline}",
        "there was no previous baseline",
    ]
    assert len(read_snapshot(baseline).assistants) == 47
    assert not (tmp_path / "baseline.json.prev").exists()
    approved_first = baseline.read_bytes()

    sandbox.remove(47)
    second = approve(sandbox, "-o", str(baseline))
    assert second.exit_code == 0, second.output
    previous = tmp_path / "baseline.json.prev"
    assert second.stderr.splitlines()[1] == (
        f"the previous baseline is kept as {previous} (undo: mv {previous} {baseline})"
    )
    assert previous.read_bytes() == approved_first
    assert len(read_snapshot(baseline).assistants) == 46

    subprocess.run(["mv", str(previous), str(baseline)], check=True)  # the undo, as printed
    assert baseline.read_bytes() == approved_first


def test_approve_from_a_snapshot_file_needs_no_network(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    snapshot = tmp_path / "tonight.json"
    fetched = CliRunner().invoke(
        cli,
        ["fetch", "-o", str(snapshot), "--base-url", sandbox.base_url],
        env={"INTELLIXENT_API_KEY": sandbox.api_key},
    )
    assert fetched.exit_code == 0, fetched.output
    sandbox.reset_log()
    baseline = tmp_path / "baseline.json"
    result = CliRunner().invoke(
        cli, ["snapshot", "approve", "--from", str(snapshot), "-o", str(baseline)]
    )
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith(f"approved 47 assistants from {snapshot} (fetched from ")
    assert read_snapshot(baseline).assistants == read_snapshot(snapshot).assistants
    assert sandbox.request_count == 0


def test_a_damaged_from_file_is_exit_2_and_the_baseline_stays(tmp_path: Path) -> None:
    damaged = tmp_path / "tonight.json"
    damaged.write_text('{"schema_version": 1, "assistants": {')
    baseline = tmp_path / "baseline.json"
    baseline.write_bytes(b"previous\n")
    result = CliRunner().invoke(
        cli, ["snapshot", "approve", "--from", str(damaged), "-o", str(baseline)]
    )
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1
    assert "is truncated" in result.stderr
    assert baseline.read_bytes() == b"previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["baseline.json", "tonight.json"]


@pytest.mark.usefixtures("fast_retries")
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"faults": ("duplicate-uuid",), "count": 250}, "appears twice"),
        ({"lie_about_total": 1}, "says total 48 but served 47"),
        ({"fail_pages": (1,)}, "the server answered 503 5 times"),
    ],
)
def test_an_incomplete_listing_is_never_approved(
    make_sandbox: Callable[..., RunningSandbox],
    tmp_path: Path,
    overrides: dict[str, object],
    message: str,
) -> None:
    baseline = tmp_path / "baseline.json"
    baseline.write_bytes(b"the approved baseline\n")
    result = approve(make_sandbox(**overrides), "-o", str(baseline))
    assert result.exit_code == 3
    assert len(result.stderr.splitlines()) == 1
    assert message in result.stderr
    assert baseline.read_bytes() == b"the approved baseline\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["baseline.json"]


def test_a_folder_without_accounts_is_a_usage_error(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    result = approve(sandbox, "-o", str(tmp_path))
    assert result.exit_code == 2
    assert f"{tmp_path} is a folder; give the baseline file" in result.stderr
    assert sandbox.request_count == 0


def test_without_output_it_says_where_the_baseline_should_go(
    sandbox: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no auditor.yaml with a baseline here
    result = approve(sandbox)
    assert result.exit_code == 2
    assert "--output FILE" in result.stderr


def test_the_baseline_folder_is_made_once_the_listing_is_complete(
    make_sandbox: Callable[..., RunningSandbox], tmp_path: Path
) -> None:
    """A fresh repository: ``baselines/`` named in auditor.yaml does not exist yet."""
    baseline = tmp_path / "baselines" / "fleet.json"
    failed = approve(make_sandbox(faults=("auth-401",)), "-o", str(baseline))
    assert failed.exit_code == 3
    assert not (tmp_path / "baselines").exists()  # nothing left behind by a failed fetch
    result = approve(make_sandbox(count=5), "-o", str(baseline))
    assert result.exit_code == 0, result.output
    assert len(read_snapshot(baseline).assistants) == 5


def test_every_account_into_a_folder_that_does_not_exist_yet(
    make_sandbox: Callable[..., RunningSandbox], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    north, south = make_sandbox(count=3), make_sandbox(count=4, seed=2, api_key="south-key-2")
    (tmp_path / "auditor.yaml").write_text(
        "baseline: state/baselines/\naccounts:\n"
        f"  - {{name: north, base_url: '{north.base_url}', api_key_env: NORTH_KEY}}\n"
        f"  - {{name: south, base_url: '{south.base_url}', api_key_env: SOUTH_KEY}}\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    env = {"NORTH_KEY": north.api_key, "SOUTH_KEY": "wrong-key-0000"}
    failed = CliRunner().invoke(cli, ["snapshot", "approve"], env=env)
    assert failed.exit_code == 3
    assert not (tmp_path / "state").exists()
    env["SOUTH_KEY"] = south.api_key
    result = CliRunner().invoke(cli, ["snapshot", "approve"], env=env)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "state/baselines").iterdir()) == [
        "north.json",
        "south.json",
    ]
