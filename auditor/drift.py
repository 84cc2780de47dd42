"""Drift: what changed between the approved baseline and now, per assistant.

Assistants are keyed by uuid (and by account when several are audited). Most records
of a nightly run are exactly the same as in the baseline, so each pair is first
compared as it stands: dict ``==`` (C speed; key order does not matter) plus a walk that
checks every value has the same type on both sides, since Python says ``1 == True ==
1.0`` and drift must not (``1`` → ``true`` and ``1`` → ``1.0`` are ``type_changed``).
A pair that passes is identical and skipped before any deep comparison.

Only a pair that differs as it stands is compared field by field. A top-level field
differs when its *canonical form* differs (ignored fields dropped, unordered lists such
as ``tools`` sorted, nested ``ignore_fields`` paths like ``variables.region``
honoured; compared as JSON text would be, so ``NaN`` equals ``NaN``), and deepdiff runs
over just those fields, never the whole 55-field record. Its tree result becomes our
own ``Change(path, before, after, kind)`` list with dot and ``[i]`` paths, the same as
deepdiff over the whole canonical records gives. A record whose only difference is
``updated_at`` or the order of its tools costs one field loop and no deepdiff at all.

An unordered list is a multiset, so its drift is by value: each element without an
equal twin on the other side is one ``added`` or ``removed`` change at the list's own
path (``tools: added {"name": "crm"}``), as often as it is missing; positions in its
sorted copy (``tools[2]``) would name places neither file has.

SPEC §4 says identical records are "skipped by hash". ``DriftScan`` is the one
implementation, fed the after side page by page, and the before side decides the skip:

- a snapshot file (``auditor audit --baseline``, ``auditor diff``) is not held in memory
  at all, only a 16-byte fingerprint of each approved record (``auditor.baseline``); a
  record whose canonical JSON has the same fingerprint is skipped, and only the others
  are read back from the file and compared as above, so memory follows the pages and
  the changed records, not the fleet;
- a listing in memory (``diff_listings``, for anything holding both sides) is skipped by
  the exact comparison above: with both records at hand, fingerprinting both sides
  would cost more than it saves;
- two snapshot files in uuid order (``auditor diff``, ``audit --input`` with a baseline
  file) are walked side by side: a record whose bytes are the approved record's bytes
  is skipped without either being decoded, the others are compared as above.

All give the same ``Drift`` (property tests hold them to it).
``benchmarks/bench_drift.py`` measures ``diff_listings`` against deepdiff.
"""

from __future__ import annotations

import difflib
import fnmatch
import json
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import zip_longest
from typing import Any, NamedTuple

from auditor.baseline import BaselineIndex, fingerprint, text_fingerprint
from auditor.model import (
    AssistantChanges,
    AssistantRef,
    Change,
    ChangeKind,
    Drift,
    Listing,
    Record,
    is_orderable_number,
)
from auditor.settings import DriftSettings
from auditor.snapshot import SnapshotRecord

DEFAULTS = DriftSettings()
"""``updated_at`` ignored, ``tools`` unordered."""
LONG_TEXT = 80
"""Strings longer than this (or spanning lines) get a unified diff."""
WHOLE_RECORD = "(record)"
"""The path of a change to the record as a whole."""

Paths = tuple[tuple[str, ...], ...]
"""Dot paths split into their parts: ``variables.region`` → ``("variables", "region")``."""


def diff_listings(before: Listing, after: Listing, settings: DriftSettings = DEFAULTS) -> Drift:
    """Added, removed and changed assistants from ``before`` to ``after`` (both in memory):
    ``DriftScan`` fed ``after`` in one page."""
    scan = DriftScan(before, settings, after.account)
    scan.add(after.assistants.items())
    return scan.result()


def _drift(
    added: list[AssistantRef],
    removed: list[AssistantRef],
    changed: list[AssistantChanges],
    ignored: int = 0,
) -> Drift:
    return Drift(
        added=tuple(sorted(added, key=_ref_order)),
        removed=tuple(sorted(removed, key=_ref_order)),
        changed=tuple(sorted(changed, key=lambda c: _ref_order(c.assistant))),
        ignored=ignored,
    )


