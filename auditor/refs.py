"""Every assistant's reference, held compactly: what a report keeps per assistant.

A report names every assistant it checked (``Report.assistants``: the JSON report lists
them, the summary counts them per account). As ``AssistantRef`` tuples with their uuid
and name strings, that is about 250 bytes of Python objects an assistant, most of what an
audit of a million keeps. ``AssistantRefs`` encodes each reference once, as the JSON
text ``[id, uuid, name, account]``, when it is added. The text stays in memory up to
``SPILL_BYTES`` (a fleet of some tens of thousands) and then goes to an unnamed
temporary file in ``TMPDIR``, gone once the references are (or the process is).

Memory keeps, per reference: 8 bytes (where its text ends), 8 more for its id when the
references are to be put in id order (``view(by_id=True)``, a live fetch, whose pages
arrive in any order), and 8 for the order itself when the pages did not come back in id
order. Reading back decodes the texts a run at a time and builds references equal to
those added, of the same types: an int id stays an int, a string id a string.

What JSON text does not hold exactly (an id that is a list, an object, NaN or some other
Python type; a field of a ``str`` subclass) is kept as the reference itself: APIs serve
whole-number ids, so such references are few.

``OrderedRefs`` is what the engine hands on: the references of one or more
``AssistantRefs`` in a chosen order (pages put back in order, then by id; the accounts one
after another), a read-only sequence that never copies them.
"""

from __future__ import annotations

import heapq
import os
import tempfile
import threading
import weakref
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import partial
from itertools import accumulate, chain, count, islice, pairwise, repeat, tee
from operator import add, eq, itemgetter, le
from typing import IO, Any, ClassVar, NamedTuple, overload

import orjson

from auditor import jsoncodec
from auditor.model import AssistantRef

SPILL_BYTES = 4 << 20
"""Text kept in memory before it goes to a temporary file (about 40,000 references)."""
READ_REFS = 1024
"""References decoded at a time when reading back."""
SORT_REFS = 1 << 16
"""Places sorted at a time for ``view(by_id=True)``, before the blocks are merged."""

_new_ref: Callable[[Iterable[Any]], AssistantRef] = partial(tuple.__new__, AssistantRef)
_id_of = itemgetter(0)
_account_of = itemgetter(3)
_EXACT = frozenset({int, str, bool, type(None)})
"""Values JSON text gives back as they were, of the same type (finite floats too, which
are looked at one by one)."""
_DENSE = 4
"""Places to be read back that are at least a quarter of the span they lie in are read
with the whole span (one read, one decode) rather than one run at a time."""
_KEPT = b"0"
"""The text in the place of a reference kept as it is."""


class _RefSequence(Sequence[AssistantRef]):
    """Equality with any sequence of the same references (a tuple, a list, another)."""

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, (tuple, list, _RefSequence)):
            return NotImplemented
        return len(self) == len(other) and all(map(eq, self, other))

    def __repr__(self) -> str:
        shown = list(islice(self, 20))
        more = f", … {len(self) - len(shown)} more" if len(self) > len(shown) else ""
        return f"{type(self).__name__}([{', '.join(map(repr, shown))}{more}])"


