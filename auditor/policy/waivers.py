"""Waivers: the ``exceptions`` entries of a policy file, and matching them to findings.

A waiver names one or more rules (ids or globs) and the assistants it covers
(``id:127``, ``uuid:…``, ``name:Support *`` with shell-style globs), optionally one
account, always a reason and optionally an expiry date (the last day it applies). An
active waiver moves a finding from ``violations`` to ``waived`` — listed, never dropped;
an expired one stops waiving, and the finding says which waiver expired.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from auditor.model import AssistantRef, WaiverInfo, WaiverNote

SELECTOR_KINDS = ("id", "uuid", "name")
EXPIRING_SOON_DAYS = 14
"""A waiver that expires within this many days is listed as expiring soon."""


@dataclass(frozen=True)
class AssistantSelector:
    """One entry of a waiver's ``assistants``: ``id:127``, ``uuid:…`` or ``name:<glob>``."""

    kind: str
    value: str

    def matches(self, ref: AssistantRef) -> bool:
        if self.kind == "id":
            return ref.id is not None and _id_text(ref.id) == self.value
        if self.kind == "uuid":
            return ref.uuid == self.value
        return ref.name is not None and fnmatch.fnmatchcase(ref.name, self.value)

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


def _id_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_selector(text: str) -> AssistantSelector:
    """``"name:Support *"`` → a selector; ``ValueError`` with the accepted forms otherwise."""
    kind, sep, value = text.partition(":")
    kind = kind.strip()
    value = value.strip()
    if not sep or kind not in SELECTOR_KINDS or not value:
        raise ValueError(
            f"assistant selector {text!r} must be id:NUMBER, uuid:UUID or name:GLOB "
            '(like "name:Support *")'
        )
    return AssistantSelector(kind, value)


@dataclass(frozen=True)
class Waiver:
    """One compiled ``exceptions`` entry."""

    rules: tuple[str, ...]
    """The rule ids or globs as written."""
    rule_ids: frozenset[str]
    """The defined rules they name."""
    assistants: tuple[AssistantSelector, ...]
    reason: str
    expires: date | None
    source: str
    """Where it is written, ``file:line``."""
    account: str | None = None
    owner: str | None = None
    """The person or team who answers for it and renews it."""

    def expired(self, today: date) -> bool:
        """True after the expiry day (a waiver is valid through the day it names)."""
        return self.expires is not None and today > self.expires

    def covers(self, rule_id: str, ref: AssistantRef) -> bool:
        """Does this waiver name this rule and this assistant (in this account)?"""
        return rule_id in self.rule_ids and self.names(ref)

    def names(self, ref: AssistantRef) -> bool:
        """Does this waiver name this assistant (in this account), whatever the rule?"""
        if self.account is not None and ref.account != self.account:
            return False
        return any(s.matches(ref) for s in self.assistants)

    def info(self, today: date) -> WaiverInfo:
        return WaiverInfo(
            reason=self.reason,
            expires=self.expires,
            source=self.source,
            expired=self.expired(today),
            owner=self.owner,
        )

    @property
    def rules_text(self) -> str:
        return ", ".join(self.rules)


def find_waiver(
    waivers: Sequence[Waiver], rule_id: str, ref: AssistantRef, today: date
) -> Waiver | None:
    """The waiver for a finding: an active one if any covers it, else an expired one."""
    expired: Waiver | None = None
    for waiver in waivers:
        if waiver.covers(rule_id, ref):
            if not waiver.expired(today):
                return waiver
            if expired is None:
                expired = waiver
    return expired


def review(
    waivers: Sequence[Waiver],
    assistants: Sequence[AssistantRef],
    today: date,
    *,
    whole_fleet: bool = True,
) -> tuple[WaiverNote, ...]:
    """Waivers ops should look at: expiring within ``EXPIRING_SOON_DAYS`` (renew them
    before the gate trips) and stale ones, whose assistants are all gone.

    ``whole_fleet``: the assistants are every one of the fleet (no ``--filter``); only
    then can a waiver be called stale.
    """
    live = [w for w in waivers if not w.expired(today)]  # an expired one is a warning
    matched = _matching(live, assistants) if whole_fleet else set()
    notes: list[WaiverNote] = []
    for waiver in live:
        if waiver.expires is not None and (waiver.expires - today).days <= EXPIRING_SOON_DAYS:
            notes.append(_note("expiring_soon", waiver))
        if whole_fleet and id(waiver) not in matched:
            notes.append(_note("stale", waiver))
    return tuple(notes)


def _matching(waivers: Sequence[Waiver], assistants: Iterable[AssistantRef]) -> set[int]:
    """The ids of the ``waivers`` that name one of ``assistants``: one pass over them
    (which may be read back from a file), stopped once every waiver has matched."""
    matched: set[int] = set()
    pending = list(waivers)
    for ref in assistants:
        if not pending:
            break
        hits = [w for w in pending if w.names(ref)]
        if hits:
            matched.update(map(id, hits))
            pending = [w for w in pending if id(w) not in matched]
    return matched


def _note(kind: str, waiver: Waiver) -> WaiverNote:
    return WaiverNote(
        kind=kind,
        source=waiver.source,
        rules=waiver.rules_text,
        owner=waiver.owner,
        expires=waiver.expires,
        reason=waiver.reason,
    )