class ScopedIgnores:
    """``ignore_drift:`` entries: changes at some paths of some assistants left out, and
    counted (``ignored``)."""

    def __init__(self, settings: DriftSettings) -> None:
        from auditor.policy.waivers import parse_selector

        self._entries = [
            (tuple(parse_selector(s) for s in entry.assistants), entry.paths)
            for entry in settings.scoped
        ]
        self.ignored = 0

    def keep(self, ref: AssistantRef, changes: tuple[Change, ...]) -> tuple[Change, ...]:
        """``changes`` without those an entry for ``ref`` ignores."""
        if not self._entries or not changes:
            return changes
        paths = [
            p
            for selectors, p in self._entries
            if not selectors or any(s.matches(ref) for s in selectors)
        ]
        if not paths:
            return changes
        patterns = [pattern for group in paths for pattern in group]
        kept = tuple(c for c in changes if not any(_covers(p, c.path) for p in patterns))
        self.ignored += len(changes) - len(kept)
        return kept


def _covers(pattern: str, path: str) -> bool:
    """``variables.*`` covers ``variables.region``; ``variables`` covers it too."""
    if fnmatch.fnmatchcase(path, pattern):
        return True
    return path.startswith(pattern) and path[len(pattern) : len(pattern) + 1] in (".", "[")


class DriftScan:
    """The drift of a fleet that streams past against an approved one, page by page.

    The approved side is one of:

    - a ``BaselineIndex`` (a snapshot file held as fingerprints: a record whose
      canonical JSON has its approved fingerprint is skipped, the others are read back
      from the file);
    - a ``Listing`` already in memory (the skip is the exact comparison, which costs
      less than fingerprinting both sides);
    - ``SortedRecords``: the approved file's records as they are read, in uuid order,
      for a fleet that arrives in uuid order too (``auditor diff`` of two snapshots,
      ``audit --input`` with a baseline file): the two are walked side by side, one
      record of each in memory, and a record whose text is the approved one's is the
      same (``add`` with ``texts``, or ``match`` then ``settle``).

    ``add`` takes the records (masked, after ``--filter``) in pages and keeps nothing
    of one that is unchanged; ``result`` gives the ``Drift``.
    """

    def __init__(
        self,
        baseline: BaselineIndex | Listing | SortedRecords,
        settings: DriftSettings,
        account: str | None,
    ) -> None:
        self._approved: _IndexSide | _ListingSide | SortedRecords = (
            _IndexSide(baseline)
            if isinstance(baseline, BaselineIndex)
            else _ListingSide(baseline)
            if isinstance(baseline, Listing)
            else baseline
        )
        self._account = account if account is not None else baseline.account
        self._ignore = _split_paths(settings.ignore_fields)
        self._unordered = _split_paths(settings.unordered_lists)
        self._scoped = ScopedIgnores(settings)
        self._added: list[AssistantRef] = []
        self._changed: list[AssistantChanges] = []

    def add(self, items: Iterable[tuple[str, Record]], texts: Iterable[bytes | None] = ()) -> None:
        """Compare ``(key, record)`` pairs; ``texts``, where given, holds each record's
        JSON text as a snapshot file holds it (a record read from one, as read): an
        approved record of the same text is the same record, with nothing encoded."""
        take = self._approved.take
        for (key, record), raw in zip_longest(items, texts):
            self._compared(record, take(key, record, raw))

    def match(self, keys: Sequence[str], texts: Sequence[bytes]) -> list[Matched]:
        """``add`` in two steps, for records known first by their text (checked by
        ``auditor.parallel``'s workers): the approved record of each key, and whether
        its text is the same (then the record itself is not needed). Then ``settle``.
        Only for an approved side walked beside the fleet (``SortedRecords``)."""
        approved = self._approved
        assert isinstance(approved, SortedRecords)
        found = []
        for key, text in zip(keys, texts, strict=True):
            entry = approved.match(key)
            found.append(Matched(key, entry, entry is not ADDED and entry.raw == text))
        return found

    def settle(self, matched: Sequence[Matched], records: Mapping[int, Record]) -> None:
        """The second step of ``add``: ``records`` holds the (masked) record of every
        match not ``same``, and of each one masking changed (its text is not the file's)."""
        approved = self._approved
        assert isinstance(approved, SortedRecords)
        for index, match in enumerate(matched):
            record = records.get(index)
            if record is None:
                assert match.same
                continue  # the same text, and nothing masked: the same record
            self._compared(record, approved.settle(match.approved, record, None))

    def walked(
        self,
        differing: Iterable[tuple[str, Record, Record | Any]],
        passed: Iterable[tuple[str, Record]],
    ) -> None:
        """Records another process walked beside the approved file (``auditor.parallel``):
        ``passed``, the approved records that none of them is (decoded), and
        ``differing``, each ``(key, record)`` whose text is not its approved record's
        with that record, decoded (``ADDED``: none). The others are the same."""
        approved = self._approved
        assert isinstance(approved, SortedRecords)
        for uuid, before in passed:
            approved.passed(uuid, before)
        for key, record, before in differing:
            self._compared(record, approved.walked(key, record, before))

    def _compared(self, record: Record, before: Record | None) -> None:
        """``record`` noted against ``before``, its approved record (``None``: the same;
        ``ADDED``: none)."""
        if before is None:
            return  # the same record: no deep comparison at all
        if before is ADDED:
            self._added.append(AssistantRef.of(record, self._account))
            return
        changes = _changes(before, record, self._ignore, self._unordered)
        ref = AssistantRef.of(record, self._account)
        changes = self._scoped.keep(ref, changes)
        if changes:
            self._changed.append(AssistantChanges(ref, changes))

    def result(self) -> Drift:
        """Added, removed and changed assistants, each in id order."""
        removed = [AssistantRef.of(r, self._account) for r in self._approved.rest()]
        return _drift(self._added, removed, self._changed, self._scoped.ignored)


