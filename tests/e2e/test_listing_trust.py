"""A listing that only looks complete (issue 15), through the real CLI and sandbox.

The fault matrix (``tests/e2e/faults.py``) proves the exit code and the one stderr line
for fetch, snapshot approve and audit; these tests prove what the rows cannot: which
assistants end up in a snapshot or report, and how many requests a lying API gets.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from auditor.cli import cli
from auditor.depth import MAX_DEPTH
from auditor.errors import EXIT_FETCH, EXIT_OK
from auditor.model import Listing
from auditor.sandbox.server import RunningSandbox
from auditor.snapshot import read_snapshot, write_snapshot
from tests.e2e.faults import nested

pytestmark = pytest.mark.usefixtures("fast_retries")

MakeSandbox = Callable[..., RunningSandbox]


def run(sandbox: RunningSandbox, *args: str) -> Result:
    return CliRunner().invoke(
        cli, [*args, "--base-url", sandbox.base_url, "--api-key", sandbox.api_key]
    )


@pytest.mark.parametrize("shift_after", [1, 2])
def test_a_fleet_edited_while_it_is_read_is_read_again_until_it_is_right(
    make_sandbox: MakeSandbox, tmp_path: Path, shift_after: int
) -> None:
    """One deleted (on the page just served) and one created keep ``total``: without the
    check the first record of the next page was never served, and the snapshot lacked
    it while holding the deleted one."""
    sandbox = make_sandbox(count=250, faults=(f"shift-after-page={shift_after}",))
    before = {r["id"] for r in sandbox.fleet}
    target = tmp_path / "fleet.json"

    result = run(sandbox, "fetch", "-o", str(target), "--concurrency", "1")

    assert result.exit_code == EXIT_OK, result.output
    now = {r["id"] for r in sandbox.fleet}
    assert now != before  # the fault happened: one gone, one new
    assert {r["id"] for r in read_snapshot(target).assistants.values()} == now
    assert sandbox.pages_served.count(1) >= 3  # page 1, its second reading, a new read


def test_audit_against_a_baseline_reports_what_really_changed(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox(count=250, faults=("shift-after-page=1",))
    fleet = {r["uuid"]: r for r in sandbox.fleet}
    baseline = tmp_path / "baseline.json"
    write_snapshot(Listing(sandbox.base_url, "2026-11-25T03:00:00Z", fleet), baseline)
    report = tmp_path / "report.json"

    result = run(
        sandbox, "audit", "--baseline", str(baseline), "--format", "json", "-o", str(report)
    )

    assert result.exit_code == EXIT_OK, result.output
    drift = json.loads(report.read_text(encoding="utf-8"))["drift"]
    now = {r["uuid"] for r in sandbox.fleet}
    assert [entry["uuid"] for entry in drift["removed"]] == sorted(set(fleet) - now)
    assert [entry["uuid"] for entry in drift["added"]] == sorted(now - set(fleet))


def test_a_fleet_that_never_holds_still_is_read_three_times_then_refused(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox(count=250, faults=("shift-after-page=1:99",))
    baseline = tmp_path / "baseline.json"

    result = run(sandbox, "snapshot", "approve", "-o", str(baseline))

    assert result.exit_code == EXIT_FETCH
    assert "the fleet changed while it was read" in result.stderr
    assert "(read 3 times;" in result.stderr
    assert not baseline.exists()
    assert 3 <= sandbox.pages_served.count(1) <= 6  # three reads, each page 1 once or twice


def test_a_lying_total_costs_a_few_requests_not_thousands(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(count=250, lie_about_total=990_000)  # 9,903 pages claimed
    result = run(sandbox, "fetch", "-o", "-")
    assert result.exit_code == EXIT_FETCH
    assert "the API stopped before its total" in result.stderr
    assert sandbox.request_count < 40


def test_a_total_beyond_the_bound_is_refused_after_one_request(
    make_sandbox: MakeSandbox,
) -> None:
    sandbox = make_sandbox(lie_about_total=10**11)
    result = run(sandbox, "fetch", "-o", "-")
    assert result.exit_code == EXIT_FETCH
    assert "auditor reads at most 1,000,000 assistants per account" in result.stderr
    assert "MemoryError" not in result.output
    assert sandbox.request_count == 1


@pytest.mark.parametrize("command", ["fetch", "approve", "audit"])
def test_nesting_up_to_the_bound_is_read_and_audited_without_a_recursion_error(
    make_sandbox: MakeSandbox, tmp_path: Path, command: str
) -> None:
    """A record 64 levels deep (the record itself is one) goes through masking, policy,
    drift and snapshot writing; one level more is refused before any of them."""
    deepest = {"id": 1, "uuid": "a", "variables": nested(MAX_DEPTH - 1)}
    sandbox = make_sandbox(fleet=[deepest, {"id": 2, "uuid": "b", "tools": [nested(3)]}])
    baseline = tmp_path / "baseline.json"
    previous = dict(deepest, variables=nested(MAX_DEPTH - 2))
    write_snapshot(Listing(sandbox.base_url, "2026-11-25T03:00:00Z", {"a": previous}), baseline)
    args = {
        "fetch": ["fetch", "-o", str(tmp_path / "out.json")],
        "approve": ["snapshot", "approve", "-o", str(tmp_path / "approved.json")],
        "audit": ["audit", "--baseline", str(baseline), "--format", "json"],
    }[command]

    result = run(sandbox, *args)

    assert result.exit_code in (EXIT_OK, 1), result.output
    assert "RecursionError" not in result.output

    sandbox.set_fleet([dict(deepest, variables=nested(MAX_DEPTH))])
    result = run(sandbox, *args)
    assert result.exit_code == EXIT_FETCH
    assert result.stderr.splitlines() == [
        f"error: incomplete listing: assistant id 1 (record 1 on page 1 of "
        f"{sandbox.base_url}/user/assistants/get): field 'variables' nests deeper than 64 "
        "levels; auditor reads at most that; fix the assistant's data in the platform"
    ]


def test_a_repeated_key_on_a_page_is_named_and_a_clean_page_is_not_slowed(
    make_sandbox: MakeSandbox,
) -> None:
    sandbox = make_sandbox(count=250, faults=("repeated-key=3",))
    result = run(sandbox, "audit")
    assert result.exit_code == EXIT_FETCH
    assert result.stdout == ""
    assert "assistant id 201 (record 1 on page 3 of" in result.stderr
    assert "has the key 'record' twice in one object" in result.stderr
