"""The approved baseline of an audit, held as fingerprints instead of records.

A baseline of 100,000 assistants is a 300 MB file and over a gigabyte as Python dicts.
An audit only needs, per assistant, whether the live record is the same as the approved
one, and the approved record itself for the few that are not. So the file is read one
record at a time (``auditor.snapshot.stream_snapshot``) and each record is kept as 28
bytes: a 16-byte BLAKE2b fingerprint of its canonical JSON (keys sorted, no spaces),
and where its text sits in the file. A record is read again from the file only when
its live twin has another fingerprint, or when it has no live twin at all.

The fingerprint is the hash SPEC §4 speaks of. Equal fingerprints mean equal JSON text,
so a skipped pair is identical as drift defines it; unequal fingerprints only mean
"look closer" (``-0.0`` and ``0.0``, or a field drift ignores), and the full comparison
of ``auditor.drift`` decides.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable, Iterator, Mapping
from hashlib import blake2b
from pathlib import Path
from typing import Any

from auditor.errors import SnapshotError
from auditor.model import Record
from auditor.snapshot import Span, Take, read_record, stream_snapshot

_ENTRY = struct.Struct("<16sQI")
"""fingerprint, byte offset, byte length"""
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=repr)


def fingerprint(record: Any) -> bytes:
    """16 bytes that differ between records whose canonical JSON differs (BLAKE2b)."""
    text = _CANONICAL.encode(record)  # ASCII: ensure_ascii escapes everything else
    return blake2b(text.encode("ascii"), digest_size=16).digest()


class BaselineIndex:
    """One account's approved snapshot: a fingerprint and a file place per assistant.

    ``keep`` (``--filter``) drops the records it does not select, as if they were not
    in the file. Records that could not be streamed (see ``stream_snapshot``) are kept
    whole instead.

    ``also`` sees the records as they stream past (for the audit to check the policies
    on the baseline in the same read): it is called when the records begin (again, if
    the reader has to start over) and returns what each kept record is given to.
    """

    def __init__(
        self,
        path: Path,
        keep: Callable[[Record], bool] | None = None,
        also: Callable[[], Callable[[str, Record], None]] | None = None,
    ) -> None:
        self.path = path
        self._keep = keep
        self._also = also
        self._entries: dict[str, bytes] = {}
        self._whole: dict[str, Record] = {}
        header = stream_snapshot(path, self._start)
        self.source = header.source
        self.fetched_at = header.fetched_at
        self.account = header.account

    def _start(self, header: Mapping[str, Any]) -> Take:
        self._entries, self._whole = {}, {}
        entries, whole, keep = self._entries, self._whole, self._keep
        pack = _ENTRY.pack
        also = self._also() if self._also is not None else None

        def take(uuid: str, record: Record, span: Span | None) -> None:
            if keep is not None and not keep(record):
                return
            if also is not None:
                also(uuid, record)
            if span is None:
                whole[uuid] = record
                span = (0, 0)
            entries[uuid] = pack(fingerprint(record), *span)

        return take

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
        try:
            record = read_record(self.path, (offset, length))
        except (OSError, ValueError, SnapshotError):  # gone, or no longer a regular file
            record = None
        if not isinstance(record, dict) or fingerprint(record) != digest:
            raise SnapshotError(
                f"snapshot {self.path} changed while the audit was reading it; run again"
            )
        return record


def baseline_file(baseline: Path, account: str | None) -> Path:
    """The snapshot file holding ``account``'s baseline.

    A single account uses the file itself; with named accounts the baseline may be a
    folder with one ``<account>.json`` per account.
    """
    if account is not None and (baseline.is_dir() or baseline.suffix == ""):
        return baseline / f"{account}.json"
    return baseline
