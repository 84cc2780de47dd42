"""Domain values that flow through auditor: listings, findings, drift and the report.

Data flows one way: a source (the live API or a snapshot file) yields a ``Listing``;
the policy engine turns it into ``Violation`` values; the drift engine into a ``Drift``;
both end up in one ``Report``, which every renderer takes as it is. Raw API records
stay plain dicts (the API's fields are not a fixed list); everything we derive from
them is a frozen dataclass.

This module is imported by almost everything, so it imports nothing heavy.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple, TypeVar

from auditor.choices import SEVERITY_CHOICES

Record = Mapping[str, Any]
"""One assistant as the API served it (or as a snapshot stored it)."""

REPORT_SCHEMA_VERSION = 1


class Severity(enum.IntEnum):
    """How bad a broken rule is; ordered so that ``>=`` means "at least as bad"."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, text: str) -> Severity:
        """``"high"`` → ``Severity.HIGH``; raises ``ValueError`` naming the valid ones."""
        try:
            return cls[str(text).strip().upper()]
        except KeyError:
            raise ValueError(
                f"unknown severity {text!r} (expected one of: {', '.join(SEVERITY_CHOICES)})"
            ) from None

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Listing:
    """A complete set of assistants from one account, live or read from a snapshot."""

    source: str
    """The API base URL the records came from (never carries a key)."""
    fetched_at: str
    """When the listing was read, ISO 8601 in UTC (``2026-11-24T03:00:00Z``)."""
    assistants: Mapping[str, Record]
    """Records keyed by ``uuid``, in the order the API served them (by id)."""
    account: str | None = None
    """The account name from the config file, or ``None`` for the single default account."""


T = TypeVar("T")


def in_id_order(items: list[T], id_of: Callable[[T], Any]) -> list[T]:
    """``items`` sorted by id when every id is a whole number, else as they are.

    The order of a fetched listing: the API pages by id, but pages may arrive in any
    order; ids of other types are kept in the order served.
    """
    ids = [id_of(item) for item in items]
    if all(type(i) is int for i in ids):
        return [item for _, item in sorted(zip(ids, items, strict=True), key=_first)]
    return items


def assistants_per_account(assistants: Iterable[AssistantRef]) -> dict[str | None, int]:
    """How many of ``assistants`` each account has, in first-seen order.

    The sequences ``auditor.refs`` makes count them as references are added and answer
    without reading a million back (``per_account``); any other is counted here.
    """
    counted = getattr(assistants, "per_account", None)
    if callable(counted):
        return dict(counted())
    counts: dict[str | None, int] = {}
    for ref in assistants:
        counts[ref.account] = counts.get(ref.account, 0) + 1
    return counts


def is_orderable_number(value: Any) -> bool:
    """An id that sorts as a number: an int or float, not a bool, not NaN (which is
    neither less nor more than anything, and would make any order depend on chance)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value


def _first(pair: tuple[Any, Any]) -> Any:
    return pair[0]


class AssistantRef(NamedTuple):
    """Enough of an assistant to name it in a finding: who, not what.

    A ``NamedTuple`` rather than a frozen dataclass: an audit makes one per assistant,
    and a tuple is much cheaper to build.
    """

    id: Any
    """The numeric id as served (an int, but the API's word is kept as is)."""
    uuid: str
    """The stable key of an assistant; drift and waivers rely on it."""
    name: str | None
    """The display name, which users recognise but which can change."""
    account: str | None = None
    """The account it belongs to, when several accounts are audited together."""

    @classmethod
    def of(cls, record: Record, account: str | None = None) -> AssistantRef:
        """The reference for a raw record; tolerant of missing or odd fields."""
        name = record.get("name")
        return cls(
            id=record.get("id"),
            uuid=str(record.get("uuid", "")),
            name=name if isinstance(name, str) else None if name is None else str(name),
            account=account,
        )

    @property
    def key(self) -> tuple[str | None, str]:
        """Assistants are keyed by (account, uuid) everywhere."""
        return (self.account, self.uuid)

    @property
    def label(self) -> str:
        """``Support line (id 12)`` — how people name an assistant in prose."""
        who = self.name if self.name else self.uuid or "?"
        return f"{who} (id {self.id})"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "uuid": self.uuid, "name": self.name}
        return data if self.account is None else {**data, "account": self.account}


