"""New, standing and fixed: tonight's findings set against an earlier night's (SPEC §8).

A finding's identity is (account, assistant uuid, rule id, path). The earlier night is
the baseline (the same policies, selection, filters and waivers applied to its records)
or, without a baseline, the last run of the history that read the account. An account
with nothing to compare with leaves its findings' status ``None``; an account that
could not be read tonight has no findings and none of its earlier ones is "fixed"; an
earlier finding of a rule not in force tonight, or of an assistant a ``--filter`` left
out, is ``not_checked`` (and the history carries it forward: ``AuditOutcome.unchecked``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import NamedTuple

from auditor.model import AssistantRef, FixedFinding, Violation

Identity = tuple[str | None, str, str, str]
"""A finding's identity (SPEC §8): (account, assistant uuid, rule id, path)."""


class Earlier(NamedTuple):
    """One earlier finding: what ``fixed`` will say of it should it be gone tonight."""

    gone: FixedFinding
    """The finding as it was then; ``compare`` fills in ``why`` (and tonight's account)."""
    first_seen: str | None = None
    """When its streak began, from the history (``None`` when it came from a baseline)."""


def earlier_of(violation: Violation) -> Earlier:
    """An earlier finding from a violation of that night (waivers applied)."""
    return Earlier(
        FixedFinding(
            violation.rule, violation.severity, violation.assistant, violation.path, "",
            violation.message,
        )
    )  # fmt: skip


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
    unchanged: Mapping[str | None, Callable[[AssistantRef], bool]] | None = None,
    narrowed: bool = False,
) -> Compared:
    """Status for each violation against ``earlier`` (per account read tonight), and the
    earlier findings that are gone, with why.

    ``first_seen`` (the last run of the history per account, when there is a history)
    dates each streak: a finding it has keeps that streak's start, any other starts
    ``now``.

    ``unchanged`` (per account, with a baseline) says which assistants are on the
    baseline exactly as tonight: their baseline findings are tonight's, so they are
    left out of ``earlier`` (nothing to look up, and none of them can be gone) and
    their violations are standing.

    ``narrowed`` (a ``--filter`` chose tonight's assistants): an earlier finding whose
    assistant is not among them was not checked, not removed.
    """
    tonight = list(violations)
    present = {v.identity for v in tonight}
    out: list[Violation] = []
    for violation in tonight:
        account = violation.assistant.account
        before = earlier.get(account)
        same = unchanged.get(account) if unchanged is not None else None
        if before is None:
            status = None
        elif violation.identity in before or (same is not None and same(violation.assistant)):
            status = "standing"
        else:
            status = "new"
        since: str | None = None
        if first_seen is not None:
            past = first_seen.get(account, {}).get(violation.identity)
            since = past.first_seen if past is not None and past.first_seen else now
        out.append(violation._replace(status=status, first_seen=since))
    if not earlier:
        return Compared(tuple(out), None)
    fixed = gone(earlier, present, waived, assistants, rules, narrowed=narrowed)
    return Compared(tuple(out), fixed)


def gone(
    earlier: Mapping[str | None, Mapping[Identity, Earlier]],
    present: set[Identity],
    waived: Iterable[Violation],
    assistants: Iterable[AssistantRef],
    rules: Iterable[str],
    *,
    narrowed: bool,
    unchecked_only: bool = False,
) -> tuple[FixedFinding, ...]:
    """The earlier findings not ``present`` tonight, each with why (``compare``).

    ``unchecked_only``: only those tonight did not check (``not_checked``), which the
    history keeps open; without ``narrowed`` that is a rule not in force alone, and
    the assistants are not looked through."""
    in_force = set(rules)
    missing = [
        (account, identity, past)
        for account, findings in earlier.items()
        for identity, past in findings.items()
        if identity not in present
        and not (unchecked_only and not narrowed and past.gone.rule in in_force)
    ]
    kept = _still_here(
        assistants, {(a, p.gone.assistant.uuid) for a, _, p in missing if p.gone.rule in in_force}
    )
    waived_now = {v.identity for v in waived}
    fixed: list[FixedFinding] = []
    for account, identity, past in missing:
        was = past.gone
        if was.rule not in in_force:
            why = "not_checked"
        elif (account, was.assistant.uuid) not in kept:
            why = "not_checked" if narrowed else "removed"
        elif identity in waived_now:
            why = "waived"
        else:
            why = "fixed"
        if why == "not_checked" or not unchecked_only:
            fixed.append(replace(was, assistant=was.assistant._replace(account=account), why=why))
    fixed.sort(key=_fixed_order)
    return tuple(fixed)


def _still_here(
    assistants: Iterable[AssistantRef], keys: set[tuple[str | None, str]]
) -> set[tuple[str | None, str]]:
    """Which of ``keys`` (account, uuid) are among ``assistants``: one pass, stopped once
    all are found, holding only those keys (not one per assistant of the fleet)."""
    found: set[tuple[str | None, str]] = set()
    if not keys:
        return found
    uuids = {uuid for _, uuid in keys}
    for ref in assistants:
        if ref.uuid in uuids and ref.key in keys:
            found.add(ref.key)
            if len(found) == len(keys):
                break
    return found


def _fixed_order(f: FixedFinding) -> tuple[object, ...]:
    return (-f.severity, f.rule, f.assistant.account or "", f.assistant.uuid, f.path)