ADDED: Any = object()
"""What an approved side's ``take`` gives for a uuid it does not hold."""


class _IndexSide:
    """An approved snapshot file as fingerprints (``BaselineIndex``)."""

    def __init__(self, index: BaselineIndex) -> None:
        self._index = index
        self._unseen = set(index)

    def take(self, key: str, record: Record, raw: bytes | None = None) -> Record | None:
        """``ADDED``, ``None`` when ``record`` (whose text is ``raw``, if known) is the
        approved one, else the approved one."""
        approved = self._index.fingerprint(key)
        if approved is None:
            return ADDED
        self._unseen.discard(key)
        if (raw is not None and text_fingerprint(raw) == approved) or fingerprint(
            record
        ) == approved:
            return None  # the same JSON text: no reading back
        before = self._index.record(key)
        return None if _identical(before, record) else before

    def rest(self) -> Iterator[Record]:
        """The approved records never taken."""
        return map(self._index.record, self._unseen)


class _ListingSide:
    """An approved listing in memory."""

    def __init__(self, listing: Listing) -> None:
        self._records = listing.assistants
        self._unseen = set(listing.assistants)

    def take(self, key: str, record: Record, raw: bytes | None = None) -> Record | None:
        before = self._records.get(key, ADDED)
        if before is ADDED:
            return ADDED
        self._unseen.discard(key)
        return None if _identical(before, record) else before

    def rest(self) -> Iterator[Record]:
        return map(self._records.__getitem__, self._unseen)


class Matched(NamedTuple):
    """A record known by its text, matched with its approved entry (``DriftScan.match``)."""

    key: str
    approved: SnapshotRecord | Any
    """The approved entry (``ADDED``: none)."""
    same: bool
    """Its text is the record's text."""


class OutOfOrder(Exception):
    """A side of a ``SortedRecords`` walk is not in uuid order: walk it another way."""


