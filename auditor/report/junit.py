"""``junit``: for CI test tabs (GitLab, Jenkins, Azure): one test case per assistant × rule.

One ``<testsuite>`` per rule checked (``name`` = the rule id), one ``<testcase
classname="auditor.<rule>" name="<assistant>">`` per assistant in it; a violation is a
``<failure type="<severity>">``, a waived finding is ``<skipped>`` with its reason. An
account that could not be read is an ``<error>`` in a ``fetch`` suite, so a partial run
never looks green. Values are made one-line (``sanitize.terminal``), characters XML 1.0
cannot carry are removed, and ElementTree escapes the rest.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from auditor.model import AssistantRef, Report, Violation
from auditor.report.interface import ReportFormat
from auditor.report.sanitize import value_text, xml, xml_line

_Key = tuple[str, tuple[str | None, str]]
"""(rule id, assistant key)."""
_COUNTS = ("tests", "failures", "errors", "skipped")


def _case_name(ref: AssistantRef) -> str:
    return xml_line((f"[{ref.account}] " if ref.account else "") + ref.label)


def _failure_text(findings: list[Violation]) -> str:
    return "\n\n".join(
        "\n".join(
            xml_line(line)
            for line in (
                f.message,
                f"path: {f.path}",
                f"actual: {value_text(f.actual, 500)}",
                f"expected: {f.expected}",
                f"remediation: {f.remediation}",
            )
        )
        for f in findings
    )


class JunitFormat(ReportFormat):
    """JUnit XML as Jenkins, GitLab and Azure DevOps read it."""

    name = "junit"
    extension = "xml"

    def render(self, report: Report, *, color: bool = False) -> str:
        failed: dict[_Key, list[Violation]] = defaultdict(list)
        for v in report.violations:
            failed[(v.rule, v.assistant.key)].append(v)
        skipped: dict[_Key, Violation] = {(v.rule, v.assistant.key): v for v in report.waived}

        # The grid of checks; a finding outside it (which a well-formed report never has)
        # still gets its own test case rather than vanishing from the CI's view.
        suites: dict[str, dict[tuple[str | None, str], AssistantRef]] = {
            rule.id: {ref.key: ref for ref in report.assistants} for rule in report.rules
        }
        for v in (*report.violations, *report.waived):
            suites.setdefault(v.rule, {}).setdefault(v.assistant.key, v.assistant)

        root = ET.Element("testsuites", name="auditor")
        totals = dict.fromkeys(_COUNTS, 0)
        for rule_id, refs in suites.items():
            suite = ET.SubElement(root, "testsuite", name=xml_line(rule_id))
            counts = dict.fromkeys(_COUNTS, 0)
            for key, ref in refs.items():
                counts["tests"] += 1
                case = ET.SubElement(
                    suite,
                    "testcase",
                    classname=xml_line(f"auditor.{rule_id}"),
                    name=_case_name(ref),
                )
                findings = failed.get((rule_id, key))
                if findings:
                    counts["failures"] += 1
                    failure = ET.SubElement(
                        case,
                        "failure",
                        message=xml_line(findings[0].message),
                        type=str(findings[0].severity),
                    )
                    failure.text = _failure_text(findings)
                elif (rule_id, key) in skipped:
                    counts["skipped"] += 1
                    waiver = skipped[(rule_id, key)].waiver
                    reason = waiver.reason if waiver is not None else "waived"
                    until = f" (until {waiver.expires})" if waiver and waiver.expires else ""
                    ET.SubElement(case, "skipped", message=xml_line(f"waived: {reason}{until}"))
            _set_counts(suite, counts, totals)
        if report.errors:
            suite = ET.SubElement(root, "testsuite", name="fetch")
            counts = dict.fromkeys(_COUNTS, 0)
            for error in report.errors:
                counts["tests"] += 1
                counts["errors"] += 1
                case = ET.SubElement(
                    suite,
                    "testcase",
                    classname="auditor.fetch",
                    name=xml_line(error.account or "fetch"),
                )
                ET.SubElement(case, "error", message=xml_line(error.message), type="fetch")
            _set_counts(suite, counts, totals)
        for count, value in totals.items():
            root.set(count, str(value))
        ET.indent(root)
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            + xml(ET.tostring(root, encoding="unicode"))
            + "\n"
        )


def _set_counts(suite: ET.Element, counts: dict[str, int], totals: dict[str, int]) -> None:
    for key, value in counts.items():
        suite.set(key, str(value))
        totals[key] += value