@dataclass(frozen=True)
class RuleInfo:
    """What a report needs to know about a rule that was checked (not how it checks)."""

    id: str
    title: str
    severity: Severity
    description: str = ""
    """Why the rule exists (its rationale); SARIF help text and ``policy list`` use it."""
    remediation: str = ""
    tags: tuple[str, ...] = ()
    source: str = ""
    """Where it was defined, ``file:line``."""
    frameworks: tuple[tuple[str, str], ...] = ()
    """(framework id, reference) pairs: ``("eu-ai-act", "Art. 50(1)")``."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "severity": str(self.severity),
            "description": self.description,
            "remediation": self.remediation,
            "tags": list(self.tags),
            "source": self.source,
            "frameworks": [{"id": f, "ref": r} for f, r in self.frameworks],
        }


@dataclass(frozen=True)
class WaiverInfo:
    """The waiver (policy ``exceptions`` entry) that covers, or used to cover, a finding."""

    reason: str
    expires: date | None
    source: str
    """Where the waiver is written, ``file:line``."""
    expired: bool = False
    """True when the expiry date has passed: the finding then counts as a violation."""
    owner: str | None = None
    """The person or team who answers for the waiver."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "expires": self.expires.isoformat() if self.expires else None,
            "source": self.source,
            "expired": self.expired,
            "owner": self.owner,
        }


class Violation(NamedTuple):
    """One rule broken by one assistant, at one path.

    A ``NamedTuple``, like ``AssistantRef``: a big fleet yields tens of thousands, and a
    tuple is much cheaper to build than a frozen dataclass.
    """

    rule: str
    """The id of the rule broken."""
    severity: Severity
    """The rule's severity (a waiver never changes it)."""
    title: str
    """The rule's title, so a renderer needs nothing but the finding."""
    assistant: AssistantRef
    """Who broke it."""
    path: str
    """The field path that failed, e.g. ``webhook_url`` or ``variables.region``."""
    actual: Any
    """The value found (``None`` when the field is missing; ``message`` says which)."""
    expected: str
    """What the rule wants, in words: ``≤ 1800``."""
    message: str
    """The whole finding in one sentence: ``max_duration must be ≤ 1800, is 3600``."""
    remediation: str = ""
    waiver: WaiverInfo | None = None
    """Set when a waiver matched: active (then the finding is waived) or expired."""
    status: str | None = None
    """``new`` (not on the baseline, or not in the last run of the history) or
    ``standing``; ``None`` when there is nothing to compare with (SPEC §8)."""
    first_seen: str | None = None
    """When the current streak of this finding began: the ISO time of the first run of
    the history in which it was found every night since; ``None`` without a history."""

    @property
    def identity(self) -> tuple[str | None, str, str, str]:
        """(account, assistant uuid, rule id, path): the same finding across nights."""
        return (self.assistant.account, self.assistant.uuid, self.rule, self.path)

    @property
    def waived(self) -> bool:
        """True when an unexpired waiver covers this finding."""
        return self.waiver is not None and not self.waiver.expired

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "rule": self.rule,
            "severity": str(self.severity),
            "title": self.title,
            "assistant": self.assistant.to_dict(),
            "path": self.path,
            "actual": self.actual,
            "expected": self.expected,
            "message": self.message,
            "remediation": self.remediation,
        }
        if self.waiver is not None:
            data["waiver"] = self.waiver.to_dict()
        data["status"] = self.status
        data["first_seen"] = self.first_seen
        return data


