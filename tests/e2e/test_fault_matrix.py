"""The fault matrix through `auditor fetch` against the real sandbox over HTTP.

For every row of ``tests/e2e/faults.py``: the documented exit code, exactly one line
on stderr (no traceback), and an existing ``-o`` file left byte for byte as it was on
failure — no temporary file, no ``.prev`` left behind — or replaced by a valid,
complete snapshot on success.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli
from auditor.errors import EXIT_OK
from auditor.sandbox.server import RunningSandbox
from auditor.snapshot import read_snapshot
from tests.e2e.faults import FAULT_CASES, FaultCase

PREVIOUS = b'{"note": "the previous snapshot, which a failed fetch must not touch"}\n'


@pytest.mark.usefixtures("fast_retries")
@pytest.mark.parametrize("case", FAULT_CASES, ids=lambda case: case.id)
def test_fetch_under_fault(
    case: FaultCase, make_sandbox: Callable[..., RunningSandbox], tmp_path: Path
) -> None:
    sandbox = make_sandbox(**case.sandbox)
    target = tmp_path / "fleet.json"
    target.write_bytes(PREVIOUS)

    result = CliRunner().invoke(cli, ["fetch", "-o", str(target), *case.cli_args(sandbox)])

    assert result.exit_code == case.exit_code, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert sandbox.api_key not in result.output
    if case.exit_code == EXIT_OK:
        assert re.fullmatch(
            rf"wrote {case.assistants} assistants? from \S+ to {re.escape(str(target))}", lines[0]
        )
        listing = read_snapshot(target)
        assert len(listing.assistants) == case.assistants
        assert listing.source == sandbox.base_url
    else:
        assert re.search(case.stderr, lines[0]), lines[0]
        assert target.read_bytes() == PREVIOUS
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fleet.json"]


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
