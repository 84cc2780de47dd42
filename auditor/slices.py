"""Snapshot files laid out as auditor writes them, cut into byte ranges of whole
records that worker processes read on their own (``auditor.parallel``).

auditor writes a snapshot with two spaces of indent, its records in uuid order, each
one opened on a line of its own: ``\\n    "<uuid>": {``. Nothing else in the file starts
a line that way (a record's members sit deeper, and JSON text never holds a raw line
break), so the records can be found without reading what is between them:

- ``layout`` finds the first record and the line that closes the records, and checks
  the fields around them (``count`` once the records are counted);
- ``cuts`` finds a record about every ``step`` bytes, by its opening line;
- ``ranges`` cuts an input and its baseline at the same uuids: each range holds the
  records of one stretch of uuids of each file, so a worker walks both side by side;
- ``records`` reads one range and hands out its ``(uuid, text)`` pairs.

Nothing is taken on trust. A range must be exactly whole records joined by commas, in
strictly rising uuid order within its stretch (so no uuid can come twice), and each
record's text is decoded and checked by the worker as the reader would. The ranges
join end to end, from the first record to the closing line; the fields before and after
are read as JSON. What does not fit raises ``Unsliced`` (a file in another layout or
order, or damaged), and the caller reads the file another way, which names what is
wrong. A worker opening the file checks it is the one that was cut (device, inode, size
and modification time), so a file replaced meanwhile is not read in pieces of two.
"""

from __future__ import annotations

import json
import os
import re
from bisect import bisect_right
from collections.abc import Sequence
from functools import partial
from itertools import pairwise
from pathlib import Path
from typing import Any, NamedTuple

from auditor.errors import SnapshotError
from auditor.jsoncodec import noting_repeats
from auditor.localfile import open_regular
from auditor.model import Listing
from auditor.snapshot import checked_listing

_OPENING = re.compile(rb'\n    "([^"\\\x00-\x1f]*)": \{')
"""A record's opening line (its key has no escapes: its UTF-8 is its value)."""
_CLOSING = b"\n    }\n  }"
"""The last record's closing line, then the line that closes the records."""
_RECORD_END = b"\n    }"
_RECORDS_END = b"\n  }"
_ASSISTANTS = b'"assistants": {'
_EDGE = 1 << 20
"""Bytes looked through for the first record and for the closing line: auditor writes a
few hundred bytes of fields around the records."""
_PROBE = 1 << 16
"""Bytes read at a time to find a record's opening line."""
_TAGGED = b'"\\u0000'
"""Text auditor writes for values JSON cannot carry (``snapshot.untag``)."""


class Unsliced(Exception):
    """The file cannot be cut as auditor writes it: read it another way."""


class FileId(NamedTuple):
    """A file as it was when it was cut: a worker reads it only if it is still that."""

    path: str
    device: int
    inode: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: str, fd: int) -> FileId:
        info = os.fstat(fd)
        return cls(path, info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)

    def open(self) -> int:
        """A descriptor of the file, if it is still the one that was cut."""
        try:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except OSError as exc:
            raise Unsliced(f"{self.path}: {exc}") from None
        if FileId.of(self.path, fd) != self:
            os.close(fd)
            raise Unsliced(f"{self.path} changed while it was read")
        return fd


class Layout(NamedTuple):
    """Where a snapshot's records are, and its other fields."""

    file: FileId
    first: int
    """The offset of the first record's opening line."""
    end: int
    """The offset of the line that closes the records."""
    fields: dict[str, Any]
    """The fields besides ``assistants`` (``count`` is checked once they are counted)."""

    def listing(self, count: int) -> Listing:
        """The snapshot's fields checked as the reader checks them, with ``count``
        records read, and the file still the one that was cut."""
        os.close(self.file.open())
        try:
            return checked_listing(self.fields, self.file.path, count)
        except SnapshotError as exc:
            raise Unsliced(str(exc)) from None  # read another way, the reader says it


class Cut(NamedTuple):
    """A record's opening line: its offset, and its uuid."""

    offset: int
    uuid: str


