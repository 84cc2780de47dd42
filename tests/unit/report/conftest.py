"""Hand-built reports for the format tests.

- ``clean_report``: one account, no findings, no baseline.
- ``full_report``: every section: two accounts (and a third that failed), findings of
  every severity, an active and an expired waiver, drift of every kind including a
  unified diff, a warning and an account error.
- ``drift_report``: one unnamed account, findings, a baseline with drift, no waivers.
- ``hostile_report``: hostile text everywhere the API reaches (names, uuids, field
  paths, values, prompts): HTML, ANSI/OSC escapes, newlines, ``::`` workflow commands,
  Markdown, bidi overrides, a lone surrogate, NaN.
"""

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
from auditor.policy.wording import show

NASTY = "<script>alert(1)</script>\x1b[2J\n::error::pwned | x"
"""The assistant name of issue 9: HTML, an ANSI escape, a newline, a workflow command, a pipe."""
HOSTILE = (
    NASTY + " [link](http://evil) `code` **bold** # h &amp; \x1b]8;;http://evil\x07osc\x1b]8;;\x07"
    " \r::set-output name=x::y \u202eevil\u202c \x00\x7f\x85 ```fence``` \ud800"
)
"""Everything at once, including characters no encoder or XML parser accepts as they are."""

GENERATED_AT = "2026-11-25T03:00:00Z"

RECORDING = RuleInfo(
    "recording-enabled",
    "Calls must be recorded",
    Severity.HIGH,
    "Recordings are the evidence for disputes and quality reviews.",
    "Turn on call recording in the assistant settings.",
    ("compliance",),
    "policies/default.yaml:10",
)
SECRETS = RuleInfo(
    "no-secrets-in-prompt",
    "No secrets in prompts",
    Severity.CRITICAL,
    "Prompts are readable by anyone with portal access.",
    "Move the credential into a tool's server-side configuration.",
    ("security",),
    "policies/default.yaml:20",
)
DURATION = RuleInfo(
    "max-duration",
    "Calls have a sensible time limit",
    Severity.MEDIUM,
    "Runaway calls cost money.",
    "Lower max_duration to 1800 seconds or less.",
    ("cost",),
    "policies/default.yaml:30",
)
GREETING = RuleInfo(
    "initial-message-length",
    "Greeting is at most 200 characters",
    Severity.LOW,
    "The API documents a 200 character limit.",
    "Shorten the greeting.",
    (),
    "policies/default.yaml:40",
)
TIMEZONE = RuleInfo(
    "timezone-set",
    "A timezone is set",
    Severity.INFO,
    "",
    "",
    (),
    "policies/default.yaml:50",
)
RULES = (SECRETS, RECORDING, DURATION, GREETING, TIMEZONE)

NORTH_1 = AssistantRef(1, "uuid-1", "Acme – Reception", "north")
NORTH_3 = AssistantRef(3, "uuid-3", "Acme – Billing", "north")
SOUTH_2 = AssistantRef(2, "uuid-2", NASTY, "south")
DIFF = (
    "--- before\n+++ after\n@@ -1,3 +1,3 @@\n"
    " You are a receptionist.\n-Be brief.\n+Be brief and kind.\n Never share prices.\n"
)


A1 = NORTH_1
"""The first assistant under its older name (the email tests import it)."""


def violation(
    rule: RuleInfo,
    who: AssistantRef,
    path: str = "record",
    actual: object = False,
    expected: str = "true",
    *,
    waiver: WaiverInfo | None = None,
) -> Violation:
    """A finding worded as the engine words it."""
    return Violation(
        rule=rule.id,
        severity=rule.severity,
        title=rule.title,
        assistant=who,
        path=path,
        actual=actual,
        expected=expected,
        message=f"{path} must be {expected}, is {show(actual)}",
        remediation=rule.remediation,
        waiver=waiver,
    )


def make_clean_report() -> Report:
    """No findings, no baseline: the all-green night."""
    return Report(
        tool_version="0.1.0",
        generated_at=GENERATED_AT,
        source="https://api.example/api",
        assistants=(AssistantRef(1, "uuid-1", "Acme – Reception"),),
        rules=RULES,
        violations=(),
        gate=Gate(False, "no violations at or above low"),
    )


