"""``junit``: parsed back with ElementTree; one test case per rule and per drifted assistant."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

from auditor.model import AssistantRef, Report, RuleInfo, Severity
from auditor.report import render
from tests.unit.report.conftest import NASTY, violation


def parse(report: Report) -> ET.Element:
    text = render(report, "junit")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(text.encode("utf-8"))  # noqa: S314 - our own output


def test_one_case_per_rule_and_counts_add_up(full_report: Report) -> None:
    root = parse(full_report)
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert list(suites) == ["policy", "drift", "fetch"]
    policy = suites["policy"]
    cases = policy.findall("testcase")
    assert [c.get("name") for c in cases] == [r.id for r in full_report.rules]
    assert {c.get("classname") for c in cases} == {"auditor.policy"}
    for suite in suites.values():
        assert suite.get("tests") == str(len(suite.findall("testcase")))
        assert suite.get("failures") == str(len(suite.findall("testcase/failure")))
        assert suite.get("skipped") == str(len(suite.findall("testcase/skipped")))
        assert suite.get("errors") == str(len(suite.findall("testcase/error")))
    assert root.get("tests") == str(5 + 4 + 1)
    assert root.get("failures") == "9"  # 5 rules broken, 4 assistants drifted
    assert root.get("errors") == "1"
    # The case points at the rule's line, for CI views that link a file.
    assert (cases[1].get("file"), cases[1].get("line")) == ("policies/default.yaml", "10")


def test_a_rule_failure_names_every_assistant_once_with_its_remediation(
    full_report: Report,
) -> None:
    root = parse(full_report)
    case = next(c for c in root.iter("testcase") if c.get("name") == "recording-enabled")
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("type") == "high"
    assert failure.get("message") == "2 assistants break recording-enabled: Calls must be recorded"
    text = failure.text or ""
    assert text.count("remediation: Turn on call recording in the assistant settings.") == 1
    assert "- [north] Acme – Reception (id 1): record must be true, is false" in text
    assert "- [south] <script>alert(1)</script>" in text
    waived = next(c for c in root.iter("testcase") if c.get("name") == "max-duration")
    out = waived.find("system-out")
    assert out is not None
    assert (
        "waived: [north] Acme – Reception (id 1): approved by ops, OPS-42 (until 2099-01-31)"
        in (out.text or "")
    )


def test_a_rule_whose_findings_are_all_waived_is_skipped(full_report: Report) -> None:
    only_waived = dataclasses.replace(
        full_report,
        violations=tuple(v for v in full_report.violations if v.rule != "max-duration"),
    )
    case = next(c for c in parse(only_waived).iter("testcase") if c.get("name") == "max-duration")
    skipped = case.find("skipped")
    assert skipped is not None
    assert skipped.get("message") == "1 waived"
    assert case.find("failure") is None


def test_drift_is_a_failing_case_per_assistant(full_report: Report, clean_report: Report) -> None:
    drift = next(s for s in parse(full_report).iter("testsuite") if s.get("name") == "drift")
    names = [c.get("name") for c in drift.findall("testcase")]
    assert names[0] == "added: [north] New line (id 4)"
    assert names[1] == "removed: [south] Old line (id 5)"
    assert len(names) == 4
    changed = drift.findall("testcase")[3].find("failure")
    assert changed is not None
    assert changed.get("message") == "changed: max_duration"
    assert changed.text == "max_duration: 900 -> 2400"
    # A baseline with nothing drifted is one passing case; no baseline, no drift suite.
    from auditor.model import Drift

    still = parse(dataclasses.replace(clean_report, drift=Drift()))
    (case,) = next(s for s in still.iter("testsuite") if s.get("name") == "drift")
    assert case.get("name") == "no drift since the baseline"
    assert len(case) == 0
    assert "drift" not in {s.get("name") for s in parse(clean_report).iter("testsuite")}


def test_size_grows_with_findings_not_with_the_fleet(clean_report: Report) -> None:
    rule = RuleInfo("r", "A rule", Severity.HIGH, remediation="Fix it.")
    fleet = tuple(AssistantRef(i, f"u{i}", f"Bot {i}") for i in range(20_000))
    big = dataclasses.replace(clean_report, assistants=fleet, rules=(rule,))
    assert len(render(big, "junit").encode()) < 1_000  # 20,000 clean assistants: one case
    findings = tuple(violation(rule, ref, "record", False, "true") for ref in fleet[:1000])
    size = len(render(dataclasses.replace(big, violations=findings), "junit").encode())
    assert size <= 10_000 + 2_000 * len(findings)


def test_unreadable_account_is_an_error_case(full_report: Report) -> None:
    root = parse(full_report)
    fetch = next(s for s in root.iter("testsuite") if s.get("name") == "fetch")
    error = fetch.find("testcase/error")
    assert error is not None
    assert "401" in (error.get("message") or "")


def test_clean_report_has_only_passing_cases(clean_report: Report) -> None:
    root = parse(clean_report)
    assert root.get("tests") == "5"
    assert root.get("failures") == root.get("skipped") == root.get("errors") == "0"
    assert not list(root.iter("failure"))


def test_hostile_names_survive_as_text(full_report: Report, hostile_report: Report) -> None:
    texts = [f.text or "" for f in parse(full_report).iter("failure")]
    assert any(
        "[south] <script>alert(1)</script>\\x1b[2J\\n::error::pwned | x (id 2)" in t for t in texts
    )
    root = parse(hostile_report)  # parses although the text holds NUL, ESC and a surrogate
    policy = next(s for s in root.iter("testsuite") if s.get("name") == "policy")
    assert policy.get("failures") == "1"
    for element in root.iter():
        for value in [*element.attrib.values(), element.text or ""]:
            assert "\x1b" not in value
            assert "\x00" not in value
    failure = next(root.iter("failure"))
    assert NASTY.replace("\x1b", "\\x1b").replace("\n", "\\n") in (failure.text or "")


def test_a_finding_outside_the_grid_is_never_dropped(clean_report: Report) -> None:
    stray_rule = RuleInfo("stray", "Not in the rule list", Severity.HIGH)
    stray = violation(stray_rule, AssistantRef(99, "u99", "Unlisted"), "x", 1, "2")
    root = parse(dataclasses.replace(clean_report, violations=(stray,)))
    assert root.get("failures") == "1"
    case = next(c for c in root.iter("testcase") if c.get("name") == "stray")
    assert case.find("failure") is not None