class Range(NamedTuple):
    """One file's records from ``start`` up to ``stop`` (offsets of opening lines, or of
    the closing line for the last range)."""

    file: FileId
    start: int
    stop: int
    last: bool
    """Whether the range ends at the closing line (then no comma follows it)."""


class Stretch(NamedTuple):
    """The records of uuids ``low`` (included) up to ``high`` (excluded; ``None``: no
    bound) in an input and, if there is one, its baseline."""

    low: str | None
    high: str | None
    input: Range
    baseline: Range | None


def layout(path: Path) -> Layout:
    """Where the records of the snapshot at ``path`` are (``Unsliced``: not laid out as
    auditor writes it, or not a file the reader would read)."""
    try:
        with open_regular(path, "snapshot", error=SnapshotError) as handle:
            fd = handle.fileno()
            file = FileId.of(str(path), fd)
            head = os.pread(fd, _EDGE, 0)
            tail_at = max(0, file.size - _EDGE)
            tail = os.pread(fd, file.size - tail_at, tail_at)
    except (SnapshotError, OSError) as exc:
        raise Unsliced(str(exc)) from None
    opening = _OPENING.search(head)
    closing = tail.rfind(_CLOSING)
    if opening is None or closing < 0:
        raise Unsliced("no records on lines of their own")
    first, end = opening.start(), tail_at + closing + len(_RECORD_END)
    if end <= first:
        raise Unsliced("the records overlap their fields")
    return Layout(file, first, end, _fields(head[:first], tail[end - tail_at :]))


def _fields(before: bytes, after: bytes) -> dict[str, Any]:
    """The fields of a snapshot around its records (``{"assistants": {}, …}`` once the
    records are left out), the records the value of its own ``assistants``: what is
    before them opens that member of the top object, what is after closes it."""
    if not before.endswith(_ASSISTANTS):  # after starts with _RECORDS_END (``layout``)
        raise Unsliced("the records are not the assistants")
    opened = before[: -len(_ASSISTANTS)].rstrip().removesuffix(b",") + b"}"
    closed = b"{" + after[len(_RECORDS_END) :].lstrip().removeprefix(b",")
    text = before + after
    if _TAGGED in text:
        raise Unsliced("tagged fields")  # the reader untags them; leave it to the reader

    twice: list[tuple[dict[str, Any], str]] = []
    try:
        # Members of the top object alone before and after: ``assistants`` is its own.
        members = [json.loads(opened), json.loads(closed)]
        document = json.loads(text, object_pairs_hook=partial(noting_repeats, twice))
    except ValueError:
        raise Unsliced("the fields around the records are not JSON") from None
    if twice:
        raise Unsliced("a field twice")
    if not all(isinstance(part, dict) for part in members):
        raise Unsliced("the records are not the assistants")
    if not isinstance(document, dict) or document.get("assistants") != {}:
        raise Unsliced("the records are not the assistants")
    keys = list(document)
    if "account" in keys and keys.index("account") > keys.index("assistants"):
        raise Unsliced("account after the records")
    del document["assistants"]
    return document


def cuts(file: Layout, step: int) -> list[Cut]:
    """A record's opening line about every ``step`` bytes, from the first record on, in
    rising uuid order (``Unsliced`` when they are not)."""
    fd = file.file.open()
    try:
        first = _cut_at(fd, file.first, file.end)
        if first is None or first.offset != file.first:
            raise Unsliced("no first record")
        found = [first]
        for at in range(file.first + step, file.end, step):
            cut = _cut_at(fd, at, min(at + step, file.end))
            if cut is not None:
                if cut.uuid <= found[-1].uuid:
                    raise Unsliced("records out of uuid order")
                found.append(cut)
    finally:
        os.close(fd)
    return found


def _cut_at(fd: int, at: int, before: int) -> Cut | None:
    """The first opening line at or after ``at`` that starts before ``before``."""
    while at < before:
        window = os.pread(fd, _PROBE, at)
        opening = _OPENING.search(window)
        if opening is not None:
            offset = at + opening.start()
            return Cut(offset, _key(opening)) if offset < before else None
        if len(window) < _PROBE:
            return None
        at += _PROBE - 512  # an opening line cut by the window's end is found again
    return None


