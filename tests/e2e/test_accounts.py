"""Several accounts in one audit: two sandbox servers, per-account baselines, one failing."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from auditor.cli import cli
from auditor.sandbox.data import simulate_drift
from auditor.sandbox.server import RunningSandbox


@pytest.fixture
def two(
    make_sandbox: Callable[..., RunningSandbox], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[RunningSandbox, RunningSandbox]:
    north = make_sandbox(count=12, seed=1, api_key="north-key-0001")
    south = make_sandbox(count=9, seed=2, api_key="south-key-0002")
    (tmp_path / "auditor.yaml").write_text(
        "accounts:\n"
        f"  - {{name: north, base_url: '{north.base_url}', api_key_env: NORTH_KEY}}\n"
        f"  - {{name: south, base_url: '{south.base_url}', api_key_env: SOUTH_KEY}}\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NORTH_KEY", "north-key-0001")
    monkeypatch.setenv("SOUTH_KEY", "south-key-0002")
    return north, south


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def as_json(result: Result) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_findings_are_tagged_and_summed_per_account(
    two: tuple[RunningSandbox, RunningSandbox],
) -> None:
    result = invoke("audit", "--format", "json")
    assert result.exit_code == 0, result.output
    report = as_json(result)
    by_account = report["summary"]["by_account"]
    assert by_account["north"]["assistants"] == 12
    assert by_account["south"]["assistants"] == 9
    assert report["summary"]["assistants"] == 21
    assert {v["assistant"]["account"] for v in report["violations"]} <= {"north", "south"}
    assert all("account" in a for a in report["assistants"])


def test_one_failing_account_is_exit_3_and_the_other_is_still_reported(
    two: tuple[RunningSandbox, RunningSandbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOUTH_KEY", "wrong-key-99999")
    result = invoke("audit", "--format", "json")
    assert result.exit_code == 3, result.output
    report = as_json(result)
    assert report["summary"]["by_account"]["north"]["assistants"] == 12
    assert [e["account"] for e in report["errors"]] == ["south"]
    assert "SOUTH_KEY" in report["errors"][0]["message"]
    assert "south" in result.stderr
    assert "wrong-key-99999" not in result.output


def test_per_account_baselines_and_drift(two: tuple[RunningSandbox, RunningSandbox]) -> None:
    _, south = two
    approved = invoke("snapshot", "approve", "-o", "baselines/")
    assert approved.exit_code == 0, approved.output
    assert sorted(p.name for p in Path("baselines").iterdir()) == ["north.json", "south.json"]
    south.set_fleet(simulate_drift(south.fleet))
    result = invoke("audit", "--baseline", "baselines", "--format", "json", "--fail-on-drift")
    assert result.exit_code == 1, result.output
    drift = as_json(result)["drift"]
    entries = [*drift["added"], *drift["removed"], *(c["assistant"] for c in drift["changed"])]
    assert entries
    assert {e["account"] for e in entries} == {"south"}


def test_waiver_scoped_to_an_account(two: tuple[RunningSandbox, RunningSandbox]) -> None:
    Path("team.yaml").write_text(
        "version: 1\ninclude: [builtin:default]\nexceptions:\n"
        "  - rule: '*'\n    assistants: ['name:*']\n    account: north\n"
        "    reason: north is audited elsewhere\n"
    )
    report = as_json(invoke("audit", "--policy", "team.yaml", "--format", "json"))
    assert {v["assistant"]["account"] for v in report["violations"]} == {"south"}
    assert {v["assistant"]["account"] for v in report["waivers"]} == {"north"}


def test_an_unread_accounts_drift_is_unknown_and_its_failure_is_said_once(
    two: tuple[RunningSandbox, RunningSandbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert invoke("snapshot", "approve", "-o", "baselines/").exit_code == 0
    monkeypatch.setenv("SOUTH_KEY", "wrong-key-99999")
    result = invoke("audit", "--baseline", "baselines", "--format", "json", "-o", "r.json")
    assert result.exit_code == 3, result.output
    summary = json.loads(Path("r.json").read_text(encoding="utf-8"))["summary"]
    assert summary["by_account"]["north"]["drift"] == {"added": 0, "removed": 0, "changed": 0}
    assert summary["by_account"]["south"]["drift"] is None
    assert summary["by_account"]["south"]["error"].startswith("the API rejected the key")
    assert [line for line in result.stderr.splitlines() if "south" in line] == [
        f"error: account south: {summary['by_account']['south']['error']}"
    ]
    assert "\nAccounts\n" in result.stdout
    assert "  south  could not be read (see Errors)\n" in result.stdout
    assert "  north  12 assistants, " in result.stdout


def test_the_same_uuid_in_two_accounts_stays_two_assistants(
    make_sandbox: Callable[..., RunningSandbox], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two white-label copies serving the same fleet: assistants are (account, uuid)."""
    east = make_sandbox(count=10, seed=3, api_key="east-key-0003")
    west = make_sandbox(count=10, seed=3, api_key="west-key-0004")
    assert [r["uuid"] for r in east.fleet] == [r["uuid"] for r in west.fleet]
    (tmp_path / "auditor.yaml").write_text(
        "baseline: baselines/\naccounts:\n"
        f"  - {{name: east, base_url: '{east.base_url}', api_key_env: EAST_KEY}}\n"
        f"  - {{name: west, base_url: '{west.base_url}', api_key_env: WEST_KEY}}\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EAST_KEY", "east-key-0003")
    monkeypatch.setenv("WEST_KEY", "west-key-0004")
    assert invoke("snapshot", "approve").exit_code == 0
    plain = as_json(invoke("audit", "--format", "json"))
    flagged = {(v["assistant"]["account"], v["assistant"]["uuid"]) for v in plain["violations"]}
    target = sorted(uuid for account, uuid in flagged if account == "east")[0]
    assert ("west", target) in flagged  # the same fleet: the same findings in both
    west.update(next(r["id"] for r in west.fleet if r["uuid"] == target), name="West's own")
    Path("team.yaml").write_text(
        "version: 1\ninclude: [builtin:default]\nexceptions:\n"
        f"  - rule: '*'\n    assistants: ['uuid:{target}']\n    account: east\n"
        "    reason: east's copy is a test line\n"
    )
    report = as_json(invoke("audit", "--policy", "team.yaml", "--format", "json"))
    keys = [(a["account"], a["uuid"]) for a in report["assistants"]]
    assert len(keys) == len(set(keys)) == 20
    assert report["summary"]["by_account"]["east"]["drift"] == {
        "added": 0,
        "removed": 0,
        "changed": 0,
    }
    (changed,) = report["drift"]["changed"]
    assert (changed["assistant"]["account"], changed["assistant"]["uuid"]) == ("west", target)
    assert [c["path"] for c in changed["changes"]] == ["name"]
    waived = {(v["assistant"]["account"], v["assistant"]["uuid"]) for v in report["waivers"]}
    found = {(v["assistant"]["account"], v["assistant"]["uuid"]) for v in report["violations"]}
    assert waived == {("east", target)}
    assert ("east", target) not in found
    assert ("west", target) in found
