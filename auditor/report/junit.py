"""``junit``: for CI test tabs (GitLab, Jenkins, Azure): one test case per rule checked.

A test view is read as "which checks failed": one ``<testcase classname="auditor.policy"
name="<rule id>">`` per rule, in a ``policy`` suite, so the tab lists the 14 rules of the
pack (passed or failed) rather than assistants × rules (a grid of 300,000 passing cases
on a fleet of 20,000 that GitLab truncates and Jenkins struggles to load). A rule with
violations has one ``<failure type="<severity>">`` whose message counts them and whose
text gives the rule's title, remediation and source once, then one line per assistant;
waived findings are listed in the case's ``<system-out>``, and a rule whose every
finding is waived is ``<skipped>``. With a baseline (``audit --baseline``, ``diff``) a
``drift`` suite has a failing case per added, removed or changed assistant (one passing
case when nothing drifted), so a ``--fail-on-drift`` failure shows in the test tab. An
account that could not be read is an ``<error>`` in a ``fetch`` suite, so a partial run
never looks green. The file grows with findings, not with the fleet, and is written in
pieces. Values are made one-line (``sanitize.terminal``), characters XML 1.0 cannot
carry are removed, and the rest is escaped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from xml.sax.saxutils import escape, quoteattr

from auditor.model import AssistantRef, Report, RuleInfo, Severity, Violation
from auditor.report.interface import ReportFormat
from auditor.report.sanitize import value_text, xml, xml_line


def _who(ref: AssistantRef) -> str:
    return (f"[{ref.account}] " if ref.account else "") + ref.label


def _attr(text: str) -> str:
    return quoteattr(xml_line(text))


def _text(text: str) -> str:
    return escape(xml(text))


def _finding_line(v: Violation) -> str:
    return xml_line(
        f"- {_who(v.assistant)}: {v.message} (path: {v.path}; actual: "
        f"{value_text(v.actual, 120)}; expected: {v.expected})"
        + (" [new]" if v.status == "new" else "")
    )


class JunitFormat(ReportFormat):
    """JUnit XML as Jenkins, GitLab and Azure DevOps read it."""

    name = "junit"

    def render(self, report: Report, *, color: bool = False) -> str:
        return "".join(self.chunks(report))

    def chunks(self, report: Report, *, color: bool = False) -> Iterator[str]:
        failed: dict[str, list[Violation]] = defaultdict(list)
        for v in report.violations:
            failed[v.rule].append(v)
        waived: dict[str, list[Violation]] = defaultdict(list)
        for v in report.waived:
            waived[v.rule].append(v)
        rules: dict[str, RuleInfo] = {rule.id: rule for rule in report.rules}
        for v in (*report.violations, *report.waived):  # a finding outside the rule list
            rules.setdefault(v.rule, RuleInfo(v.rule, v.title, v.severity, remediation=""))

        policy_failures = sum(1 for rule_id in rules if failed.get(rule_id))
        policy_skipped = sum(1 for r in rules if not failed.get(r) and waived.get(r))
        drift_cases = _drift_cases(report)
        drift_failures = sum(1 for case in drift_cases if case[2] is not None)
        totals = {
            "tests": len(rules) + len(drift_cases) + len(report.errors),
            "failures": policy_failures + drift_failures,
            "errors": len(report.errors),
            "skipped": policy_skipped,
        }
        yield '<?xml version="1.0" encoding="UTF-8"?>\n'
        yield f'<testsuites name="auditor"{_counts(totals)}>\n'
        if rules:
            counts = {
                "tests": len(rules),
                "failures": policy_failures,
                "errors": 0,
                "skipped": policy_skipped,
            }
            yield f'  <testsuite name="policy"{_counts(counts)}>\n'
            for rule_id, rule in rules.items():
                yield from _rule_case(rule, failed.get(rule_id, []), waived.get(rule_id, []))
            yield "  </testsuite>\n"
        if drift_cases:
            counts = {"tests": len(drift_cases), "failures": drift_failures, "errors": 0}
            counts["skipped"] = 0
            yield f'  <testsuite name="drift"{_counts(counts)}>\n'
            for name, message, details in drift_cases:
                head = f'    <testcase classname="auditor.drift" name={_attr(name)}'
                if details is None:
                    yield head + "/>\n"
                    continue
                yield (
                    f"{head}>\n      <failure message={_attr(message)} "
                    f'type="drift">{_text(details)}</failure>\n    </testcase>\n'
                )
            yield "  </testsuite>\n"
        if report.errors:
            counts = {"tests": len(report.errors), "failures": 0, "errors": len(report.errors)}
            counts["skipped"] = 0
            yield f'  <testsuite name="fetch"{_counts(counts)}>\n'
            for error in report.errors:
                name = _attr(error.account or "fetch")
                yield (
                    f'    <testcase classname="auditor.fetch" name={name}>'
                    f"\n      <error message={_attr(error.message)} "
                    f'type="fetch"/>\n    </testcase>\n'
                )
            yield "  </testsuite>\n"
        yield "</testsuites>\n"


def _counts(counts: dict[str, int]) -> str:
    return "".join(f' {key}="{value}"' for key, value in counts.items())


def _rule_case(rule: RuleInfo, findings: list[Violation], waived: list[Violation]) -> Iterator[str]:
    """One rule's test case: a failure naming every assistant that breaks it."""
    head = f'    <testcase classname="auditor.policy" name={_attr(rule.id)}'
    if rule.source:
        file, _, line = rule.source.rpartition(":")
        if file and line.isdigit():
            head += f" file={_attr(file)} line={_attr(line)}"
    if not findings and not waived:
        yield head + "/>\n"
        return
    yield head + ">\n"
    if findings:
        worst = max((v.severity for v in findings), default=Severity.INFO)
        count = len(findings)
        new = sum(1 for v in findings if v.status == "new")
        message = (
            f"{count} assistant{'s' if count != 1 else ''} break{'s' if count == 1 else ''} "
            f"{rule.id}" + (f" ({new} new)" if new else "") + f": {rule.title or rule.id}"
        )
        yield f"      <failure message={_attr(message)} type={_attr(str(worst))}>"
        intro = [rule.title or rule.id]
        if rule.remediation:
            intro.append(f"remediation: {rule.remediation}")
        if rule.source:
            intro.append(f"defined at: {rule.source}")
        yield _text("\n".join(xml_line(line) for line in intro) + "\n\n")
        for v in findings:
            yield _text(_finding_line(v) + "\n")
        yield "</failure>\n"
    elif waived:
        yield f"      <skipped message={_attr(f'{len(waived)} waived')}/>\n"
    if waived:
        yield "      <system-out>"
        for v in waived:
            reason = v.waiver.reason if v.waiver is not None else "waived"
            until = f" (until {v.waiver.expires})" if v.waiver and v.waiver.expires else ""
            yield _text(xml_line(f"waived: {_who(v.assistant)}: {reason}{until}") + "\n")
        yield "</system-out>\n"
    yield "    </testcase>\n"


def _drift_cases(report: Report) -> list[tuple[str, str, str | None]]:
    """(name, failure message, failure text or ``None`` for a pass) per drift test case."""
    drift = report.drift
    if drift is None:
        return []
    cases: list[tuple[str, str, str | None]] = []
    for ref in drift.added:
        cases.append(
            (f"added: {_who(ref)}", "added since the baseline", xml_line(f"uuid: {ref.uuid}"))
        )
    for ref in drift.removed:
        cases.append(
            (f"removed: {_who(ref)}", "removed since the baseline", xml_line(f"uuid: {ref.uuid}"))
        )
    for entry in drift.changed:
        paths = ", ".join(c.path for c in entry.changes)
        details = "\n".join(
            xml_line(f"{c.path}: {value_text(c.before, 200)} -> {value_text(c.after, 200)}")
            for c in entry.changes
        )
        cases.append((f"changed: {_who(entry.assistant)}", f"changed: {paths}", details))
    if not cases:
        cases.append(("no drift since the baseline", "", None))
    return cases
