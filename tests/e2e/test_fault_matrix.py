"""The fault matrix (issue 9) through the real CLI against the real sandbox over HTTP.

Every row of ``tests/e2e/faults.py`` runs through the three commands that read the API:

* ``auditor fetch -o FILE``: an existing FILE is left byte for byte as it was on failure
  or replaced by a complete snapshot on success;
* ``auditor snapshot approve -o BASELINE``: on failure the baseline is untouched and no
  ``.prev`` appears; on success the old baseline is kept as ``.prev``;
* ``auditor audit --baseline B`` with reports in several formats and the text report on
  stdout: on failure nothing reports success — no report file is written, an old one is
  left as it was, stdout is empty — and the baseline is byte for byte unchanged.

For each: the documented exit code, exactly one line on stderr (what failed, where, what
to do; no traceback), no temporary file left behind, the key in no output, and for the
rows that recover, proof that the sandbox really sent the fault.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from auditor.cli import cli
from auditor.errors import EXIT_OK
from auditor.model import Listing
from auditor.sandbox.server import RunningSandbox
from auditor.snapshot import read_snapshot, write_snapshot
from tests.e2e.faults import FAULT_CASES, FaultCase

pytestmark = pytest.mark.usefixtures("fast_retries")

PREVIOUS = b'{"note": "the previous snapshot, which a failed fetch must not touch"}\n'
STALE_REPORT = b"# yesterday's report, which a failed audit must not replace\n"
matrix = pytest.mark.parametrize("case", FAULT_CASES, ids=lambda case: case.id)


def invoke(args: list[str]) -> Result:
    return CliRunner().invoke(cli, args)


def the_one_line(result: Result, case: FaultCase, sandbox: RunningSandbox) -> str:
    """The single stderr line of a failed run, checked against the row."""
    assert result.exit_code == case.exit_code, result.output
    assert "Traceback" not in result.output
    assert sandbox.api_key not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert re.search(case.stderr, lines[0]), lines[0]
    assert lines[0].startswith("error: ")
    return lines[0]


def check_recovery(case: FaultCase, sandbox: RunningSandbox) -> None:
    """A row that succeeds must have met its fault on the way."""
    if case.recovered_from is not None:
        statuses = [r.status for r in sandbox.requests]
        assert case.recovered_from in statuses, statuses


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@matrix
def test_fetch_under_fault(
    case: FaultCase, make_sandbox: Callable[..., RunningSandbox], tmp_path: Path
) -> None:
    sandbox = make_sandbox(**case.sandbox)
    target = tmp_path / "fleet.json"
    target.write_bytes(PREVIOUS)

    result = invoke(["fetch", "-o", str(target), *case.cli_args(sandbox)])

    assert result.stdout == ""
    if case.exit_code == EXIT_OK:
        assert result.exit_code == EXIT_OK, result.output
        assert result.stderr.splitlines() == [
            f"wrote {case.assistants} assistant{'' if case.assistants == 1 else 's'} "
            f"from {sandbox.base_url} to {target}"
        ]
        listing = read_snapshot(target)
        assert len(listing.assistants) == case.assistants
        assert listing.source == sandbox.base_url
        check_recovery(case, sandbox)
    else:
        the_one_line(result, case, sandbox)
        assert target.read_bytes() == PREVIOUS
    assert files_in(tmp_path) == ["fleet.json"]


@matrix
def test_approve_under_fault(
    case: FaultCase, make_sandbox: Callable[..., RunningSandbox], tmp_path: Path
) -> None:
    sandbox = make_sandbox(**case.sandbox)
    baseline = tmp_path / "baseline.json"
    baseline.write_bytes(PREVIOUS)

    result = invoke(["snapshot", "approve", "-o", str(baseline), *case.cli_args(sandbox)])

    assert result.stdout == ""
    if case.exit_code == EXIT_OK:
        assert result.exit_code == EXIT_OK, result.output
        previous = tmp_path / "baseline.json.prev"
        assert result.stderr.splitlines() == [
            f"approved {case.assistants} assistant{'' if case.assistants == 1 else 's'} "
            f"from {sandbox.base_url} as the baseline {baseline}",
            f"the previous baseline is kept as {previous} (undo: mv {previous} {baseline})",
        ]
        assert len(read_snapshot(baseline).assistants) == case.assistants
        assert previous.read_bytes() == PREVIOUS
        assert files_in(tmp_path) == ["baseline.json", "baseline.json.prev"]
        check_recovery(case, sandbox)
    else:
        the_one_line(result, case, sandbox)
        assert baseline.read_bytes() == PREVIOUS
        assert files_in(tmp_path) == ["baseline.json"]


REPORTS = {"json": "report.json", "html": "report.html", "sarif": "report.sarif"}


@matrix
def test_audit_under_fault(
    case: FaultCase, make_sandbox: Callable[..., RunningSandbox], tmp_path: Path
) -> None:
    sandbox = make_sandbox(**case.sandbox)
    baseline = tmp_path / "baseline.json"
    fleet = {r["uuid"]: r for r in sandbox.fleet}
    write_snapshot(Listing(sandbox.base_url, "2026-11-25T03:00:00Z", fleet), baseline)
    approved = baseline.read_bytes()
    stale = tmp_path / "report.md"
    stale.write_bytes(STALE_REPORT)
    outputs = ["--format", "markdown", "-o", str(stale)]
    for fmt, name in REPORTS.items():
        outputs += ["--format", fmt, "-o", str(tmp_path / name)]

    result = invoke(["audit", *case.cli_args(sandbox), "--baseline", str(baseline), *outputs])

    assert baseline.read_bytes() == approved
    if case.exit_code == EXIT_OK:
        assert result.exit_code == EXIT_OK, result.output
        report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
        assert report["summary"]["assistants"] == case.assistants
        assert not report.get("errors")
        assert f"in {case.assistants} assistant" in result.stdout  # the text report
        written = [str(stale), *(str(tmp_path / name) for name in REPORTS.values())]
        assert result.stderr.splitlines() == [f"wrote {path}" for path in written]
        assert stale.read_bytes() != STALE_REPORT
        check_recovery(case, sandbox)
    else:
        the_one_line(result, case, sandbox)
        assert result.stdout == ""  # no text report either
        assert stale.read_bytes() == STALE_REPORT
        assert files_in(tmp_path) == ["baseline.json", "report.md"]
        return
    assert files_in(tmp_path) == sorted(["baseline.json", "report.md", *REPORTS.values()])


def test_the_matrix_covers_every_fault_of_issue_9() -> None:
    ids = {case.id for case in FAULT_CASES}
    for needed in (
        "401-wrong-key",
        "403-forbidden",
        "404-wrong-base-url",
        "422-per-page-cap",
        "429-with-retry-after",
        "429-without-retry-after",
        "500-transient",
        "502-transient",
        "503-transient",
        "500-permanent",
        "502-permanent",
        "503-permanent",
        "connection-refused",
        "read-timeout",
        "malformed-json",
        "data-not-a-list",
        "record-without-uuid",
        "duplicate-uuid-across-pages",
        "total-says-more",
        "total-says-fewer",
        "last-page-changes",
        "empty-account",
    ):
        assert needed in ids
    for case in FAULT_CASES:
        assert (case.exit_code == EXIT_OK) == (case.stderr == ""), case.id
        assert (case.exit_code == EXIT_OK) == (case.assistants is not None), case.id


@pytest.mark.parametrize("gate", [["--fail-on-violation", "--select", "name-length"], []])
def test_a_gate_never_passes_over_an_unreadable_account(
    make_sandbox: Callable[..., RunningSandbox], tmp_path: Path, gate: list[str]
) -> None:
    """With several accounts the readable ones are still reported (exit 3), but a gate
    that was asked for cannot pass: it never saw the other account's assistants."""
    north, south = make_sandbox(), make_sandbox(fail_pages=(1,))
    config = tmp_path / "auditor.yaml"
    config.write_text(
        "accounts:\n"
        f"  - {{name: north, base_url: '{north.base_url}', api_key_env: NORTH_KEY}}\n"
        f"  - {{name: south, base_url: '{south.base_url}', api_key_env: SOUTH_KEY}}\n",
        encoding="utf-8",
    )
    report = tmp_path / "report.json"
    result = CliRunner().invoke(
        cli,
        ["--config", str(config), "audit", *gate, "--format", "json", "-o", str(report)],
        env={"NORTH_KEY": north.api_key, "SOUTH_KEY": south.api_key},
    )
    assert result.exit_code == 3, result.output
    summary = json.loads(report.read_text(encoding="utf-8"))["summary"]
    assert summary["by_account"]["south"]["error"]
    if gate:
        assert summary["violations"] == 0  # north alone would pass
        assert summary["gate"] == {
            "failed": True,
            "reason": "1 account could not be read (south)",
        }
        assert "gate failed: 1 account could not be read (south)" in result.stderr
    else:
        assert summary["gate"] == {"failed": False, "reason": "no gate requested"}