class ChangeKind(str, enum.Enum):
    """What happened at one path of one assistant between two snapshots."""

    CHANGED = "changed"
    """Same type, other value."""
    TYPE_CHANGED = "type_changed"
    """Another type, e.g. ``1`` → ``true``: reported as such even when equal-ish."""
    ADDED = "added"
    """The path did not exist before (``before`` is ``None``)."""
    REMOVED = "removed"
    """The path no longer exists (``after`` is ``None``)."""

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Change:
    """One difference inside one assistant."""

    path: str
    """Dot and ``[i]`` path: ``variables.region``, ``tools[2].name``."""
    before: Any
    after: Any
    kind: ChangeKind = ChangeKind.CHANGED
    diff: str | None = None
    """A unified diff, for long text such as ``system_prompt``."""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "path": self.path,
            "before": self.before,
            "after": self.after,
            "kind": str(self.kind),
        }
        if self.diff is not None:
            data["diff"] = self.diff
        return data


@dataclass(frozen=True)
class AssistantChanges:
    """Every change to one assistant that exists in both snapshots."""

    assistant: AssistantRef
    """The assistant as it is now (after); a rename shows as a change of ``name``."""
    changes: tuple[Change, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "assistant": self.assistant.to_dict(),
            "changes": [c.to_dict() for c in self.changes],
        }


@dataclass(frozen=True)
class Drift:
    """What changed between the approved baseline (before) and now (after)."""

    added: tuple[AssistantRef, ...] = ()
    removed: tuple[AssistantRef, ...] = ()
    changed: tuple[AssistantChanges, ...] = ()
    ignored: int = 0
    """Changes left out by a scoped ``ignore_drift`` entry (counted, never silently
    dropped; ``summary.drift_ignored``)."""

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "removed": len(self.removed),
            "changed": len(self.changed),
        }

    @property
    def total(self) -> int:
        """How many assistants drifted in any way."""
        return len(self.added) + len(self.removed) + len(self.changed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": [a.to_dict() for a in self.added],
            "removed": [a.to_dict() for a in self.removed],
            "changed": [c.to_dict() for c in self.changed],
        }


@dataclass(frozen=True)
class Gate:
    """The verdict of ``--fail-on-violation`` / ``--fail-on-drift``."""

    failed: bool
    reason: str
    """Why it failed, or why it passed: ``3 violations at or above high``."""

    def to_dict(self) -> dict[str, Any]:
        return {"failed": self.failed, "reason": self.reason}


FIXED_WHY = ("fixed", "removed", "waived", "not_checked")
"""Why a finding of the baseline (or of the last run) is gone tonight: the setting was
fixed, the assistant was removed, a waiver now covers it, or its rule is no longer
checked."""


@dataclass(frozen=True)
class FixedFinding:
    """A finding on the baseline (or in the last run of the history) that is gone tonight."""

    rule: str
    severity: Severity
    assistant: AssistantRef
    """The assistant as the baseline (or the history) knew it."""
    path: str
    why: str
    """One of ``FIXED_WHY``."""
    message: str = ""
    """The finding as it was worded then (empty when it came from the history)."""

    @property
    def identity(self) -> tuple[str | None, str, str, str]:
        return (self.assistant.account, self.assistant.uuid, self.rule, self.path)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": str(self.severity),
            "assistant": self.assistant.to_dict(),
            "path": self.path,
            "why": self.why,
            "message": self.message,
        }


@dataclass(frozen=True)
class RunSummary:
    """One audit as the history keeps it: a row of ``auditor history``, a point of the
    trend chart."""

    generated_at: str
    assistants: int
    violations: int
    new: int | None
    fixed: int | None
    by_severity: Mapping[str, int]
    """Violations per severity, worst first."""
    drift: Mapping[str, int] | None
    gate_failed: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "generated_at": self.generated_at,
            "assistants": self.assistants,
            "violations": self.violations,
            "new": self.new,
            "fixed": self.fixed,
            "by_severity": dict(self.by_severity),
            "drift": dict(self.drift) if self.drift is not None else None,
            "gate_failed": self.gate_failed,
        }