class AssistantRefs(_RefSequence):
    """References added in batches (``extend``), read back in the order added.

    ``track_ids``: keep every id as well, for ``view(by_id=True)``.
    """

    __hash__: ClassVar[None]  # type: ignore[assignment]  # it grows, like a list

    def __init__(
        self,
        refs: Iterable[AssistantRef] = (),
        *,
        track_ids: bool = False,
        spill_bytes: int = SPILL_BYTES,
    ) -> None:
        self._text = bytearray()
        """The texts, while they are in memory: each followed by a comma."""
        self._file: IO[bytes] | None = None
        """The texts, once spilled (then ``_text`` is empty)."""
        self._spill_bytes = spill_bytes
        self._ends = array("Q")
        """Where each reference's text ends (after its comma)."""
        self._kept: dict[int, AssistantRef] = {}
        """References JSON text does not hold exactly, by index, in ``_kept_at``'s order."""
        self._kept_at: list[int] = []
        self._exact = True
        """Every text is one ``orjson`` reads back as written (no big int, no surrogate)."""
        self._counts: dict[str | None, int] = {}
        """References per account, in first-seen order."""
        self._ids: array[int] | None = array("q") if track_ids else None
        """Every id, while they are all ints of 64 bits (``track_ids``)."""
        self._tracked = track_ids
        self._all_int = track_ids
        """Every id so far is an int (known with ``track_ids`` only)."""
        self._lock = threading.Lock()
        self.extend(refs)

    def __len__(self) -> int:
        return len(self._ends)

    def __iter__(self) -> Iterator[AssistantRef]:
        return self._read_range(range(len(self._ends)))

    @overload
    def __getitem__(self, index: int) -> AssistantRef: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[AssistantRef, ...]: ...

    def __getitem__(self, index: int | slice) -> AssistantRef | tuple[AssistantRef, ...]:
        places = range(len(self._ends))[index]
        if isinstance(places, range):
            return tuple(self._gather(places))
        return self._run(places, places + 1)[0]

    @property
    def spilled(self) -> bool:
        """Whether the texts are in a temporary file rather than in memory."""
        return self._file is not None

    def per_account(self) -> dict[str | None, int]:
        """How many references each account has, in first-seen order."""
        return dict(self._counts)

    def extend(self, refs: Iterable[AssistantRef]) -> None:
        """Add references (a list is taken as it is; best a few hundred at a time)."""
        batch = refs if isinstance(refs, list) else list(refs)
        if not batch:
            return
        accounts = list(map(_account_of, batch))
        texts = self._plain_texts(batch)
        if texts is None:
            first = len(self._ends)
            texts = [self._text_of(first + n, ref) for n, ref in enumerate(batch)]
        self._count(accounts)
        if self._all_int:
            self._note_ids(list(map(_id_of, batch)))
        self._write(texts)

    def encoded(self) -> EncodedRefs:
        """The references as their texts, to be added elsewhere as they are (another
        process's ``extend_encoded``: no reference decoded, pickled or encoded again)."""
        text = bytes(self._text)
        if self._file is not None:  # a batch of long names: read its file back
            with self._lock:
                self._file.flush()
                self._file.seek(0)
                text = self._file.read()
        return EncodedRefs(
            text,
            self._ends.tobytes(),
            {index: self._kept[index] for index in self._kept_at},
            self._exact,
            dict(self._counts),
        )

    def extend_encoded(self, refs: EncodedRefs) -> None:
        """Add the references another ``AssistantRefs`` gave as ``encoded()``."""
        if self._tracked:  # their ids are wanted: read them back the sure way
            plain = AssistantRefs()
            plain.extend_encoded(refs)
            self.extend(list(plain))
            return
        ends = array("Q")
        ends.frombytes(refs.ends)
        if not ends:
            return
        first, base = len(self._ends), self._ends[-1] if self._ends else 0
        self._ends.extend(map(add, ends, repeat(base)))
        for index, ref in refs.kept.items():
            self._kept[first + index] = ref
            self._kept_at.append(first + index)
        self._exact = self._exact and refs.exact
        for name, number in refs.counts.items():
            self._counts[name] = self._counts.get(name, 0) + number
        self._append(refs.text)

    def view(self, ranges: Iterable[range] | None = None, *, by_id: bool = False) -> OrderedRefs:
        """The references at ``ranges`` (each of step 1; default: all), in that order, and
        then with ``by_id`` as ``auditor.model.in_id_order`` orders them: by id (a stable
        sort) when every id is an int, else as they are."""
        spans = [range(len(self))] if ranges is None else [r for r in ranges if len(r)]
        if any(r.step != 1 for r in spans):
            raise ValueError("ranges of step 1 only")
        refs = OrderedRefs((self, r) for r in spans)
        if not by_id:
            return refs
        places = partial(chain.from_iterable, spans)
        ids = self._ids
        if ids is not None and self._all_int:
            if _ascending(map(ids.__getitem__, places())):
                return refs
            return OrderedRefs([(self, _sorted_places(places(), ids.__getitem__))])
        if self._tracked and not self._all_int and spans == [range(len(self))]:
            return refs  # some id is not an int
        served = [ref.id for ref in refs]
        if not all(type(i) is int for i in served) or _ascending(served):
            return refs
        at = list(places())
        by_served = sorted(range(len(served)), key=served.__getitem__)
        return OrderedRefs([(self, array("Q", (at[k] for k in by_served)))])

    # -- adding ----------------------------------------------------------------------------

    def _plain_texts(self, batch: list[AssistantRef]) -> list[bytes] | None:
        """The texts of a batch whose every field JSON holds exactly, encoded at C speed;
        ``None`` if one is odd (then each reference is looked at alone)."""
        if not set(map(type, chain.from_iterable(batch))) <= _EXACT:
            return None
        try:
            return list(map(orjson.dumps, map(tuple, batch)))
        except TypeError:  # an int beyond 64 bits, a lone surrogate
            return None

    def _text_of(self, index: int, ref: AssistantRef) -> bytes:
        if all(type(v) in _EXACT or (type(v) is float and v - v == 0.0) for v in ref):
            try:
                return orjson.dumps(tuple(ref))
            except TypeError:
                self._exact = False
                return jsoncodec.dumps(list(ref))
        self._kept[index] = ref
        self._kept_at.append(index)
        return _KEPT

    def _count(self, accounts: list[Any]) -> None:
        counts = self._counts
        names = dict.fromkeys(accounts)
        if len(names) == 1:
            (name,) = names
            counts[name] = counts.get(name, 0) + len(accounts)
            return
        for name in accounts:
            counts[name] = counts.get(name, 0) + 1

    def _note_ids(self, ids: list[Any]) -> None:
        if not set(map(type, ids)) <= {int}:
            self._all_int = False
            self._ids = None
            return
        if self._ids is not None:
            try:
                self._ids.extend(ids)
            except OverflowError:  # beyond 64 bits: read back when needed
                self._ids = None

    def _write(self, texts: list[bytes]) -> None:
        data = b",".join(texts) + b","
        end = self._ends[-1] if self._ends else 0
        # each text's end, after its comma: the sum of the lengths so far, plus one a text
        ends = map(add, accumulate(map(len, texts), initial=end), count())
        self._ends.extend(islice(ends, 1, None))
        self._append(data)

    def _append(self, data: bytes) -> None:
        """Texts whose ends are noted already, to the memory or the file."""
        if self._file is None:
            self._text += data
            if len(self._text) > self._spill_bytes:
                self._spill()
            return
        with self._lock:
            self._file.seek(0, os.SEEK_END)
            self._file.write(data)

    def _spill(self) -> None:
        spill = tempfile.TemporaryFile(prefix="auditor-refs-")  # noqa: SIM115 (finalize)
        weakref.finalize(self, spill.close)
        spill.write(self._text)
        self._file = spill
        self._text = bytearray()

    # -- reading back ----------------------------------------------------------------------

    def _read_range(self, places: range) -> Iterator[AssistantRef]:
        for start in range(places.start, places.stop, READ_REFS):
            yield from self._run(start, min(start + READ_REFS, places.stop))

    def _gather(self, places: Sequence[int]) -> Iterator[AssistantRef]:
        """The references at ``places``, ``READ_REFS`` at a time."""
        if isinstance(places, range) and places.step == 1:
            yield from self._read_range(places)
            return
        for start in range(0, len(places), READ_REFS):
            yield from self._pick(places[start : start + READ_REFS])

    def _pick(self, places: Sequence[int]) -> list[AssistantRef]:
        """The references at ``places``: the span they lie in read at once when they are
        dense in it (a page put back in id order), else each run of consecutive ones."""
        low, high = min(places), max(places) + 1
        if high - low <= _DENSE * len(places):
            span = self._run(low, high)
            return [span[place - low] for place in places]
        found: dict[int, AssistantRef] = {}
        wanted = sorted(set(places))
        first = 0
        for last in range(1, len(wanted) + 1):
            if last == len(wanted) or wanted[last] != wanted[last - 1] + 1:
                start, stop = wanted[first], wanted[last - 1] + 1
                found.update(zip(range(start, stop), self._run(start, stop), strict=True))
                first = last
        return [found[place] for place in places]

    def _run(self, start: int, stop: int) -> list[AssistantRef]:
        """The references ``start`` to ``stop`` (not included), decoded at once."""
        ends = self._ends
        begin = ends[start - 1] if start else 0
        end = ends[stop - 1] - 1  # without the last comma
        if self._file is None:
            with memoryview(self._text) as text:
                data = b"".join((b"[", text[begin:end], b"]"))
        else:
            with self._lock:
                self._file.flush()
                self._file.seek(begin)
                data = b"".join((b"[", self._file.read(end - begin), b"]"))
        values = orjson.loads(data) if self._exact else jsoncodec.loads(data)
        if self._kept_at:
            at = self._kept_at
            for index in at[bisect_left(at, start) : bisect_left(at, stop)]:
                values[index - start] = self._kept[index]
        return list(map(_new_ref, values))