def _key(opening: re.Match[bytes]) -> str:
    try:
        return opening.group(1).decode("utf-8")
    except UnicodeDecodeError:
        raise Unsliced("a uuid that is not UTF-8") from None


def ranges(fleet: Layout, approved: Layout | None, step: int) -> list[Stretch]:
    """Both files cut at the same uuids: about one ``step`` of either file per stretch."""
    own = cuts(fleet, step)
    other = cuts(approved, step) if approved is not None else []
    bounds = sorted({cut.uuid for cut in own} | {cut.uuid for cut in other})[1:]
    lows, highs = [None, *bounds], [*bounds, None]

    def sides(file: Layout, cut: Sequence[Cut]) -> list[Range]:
        at = _offsets(file, cut, bounds)
        # A range up to the closing line is the last with records (those after it, if
        # the other file's uuids go on, are empty).
        return [Range(file.file, low, high, high == file.end) for low, high in pairwise(at)]

    fleet_sides = sides(fleet, own)
    approved_sides = sides(approved, other) if approved is not None else [None] * len(lows)
    return list(map(Stretch, lows, highs, fleet_sides, approved_sides))


def _offsets(file: Layout, own: Sequence[Cut], bounds: Sequence[str]) -> list[int]:
    """Where each of ``bounds`` starts in ``file`` (its first record of that uuid or a
    later one), with the first record's offset before and the closing line's after."""
    keys = [cut.uuid for cut in own]
    fd = file.file.open()
    try:
        found = [file.first]
        for bound in bounds:
            index = bisect_right(keys, bound) - 1  # the cut at or before the bound
            if index >= 0 and keys[index] == bound:
                found.append(own[index].offset)
                continue
            low = own[index].offset if index >= 0 else file.first
            high = own[index + 1].offset if index + 1 < len(own) else file.end
            found.append(_first_from(fd, bound, max(low, found[-1]), high))
        found.append(file.end)
    finally:
        os.close(fd)
    return found


def _first_from(fd: int, bound: str, low: int, high: int) -> int:
    """The offset of the first record from ``low`` on whose uuid is ``bound`` or more
    (``high``: none before it), by halving the bytes between (the file in uuid order;
    when it is not, the ranges come out wrong and ``records`` says so)."""
    found = high
    while high - low > _PROBE:
        middle = (low + high) // 2
        probe = _cut_at(fd, middle, high)
        if probe is not None and probe.uuid < bound:
            low = probe.offset + 1
            continue
        if probe is not None:
            found = probe.offset  # none starts between the middle and it
        high = middle
    cut = _cut_at(fd, low, high)
    while cut is not None and cut.uuid < bound:
        cut = _cut_at(fd, cut.offset + 1, high)
    return cut.offset if cut is not None else found


def records(part: Range, low: str | None, high: str | None) -> list[tuple[str, bytes]]:
    """The ``(uuid, text)`` of each record in ``part``, every uuid in ``[low, high)`` and
    each above the one before (``Unsliced`` for anything else)."""
    if part.start == part.stop:
        return []
    fd = part.file.open()
    try:
        data = os.pread(fd, part.stop - part.start, part.start)
    finally:
        os.close(fd)
    if len(data) != part.stop - part.start:
        raise Unsliced(f"{part.file.path} is shorter than it was")
    end = len(data) if part.last else len(data) - 1
    if not part.last and data[-1:] != b",":
        raise Unsliced("a range that does not end between records")
    found: list[tuple[str, bytes]] = []
    before = low
    opening = _OPENING.match(data)
    if opening is None:
        raise Unsliced("a range that does not start at a record")
    while opening is not None:
        uuid = _key(opening)
        if before is not None and (uuid < before or (uuid == before and found)):
            raise Unsliced("records out of uuid order")
        following = _OPENING.search(data, opening.end())
        stop = following.start() - 1 if following is not None else end
        if following is not None and data[stop] != 0x2C:  # ","
            raise Unsliced("records not joined by commas")
        text = data[opening.end() - 1 : stop]
        if not text.endswith(_RECORD_END):
            raise Unsliced("a record not closed on a line of its own")
        found.append((uuid, text))
        before = uuid
        opening = following
    if high is not None and before is not None and before >= high:
        raise Unsliced("records out of uuid order")
    return found