class SortedRecords:
    """The approved records as a snapshot reader yields them, in uuid order, taken side
    by side with a fleet in uuid order (both as auditor writes them).

    One record of each side is in memory. The reader may leave records undecoded
    (``SnapshotReader(decode=False)``): an approved record whose text is byte for byte
    tonight's is then the same record and is never decoded; the others are decoded by
    ``decoded`` (which raises ``SnapshotError`` for one that does not decode or check).
    Either side out of order raises ``OutOfOrder``. Of the approved records passed over
    (removed), only who they were (id, uuid, name) is kept; ``read_back``, when set, is
    given every approved record that was decoded, as ``CheckedBaseline`` is.
    """

    def __init__(
        self,
        entries: Iterable[SnapshotRecord],
        account: str | None,
        decoded: Callable[[SnapshotRecord], Record] = operator.attrgetter("record"),
    ) -> None:
        self.account = account
        self.read_back: Callable[[str, Record], None] | None = None
        self._entries = iter(entries)
        self._decoded = decoded
        self._passed: list[Record] = []
        self._added: set[str] = set()
        self._last: str | None = None  # the last uuid taken
        self._next: SnapshotRecord | None = None
        self._advance()

    def _advance(self) -> None:
        previous = self._next.uuid if self._next is not None else None
        self._next = next(self._entries, None)
        if self._next is not None and previous is not None and self._next.uuid <= previous:
            raise OutOfOrder

    def _record(self, entry: SnapshotRecord) -> Record:
        record = self._decoded(entry)
        if self.read_back is not None:
            self.read_back(entry.uuid, record)
        return record

    def take(self, key: str, record: Record, raw: bytes | None = None) -> Record | None:
        """``ADDED``, ``None`` when ``record`` (whose text is ``raw``, if known) is the
        approved one, else the approved one."""
        return self.settle(self.match(key), record, raw)

    def match(self, key: str) -> SnapshotRecord | Any:
        """The approved entry of ``key`` (``ADDED``: none), the approved records before it
        passed over (removed)."""
        if self._last is not None and key <= self._last:
            raise OutOfOrder
        self._last = key
        while self._next is not None and self._next.uuid < key:
            self._passed.append(_who(self._record(self._next)))
            self._advance()
        entry = self._next
        if entry is None or entry.uuid != key:
            self._added.add(key)
            return ADDED
        self._advance()
        return entry

    def settle(self, entry: Any, record: Record, raw: bytes | None) -> Record | None:
        """``take``'s answer for an approved ``entry`` (from ``match``)."""
        if entry is ADDED:
            return ADDED
        if raw is not None and raw == entry.raw:
            return None  # the same text: the same record, not even decoded
        before = self._record(entry)
        return None if _identical(before, record) else before

    def walked(self, key: str, record: Record, approved: Record | Any) -> Record | None:
        """``take`` for a record another process matched (``auditor.parallel``):
        ``approved`` is its approved record, decoded (``ADDED``: none)."""
        if approved is ADDED:
            self._added.add(key)
            return ADDED
        if self.read_back is not None:
            self.read_back(key, approved)
        return None if _identical(approved, record) else approved

    def passed(self, uuid: str, approved: Record) -> None:
        """An approved record another process passed over (removed), decoded."""
        if self.read_back is not None:
            self.read_back(uuid, approved)
        self._passed.append(_who(approved))

    def __contains__(self, uuid: object) -> bool:
        """For a uuid taken: whether the approved side holds it."""
        return uuid not in self._added

    def rest(self) -> Iterator[Record]:
        """The approved records never taken (the reader is read to its end)."""
        while self._next is not None:
            self._passed.append(_who(self._record(self._next)))
            self._advance()
        return iter(self._passed)


def _who(record: Record) -> Record:
    """What ``AssistantRef.of`` reads of a record."""
    return {key: record[key] for key in ("id", "uuid", "name") if key in record}


def merge_drifts(drifts: Sequence[Drift]) -> Drift:
    """One drift for several accounts, in account order."""
    return Drift(
        added=tuple(a for d in drifts for a in d.added),
        removed=tuple(a for d in drifts for a in d.removed),
        changed=tuple(c for d in drifts for c in d.changed),
        ignored=sum(d.ignored for d in drifts),
    )


# -- the cheap skip ----------------------------------------------------------------------------

_SCALARS = frozenset({str, int, float, bool, type(None)})