def _sorted_places(places: Iterable[int], key: Callable[[int], Any]) -> array[int]:
    """``places`` in a stable sort by ``key``: ``SORT_REFS`` at a time, then merged (pages
    put back in id order are seldom far apart), so memory holds 16 bytes a place and one
    block's lists rather than a list and its keys for them all."""
    blocks: list[array[int]] = []
    rest = iter(places)
    while block := list(islice(rest, SORT_REFS)):
        block.sort(key=key)
        blocks.append(array("Q", block))
    if all(key(before[-1]) <= key(after[0]) for before, after in pairwise(blocks)):
        return array("Q", chain.from_iterable(blocks))
    return array("Q", heapq.merge(*blocks, key=key))


def _ascending(values: Iterable[Any]) -> bool:
    first, second = tee(values)
    next(second, None)
    return all(map(le, first, second))


Part = tuple[AssistantRefs, Sequence[int]]
"""Where some references are: their store and their places in it (a range or an array)."""


class EncodedRefs(NamedTuple):
    """``AssistantRefs.encoded()``: references as their texts, to be sent to another
    process as they are."""

    text: bytes
    ends: bytes
    """Where each text ends, an ``array('Q')`` as bytes."""
    kept: dict[int, AssistantRef]
    exact: bool
    counts: dict[str | None, int]


