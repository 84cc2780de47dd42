"""A gate over nothing does not pass: the real CLI against the sandbox over HTTP.

With ``--fail-on-violation`` a run that checked no rule, or whose ``--filter`` kept
none of the assistants read, is exit 2 with one line (it could not have failed, so its
"passed" would mean nothing). An account that really has no assistants still passes,
and so does a drift gate over no rule.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from auditor.cli import cli
from auditor.sandbox.server import RunningSandbox


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def audit(base_url: str, key: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["audit", "--base-url", base_url, "--api-key", key, *args])


def one_line(result: Result) -> str:
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1, result.stderr
    return result.stderr


def test_a_filter_on_a_field_nobody_has_fails_the_gate_and_says_so(
    sandbox: RunningSandbox,
) -> None:
    result = audit(
        sandbox.base_url, sandbox.api_key, "--filter", "stauts=active", "--fail-on-violation"
    )
    assert one_line(result) == (
        "error: --fail-on-violation: --filter stauts=active matched none of the 47 "
        "assistants read (no assistant has a field 'stauts' (did you mean 'status'?)), "
        "so the gate could not fail; fix the filter\n"
    )


def test_a_filter_that_keeps_no_assistant_fails_the_gate(sandbox: RunningSandbox) -> None:
    result = audit(
        sandbox.base_url, sandbox.api_key, "--filter", "status=archived", "--fail-on-violation"
    )
    line = one_line(result)
    assert "--filter status=archived matched none of the 47 assistants read, so" in line


def test_without_a_gate_the_filter_that_matched_nothing_is_a_warning(
    sandbox: RunningSandbox,
) -> None:
    result = audit(sandbox.base_url, sandbox.api_key, "--filter", "stauts=active")
    assert result.exit_code == 0, result.output
    assert "--filter stauts=active matched no assistant (no assistant has a field 'stauts')" in (
        result.output
    )


def test_an_account_with_no_assistants_still_passes(
    make_sandbox: Callable[..., RunningSandbox],
) -> None:
    empty = make_sandbox(faults=("empty-account",))
    result = audit(
        empty.base_url, empty.api_key, "--filter", "status=active", "--fail-on-violation"
    )
    assert result.exit_code == 0, result.output
    assert "gate: passed" in result.stdout


def test_no_rule_in_force_fails_a_violation_gate_before_any_request(tmp_path: Path) -> None:
    policy = tmp_path / "none.yaml"
    policy.write_text("version: 1\nrules: []\n", encoding="utf-8")
    # port 9 (discard) is closed: a request would be exit 3, not 2
    result = audit("http://127.0.0.1:9", "k", "--policy", str(policy), "--fail-on-violation")
    assert one_line(result) == (
        "error: --fail-on-violation: no rule is in force (the policies define none, or "
        "--select/--ignore left none), so the gate could not fail; add rules or change "
        "the selection\n"
    )


def test_a_drift_gate_over_no_rule_is_fine(sandbox: RunningSandbox, tmp_path: Path) -> None:
    policy = tmp_path / "none.yaml"
    policy.write_text("version: 1\nrules: []\n", encoding="utf-8")
    result = audit(sandbox.base_url, sandbox.api_key, "--policy", str(policy), "--fail-on-drift")
    assert result.exit_code == 0, result.output