def _identical(a: Record, b: Record) -> bool:
    """``a`` and ``b`` are the same record: equal values of the same types, any key order."""
    return a == b and _same_types(a, b)


def _equal(x: Any, y: Any) -> bool:
    """``x == y`` without Python's ``1 == True == 1.0`` (C-speed ``==`` first)."""
    return x is y or (x == y and _same_types(x, y))


def _same_types(x: Any, y: Any) -> bool:
    """Given ``x == y``: every value inside has the same type on both sides.

    Equal dicts have the same keys and equal lists the same length, so the walk only
    looks at types; scalars are checked inline, since nearly every value is one.
    """
    kind = type(x)
    if kind is not type(y):
        return False
    if kind is dict or kind is list:
        for key, value in x.items() if kind is dict else enumerate(x):
            other = y[key]  # equal dicts have the same keys, equal lists the same length
            inner = type(value)
            if inner is not type(other) or (
                inner not in _SCALARS and not _same_types(value, other)
            ):
                return False
        return True
    if kind in _SCALARS:
        return True
    if isinstance(x, Mapping):
        return all(_same_types(value, y[key]) for key, value in x.items())
    if isinstance(x, (list, tuple)):
        return all(map(_same_types, x, y))
    return True


# -- canonical form ------------------------------------------------------------------------


def _split_paths(paths: Iterable[str]) -> Paths:
    return tuple(tuple(p.split(".")) for p in paths if p)


def _canonical(value: Any, here: tuple[str, ...], ignore: Paths, unordered: Paths) -> Any:
    """``value`` with ignored fields dropped and unordered lists sorted, at path ``here``."""
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            path = (*here, str(key))
            if path in ignore:
                continue
            out[str(key)] = _canonical(item, path, ignore, unordered)
        return out
    if isinstance(value, list):
        items = [_canonical(item, here, ignore, unordered) for item in value]
        if here in unordered:
            items.sort(key=_dump)
        return items
    return value


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=repr)


_MISSING: Any = object()