@dataclass(frozen=True)
class AccountError:
    """An account whose listing could not be read completely (the run exits 3)."""

    account: str | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"account": self.account, "message": self.message}


@dataclass(frozen=True)
class RequirementScore:
    """One requirement of a framework as tonight's audit found it."""

    ref: str
    """The article or section, ``Art. 50(1)``."""
    title: str
    status: str
    """``fail`` (a mapped rule found a violation), ``pass`` (mapped rules ran and found
    none) or ``manual`` (no rule in force checks it: a person must)."""
    rules: tuple[str, ...]
    """The rules in force that check it."""
    violations: int
    """Unwaived findings of those rules."""
    verify: str = ""
    """What a person must verify (all of it when manual; what rules cannot see else)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "title": self.title,
            "status": self.status,
            "rules": list(self.rules),
            "violations": self.violations,
            "verify": self.verify,
        }


@dataclass(frozen=True)
class FrameworkScore:
    """A framework's scorecard: its requirements and their status."""

    id: str
    title: str
    requirements: tuple[RequirementScore, ...]

    def counts(self) -> dict[str, int]:
        """How many requirements pass, fail and are manual."""
        found = Counter(r.status for r in self.requirements)
        return {k: found.get(k, 0) for k in ("pass", "fail", "manual")}

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "requirements": [r.to_dict() for r in self.requirements],
        }


