"""Evaluating a policy set over listings: findings, waivers and warnings.

``evaluate`` is the hot path of an audit. Records are checked a chunk at a time by the
rules' generated fast pass (``fastpath``), one function of flat ``if`` statements: a
passing record costs a few dict lookups and comparisons. Only for the rules a record may
break do the compiled ``require`` closures run, to decide and to word the finding.
Whatever a record contains, evaluation does not raise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from itertools import chain, compress, islice, repeat
from operator import itemgetter
from typing import Any, NamedTuple

from auditor.gcpause import collect_young, gc_paused
from auditor.model import (
    AssistantRef,
    Listing,
    Record,
    RuleInfo,
    Violation,
    is_orderable_number,
)
from auditor.policy.conditions import Failure, RequireCheck
from auditor.policy.fastpath import Runner, cached_runner
from auditor.policy.filters import filter_paths, parse_filters
from auditor.policy.paths import MISSING
from auditor.policy.rules import CompiledRule, PolicySet
from auditor.policy.waivers import Waiver, find_waiver
from auditor.refs import AssistantRefs, EncodedRefs, OrderedRefs


@dataclass(frozen=True)
class Evaluation:
    """What the policies found in the listings."""

    assistants: Sequence[AssistantRef]
    """Every assistant checked (after ``--filter``), tagged with its listing's account:
    from a scan, an ``OrderedRefs`` (compact, read back as it is iterated)."""
    rules: tuple[RuleInfo, ...]
    """Every rule checked (after ``--select`` / ``--ignore``)."""
    violations: tuple[Violation, ...]
    """Unwaived findings and findings whose waiver expired; worst severity first, then
    rule id, then assistant."""
    waived: tuple[Violation, ...]
    """Findings covered by an active waiver (each carries its ``WaiverInfo``)."""
    warnings: tuple[str, ...]
    """Expired waivers, waivers that matched nothing, filters that matched nothing."""
    seen: int = 0
    """Records read, before ``--filter`` (0: the listings were empty)."""
    absent_filter_fields: tuple[str, ...] = ()
    """The ``--filter`` fields that no record read has at all (a typo like ``stauts``)."""
    known_fields: tuple[str, ...] = ()
    """The top-level fields of the first record read (for "did you mean")."""


def violation_of(
    rule: CompiledRule, failure: Failure, ref: AssistantRef, note: str | None = None
) -> Violation:
    """The finding for one failed rule on one assistant; ``note`` is added to its message
    (why a precondition could not be decided)."""
    info = rule.info
    message = failure.message() if note is None else f"{failure.message()}; {note}"
    return _new_violation(
        (
            info.id,
            info.severity,
            info.title,
            ref,
            failure.path,
            failure.value,
            failure.expected,
            message,
            info.remediation,
            None,
            None,  # status and first_seen: set by the audit (SPEC §8)
            None,
        )
    )


_new_violation: Callable[[tuple[Any, ...]], Violation] = partial(tuple.__new__, Violation)
"""``Violation(…)`` from its fields in order, without the NamedTuple's Python ``__new__``."""


def _sort_key(v: Violation) -> tuple[Any, ...]:
    """Worst severity first, then rule id, account, id (numbers before the rest), uuid."""
    who = v.assistant
    ident = who.id
    if type(ident) is int or is_orderable_number(ident):
        return (-v.severity, v.rule, who.account or "", 0, ident, "", who.uuid, v.path)
    return (-v.severity, v.rule, who.account or "", 1, 0, str(ident), who.uuid, v.path)


CHUNK = 256
"""Records checked a chunk at a time: few enough to stay in the CPU's cache."""
_DICT = {dict}
_STR = {str}
_NAME = {str, type(None)}
_second = itemgetter(1)


def _as_record(record: Any) -> dict[str, Any]:
    if isinstance(record, dict):
        return record
    if isinstance(record, Mapping):
        return dict(record)
    return {}


def _ref_of(record: dict[str, Any], account: str | None, key: Any) -> AssistantRef:
    """``AssistantRef.of`` for any record, whose uuid or name may be missing or odd,
    with the listing key as the uuid of last resort."""
    ref = AssistantRef.of(record, account)
    return ref if ref.uuid else ref._replace(uuid=str(key))


_new_ref: Callable[[tuple[Any, ...]], AssistantRef] = partial(tuple.__new__, AssistantRef)
"""``AssistantRef(*fields)`` from a tuple of the fields, without the Python-level
``__new__`` a NamedTuple has: one call per assistant, half the cost."""


def _page_number(page: tuple[int, range]) -> int:
    return page[0]


class CompiledRules(NamedTuple):
    """What an ``Evaluator`` runs on each record, compiled once."""

    run: Runner
    """The generated fast pass: a record → the indexes of the rules it may not pass."""
    explain: tuple[tuple[CompiledRule, RequireCheck, bool], ...]
    """By the same index: the rule, its ``require`` closure and its ``missing: pass``,
    which decide and word the finding for a rule the fast pass picked out."""
    keep: Callable[[Record], bool] | None
    """``--filter``: does an assistant take part (``None``: every one does)?"""