def _differing_fields(
    a: Record, b: Record, ignore: Paths, unordered: Paths
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The canonical forms of the top-level fields that differ, one dict per side.

    A field on one side only is in that side's dict alone. Fields equal as they stand
    are equal in canonical form too, so only the others are made canonical.
    """
    left: dict[str, Any] = {}
    right: dict[str, Any] = {}
    for key in a.keys() | b.keys():
        name = str(key)
        if (name,) in ignore:
            continue
        x, y = a.get(key, _MISSING), b.get(key, _MISSING)
        if x is not _MISSING and y is not _MISSING:
            if _equal(x, y):
                continue
            x = _canonical(x, (name,), ignore, unordered)
            y = _canonical(y, (name,), ignore, unordered)
            if _json_equal(x, y):
                continue  # only ignored parts, unordered list order, or NaN differ
            left[name], right[name] = x, y
        elif x is not _MISSING:
            left[name] = _canonical(x, (name,), ignore, unordered)
        else:
            right[name] = _canonical(y, (name,), ignore, unordered)
    return left, right


def _json_equal(x: Any, y: Any) -> bool:
    """Equal as JSON text would be: types kept apart, NaN equal to NaN (slow, exact)."""
    if x is y:
        return True
    kind = type(x)
    if kind is not type(y):
        return False
    if kind is float:
        return bool(x == y or (x != x and y != y))
    if isinstance(x, Mapping):
        return x.keys() == y.keys() and all(_json_equal(v, y[k]) for k, v in x.items())
    if isinstance(x, (list, tuple)):
        return len(x) == len(y) and all(map(_json_equal, x, y))
    return bool(x == y)


# -- deep comparison -------------------------------------------------------------------------


def _changes(a: Record, b: Record, ignore: Paths, unordered: Paths) -> tuple[Change, ...]:
    """The changes from ``a`` to ``b``, deepdiff run over the differing fields only."""
    left, right = _differing_fields(a, b, ignore, unordered)
    if not left and not right:
        return ()
    by_value = _unordered_changes(left, right, unordered)
    deep = _deep_changes(left, right) if left or right else ()
    if not by_value:
        return deep
    return tuple(sorted((*deep, *by_value), key=lambda change: change.path))


def _unordered_changes(
    left: dict[str, Any], right: dict[str, Any], unordered: Paths
) -> tuple[Change, ...]:
    """The elements removed from and added to each unordered list both sides hold, by
    value, and those lists taken out of ``left`` and ``right`` (canonical copies).

    An unordered list is a multiset: its sorted order says nothing, so ``tools[2]:
    removed`` would name a position that does not exist in either file. Instead, each
    element with no equal twin on the other side is one change at the list's own path
    (``tools: removed {…}``), as many times as it is missing; equal elements pair off.
    """
    changes: list[Change] = []
    for path in sorted(unordered):
        parents = [_parent(side, path) for side in (left, right)]
        before_parent, after_parent = parents
        if before_parent is None or after_parent is None:
            continue
        key = path[-1]
        before, after = before_parent.get(key), after_parent.get(key)
        if not (isinstance(before, list) and isinstance(after, list)):
            continue
        unmatched: dict[str, list[Any]] = {}
        for item in after:
            unmatched.setdefault(_dump(item), []).append(item)
        removed = []
        for item in before:
            twins = unmatched.get(_dump(item))  # equal canonical JSON: the same element
            if twins:
                twins.pop()
            else:
                removed.append(item)
        shown = ".".join(path)
        changes += [Change(shown, item, None, ChangeKind.REMOVED) for item in removed]
        changes += [
            Change(shown, None, item, ChangeKind.ADDED)
            for twins in unmatched.values()
            for item in twins
        ]
        del before_parent[key], after_parent[key]
    for name in [name for name in left if name in right and _json_equal(left[name], right[name])]:
        del left[name], right[name]  # a field whose only difference was the list
    return tuple(changes)


def _parent(side: Mapping[str, Any], path: tuple[str, ...]) -> dict[str, Any] | None:
    """The mapping that holds the last part of ``path`` in ``side``, if there is one."""
    node: Any = side
    for part in path[:-1]:
        node = node.get(part) if isinstance(node, Mapping) else None
    return node if isinstance(node, dict) and path[-1] in node else None


def _deep_changes(left: Mapping[str, Any], right: Mapping[str, Any]) -> tuple[Change, ...]:
    """deepdiff's tree of two canonical mappings as ``Change`` objects, sorted by path."""
    from deepdiff import DeepDiff

    # threshold_to_diff_deeper=0: two versions with few keys in common are still diffed
    # key by key (deepdiff's default reports them as one change of the whole mapping).
    tree = DeepDiff(
        left, right, view="tree", ignore_order=False, verbose_level=2, threshold_to_diff_deeper=0
    )
    changes: dict[str, Change] = {}
    for report_type, levels in tree.items():
        for level in levels:
            path = _path(level.path(output_format="list"))
            before = None if _absent(level.t1) else level.t1
            after = None if _absent(level.t2) else level.t2
            if report_type.endswith("_added"):
                kind = ChangeKind.ADDED
            elif report_type.endswith("_removed"):
                kind = ChangeKind.REMOVED
            elif report_type == "type_changes":
                kind = ChangeKind.TYPE_CHANGED
            else:
                kind = ChangeKind.CHANGED
            changes[path] = Change(path, before, after, kind, _unified(before, after))
    return tuple(changes[k] for k in sorted(changes))


def _absent(value: Any) -> bool:
    return type(value).__name__ == "NotPresent"


def _path(parts: Sequence[Any]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or WHOLE_RECORD


def _unified(before: Any, after: Any) -> str | None:
    if not (isinstance(before, str) and isinstance(after, str)):
        return None
    if max(len(before), len(after)) <= LONG_TEXT and "\n" not in before + after:
        return None
    lines = difflib.unified_diff(
        before.splitlines(), after.splitlines(), "before", "after", n=2, lineterm=""
    )
    return "\n".join(lines)


def _ref_order(ref: AssistantRef) -> tuple[Any, ...]:
    ident = ref.id
    numeric = is_orderable_number(ident)
    return (ref.account or "", 0 if numeric else 1, ident if numeric else 0, str(ident), ref.uuid)
