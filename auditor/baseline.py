"""The approved baseline of an audit, held as fingerprints instead of records.

A baseline of a large fleet is a file of hundreds of megabytes, and several times that
as Python dicts. An audit only needs, per assistant, whether the live record is the
same as the approved one, and the approved record itself for the few that are not. So
the file is read one record at a time (``auditor.snapshot.SnapshotReader``) and each
record is kept as 28 bytes: a 16-byte BLAKE2b fingerprint of its text as the file holds
it, and where that text sits in the file. A record is read again from the file only
when its live twin has another fingerprint, or when it has no live twin at all.

The fingerprint is the hash SPEC §4 speaks of. A live record's fingerprint is that of
the text the snapshot writer gives it (``auditor.snapshot.encode_record``), so for a
file auditor wrote, equal fingerprints mean equal text, and equal text reads back as
equal records: a skipped pair is identical as drift defines it. Unequal fingerprints
only mean "look closer" (``-0.0`` and ``0.0``, a field drift ignores, a file written
by hand with other spacing), and the full comparison of ``auditor.drift`` decides.

The index can be built on a thread (``in_background(BaselineIndex, path)``) while the first
pages of the live listing are in flight.
"""

from __future__ import annotations

import json
import struct
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import partial
from hashlib import blake2b
from pathlib import Path
from typing import Any, Generic, ParamSpec, TypeVar

from auditor.errors import SnapshotError
from auditor.model import Record
from auditor.snapshot import (
    ReadWhole,
    SnapshotReader,
    Span,
    decode_record,
    encode_record,
    read_span,
)

P = ParamSpec("P")
T = TypeVar("T")
_ENTRY = struct.Struct("<16sQI")
"""fingerprint, byte offset, byte length"""
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=repr)


def fingerprint(record: Any, *, finite: bool = False) -> bytes:
    """16 bytes that differ between records whose snapshot text differs (BLAKE2b):
    the fingerprint of the bytes a snapshot holds for ``record`` (``finite``: the
    record came from ``jsoncodec.decode``, see ``encode_record``)."""
    try:
        text = encode_record(record, finite=finite)
    except (TypeError, ValueError):  # not JSON: never equal to a file's record
        text = b"\x00" + _CANONICAL.encode(record).encode("ascii")
    return text_fingerprint(text)


def text_fingerprint(text: bytes) -> bytes:
    """The fingerprint of a record's JSON text as a snapshot file holds it."""
    return blake2b(text, digest_size=16).digest()


class BaselineIndex:
    """One account's approved snapshot: a fingerprint and a file place per assistant.

    ``selected`` (``--filter``) drops the records it does not select, as if they were
    not in the file. Records of a file read whole (see ``SnapshotReader``) are kept
    whole instead.
    """

    def __init__(
        self,
        path: Path,
        selected: Callable[[Record], bool] | None = None,
    ) -> None:
        self.path = path
        self._selected = selected
        self._entries: dict[str, bytes] = {}
        self._whole: dict[str, Record] = {}
        with SnapshotReader(path) as snapshot:
            try:
                self._index(snapshot)
                header = snapshot.listing
            except ReadWhole as whole:
                header = whole.listing
                self._index_whole(whole.listing.assistants)
        self.source = header.source
        self.fetched_at = header.fetched_at
        self.account = header.account

    def _index(self, snapshot: Iterable[tuple[str, Record, Span | None, bytes | None]]) -> None:
        entries, whole, selected = self._entries, self._whole, self._selected
        pack = _ENTRY.pack
        for uuid, record, span, raw in snapshot:
            if selected is not None and not selected(record):
                continue
            if span is None or raw is None:
                whole[uuid] = record
                entries[uuid] = pack(fingerprint(record), 0, 0)
            else:
                entries[uuid] = pack(text_fingerprint(raw), *span)

    def _index_whole(self, records: Mapping[str, Record]) -> None:
        self._entries.clear()
        self._whole.clear()
        self._index((uuid, record, None, None) for uuid, record in records.items())

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, uuid: object) -> bool:
        return uuid in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def fingerprint(self, uuid: str) -> bytes | None:
        """The fingerprint of ``uuid``'s approved record, ``None`` when it has none."""
        entry = self._entries.get(uuid)
        return entry[:16] if entry is not None else None

    def record(self, uuid: str) -> Record:
        """``uuid``'s approved record, read again from the file."""
        if uuid in self._whole:
            return self._whole[uuid]
        digest, offset, length = _ENTRY.unpack(self._entries[uuid])
        record: Any = None
        try:
            raw = read_span(self.path, (offset, length))
            if text_fingerprint(raw) == digest:
                record = decode_record(raw)
        except (OSError, ValueError, SnapshotError):  # gone, or no longer a regular file
            record = None
        if not isinstance(record, dict):
            raise SnapshotError(
                f"snapshot {self.path} changed while the audit was reading it; run again"
            )
        return record


class Pending(Generic[T]):
    """What ``build`` returns, being made on a daemon thread."""

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="auditor-baseline", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._build()
        except BaseException as exc:  # raised again by result(), on the caller's thread
            self._error = exc

    def result(self) -> T:
        """The value, once made; what making it raised, raised here."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._value is not None
        return self._value


def in_background(build: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Pending[T]:
    """``build(*args, **kwargs)`` on a thread: ``in_background(BaselineIndex, path)``
    indexes a baseline while the first pages of the live listing are in flight."""
    return Pending(partial(build, *args, **kwargs))


def baseline_file(baseline: Path, account: str | None) -> Path:
    """The snapshot file holding ``account``'s baseline.

    A single account uses the file itself; with named accounts the baseline may be a
    folder with one ``<account>.json`` per account.
    """
    if account is not None and (baseline.is_dir() or baseline.suffix == ""):
        return baseline / f"{account}.json"
    return baseline
