"""`auditor audit` end to end: the real CLI, the real sandbox over HTTP, every exit code."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from auditor.cli import cli
from auditor.sandbox.data import KNOWN_VIOLATIONS, simulate_drift
from auditor.sandbox.server import RunningSandbox


def run(sandbox: RunningSandbox | None, *args: str, env: dict[str, str] | None = None) -> Result:
    """``auditor audit ARGS`` against ``sandbox`` (its URL and key given as flags)."""
    target = ["--base-url", sandbox.base_url, "--api-key", sandbox.api_key] if sandbox else []
    return CliRunner().invoke(cli, ["audit", *target, *args], env=env)


def report_of(result: Result) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_clean_run_without_gate_exits_0_and_reports_findings(sandbox: RunningSandbox) -> None:
    result = run(sandbox)
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "recording-enabled" in text
    expected = sum(len(rules) for rules in KNOWN_VIOLATIONS.values())
    last = text.strip().splitlines()[-1]
    assert re.fullmatch(rf"{expected} violations \(.*\) in 47 assistants", last), last


def test_gate_trips_on_violations_with_exit_1_and_a_reason(sandbox: RunningSandbox) -> None:
    result = run(sandbox, "--fail-on-violation", "--format", "json")
    assert result.exit_code == 1, result.output
    report = report_of(result)
    assert report["summary"]["gate"]["failed"] is True
    assert report["summary"]["violations"] == len(report["violations"]) > 0
    assert "gate failed:" in result.stderr


def test_threshold_above_every_finding_passes_the_gate(sandbox: RunningSandbox) -> None:
    result = run(
        sandbox,
        "--fail-on-violation",
        "--select",
        "initial-message-length",
        "--severity-threshold",
        "critical",
        "--format",
        "json",
    )
    report = report_of(result)
    assert {v["severity"] for v in report["violations"]} <= {"info", "low", "medium", "high"}
    assert result.exit_code == 0, result.output
    assert report["summary"]["gate"]["failed"] is False


def test_select_and_filter_narrow_the_audit(sandbox: RunningSandbox) -> None:
    result = run(
        sandbox, "--select", "recording-enabled", "--filter", "status=active", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    report = report_of(result)
    assert [r["id"] for r in report["rules"]] == ["recording-enabled"]
    assert {v["rule"] for v in report["violations"]} == {"recording-enabled"}
    assert report["summary"]["assistants"] < len(sandbox.fleet)


def test_unknown_rule_id_is_exit_2_before_any_request(sandbox: RunningSandbox) -> None:
    result = run(sandbox, "--select", "recording-enabeld")
    assert result.exit_code == 2
    assert "recording-enabeld" in result.stderr
    assert sandbox.request_count == 0


def test_broken_policy_is_exit_2_with_file_and_line_before_any_request(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    policy = tmp_path / "bad.yaml"
    policy.write_text("version: 1\nrules:\n  - id: x\n    require: {record: {equal: true}}\n")
    result = run(sandbox, "--policy", str(policy))
    assert result.exit_code == 2
    assert f"{policy}:4" in result.stderr
    assert "Traceback" not in result.output
    assert sandbox.request_count == 0


def test_bad_key_is_exit_3_with_one_line_and_no_report(
    make_sandbox: Callable[..., RunningSandbox], tmp_path: Path
) -> None:
    sandbox = make_sandbox()
    out = tmp_path / "report.json"
    result = CliRunner().invoke(
        cli,
        ["audit", "--base-url", sandbox.base_url, "--api-key", "wrong-key-123456", "-o", str(out)],
    )
    assert result.exit_code == 3
    assert len(result.stderr.strip().splitlines()) == 1
    assert "wrong-key-123456" not in result.output
    assert not out.exists()


def test_baseline_drift_and_fail_on_drift(sandbox: RunningSandbox, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    approved = CliRunner().invoke(
        cli,
        [
            "snapshot",
            "approve",
            "--base-url",
            sandbox.base_url,
            "--api-key",
            sandbox.api_key,
            "-o",
            str(baseline),
        ],
    )
    assert approved.exit_code == 0, approved.output
    result = run(sandbox, "--baseline", str(baseline), "--fail-on-drift", "--format", "json")
    assert result.exit_code == 0, result.output
    assert report_of(result)["summary"]["drift"] == {"added": 0, "removed": 0, "changed": 0}

    sandbox.set_fleet(simulate_drift(sandbox.fleet))
    before = baseline.read_bytes()
    result = run(sandbox, "--baseline", str(baseline), "--fail-on-drift", "--format", "json")
    assert result.exit_code == 1, result.output
    drift = report_of(result)["drift"]
    assert drift["added"]
    assert drift["removed"]
    assert drift["changed"]
    paths = {c["path"] for entry in drift["changed"] for c in entry["changes"]}
    assert "updated_at" not in paths
    assert baseline.read_bytes() == before


def test_missing_baseline_is_exit_2_with_how_to_approve(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    result = run(sandbox, "--baseline", str(tmp_path / "nope.json"))
    assert result.exit_code == 2
    assert "auditor snapshot approve" in result.stderr
    assert sandbox.request_count == 0


def test_input_snapshot_needs_no_network(sandbox: RunningSandbox, tmp_path: Path) -> None:
    snapshot = tmp_path / "fleet.json"
    fetched = CliRunner().invoke(
        cli,
        [
            "fetch",
            "--base-url",
            sandbox.base_url,
            "--api-key",
            sandbox.api_key,
            "-o",
            str(snapshot),
        ],
    )
    assert fetched.exit_code == 0, fetched.output
    live = report_of(run(sandbox, "--format", "json"))
    offline = report_of(run(None, "--input", str(snapshot), "--format", "json"))
    assert offline["violations"] == live["violations"]


def test_several_formats_at_once(sandbox: RunningSandbox, tmp_path: Path) -> None:
    outputs = {fmt: tmp_path / f"r.{ext}" for fmt, ext in (("html", "html"), ("junit", "xml"))}
    args: list[str] = []
    for fmt, path in outputs.items():
        args += ["--format", fmt, "--output", str(path)]
    args += ["-o", str(tmp_path / "r.json"), "-o", str(tmp_path / "r.sarif")]
    result = run(sandbox, *args)
    assert result.exit_code == 0, result.output
    for path in [*outputs.values(), tmp_path / "r.json", tmp_path / "r.sarif"]:
        assert path.stat().st_size > 0
    assert "violation" in result.stdout  # text still goes to stdout
    sarif = json.loads((tmp_path / "r.sarif").read_text())
    assert sarif["version"] == "2.1.0"


def test_audit_alias_console_script(sandbox: RunningSandbox) -> None:
    script = Path(sys.executable).with_name("audit")
    if not script.exists():
        pytest.skip("the 'audit' console script is not installed in this environment")
    done = subprocess.run(
        [str(script), "--base-url", sandbox.base_url, "--api-key", sandbox.api_key, "-q"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "recording-enabled" in done.stdout
    assert done.stderr == ""