def make_full_report() -> Report:
    """A report with every section: two accounts, waivers, drift of each kind, errors."""
    expired = WaiverInfo("old ticket OPS-7", date(2020, 1, 1), "team.yaml:9", expired=True)
    active = WaiverInfo("approved by ops, OPS-42", date(2099, 1, 31), "team.yaml:3")
    forever = WaiverInfo("test line, never live", None, "team.yaml:15")
    return Report(
        tool_version="0.1.0",
        generated_at=GENERATED_AT,
        source="north=https://a.example/api, south=https://b.example/api",
        assistants=(NORTH_1, NORTH_3, SOUTH_2),
        rules=RULES,
        violations=(
            violation(SECRETS, NORTH_3, "system_prompt", "…password=…", "free of secrets"),
            violation(RECORDING, NORTH_1, "record", False, "true"),
            violation(RECORDING, SOUTH_2, "record", 0, "true"),
            violation(DURATION, SOUTH_2, "max_duration", 3600, "≤ 1800", waiver=expired),
            violation(GREETING, NORTH_3, "initial_message", "x" * 250, "length ≤ 200"),
            violation(TIMEZONE, SOUTH_2, "timezone", None, "present"),
        ),
        waived=(
            violation(DURATION, NORTH_1, "max_duration", 2400, "≤ 1800", waiver=active),
            violation(
                GREETING, SOUTH_2, "initial_message", "y" * 210, "length ≤ 200", waiver=forever
            ),
        ),
        drift=Drift(
            added=(AssistantRef(4, "uuid-4", "New line", "north"),),
            removed=(AssistantRef(5, "uuid-5", "Old line", "south"),),
            changed=(
                AssistantChanges(
                    SOUTH_2,
                    (
                        Change("name", "Before", NASTY),
                        Change("record", 1, True, ChangeKind.TYPE_CHANGED),
                        Change("variables.region", None, "eu", ChangeKind.ADDED),
                        Change("tools[1]", {"name": "transfer"}, None, ChangeKind.REMOVED),
                        Change("system_prompt", "a", "b", diff=DIFF),
                    ),
                ),
                AssistantChanges(NORTH_1, (Change("max_duration", 900, 2400),)),
            ),
        ),
        gate=Gate(True, "6 violations at or above low"),
        warnings=("waiver at team.yaml:9 for rule max-duration expired on 2020-01-01",),
        errors=(AccountError("west", "the API rejected the key (401); check WEST_KEY"),),
        baseline="baselines/",
    )


def make_drift_report() -> Report:
    """One unnamed account with a baseline: findings and drift, no waivers, no accounts."""
    one = AssistantRef(7, "uuid-7", "Support line")
    two = AssistantRef(8, "uuid-8", None)
    return Report(
        tool_version="0.1.0",
        generated_at=GENERATED_AT,
        source="https://api.example/api",
        assistants=(one, two),
        rules=(RECORDING, DURATION),
        violations=(violation(DURATION, two, "max_duration", 7200.5, "≤ 1800"),),
        drift=Drift(changed=(AssistantChanges(two, (Change("max_duration", 1800, 7200.5),)),)),
        gate=Gate(True, "drift: 1 assistant changed"),
        baseline="baseline.json",
    )


def make_hostile_report() -> Report:
    """Hostile text in every field the API can reach, and values JSON cannot spell."""
    who = AssistantRef(HOSTILE, HOSTILE, HOSTILE, HOSTILE)
    rule = RuleInfo(HOSTILE, HOSTILE, Severity.HIGH, HOSTILE, HOSTILE, (HOSTILE,), HOSTILE)
    finding = Violation(
        rule.id, rule.severity, HOSTILE, who, HOSTILE, float("nan"), HOSTILE, HOSTILE, HOSTILE
    )
    waiver = WaiverInfo(HOSTILE, None, HOSTILE)
    return Report(
        tool_version="0.1.0",
        generated_at=GENERATED_AT,
        source=HOSTILE,
        assistants=(who,),
        rules=(rule,),
        violations=(finding,),
        waived=(
            Violation(
                rule.id, rule.severity, HOSTILE, who, "x", [HOSTILE], HOSTILE, HOSTILE, "", waiver
            ),
        ),
        drift=Drift(
            added=(who,),
            removed=(who,),
            changed=(
                AssistantChanges(
                    who,
                    (
                        Change(HOSTILE, HOSTILE, {HOSTILE: float("inf")}),
                        Change(HOSTILE, HOSTILE, HOSTILE, diff=f"-{HOSTILE}\n+{HOSTILE}\n"),
                    ),
                ),
            ),
        ),
        gate=Gate(True, HOSTILE),
        warnings=(HOSTILE,),
        errors=(AccountError(HOSTILE, HOSTILE),),
        baseline=HOSTILE,
    )


REPORTS = {
    "clean": make_clean_report,
    "full": make_full_report,
    "drift": make_drift_report,
    "hostile": make_hostile_report,
}
"""Every fixture report by name, for tests parametrised over all of them."""


@pytest.fixture
def clean_report() -> Report:
    return make_clean_report()


@pytest.fixture
def full_report() -> Report:
    return make_full_report()


@pytest.fixture
def drift_report() -> Report:
    return make_drift_report()


@pytest.fixture
def hostile_report() -> Report:
    return make_hostile_report()


@pytest.fixture(params=sorted(REPORTS))
def any_report(request: pytest.FixtureRequest) -> Report:
    """Each fixture report in turn."""
    return REPORTS[request.param]()
