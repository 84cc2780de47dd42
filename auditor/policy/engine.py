"""Evaluating a policy set over listings: findings, waivers and warnings.

``evaluate`` is the hot path of an audit: for every assistant (after ``--filter``) and
every rule in force it calls the rule's compiled ``when`` and ``require`` closures.
Passing records cost a few dict lookups and comparisons; words are only put together
for records that fail. Whatever a record contains, evaluation does not raise.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from auditor.gcpause import gc_paused
from auditor.model import AssistantRef, Listing, Record, RuleInfo, Violation
from auditor.policy.conditions import Failure
from auditor.policy.fastpath import build_runner
from auditor.policy.filters import parse_filters
from auditor.policy.rules import CompiledRule, PolicySet
from auditor.policy.waivers import Waiver, find_waiver


@dataclass(frozen=True)
class Evaluation:
    """What the policies found in the listings."""

    assistants: tuple[AssistantRef, ...]
    """Every assistant checked (after ``--filter``), tagged with its listing's account."""
    rules: tuple[RuleInfo, ...]
    """Every rule checked (after ``--select`` / ``--ignore``)."""
    violations: tuple[Violation, ...]
    """Unwaived findings and findings whose waiver expired; worst severity first, then
    rule id, then assistant."""
    waived: tuple[Violation, ...]
    """Findings covered by an active waiver (each carries its ``WaiverInfo``)."""
    warnings: tuple[str, ...]
    """Expired waivers, waivers that matched nothing, filters that matched nothing."""


def violation_of(rule: CompiledRule, failure: Failure, ref: AssistantRef) -> Violation:
    """The finding for one failed rule on one assistant."""
    info = rule.info
    return Violation(
        rule=info.id,
        severity=info.severity,
        title=info.title,
        assistant=ref,
        path=failure.path,
        actual=failure.value,
        expected=failure.expected,
        message=failure.message(),
        remediation=info.remediation,
    )


def _sort_key(v: Violation) -> tuple[Any, ...]:
    ident = v.assistant.id
    numeric = isinstance(ident, (int, float)) and not isinstance(ident, bool)
    return (
        -int(v.severity),
        v.rule,
        v.assistant.account or "",
        (0, ident, "") if numeric else (1, 0, str(ident)),
        v.assistant.uuid,
        v.path,
    )


def _as_record(record: Any) -> dict[str, Any]:
    if isinstance(record, dict):
        return record
    if isinstance(record, Mapping):
        return dict(record)
    return {}


def _ref(record: dict[str, Any], account: str | None, key: Any) -> AssistantRef:
    """``AssistantRef.of`` (with the listing key as the uuid of last resort), fast when the
    record is well-formed, as nearly all are."""
    uuid = record.get("uuid")
    name = record.get("name")
    if type(uuid) is str and uuid and (name is None or type(name) is str):
        return AssistantRef(record.get("id"), uuid, name, account)
    ref = AssistantRef.of(record, account)
    return ref if ref.uuid else replace(ref, uuid=str(key))


def _scan(
    listings: Sequence[Listing],
    rules: Sequence[CompiledRule],
    keep: Callable[[Record], bool] | None,
) -> tuple[list[AssistantRef], list[Violation], int]:
    """Every assistant checked, every finding (before waivers), how many records were seen."""
    run = build_runner(rules)
    slow = tuple((rule, rule.require.check, rule.missing_pass) for rule in rules)
    assistants: list[AssistantRef] = []
    found: list[Violation] = []
    seen_total = 0
    for listing in listings:
        account = listing.account
        for uuid, raw in listing.assistants.items():
            seen_total += 1
            record = _as_record(raw)
            if keep is not None and not keep(record):
                continue
            ref = _ref(record, account, uuid)
            assistants.append(ref)
            bad = run(record)
            if not bad:
                continue
            for index in bad:  # the fast pass only preselects; the closures decide and explain
                rule, require, missing_pass = slow[index]
                failure = require(record)
                if failure is None or (missing_pass and failure.unknown):
                    continue
                found.append(violation_of(rule, failure, ref))
    return assistants, found, seen_total


