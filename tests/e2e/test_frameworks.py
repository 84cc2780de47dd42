"""Compliance frameworks and waiver governance end to end: the real CLI against the
sandbox over HTTP, scorecards checked against counts made by hand from the sample fleet."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from auditor.cli import cli
from auditor.sandbox.server import RunningSandbox


def run(sandbox: RunningSandbox, *args: str) -> Result:
    target = ["--base-url", sandbox.base_url, "--api-key", sandbox.api_key]
    return CliRunner().invoke(cli, ["audit", *target, *args])


def audit_json(sandbox: RunningSandbox, *args: str) -> dict[str, Any]:
    result = run(sandbox, "--format", "json", *args)
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def requirement(report: dict[str, Any], framework: str, ref: str) -> dict[str, Any]:
    (found,) = [f for f in report["frameworks"] if f["id"] == framework]
    (req,) = [r for r in found["requirements"] if r["ref"] == ref]
    return dict(req)


# -- scorecards --------------------------------------------------------------------------


def test_eu_ai_act_scorecard_matches_the_hand_count(sandbox: RunningSandbox) -> None:
    # Counted by hand from auditor/sandbox/data.py: every inbound greeting says "the
    # virtual assistant" and every outbound one "an AI assistant", except id 21's
    # ("Hello, this is Sam calling to confirm your booking…"): one violation of Art.
    # 50(1), on id 21; Art. 50(5) no setting shows, so it is manual.
    report = audit_json(sandbox, "--framework", "eu-ai-act")
    assert [f["id"] for f in report["frameworks"]] == ["eu-ai-act"]
    art_50_1 = requirement(report, "eu-ai-act", "Art. 50(1)")
    assert art_50_1["status"] == "fail"
    assert art_50_1["violations"] == 1
    assert sorted(art_50_1["rules"]) == ["inbound-ai-disclosure", "outbound-ai-disclosure"]
    assert requirement(report, "eu-ai-act", "Art. 50(5)")["status"] == "manual"
    assert requirement(report, "eu-ai-act", "Art. 50(5)")["rules"] == []
    # only the mapped rules ran, over the whole fleet
    assert report["summary"]["rules"] == 2
    assert report["summary"]["assistants"] == 47
    assert [(v["rule"], v["assistant"]["id"]) for v in report["violations"]] == [
        ("outbound-ai-disclosure", 21)
    ]


def test_eu_ai_act_scorecard_in_text_and_markdown(sandbox: RunningSandbox) -> None:
    text = run(sandbox, "--framework", "eu-ai-act")
    assert text.exit_code == 0, text.output
    assert "Framework eu-ai-act: 1 fail, 0 pass, 1 manual" in text.stdout
    assert re.search(r"FAIL +Art\. 50\(1\) .* 1 violation \(", text.stdout)
    assert re.search(r"MANUAL +Art\. 50\(5\) .* check by hand", text.stdout)
    markdown = run(sandbox, "--framework", "eu-ai-act", "--format", "markdown")
    assert "### eu-ai-act: 1 fail, 0 pass, 1 manual" in markdown.stdout
    assert "| FAIL | Art. 50\\(1\\) People are told" in markdown.stdout


def test_tcpa_scorecard_matches_the_hand_count(sandbox: RunningSandbox) -> None:
    # Outbound greetings say "calling for <business>"; id 21's says "calling to
    # confirm": one (b)(1) violation. Every outbound assistant has an IANA time zone.
    report = audit_json(sandbox, "--framework", "tcpa")
    b1 = requirement(report, "tcpa", "47 CFR 64.1200(b)(1)")
    assert (b1["status"], b1["violations"], b1["rules"]) == (
        "fail",
        1,
        ["outbound-caller-identification"],
    )
    c1 = requirement(report, "tcpa", "47 CFR 64.1200(c)(1)")
    assert (c1["status"], c1["violations"]) == ("pass", 0)
    for ref in ("47 U.S.C. 227(b)(1)", "47 CFR 64.1200(b)(2)", "47 CFR 64.1200(b)(3)"):
        assert requirement(report, "tcpa", ref)["status"] == "manual"


def test_two_party_consent_counts_every_recorded_greeting_without_a_notice(
    sandbox: RunningSandbox,
) -> None:
    # By hand: active assistants that record (true or 1) and whose greeting never says
    # "recorded" — only id 38's long greeting mentions it.
    expected = [
        r["id"]
        for r in sandbox.fleet
        if r["status"] == "active"
        and r["record"] in (True, 1)
        and "recorded" not in r["initial_message"]
    ]
    assert 38 not in expected
    assert len(expected) > 20
    report = audit_json(sandbox, "--framework", "two-party-consent")
    req = requirement(report, "two-party-consent", "Cal. Penal Code §632(a)")
    assert (req["status"], req["violations"]) == ("fail", len(expected))
    assert sorted(v["assistant"]["id"] for v in report["violations"]) == sorted(expected)


def test_the_default_audit_scores_every_framework_its_rules_map_to(
    sandbox: RunningSandbox,
) -> None:
    report = audit_json(sandbox)
    assert [f["id"] for f in report["frameworks"]] == ["eu-ai-act", "gdpr", "hipaa"]
    # hipaa 164.312(e)(1): id 9's http webhook and id 33's planted key (data.py's table)
    hipaa = requirement(report, "hipaa", "45 CFR 164.312(e)(1)")
    assert (hipaa["status"], hipaa["violations"]) == ("fail", 2)
    assert requirement(report, "gdpr", "Art. 5(1)(c)")["status"] == "manual"


def test_sarif_rules_carry_the_framework_references_as_tags(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    out = tmp_path / "r.sarif"
    result = run(sandbox, "--framework", "eu-ai-act", "--format", "sarif", "-o", str(out))
    assert result.exit_code == 0, result.output
    rules = json.loads(out.read_text())["runs"][0]["tool"]["driver"]["rules"]
    tags = {r["id"]: r["properties"]["tags"] for r in rules}
    assert "eu-ai-act:Art. 50(1)" in tags["outbound-ai-disclosure"]


def test_frameworks_from_the_config_file(
    sandbox: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "auditor.yaml").write_text("frameworks: [tcpa]\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    report = audit_json(sandbox)
    assert [f["id"] for f in report["frameworks"]] == ["tcpa"]


def test_an_unknown_framework_is_one_line_and_exit_2(
    sandbox: RunningSandbox,
) -> None:
    result = run(sandbox, "--framework", "eu-ai-akt")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "unknown framework 'eu-ai-akt' (did you mean 'eu-ai-act'?)" in lines[0]


def test_a_framework_only_manual_controls_check_is_exit_2(sandbox: RunningSandbox) -> None:
    result = run(sandbox, "--framework", "pci-dss")
    assert result.exit_code == 2
    assert "every requirement is a manual control" in result.stderr


# -- framework list / show, policy list --framework ----------------------------------------


def test_framework_list_and_show() -> None:
    listed = CliRunner().invoke(cli, ["framework", "list"])
    assert listed.exit_code == 0, listed.output
    ids = [line.split()[0] for line in listed.stdout.splitlines()]
    assert ids == ["eu-ai-act", "gdpr", "hipaa", "pci-dss", "tcpa", "two-party-consent"]
    shown = CliRunner().invoke(cli, ["framework", "show", "pci-dss", "--format", "json"])
    data = json.loads(shown.stdout)
    assert [(r["ref"], r["manual"]) for r in data["requirements"]] == [("3.3.1.2", True)]
    assert data["requirements"][0]["verify"]
    text = CliRunner().invoke(cli, ["framework", "show", "tcpa"]).stdout
    assert "47 CFR 64.1200(b)(1)  The call states who is calling" in text
    assert "[checked by outbound-caller-identification]" in text
    assert "This is not legal advice" in text


def test_policy_list_framework_shows_its_rules_and_manual_controls() -> None:
    result = CliRunner().invoke(cli, ["policy", "list", "--framework", "two-party-consent"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1].startswith("recording-announced ")
    assert "Cal. Penal Code §632(a)" in result.stdout


def test_every_bundled_framework_requirement_cites_a_source_and_every_rule_ref_exists() -> None:
    from auditor.frameworks import COMPLIANCE_PACK, bundled
    from auditor.policy import load_policies

    frameworks = bundled()
    for framework in frameworks.values():
        assert framework.source.startswith("https://")
        for req in framework.requirements:
            assert req.source.startswith("https://"), (framework.id, req.ref)
            assert req.manual != bool(req.checked_by), (framework.id, req.ref)
    for rule in load_policies([COMPLIANCE_PACK]).rules:
        for fid, ref in rule.info.frameworks:
            assert frameworks[fid].requirement(ref) is not None, (rule.id, fid, ref)


def test_the_compliance_pack_tests_pass() -> None:
    result = CliRunner().invoke(
        cli, ["policy", "test", "auditor/policies/compliance/voice-compliance_test.yaml"]
    )
    assert result.exit_code == 0, result.output
    assert re.search(r"\d+ passed, 0 failed", result.stdout)


# -- waivers with governance ----------------------------------------------------------------


def _policy(tmp_path: Path, waivers: str, governance: str = "") -> Path:
    path = tmp_path / "team.yaml"
    path.write_text(
        "version: 1\ninclude: [builtin:default]\n" + governance + "exceptions:\n" + waivers,
        encoding="utf-8",
    )
    return path


def test_waiver_governance_errors_are_file_line_and_exit_2(tmp_path: Path) -> None:
    far = (date.today() + timedelta(days=200)).isoformat()
    near = (date.today() + timedelta(days=30)).isoformat()
    path = _policy(
        tmp_path,
        "  - rule: max-duration\n"  # line 5: no owner
        '    assistants: ["id:15"]\n'
        "    reason: OPS-42\n"
        f"    expires: {near}\n"
        "  - rule: max-duration\n"  # line 9: owner, but too far out (line 13)
        '    assistants: ["id:16"]\n'
        "    reason: OPS-43\n"
        "    owner: team-voice\n"
        f"    expires: {far}\n",
        "waivers: {require_owner: true, max_days: 180}\n",
    )
    result = CliRunner().invoke(cli, ["policy", "validate", str(path)])
    assert result.exit_code == 2
    errors = result.stderr
    assert re.search(rf"{re.escape(str(path))}:5: waiver without owner", errors), errors
    assert re.search(rf"{re.escape(str(path))}:13: waiver expires {far}, 200 days", errors)
    assert "max_days: 180" in errors


def test_a_waiver_within_the_rules_validates(tmp_path: Path) -> None:
    near = (date.today() + timedelta(days=180)).isoformat()
    path = _policy(
        tmp_path,
        '  - {rule: max-duration, assistants: ["id:15"], reason: OPS-42, owner: ops, '
        f"expires: {near}}}\n",
        "waivers: {require_owner: true, max_days: 180}\n",
    )
    result = CliRunner().invoke(cli, ["policy", "validate", str(path)])
    assert result.exit_code == 0, result.output


def test_owner_expiring_soon_and_stale_waivers_in_the_reports(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    soon = (date.today() + timedelta(days=10)).isoformat()
    later = (date.today() + timedelta(days=100)).isoformat()
    path = _policy(
        tmp_path,
        '  - {rule: max-duration, assistants: ["id:15"], reason: OPS-42, owner: team-voice, '
        f"expires: {soon}}}\n"
        '  - {rule: webhook-https, assistants: ["name:Gone *"], reason: OPS-7, owner: ana, '
        f"expires: {later}}}\n",
    )
    report = audit_json(sandbox, "--policy", str(path))
    (waived,) = [v for v in report["waivers"] if v["rule"] == "max-duration"]
    assert waived["waiver"]["owner"] == "team-voice"
    notes = {(n["kind"], n["source"]) for n in report["waiver_notes"]}
    assert notes == {("expiring_soon", f"{path}:4"), ("stale", f"{path}:5")}
    text = run(sandbox, "--policy", str(path)).stdout
    assert "Waivers expiring soon" in text
    assert f"{path}:4 for rule max-duration: expires {soon}; owner team-voice" in text
    assert "Stale waivers" in text
    assert "matches no assistant any more" in text
    assert "owner team-voice" in text.split("Waived")[1]
    html = tmp_path / "r.html"
    run(sandbox, "--policy", str(path), "--format", "html", "-o", str(html))
    page = html.read_text()
    assert "Waivers expiring soon" in page
    assert "Stale waivers" in page
    assert "team-voice" in page


def test_the_email_digest_shows_the_scorecard(sandbox: RunningSandbox) -> None:
    from auditor.report import digest
    from tests.report_json import report_from_json

    report = report_from_json(audit_json(sandbox, "--framework", "eu-ai-act"))
    assert "Framework eu-ai-act: 1 fail, 0 pass, 1 manual" in digest.render_text(report)
    page = digest.render_html(report)
    assert "<h2>Frameworks</h2>" in page
    assert "FAIL Art. 50(1)" in page


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('{id: eu-ai-act, ref: "Art. 50(9)"}', "framework eu-ai-act has no requirement"),
        ("{id: eu-ai-act}", "framework reference needs ref"),
        ('{id: "no way", ref: x}', "framework id must be a word"),
        ('{id: tcpa, ref: "47 CFR 64.1200(b)(1)", level: 2}', "unknown framework reference key"),
    ],
)
def test_a_bad_framework_reference_is_an_error_at_its_line(
    tmp_path: Path, entry: str, message: str
) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "version: 1\nrules:\n  - id: r\n    require: {record: true}\n"
        f"    frameworks:\n      - {entry}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["policy", "validate", str(path)])
    assert result.exit_code == 2
    assert f"{path}:6: {message}" in result.stderr, result.stderr


def test_a_reference_to_your_own_framework_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "version: 1\nrules:\n  - id: r\n    require: {record: true}\n"
        '    frameworks: [{id: soc2, ref: "CC6.7"}]\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["policy", "validate", str(path)])
    assert result.exit_code == 0, result.output