class Scan:
    """The assistants of one account checked so far, and what they broke.

    ``evaluate`` feeds a whole listing at once; an audit feeds each page as it arrives
    and lets the records go, so a fleet never has to sit in memory to be checked. Pages
    may come in any order: ``assistants`` puts them back in listing order. What stays
    of an assistant is its reference, in an ``AssistantRefs`` (about 8 bytes of memory,
    16 with ``by_id``, once there are tens of thousands).
    """

    def __init__(self, evaluator: Evaluator, account: str | None, *, by_id: bool) -> None:
        self.account = account
        self.by_id = by_id
        """Order the assistants as a fetch orders its listing (``in_id_order``)."""
        self.seen = 0
        """Records fed, before ``--filter``."""
        self.found: list[Violation] = []
        self.absent: set[str] = {p.text for p in evaluator.filter_paths}
        """``--filter`` fields no record fed so far has."""
        self.known_fields: tuple[str, ...] = ()
        self._evaluator = evaluator
        self._refs = AssistantRefs(track_ids=by_id)
        self._pages: list[tuple[int, range]] = []
        """Each call's page number, and where its references are in ``_refs``."""

    def add(self, items: Iterable[tuple[Any, Any]], page: int = 0) -> None:
        """Check ``(key, record)`` pairs; ``page`` orders them among other calls."""
        start = len(self._refs)
        pairs = iter(items)
        while chunk := list(islice(pairs, CHUNK)):
            self.seen += len(chunk)
            if not self._add_plain(list(map(_second, chunk))):
                self._add_each(chunk)
            collect_young()
        self._pages.append((page, range(start, len(self._refs))))

    def add_checked(
        self, assistants: EncodedRefs, seen: int, found: Sequence[Violation], page: int = 0
    ) -> None:
        """What another process's scan of the same rules found for a batch of records
        (``auditor.parallel``), its ``encoded_assistants()``: as if ``add`` had checked
        them here."""
        self.seen += seen
        start = len(self._refs)
        self._refs.extend_encoded(assistants)
        self._pages.append((page, range(start, len(self._refs))))
        self.found.extend(found)

    def encoded_assistants(self) -> EncodedRefs:
        """The assistants kept, in the order fed, for another process's ``add_checked``."""
        return self._refs.encoded()

    def _add_plain(self, records: list[Any]) -> bool:
        """The common case, a chunk at a time: dicts with a string uuid and name, and no
        ``--filter``. Their references are built and the fast pass run by ``map``, while
        the chunk is in the CPU's cache (faster than record by record).
        False, having done nothing, if the chunk is not that plain."""
        compiled = self._evaluator.compiled
        if compiled.keep is not None or not set(map(type, records)) <= _DICT:
            return False
        uuids = list(map(dict.get, records, repeat("uuid")))
        names = list(map(dict.get, records, repeat("name")))
        if not (set(map(type, uuids)) <= _STR and set(map(type, names)) <= _NAME) or "" in uuids:
            return False
        ids = map(dict.get, records, repeat("id"))
        refs = list(map(_new_ref, zip(ids, uuids, names, repeat(self.account))))
        self._refs.extend(refs)
        broken = list(map(compiled.run, records))
        for index in compress(range(len(records)), broken):
            self._explain(records[index], broken[index], refs[index])
        return True

    def _add_each(self, chunk: list[tuple[Any, Any]]) -> None:
        """Any records, one by one: not dicts, odd uuids or names, ``--filter``."""
        run, keep = self._evaluator.compiled.run, self._evaluator.compiled.keep
        kept: list[AssistantRef] = []
        for key, raw in chunk:
            record = _as_record(raw)
            if self.absent:
                self._note_fields(record)
            if keep is not None and not keep(record):
                continue
            ref = _ref_of(record, self.account, key)
            kept.append(ref)
            broken = run(record)
            if broken:
                self._explain(record, broken, ref)
        self._refs.extend(kept)

    def _note_fields(self, record: dict[str, Any]) -> None:
        """Strike off the ``--filter`` fields this record has (until none is left)."""
        if not self.known_fields:
            self.known_fields = tuple(str(k) for k in record)
        for path in self._evaluator.filter_paths:
            if path.text in self.absent and (
                path.each(record) if path.wildcard else path.get(record) is not MISSING
            ):
                self.absent.discard(path.text)

    def _explain(self, record: dict[str, Any], broken: tuple[int, ...], ref: AssistantRef) -> None:
        """Findings for the rules the fast pass picked out: the closures decide and word."""
        explain = self._evaluator.compiled.explain
        for index in broken:
            rule, require, missing_pass = explain[index]
            failure = require(record)
            if failure is None or (missing_pass and failure.unknown):
                continue
            note = rule.undecided(record) if rule.lenient_when is not None else None
            self.found.append(violation_of(rule, failure, ref, note))

    @property
    def assistants(self) -> OrderedRefs:
        """Every assistant kept, in page order (then by id, with ``by_id``, as
        ``auditor.model.in_id_order`` orders them); a page fed twice keeps the order fed."""
        pages = sorted(self._pages, key=_page_number)
        return self._refs.view([places for _, places in pages], by_id=self.by_id)