class OrderedRefs(_RefSequence):
    """The references of one or more ``AssistantRefs``, in a chosen order; read-only.

    What an ``Evaluation`` and a ``Report`` hold: it has a length and is read back as it
    is iterated, each time. Equal to any sequence of the same references; its hash is
    that tuple's (which reads them all).
    """

    def __init__(self, parts: Iterable[Part] = ()) -> None:
        merged: list[Part] = []
        for store, places in parts:
            if not len(places):
                continue
            if merged and isinstance(places, range) and merged[-1][0] is store:
                last = merged[-1][1]
                if isinstance(last, range) and last.step == 1 and last.stop == places.start:
                    merged[-1] = (store, range(last.start, places.stop))
                    continue
            merged.append((store, places))
        self._parts = tuple(merged)
        self._starts = list(accumulate((len(p) for _, p in merged), initial=0))

    @classmethod
    def joined(cls, sequences: Iterable[OrderedRefs]) -> OrderedRefs:
        """One after another (the accounts of an audit, in the order they were read)."""
        return cls(chain.from_iterable(s._parts for s in sequences))

    def __len__(self) -> int:
        return self._starts[-1]

    def __iter__(self) -> Iterator[AssistantRef]:
        for store, places in self._parts:
            yield from store._gather(places)

    def __hash__(self) -> int:
        return hash(tuple(self))

    @overload
    def __getitem__(self, index: int) -> AssistantRef: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[AssistantRef, ...]: ...

    def __getitem__(self, index: int | slice) -> AssistantRef | tuple[AssistantRef, ...]:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(len(self))[index])
        at = range(len(self))[index]
        part = bisect_right(self._starts, at) - 1
        store, places = self._parts[part]
        place = places[at - self._starts[part]]
        return store._run(place, place + 1)[0]

    def per_account(self) -> dict[str | None, int]:
        """How many references each account has, in first-seen order; counted as they
        were added, without reading them back (unless a store of several accounts is
        only partly here)."""
        counts: dict[str | None, int] = {}
        for store, places in self._parts:
            found: Mapping[str | None, int] = store._counts
            if len(found) > 1 and places != range(len(store)):
                found = _counted(store._gather(places))
            elif len(found) == 1:
                found = dict.fromkeys(found, len(places))
            for name, number in found.items():
                counts[name] = counts.get(name, 0) + number
        return counts


def _counted(refs: Iterable[AssistantRef]) -> dict[str | None, int]:
    counts: dict[str | None, int] = {}
    for ref in refs:
        counts[ref.account] = counts.get(ref.account, 0) + 1
    return counts