def compile_checker(
    policy_set: PolicySet, select: Sequence[str] = (), ignore: Sequence[str] = ()
) -> Callable[[Record], tuple[str, ...]]:
    """The bare engine: a function of one record → the ids of the rules it violates.

    No references, findings, waivers or messages: for embedding the rules elsewhere and
    for measuring the engine itself. ``evaluate`` is this plus the findings.
    """
    rules = policy_set.selected(select, ignore)
    run = build_runner(rules)
    slow = tuple((rule.id, rule.require.check, rule.missing_pass) for rule in rules)

    def check(record: Record) -> tuple[str, ...]:
        data = _as_record(record)
        bad = run(data)
        if not bad:
            return ()
        out = []
        for index in bad:
            rule_id, require, missing_pass = slow[index]
            failure = require(data)
            if failure is not None and not (missing_pass and failure.unknown):
                out.append(rule_id)
        return tuple(out)

    return check


def evaluate(
    policy_set: PolicySet,
    listings: Sequence[Listing],
    *,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    filters: Sequence[str] = (),
    today: date | None = None,
) -> Evaluation:
    """Check every assistant of every listing against the rules in force.

    ``select``/``ignore`` pick rules (unknown ids: ``ConfigError``); ``filters`` pick
    assistants (``FIELD=VALUE`` / ``FIELD!=VALUE``; bad syntax: ``ConfigError``);
    ``today`` decides which waivers have expired (default: the local date).
    """
    with gc_paused():
        return _evaluate(policy_set, listings, select, ignore, filters, today or date.today())


def _evaluate(
    policy_set: PolicySet,
    listings: Sequence[Listing],
    select: Sequence[str],
    ignore: Sequence[str],
    filters: Sequence[str],
    today: date,
) -> Evaluation:
    rules = policy_set.selected(select, ignore)
    keep = parse_filters(filters) if filters else None
    in_force = {rule.id for rule in rules}
    waivers = tuple(w for w in policy_set.waivers if w.rule_ids & in_force)
    by_rule: dict[str, tuple[Waiver, ...]] = {
        rule_id: tuple(w for w in waivers if rule_id in w.rule_ids) for rule_id in in_force
    }

    assistants, found, seen_total = _scan(listings, rules, keep)

    violations: list[Violation] = []
    waived: list[Violation] = []
    used: set[int] = set()
    for violation in found:
        candidates = by_rule.get(violation.rule, ())
        waiver = (
            find_waiver(candidates, violation.rule, violation.assistant, today)
            if candidates
            else None
        )
        if waiver is None:
            violations.append(violation)
            continue
        used.add(id(waiver))
        violation = replace(violation, waiver=waiver.info(today))
        (
            violations if violation.waiver is not None and violation.waiver.expired else waived
        ).append(violation)
    violations.sort(key=_sort_key)
    waived.sort(key=_sort_key)

    warnings: list[str] = []
    for waiver in waivers:
        if waiver.expired(today):
            assert waiver.expires is not None
            warnings.append(
                f"waiver at {waiver.source} for rule {waiver.rules_text} expired on "
                f"{waiver.expires.isoformat()}; renew it or fix the assistants"
            )
        elif id(waiver) not in used and not filters:
            warnings.append(
                f"waiver at {waiver.source} for rule {waiver.rules_text} matched no finding; "
                "remove it if it is no longer needed"
            )
    if filters and seen_total and not assistants:
        warnings.append(f"--filter {' '.join(filters)} matched no assistant")
    return Evaluation(
        assistants=tuple(assistants),
        rules=tuple(rule.info for rule in rules),
        violations=tuple(violations),
        waived=tuple(waived),
        warnings=tuple(warnings),
    )