class Evaluator:
    """The rules in force, compiled once; ``scan`` per account, then ``result``."""

    def __init__(
        self,
        policy_set: PolicySet,
        *,
        select: Sequence[str] = (),
        ignore: Sequence[str] = (),
        filters: Sequence[str] = (),
        today: date | None = None,
    ) -> None:
        self.rules = policy_set.selected(select, ignore)
        self.filters = tuple(filters)
        self.today = today or date.today()
        keep = parse_filters(filters) if filters else None
        self.filter_paths = filter_paths(filters) if filters else ()
        explain = tuple((rule, rule.require.check, rule.missing_pass) for rule in self.rules)
        self.compiled = CompiledRules(cached_runner(self.rules), explain, keep)
        in_force = {rule.id for rule in self.rules}
        self.waivers = tuple(w for w in policy_set.waivers if w.rule_ids & in_force)

    def scan(self, account: str | None = None, *, by_id: bool = False) -> Scan:
        """A new, empty scan of one account's assistants.

        ``by_id``: pages are fed as they arrive; put the assistants back in the order a
        fetched listing has (``auditor.model.in_id_order``).
        """
        return Scan(self, account, by_id=by_id)

    def result(self, scans: Sequence[Scan]) -> Evaluation:
        """Waivers applied, findings sorted, warnings said, over every account's scan."""
        found = chain.from_iterable(scan.found for scan in scans)
        used: set[int] = set()
        violations, waived = self._waive(found, used) if self.waivers else (list(found), [])
        violations.sort(key=_sort_key)
        waived.sort(key=_sort_key)
        assistants = OrderedRefs.joined(scan.assistants for scan in scans)
        seen = sum(scan.seen for scan in scans)
        absent = set.intersection(*(scan.absent for scan in scans)) if scans else set()
        known = next((scan.known_fields for scan in scans if scan.known_fields), ())
        absent_fields = tuple(p.text for p in self.filter_paths if p.text in absent and seen)
        return Evaluation(
            assistants=assistants,
            rules=tuple(rule.info for rule in self.rules),
            violations=tuple(violations),
            waived=tuple(waived),
            warnings=tuple(self._warnings(used, seen, assistants, absent_fields)),
            seen=seen,
            absent_filter_fields=absent_fields,
            known_fields=known,
        )

    def _waive(
        self, found: Iterable[Violation], used: set[int]
    ) -> tuple[list[Violation], list[Violation]]:
        """(unwaived or expired, waived) findings; the ids of the waivers used go in ``used``."""
        today = self.today
        by_rule: dict[str, tuple[Waiver, ...]] = {
            rule.id: tuple(w for w in self.waivers if rule.id in w.rule_ids) for rule in self.rules
        }
        violations: list[Violation] = []
        waived: list[Violation] = []
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
            violation = violation._replace(waiver=waiver.info(today))
            (
                violations if violation.waiver is not None and violation.waiver.expired else waived
            ).append(violation)
        return violations, waived

    def _warnings(
        self,
        used: set[int],
        seen: int,
        assistants: Sequence[AssistantRef],
        absent_fields: Sequence[str] = (),
    ) -> list[str]:
        warnings: list[str] = []
        for waiver in self.waivers:
            if waiver.expired(self.today):
                assert waiver.expires is not None
                warnings.append(
                    f"waiver at {waiver.source} for rule {waiver.rules_text} expired on "
                    f"{waiver.expires.isoformat()}; renew it or fix the assistants"
                )
            elif id(waiver) not in used and not self.filters:
                warnings.append(
                    f"waiver at {waiver.source} for rule {waiver.rules_text} matched no "
                    "finding; remove it if it is no longer needed"
                )
        if self.filters and seen and not assistants:
            warnings.append(
                f"--filter {' '.join(self.filters)} matched no assistant"
                + _absent_words(absent_fields)
            )
        return warnings


def _absent_words(fields: Sequence[str]) -> str:
    """`` (no assistant has a field 'stauts')`` for the filter fields nobody has."""
    if not fields:
        return ""
    names = ", ".join(repr(f) for f in fields)
    return (
        f" (no assistant has a field {names})"
        if len(fields) == 1
        else (f" (no assistant has the fields {names})")
    )


def compile_checker(
    policy_set: PolicySet, select: Sequence[str] = (), ignore: Sequence[str] = ()
) -> Callable[[Record], tuple[str, ...]]:
    """The bare engine: a function of one record → the ids of the rules it violates.

    No references, findings, waivers or messages: for embedding the rules elsewhere and
    for measuring the engine itself. ``evaluate`` is this plus the findings.
    """
    rules = policy_set.selected(select, ignore)
    run = cached_runner(rules)
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
    evaluator = Evaluator(policy_set, select=select, ignore=ignore, filters=filters, today=today)
    scans = []
    with gc_paused():
        for listing in listings:
            scan = evaluator.scan(listing.account)
            scan.add(listing.assistants.items())
            scans.append(scan)
        return evaluator.result(scans)
