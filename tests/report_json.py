"""``report_from_json``: a JSON report (SPEC §5) read back into a ``Report``.

auditor only writes reports; tests that render a report again from a JSON one (the
email digest of an audit run through the CLI, property tests that flatten a report's
strings) read it back with this.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from auditor.model import (
    AccountError,
    AssistantChanges,
    AssistantRef,
    Change,
    ChangeKind,
    Drift,
    FixedFinding,
    FrameworkScore,
    Gate,
    Report,
    RequirementScore,
    RuleInfo,
    Severity,
    Violation,
    WaiverInfo,
    WaiverNote,
)


def report_from_json(data: Mapping[str, Any]) -> Report:
    """The ``Report`` whose JSON form is ``data``."""
    gate = data.get("summary", {}).get("gate") or {"failed": False, "reason": ""}
    drift = data.get("drift")
    fixed = data.get("fixed")
    return Report(
        tool_version=data.get("tool_version", ""),
        generated_at=data.get("generated_at", ""),
        source=data.get("source", ""),
        assistants=tuple(_ref(a) for a in data.get("assistants", ())),
        rules=tuple(_rule(r) for r in data.get("rules", ())),
        violations=tuple(_violation(v) for v in data.get("violations", ())),
        waived=tuple(_violation(v) for v in data.get("waivers", ())),
        drift=_drift(drift) if drift is not None else None,
        gate=Gate(bool(gate.get("failed")), str(gate.get("reason", ""))),
        warnings=tuple(data.get("warnings", ())),
        errors=tuple(
            AccountError(e.get("account"), e.get("message", "")) for e in data.get("errors", ())
        ),
        baseline=data.get("baseline"),
        frameworks=tuple(_framework(f) for f in data.get("frameworks", ())),
        waiver_notes=tuple(_waiver_note(n) for n in data.get("waiver_notes", ())),
        fixed=tuple(_fixed(f) for f in fixed) if fixed is not None else None,
    )


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _ref(data: Mapping[str, Any]) -> AssistantRef:
    return AssistantRef(
        id=data.get("id"),
        uuid=str(data.get("uuid", "")),
        name=data.get("name"),
        account=data.get("account"),
    )


def _rule(data: Mapping[str, Any]) -> RuleInfo:
    return RuleInfo(
        id=data["id"],
        title=data.get("title", ""),
        severity=Severity.parse(data.get("severity", "medium")),
        description=data.get("description", ""),
        remediation=data.get("remediation", ""),
        tags=tuple(data.get("tags", ())),
        source=data.get("source", ""),
        frameworks=tuple((f["id"], f["ref"]) for f in data.get("frameworks", ())),
    )


def _violation(data: Mapping[str, Any]) -> Violation:
    waiver = data.get("waiver")
    return Violation(
        rule=data["rule"],
        severity=Severity.parse(data["severity"]),
        title=data.get("title", ""),
        assistant=_ref(data["assistant"]),
        path=data.get("path", ""),
        actual=data.get("actual"),
        expected=data.get("expected", ""),
        message=data.get("message", ""),
        remediation=data.get("remediation", ""),
        waiver=(
            WaiverInfo(
                reason=waiver.get("reason", ""),
                expires=_day(waiver.get("expires")),
                source=waiver.get("source", ""),
                expired=bool(waiver.get("expired", False)),
                owner=waiver.get("owner"),
            )
            if waiver
            else None
        ),
        status=data.get("status"),
        first_seen=data.get("first_seen"),
    )


def _drift(data: Mapping[str, Any]) -> Drift:
    return Drift(
        added=tuple(_ref(a) for a in data.get("added", ())),
        removed=tuple(_ref(a) for a in data.get("removed", ())),
        changed=tuple(
            AssistantChanges(
                assistant=_ref(c["assistant"]),
                changes=tuple(
                    Change(
                        path=change["path"],
                        before=change.get("before"),
                        after=change.get("after"),
                        kind=ChangeKind(change.get("kind", "changed")),
                        diff=change.get("diff"),
                    )
                    for change in c.get("changes", ())
                ),
            )
            for c in data.get("changed", ())
        ),
    )


def _fixed(data: Mapping[str, Any]) -> FixedFinding:
    return FixedFinding(
        rule=data["rule"],
        severity=Severity.parse(data.get("severity", "medium")),
        assistant=_ref(data["assistant"]),
        path=data.get("path", ""),
        why=data.get("why", "fixed"),
        message=data.get("message", ""),
    )


def _framework(data: Mapping[str, Any]) -> FrameworkScore:
    return FrameworkScore(
        id=data.get("id", ""),
        title=data.get("title", ""),
        requirements=tuple(
            RequirementScore(
                ref=r.get("ref", ""),
                title=r.get("title", ""),
                status=r.get("status", "manual"),
                rules=tuple(r.get("rules", ())),
                violations=int(r.get("violations", 0)),
                verify=r.get("verify", ""),
            )
            for r in data.get("requirements", ())
        ),
    )


def _waiver_note(data: Mapping[str, Any]) -> WaiverNote:
    return WaiverNote(
        kind=data.get("kind", ""),
        source=data.get("source", ""),
        rules=data.get("rules", ""),
        owner=data.get("owner"),
        expires=_day(data.get("expires")),
        reason=data.get("reason", ""),
    )
