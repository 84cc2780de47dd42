"""Hand-built reports for the format tests: clean, full (every section), hostile names."""

from __future__ import annotations

from datetime import date

import pytest

from auditor.model import (
    AccountError,
    AssistantChanges,
    AssistantRef,
    Change,
    ChangeKind,
    Drift,
    Gate,
    Report,
    RuleInfo,
    Severity,
    Violation,
    WaiverInfo,
)

NASTY = "<script>alert(1)</script>\x1b[2J\n::error::pwned | x [link](http://evil)"
A1 = AssistantRef(1, "uuid-1", "Acme – Reception", "north")
A2 = AssistantRef(2, "uuid-2", NASTY, "south")
RULES = (
    RuleInfo("recording-enabled", "Calls are recorded", Severity.HIGH, "Evidence.", "Turn it on."),
    RuleInfo("max-duration", "Sensible limit", Severity.MEDIUM, "Cost.", "Lower it."),
)


def violation(rule: RuleInfo, who: AssistantRef, **extra: object) -> Violation:
    fields: dict[str, object] = {
        "path": "record",
        "actual": False,
        "expected": "true",
        "message": f"{rule.id} broken by {who.name}",
        "remediation": rule.remediation,
    }
    fields.update(extra)
    return Violation(rule.id, rule.severity, rule.title, who, **fields)  # type: ignore[arg-type]


@pytest.fixture
def clean_report() -> Report:
    return Report("0.1.0", "2026-11-25T03:00:00Z", "https://api.example/api", (A1,), RULES, ())


@pytest.fixture
def full_report() -> Report:
    return make_full_report()


def make_full_report() -> Report:
    """A report with every section: two accounts, waivers, drift of each kind, errors."""
    expired = WaiverInfo("old ticket", date(2020, 1, 1), "team.yaml:9", expired=True)
    active = WaiverInfo("approved, OPS-42", date(2099, 1, 31), "team.yaml:3")
    return Report(
        tool_version="0.1.0",
        generated_at="2026-11-25T03:00:00Z",
        source="north=https://a.example/api, south=https://b.example/api",
        assistants=(A1, A2),
        rules=RULES,
        violations=(
            violation(RULES[0], A1),
            violation(RULES[0], A2, actual=NASTY),
            violation(RULES[1], A2, path="max_duration", actual=3600, waiver=expired),
        ),
        waived=(violation(RULES[1], A1, path="max_duration", actual=2400, waiver=active),),
        drift=Drift(
            added=(AssistantRef(3, "uuid-3", "New line", "north"),),
            removed=(AssistantRef(4, "uuid-4", "Old line", "south"),),
            changed=(
                AssistantChanges(
                    A2,
                    (
                        Change("name", "Before", NASTY),
                        Change("record", 1, True, ChangeKind.TYPE_CHANGED),
                        Change("variables.region", None, "eu", ChangeKind.ADDED),
                        Change("tools[1]", {"n": 1}, None, ChangeKind.REMOVED),
                        Change(
                            "system_prompt",
                            "a\nb",
                            "a\nc",
                            diff="--- before\n+++ after\n@@ -1,2 +1,2 @@\n a\n-b\n+c",
                        ),
                    ),
                ),
            ),
        ),
        gate=Gate(True, "3 violations at or above low"),
        warnings=("waiver at team.yaml:9 for rule max-duration expired on 2020-01-01",),
        errors=(AccountError("west", "the API rejected the key (401)"),),
        baseline="baselines/",
    )
