"""``junit``: for CI test tabs (GitLab, Jenkins, Azure): one test case per assistant × rule.

One ``<testsuite>`` per rule checked, one ``<testcase>`` per assistant in it; a
violation is a ``<failure>``, a waived finding is ``<skipped>`` with its reason.
Characters XML 1.0 cannot carry are removed; ElementTree escapes the rest.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from auditor.model import Report, Violation
from auditor.report.interface import ReportFormat
from auditor.report.sanitize import value_text, xml


class JunitFormat(ReportFormat):
    name = "junit"
    extension = "xml"

    def render(self, report: Report, *, color: bool = False) -> str:
        failed: dict[tuple[str, tuple[str | None, str]], list[Violation]] = defaultdict(list)
        for v in report.violations:
            failed[(v.rule, v.assistant.key)].append(v)
        skipped: dict[tuple[str, tuple[str | None, str]], Violation] = {
            (v.rule, v.assistant.key): v for v in report.waived
        }
        root = ET.Element("testsuites", name="auditor")
        totals = {"tests": 0, "failures": 0, "skipped": 0}
        for rule in report.rules:
            suite = ET.SubElement(root, "testsuite", name=rule.id)
            counts = {"tests": 0, "failures": 0, "skipped": 0}
            for ref in report.assistants:
                counts["tests"] += 1
                case = ET.SubElement(
                    suite,
                    "testcase",
                    classname=f"auditor.{rule.id}",
                    name=xml((f"[{ref.account}] " if ref.account else "") + ref.label),
                )
                findings = failed.get((rule.id, ref.key))
                if findings:
                    counts["failures"] += 1
                    failure = ET.SubElement(
                        case,
                        "failure",
                        message=xml(findings[0].message),
                        type=str(rule.severity),
                    )
                    failure.text = xml(
                        "\n".join(
                            f"{f.message}\npath: {f.path}\nactual: {value_text(f.actual, 500)}\n"
                            f"expected: {f.expected}\nremediation: {f.remediation}"
                            for f in findings
                        )
                    )
                elif (rule.id, ref.key) in skipped:
                    counts["skipped"] += 1
                    waiver = skipped[(rule.id, ref.key)].waiver
                    reason = waiver.reason if waiver is not None else "waived"
                    ET.SubElement(case, "skipped", message=xml(f"waived: {reason}"))
            for key, value in counts.items():
                suite.set(key, str(value))
                totals[key] += value
        for key, value in totals.items():
            root.set(key, str(value))
        if report.errors:
            suite = ET.SubElement(root, "testsuite", name="fetch", tests=str(len(report.errors)))
            suite.set("failures", str(len(report.errors)))
            for error in report.errors:
                case = ET.SubElement(
                    suite, "testcase", classname="auditor.fetch", name=xml(error.account or "fetch")
                )
                ET.SubElement(case, "failure", message=xml(error.message), type="fetch")
        ET.indent(root)
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            + ET.tostring(root, encoding="unicode")
            + "\n"
        )
