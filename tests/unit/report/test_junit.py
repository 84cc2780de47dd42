"""``junit``: parsed back with ElementTree; one test case per assistant × rule; counts add up."""

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


def test_grid_of_cases_and_counts(full_report: Report) -> None:
    root = parse(full_report)
    rule_suites = [s for s in root.iter("testsuite") if s.get("name") != "fetch"]
    assert [s.get("name") for s in rule_suites] == [r.id for r in full_report.rules]
    for suite in rule_suites:
        cases = suite.findall("testcase")
        assert len(cases) == len(full_report.assistants)
        assert {c.get("classname") for c in cases} == {f"auditor.{suite.get('name')}"}
        assert suite.get("tests") == str(len(cases))
        assert suite.get("failures") == str(len(suite.findall("testcase/failure")))
        assert suite.get("skipped") == str(len(suite.findall("testcase/skipped")))
        assert suite.get("errors") == "0"
    assert root.get("tests") == str(5 * 3 + 1)
    assert root.get("failures") == "6"
    assert root.get("skipped") == "2"
    assert root.get("errors") == "1"


def test_failures_carry_severity_and_details(full_report: Report) -> None:
    root = parse(full_report)
    suite = next(s for s in root.iter("testsuite") if s.get("name") == "max-duration")
    failure = suite.find("testcase/failure")
    assert failure is not None
    assert failure.get("type") == "medium"
    assert failure.get("message") == "max_duration must be ≤ 1800, is 3600"
    assert "remediation: Lower max_duration to 1800 seconds or less." in (failure.text or "")
    skipped = suite.find("testcase/skipped")
    assert skipped is not None
    assert skipped.get("message") == "waived: approved by ops, OPS-42 (until 2099-01-31)"


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
    names = [c.get("name") or "" for c in parse(full_report).iter("testcase")]
    assert "[south] <script>alert(1)</script>\\x1b[2J\\n::error::pwned | x (id 2)" in names
    root = parse(hostile_report)  # parses although the text holds NUL, ESC and a surrogate
    assert root.get("failures") == "1"
    for element in root.iter():
        for value in [*element.attrib.values(), element.text or ""]:
            assert "\x1b" not in value
            assert "\x00" not in value
    assert NASTY.replace("\x1b", "\\x1b").replace("\n", "\\n") in (
        next(root.iter("testcase")).get("name") or ""
    )


def test_a_finding_outside_the_grid_is_never_dropped(clean_report: Report) -> None:
    stray_rule = RuleInfo("stray", "Not in the rule list", Severity.HIGH)
    stray = violation(stray_rule, AssistantRef(99, "u99", "Unlisted"), "x", 1, "2")
    root = parse(dataclasses.replace(clean_report, violations=(stray,)))
    assert root.get("failures") == "1"
    suite = next(s for s in root.iter("testsuite") if s.get("name") == "stray")
    assert suite.find("testcase/failure") is not None