@dataclass(frozen=True)
class WaiverNote:
    """A waiver ops should look at: one that expires soon, or one that matches no
    assistant any more (stale)."""

    kind: str
    """``expiring_soon`` or ``stale``."""
    source: str
    """Where the waiver is written, ``file:line``."""
    rules: str
    owner: str | None
    expires: date | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        expires = self.expires.isoformat() if self.expires else None
        return {
            "kind": self.kind,
            "source": self.source,
            "rules": self.rules,
            "owner": self.owner,
            "expires": expires,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Report:
    """Everything one run found; the single input of every renderer."""

    tool_version: str
    """The auditor version that made the report."""
    generated_at: str
    """When, ISO 8601 in UTC (``2026-11-24T03:00:00Z``)."""
    source: str
    """Where the fleet came from: a base URL, several (comma separated), or a file."""
    assistants: Sequence[AssistantRef]
    """Every assistant that was checked (after ``--filter``): a tuple, or for an audit an
    ``auditor.refs.OrderedRefs`` (compact, read back each time it is iterated)."""
    rules: tuple[RuleInfo, ...]
    """Every rule that was checked (after ``--select`` / ``--ignore``)."""
    violations: tuple[Violation, ...]
    """Findings that count: no waiver, or an expired one. Sorted worst first."""
    waived: tuple[Violation, ...] = ()
    """Findings covered by an active waiver: listed, never counted against the gate."""
    drift: Drift | None = None
    """``None`` when no baseline was given."""
    gate: Gate = field(default_factory=lambda: Gate(False, "no gate requested"))
    warnings: tuple[str, ...] = ()
    """Things a user should know that are not findings: unused or expired waivers, …"""
    errors: tuple[AccountError, ...] = ()
    """Accounts that could not be read; any entry means the run is incomplete (exit 3)."""
    baseline: str | None = None
    """The baseline file (or folder) drift was computed against."""
    fixed: tuple[FixedFinding, ...] | None = None
    """Findings of the baseline (or of the last run in the history) gone tonight;
    ``None`` when there was nothing to compare with (then every status is ``None``)."""
    trend: tuple[RunSummary, ...] = ()
    """The runs of the history, oldest first, this one last (empty without a history);
    the HTML report and the email draw a chart of them from two runs on."""
    frameworks: tuple[FrameworkScore, ...] = ()
    """The scorecard of the frameworks in force (``--framework``, else every framework
    a checked rule maps to)."""
    waiver_notes: tuple[WaiverNote, ...] = ()
    """Waivers expiring within ``EXPIRING_SOON_DAYS`` and stale ones (matching no
    assistant checked)."""

    @property
    def accounts(self) -> tuple[str, ...]:
        """Account names in first-seen order (empty for a single unnamed account)."""
        seen = {name: None for name in assistants_per_account(self.assistants) if name is not None}
        for e in self.errors:
            if e.account is not None:
                seen.setdefault(e.account, None)
        return tuple(seen)

    def by_severity(self) -> dict[str, int]:
        """Counts of (unwaived) violations per severity, worst first, zeros included."""
        counts = Counter(v.severity for v in self.violations)
        return {str(s): counts.get(s, 0) for s in sorted(Severity, reverse=True)}

    def count_status(self, status: str) -> int | None:
        """How many violations have ``status`` (``None`` when nothing was compared)."""
        if self.fixed is None:
            return None
        return sum(1 for v in self.violations if v.status == status)

    def summary(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "assistants": len(self.assistants),
            "rules": len(self.rules),
            "violations": len(self.violations),
            "by_severity": self.by_severity(),
            "drift": self.drift.counts if self.drift is not None else None,
            "waived": len(self.waived),
            "gate": self.gate.to_dict(),
            "new": self.count_status("new"),
            "standing": self.count_status("standing"),
            "fixed": len(self.fixed) if self.fixed is not None else None,
        }
        if self.drift is not None and self.drift.ignored:
            data["drift_ignored"] = self.drift.ignored
        accounts = self.accounts
        if accounts:
            counts = assistants_per_account(self.assistants)
            data["by_account"] = {
                name: self._account_summary(name, counts.get(name, 0)) for name in accounts
            }
        return data

    def _account_summary(self, name: str, assistants: int) -> dict[str, Any]:
        error = next((e.message for e in self.errors if e.account == name), None)
        drift: dict[str, int] | None = None
        if self.drift is not None and error is None:  # an unread account's drift is unknown
            drift = {
                "added": sum(1 for a in self.drift.added if a.account == name),
                "removed": sum(1 for a in self.drift.removed if a.account == name),
                "changed": sum(1 for c in self.drift.changed if c.assistant.account == name),
            }
        return {
            "assistants": assistants,
            "violations": sum(1 for v in self.violations if v.assistant.account == name),
            "waived": sum(1 for v in self.waived if v.assistant.account == name),
            "drift": drift,
            "error": error,
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON report (SPEC §5); key order is fixed so the output is stable."""
        return {
            key: list(value) if isinstance(value, Iterator) else value
            for key, value in self.json_fields().items()
        }

    def json_fields(self) -> dict[str, Any]:
        """``to_dict`` with the lists that grow with the fleet (violations, waivers,
        assistants) left as iterators, for writing a big report piece by piece."""
        return {
            "schema_version": REPORT_SCHEMA_VERSION,
            "tool_version": self.tool_version,
            "generated_at": self.generated_at,
            "source": self.source,
            "baseline": self.baseline,
            "summary": self.summary(),
            "violations": (v.to_dict() for v in self.violations),
            "waivers": (v.to_dict() for v in self.waived),
            "drift": self.drift.to_dict() if self.drift is not None else None,
            "fixed": [f.to_dict() for f in self.fixed] if self.fixed is not None else None,
            "warnings": list(self.warnings),
            "errors": [e.to_dict() for e in self.errors],
            "rules": [r.to_dict() for r in self.rules],
            "assistants": (a.to_dict() for a in self.assistants),
            "frameworks": [f.to_dict() for f in self.frameworks],
            "waiver_notes": [n.to_dict() for n in self.waiver_notes],
        }
