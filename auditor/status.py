"""New, standing and fixed: tonight's findings set against an earlier night's (SPEC §8).

A finding's identity is (account, assistant uuid, rule id, path). The earlier night is
the baseline (the same policies, selection, filters and waivers applied to its records)
or, without a baseline, the last run of the history that read the account. An account
with nothing to compare with leaves its findings' status ``None``; an account that
could not be read tonight has no findings and none of its earlier ones is "fixed".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from auditor.model import AssistantRef, FixedFinding, Severity, Violation

Identity = tuple[str | None, str, str, str]
"""A finding's identity (SPEC §8): (account, assistant uuid, rule id, path)."""


@dataclass(frozen=True)
class Earlier:
    """One earlier finding: enough to say it is gone, and why."""

    rule: str
    severity: Severity
    assistant: AssistantRef
    path: str
    message: str = ""
    first_seen: str | None = None
    """When its streak began, from the history (``None`` when it came from a baseline)."""


@dataclass(frozen=True)
class Compared:
    violations: tuple[Violation, ...]
    """Tonight's violations, each with its ``status`` and ``first_seen``."""
    fixed: tuple[FixedFinding, ...] | None
    """``None`` when no account had anything to compare with."""


def compare(
    violations: Iterable[Violation],
    waived: Iterable[Violation],
    assistants: Iterable[AssistantRef],
    rules: Iterable[str],
    earlier: Mapping[str | None, Mapping[Identity, Earlier]],
    *,
    first_seen: Mapping[str | None, Mapping[Identity, Earlier]] | None = None,
    now: str | None = None,
) -> Compared:
    """Status for each violation against ``earlier`` (per account read tonight), and the
    earlier findings that are gone, with why.

    ``first_seen`` (the last run of the history per account, when there is a history)
    dates each streak: a finding it has keeps that streak's start, any other starts
    ``now``.
    """
    tonight = list(violations)
    present = {v.identity for v in tonight}
    out: list[Violation] = []
    for violation in tonight:
        account = violation.assistant.account
        before = earlier.get(account)
        status = None if before is None else "standing" if violation.identity in before else "new"
        since: str | None = None
        if first_seen is not None:
            past = first_seen.get(account, {}).get(violation.identity)
            since = past.first_seen if past is not None and past.first_seen else now
        out.append(violation._replace(status=status, first_seen=since))
    if not earlier:
        return Compared(tuple(out), None)
    kept = {ref.key for ref in assistants}
    waived_now = {v.identity for v in waived}
    in_force = set(rules)
    fixed: list[FixedFinding] = []
    for account, findings in earlier.items():
        for identity, past in findings.items():
            if identity in present:
                continue
            if past.rule not in in_force:
                why = "not_checked"
            elif (account, past.assistant.uuid) not in kept:
                why = "removed"
            elif identity in waived_now:
                why = "waived"
            else:
                why = "fixed"
            fixed.append(
                FixedFinding(
                    rule=past.rule,
                    severity=past.severity,
                    assistant=past.assistant._replace(account=account),
                    path=past.path,
                    why=why,
                    message=past.message,
                )
            )
    fixed.sort(key=_fixed_order)
    return Compared(tuple(out), tuple(fixed))


def _fixed_order(f: FixedFinding) -> tuple[object, ...]:
    return (-f.severity, f.rule, f.assistant.account or "", f.assistant.uuid, f.path)
