"""The email digest: small whatever the fleet, summary and what changed first."""

from __future__ import annotations

import dataclasses

from auditor.email import subject
from auditor.model import AssistantRef, Gate, Report, RuleInfo, Severity, Violation
from auditor.report import digest
from tests.unit.report.conftest import HOSTILE


def _fleet(base: Report, findings: int, *, name: str = "Support line") -> Report:
    """``base`` with ``findings`` violations over 14 rules, every tenth new."""
    rules = tuple(
        RuleInfo(f"rule-{i}", f"Rule {i}", Severity(i % 5), remediation="Fix it.")
        for i in range(14)
    )
    violations = tuple(
        Violation(
            rule=rules[i % 14].id,
            severity=rules[i % 14].severity,
            title=rules[i % 14].title,
            assistant=AssistantRef(i, f"uuid-{i}", f"{name} {i}"),
            path="record",
            actual=False,
            expected="true",
            message="record must be true, is false",
            status="new" if i % 10 == 0 else "standing",
        )
        for i in range(findings)
    )
    return dataclasses.replace(base, rules=rules, violations=violations, fixed=())


def test_the_html_body_stays_under_100_kb_with_1400_findings(clean_report: Report) -> None:
    for count in (1_400, 20_000):
        body = digest.render_html(_fleet(clean_report, count))
        assert len(body.encode()) < 100_000
        assert f"Top findings ({count - count // 10})" in body
        assert "more: see the attached report" in body
    # Names so long that 50 rows would not fit: the lists shrink, the body still fits.
    huge = digest.render_html(_fleet(clean_report, 1_400, name="x" * 5_000))
    assert len(huge.encode()) <= digest.BODY_LIMIT


def test_summary_then_what_changed_then_top_findings(clean_report: Report) -> None:
    body = digest.render_html(_fleet(clean_report, 1_400))
    order = [body.index(h) for h in ("Overview", "What changed", "New violations", "Top findings")]
    assert order == sorted(order)
    assert "New violations (140)" in body
    assert body.count("<code>rule-") >= 14  # every rule with findings in the overview
    assert body.rstrip().endswith("</html>")
    text = digest.render_text(_fleet(clean_report, 1_400))
    assert "New violations (140):" in text
    assert "… and 90 more" in text
    assert len(text.splitlines()) < 200


def test_hostile_text_is_escaped(hostile_report: Report) -> None:
    body = digest.render_html(hostile_report)
    assert "<script>" not in body
    assert "\x1b" not in body
    assert "\r" not in digest.render_text(hostile_report)
    assert HOSTILE not in body


def test_the_subject_leads_with_the_verdict_then_new_and_total(clean_report: Report) -> None:
    report = _fleet(clean_report, 1_400)
    failed = dataclasses.replace(report, gate=Gate(True, "1400 violations at or above low"))
    assert subject(failed).startswith("[auditor] FAILED: 140 new, 1400 violations — ")
    passed = dataclasses.replace(report, gate=Gate(False, "no violations at or above critical"))
    assert subject(passed).startswith("[auditor] passed: 140 new, 1400 violations — ")
    no_gate = dataclasses.replace(report, gate=Gate(False, "no gate requested"), fixed=None)
    assert subject(no_gate).startswith("[auditor] 1400 violations — ")
