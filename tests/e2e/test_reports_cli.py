"""Report formats from a real ``auditor audit`` against the sandbox: what CI systems open."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner, Result

from auditor.cli import cli
from auditor.sandbox.server import RunningSandbox

SARIF_SCHEMA = Path(__file__).resolve().parents[1] / "data" / "sarif" / "sarif-schema-2.1.0.json"

TEAM_POLICY = """\
version: 1
rules:
  - id: team-recording
    title: Calls must be recorded
    severity: high
    require: {record: true}

  - id: team-max-duration
    severity: medium
    require: {max_duration: {lte: 60}}
"""


def run(sandbox: RunningSandbox, *args: str) -> Result:
    target = ["--base-url", sandbox.base_url, "--api-key", sandbox.api_key]
    return CliRunner().invoke(cli, ["audit", *target, *args])


def _valid_sarif(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(document)
    return document


def test_sarif_results_point_at_the_rule_line_relative_to_the_repository_root(
    sandbox: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "ci" / "policies").mkdir(parents=True)
    (repo / "ci" / "policies" / "team.yaml").write_text(TEAM_POLICY, encoding="utf-8")
    monkeypatch.chdir(repo / "ci")  # run from a sub-folder: the URI is still from the root
    result = run(sandbox, "--policy", "policies/team.yaml", "--format", "sarif", "-o", "r.sarif")
    assert result.exit_code == 0, result.output
    document = _valid_sarif(repo / "ci" / "r.sarif")
    (sarif_run,) = document["runs"]
    assert sarif_run["originalUriBaseIds"]["SRCROOT"]["uri"] == repo.resolve().as_uri() + "/"
    lines = {"team-recording": 3, "team-max-duration": 8}
    assert sarif_run["results"]
    for res in sarif_run["results"]:
        (location,) = res["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"] == {
            "uri": "ci/policies/team.yaml",
            "uriBaseId": "SRCROOT",
        }
        assert physical["region"] == {"startLine": lines[res["ruleId"]]}
        assert location["logicalLocations"][0]["fullyQualifiedName"].startswith("assistants/")


def test_sarif_for_the_bundled_pack_outside_the_repository_is_a_file_uri(
    sandbox: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditor.policy.loader import BUILTIN_DIR

    monkeypatch.chdir(tmp_path)
    result = run(sandbox, "--format", "sarif", "-o", "r.sarif")
    assert result.exit_code == 0, result.output
    (sarif_run,) = _valid_sarif(tmp_path / "r.sarif")["runs"]
    uris = {
        res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for res in sarif_run["results"]
    }
    assert uris
    assert all(
        uri.startswith(BUILTIN_DIR.resolve().as_uri() + "/") and uri.endswith(".yaml")
        for uri in uris
    )
    assert all(
        res["locations"][0]["physicalLocation"]["region"]["startLine"] > 1
        for res in sarif_run["results"]
    )


def _drifted_snapshots(tmp_path: Path) -> tuple[Path, Path]:
    from auditor.model import Listing
    from auditor.sandbox.data import generate_fleet, simulate_drift
    from auditor.snapshot import write_snapshot

    fleet = generate_fleet(20)
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    write_snapshot(Listing("http://x/api", "t1", {r["uuid"]: r for r in fleet}), a)
    drifted = simulate_drift(fleet)
    write_snapshot(Listing("http://x/api", "t2", {r["uuid"]: r for r in drifted}), b)
    return a, b


def _junit(path: Path) -> Any:
    import xml.etree.ElementTree as ET

    return ET.fromstring(path.read_bytes())  # noqa: S314 - our own output


def test_diff_junit_has_a_failing_case_per_drifted_assistant(tmp_path: Path) -> None:
    a, b = _drifted_snapshots(tmp_path)
    out = tmp_path / "drift.xml"
    args = ["diff", str(a), str(b), "--fail-on-drift", "--format", "junit", "-o", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    root = _junit(out)
    drift = json.loads(CliRunner().invoke(cli, ["diff", str(a), str(b), "--format", "json"]).stdout)
    drifted = sum(drift["summary"]["drift"].values())
    assert drifted == 6  # 1 added, 1 removed, 4 changed
    assert root.get("tests") == root.get("failures") == str(drifted)  # not tests="0"
    cases = root.findall("testsuite[@name='drift']/testcase")
    assert len(cases) == drifted
    assert all(case.find("failure") is not None for case in cases)


def test_audit_junit_is_one_case_per_rule_plus_drift(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    baseline = tmp_path / "baseline.json"
    target = ["--base-url", sandbox.base_url, "--api-key", sandbox.api_key]
    fetched = CliRunner().invoke(cli, [*target, "fetch", "-o", str(baseline)])
    assert fetched.exit_code == 0, fetched.output
    out = tmp_path / "r.xml"
    result = run(sandbox, "--baseline", str(baseline), "--format", "junit", "-o", str(out))
    assert result.exit_code == 0, result.output
    report = json.loads(run(sandbox, "--baseline", str(baseline), "--format", "json").stdout)
    root = _junit(out)
    policy = root.findall("testsuite[@name='policy']/testcase")
    assert [c.get("name") for c in policy] == [r["id"] for r in report["rules"]]
    failing = {c.get("name") for c in policy if c.find("failure") is not None}
    assert failing == {v["rule"] for v in report["violations"]}
    for case in policy:
        failure = case.find("failure")
        if failure is None:
            continue
        breaking = [v for v in report["violations"] if v["rule"] == case.get("name")]
        assert (failure.text or "").count("\n- ") == len(breaking)
    (still,) = root.findall("testsuite[@name='drift']/testcase")
    assert still.get("name") == "no drift since the baseline"


def test_email_on_that_sends_nothing_says_so_in_one_line(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    eml = tmp_path / "mail.eml"
    args = ["--email-to", "ops@example.com", "--email-on", "drift", "--email-dry-run", str(eml)]
    result = run(sandbox, "--format", "json", "-o", str(tmp_path / "r.json"), *args)
    assert result.exit_code == 0, result.output
    said = [line for line in result.stderr.splitlines() if not line.startswith("wrote ")]
    assert said == [
        "no email sent: --email-on drift and nothing drifted from the baseline "
        "(or no --baseline was given)"
    ]
    assert not eml.exists()


def test_the_mail_is_a_digest_with_the_full_reports_attached(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    import email
    import email.policy

    eml = tmp_path / "mail.eml"
    args = ["--email-to", "ops@example.com", "--email-dry-run", str(eml), "--fail-on-violation"]
    result = run(sandbox, "--format", "json", "-o", str(tmp_path / "r.json"), *args)
    assert result.exit_code == 1, result.output
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    count = report["summary"]["violations"]
    assert message["Subject"] == f"[auditor] FAILED: {count} violations — {sandbox.base_url}"
    body = message.get_body(("html",))
    assert body is not None
    html = body.get_content()
    assert len(html.encode()) < 100_000
    assert "The full report is attached" in html
    names = [part.get_filename() for part in message.iter_attachments()]
    assert names == ["auditor-report.html", "auditor-report.json"]
