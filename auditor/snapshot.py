"""Snapshot files: the fleet as JSON, written atomically, read back with a full check.

Format (SPEC §4)::

    {"schema_version": 1, "tool_version": "0.1.0", "source": "https://…/api",
     "fetched_at": "2026-11-24T03:00:00Z", "count": 47,
     "assistants": {"<uuid>": {…record…}, …}}

Keys are sorted and the JSON is indented, so the same fleet always gives the same bytes
(and a readable ``git diff``). Secret-looking values are stored as stable salted hash
markers (``auditor.secretscan``): a rotated key still shows as drift, but no key is
ever on disk. A damaged file is an error naming the file and the fault — never an
empty fleet.

Neither side holds the fleet as one text: the writer encodes one record at a time
(``encode_record``, the fast codec with the standard library as its reference), and a
live listing is spilled as its pages arrive (``SnapshotSpill``); the reader hands out
one record at a time with its place and bytes in the file (``SnapshotReader``), so
that a baseline can be held as fingerprints (``auditor.baseline``).
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from array import array
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from functools import partial
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from auditor import jsoncodec
from auditor._version import __version__
from auditor.atomic import atomic_write
from auditor.depth import MAX_DEPTH, too_deep
from auditor.errors import SnapshotError
from auditor.jsonstream import CHUNK as _CHUNK
from auditor.jsonstream import CannotFollow, ObjectReader, Span
from auditor.localfile import BoundedFile, open_regular, read_bounded
from auditor.model import Listing, Record
from auditor.secretscan import mask_secrets

SCHEMA_VERSION = 1
PREVIOUS_SUFFIX = ".prev"


def mask_listing(listing: Listing) -> Listing:
    """The same listing with every secret-looking string replaced by its marker.

    The keys are masked like the records' ``uuid`` fields, so the two still agree.
    """
    masked = {
        mask_secrets(uuid): mask_secrets(dict(record))
        for uuid, record in listing.assistants.items()
    }
    return Listing(listing.source, listing.fetched_at, masked, listing.account)


def snapshot_document(listing: Listing) -> dict[str, Any]:
    """The JSON document for ``listing`` (secrets masked)."""
    assistants = dict(mask_listing(listing).assistants)
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool_version": __version__,
        "source": listing.source,
        "fetched_at": listing.fetched_at,
        "count": len(assistants),
        "assistants": assistants,
    }
    if listing.account is not None:
        document["account"] = listing.account
    return document


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def iter_snapshot(listing: Listing, chunk_size: int = 1 << 20) -> Iterator[bytes]:
    """The bytes of ``dumps_snapshot``, about ``chunk_size`` at a time: never the whole
    text at once, and one record's Python form at a time beyond the listing itself."""
    assistants = mask_listing(listing).assistants
    entries = ((uuid, encode_record(assistants[uuid])) for uuid in sorted(assistants))
    header = SnapshotHeader(listing.source, listing.fetched_at, listing.account)
    return document_chunks(header, len(assistants), entries, chunk_size)


class SnapshotHeader(NamedTuple):
    """The fields of a snapshot besides its records."""

    source: str
    fetched_at: str
    account: str | None = None


def document_chunks(
    header: SnapshotHeader,
    count: int,
    entries: Iterable[tuple[str, bytes]],
    chunk_size: int = 1 << 20,
) -> Iterator[bytes]:
    """A snapshot's bytes from its header and its ``(uuid, encode_record(record))``
    entries in uuid order: the text ``json.dumps(snapshot_document(listing),
    sort_keys=True, indent=2, ensure_ascii=False)`` would give, with the tagged forms."""
    fields: dict[str, Any] = {
        "count": count,
        "fetched_at": header.fetched_at,
        "schema_version": SCHEMA_VERSION,
        "source": header.source,
        "tool_version": __version__,
    }
    if header.account is not None:
        fields["account"] = header.account
    lines = [f'  "{key}": {_strict_text(value, 1)}' for key, value in sorted(fields.items())]
    head = [line for line in lines if line < '  "assistants"']  # "account", when there is one
    opening = "{\n" + "".join(line + ",\n" for line in head) + '  "assistants": {'
    batch = [opening.encode()]
    held = 0
    separator = b"\n    "
    for uuid, text in entries:
        batch += (separator, encode_key(uuid), b": ", text)
        separator = b",\n    "
        held += len(text)
        if held >= chunk_size:
            yield b"".join(batch)
            batch, held = [], 0
    closing = "}" if separator == b"\n    " else "\n  }"
    rest = "".join(",\n" + line for line in lines[len(head) :])
    batch.append(f"{closing}{rest}\n}}\n".encode())
    yield b"".join(batch)


def encode_record(record: Any, *, finite: bool = False) -> bytes:
    """A (masked) record's JSON text as a snapshot holds it: keys sorted, indented as a
    value of ``assistants``, UTF-8, the tagged forms of ``TAG`` written (``finite``: the
    record came from ``jsoncodec.decode`` and holds no NaN, so the floats need no look).

    ``auditor.baseline`` fingerprints these bytes, so they must be the file's exactly."""
    fast = jsoncodec.fast_dumps(record, sort_keys=True, indent=2, finite=finite)
    if fast is not None and _TAGGED_BYTES not in fast:
        return fast.replace(b"\n", b"\n    ")
    return _strict_text(record, 2).encode("utf-8")


def encode_key(uuid: str) -> bytes:
    """A uuid as a key of ``assistants`` in a snapshot."""
    fast = jsoncodec.fast_dumps(uuid)
    if fast is not None and not fast.startswith(_TAGGED_BYTES):
        return fast
    return _strict_text(uuid, 0).encode("utf-8")


def _fix_text(text: str) -> str:
    """JSON text from the strict encoder with lone surrogates escaped, strings starting
    with U+0000 given one more (a string's opening quote is never after a backslash; an
    escaped quote inside a string always is), then the non-finite numbers written tagged.

    A lone surrogate (JSON allows ``"\\ud800"``, UTF-8 cannot hold it) is written as the
    same ``\\uXXXX`` escape it arrived as, so such a record round-trips exactly."""
    text = _escape_surrogates(text)
    if _TAGGED in text:
        text = _STRING_AT_TAG.sub(r'"\\u0000\\u0000', text)
    if _PLACEHOLDER in text:  # never in an encoded string: json escapes U+0001
        for word in _NON_FINITE:
            text = text.replace(f"{_PLACEHOLDER}{word}{_PLACEHOLDER}", f'"\\u0000{word}"')
    return text


def _strict_text(value: Any, level: int) -> str:
    """``value`` as the strict encoder writes it at nesting ``level``, tags written."""
    return _fix_text("".join(_STRICT.iterencode(value, level=level)))


TAG = "\x00"
"""Starts the strict-JSON stand-in for a number JSON has no word for.

RFC 8259 has no NaN or ±Infinity, yet an API's JSON (read by Python's parser) may hold
them, and drift must see them. A snapshot writes them as the strings ``"\\u0000NaN"``,
``"\\u0000Infinity"``, ``"\\u0000-Infinity"``; a real string (or key) that begins with
U+0000 is written with one more U+0000 in front, so no string from the API reads back as
a number, and each reads back as itself. Ordinary fleets hold no U+0000 and their bytes
are unchanged. Reading undoes both (``untag``).
"""
_NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
_TAGGED = '"\\u0000'
"""How a string beginning with ``TAG`` looks in JSON text (json escapes U+0000 so)."""
_STRING_AT_TAG = re.compile(r'(?<!\\)"\\u0000')
_TAGGED_BYTES = _TAGGED.encode()
_PLACEHOLDER = "\x01"
"""Brackets a non-finite number in the encoder's output until ``_fix_text`` tags it."""


class _StrictEncoder(json.JSONEncoder):
    """``json.JSONEncoder`` writing non-finite floats in the tagged form (strings that
    begin with ``TAG`` are given their second one by ``_fix_text``, as text: a Python
    call per string would slow every record down)."""

    def iterencode(self, o: Any, _one_shot: bool = False, *, level: int = 0) -> Iterator[str]:
        plain = json.encoder.encode_basestring  # strings starting with TAG: see _fix_text

        def encode_float(value: float) -> str:
            if value != value:
                return f"{_PLACEHOLDER}NaN{_PLACEHOLDER}"
            if value in (math.inf, -math.inf):
                word = "Infinity" if value > 0 else "-Infinity"
                return f"{_PLACEHOLDER}{word}{_PLACEHOLDER}"
            return float.__repr__(value)

        indent = (
            self.indent
            if isinstance(self.indent, str) or self.indent is None
            else " " * self.indent
        )
        iterencode = json.encoder._make_iterencode(  # type: ignore[attr-defined]
            {} if self.check_circular else None,
            self.default,
            plain,
            indent,
            encode_float,
            self.key_separator,
            self.item_separator,
            self.sort_keys,
            self.skipkeys,
            _one_shot,
        )
        return iter(iterencode(o, level))


_STRICT = _StrictEncoder(sort_keys=True, indent=2, ensure_ascii=False)


def untag(value: Any) -> Any:
    """``value`` read from a snapshot with the tagged forms of ``TAG`` undone (in place
    for objects and arrays): ``"\\u0000NaN"`` is NaN again, ``"\\u0000\\u0000x"`` is
    ``"\\u0000x"``. Iterative, so depth is no danger."""
    if isinstance(value, str):
        return _untag_string(value)
    if not isinstance(value, (dict, list)):
        return value
    stack: list[Any] = [value]
    while stack:
        container = stack.pop()
        if isinstance(container, dict):
            if any(key[:2] == TAG + TAG for key in container):  # keys are never numbers
                members = list(container.items())
                container.clear()  # rebuilt in the same order, as the file has them
                container.update((_untag_key(key), item) for key, item in members)
            items: Any = container.items()
        else:
            items = enumerate(container)
        for place, item in list(items):
            if isinstance(item, str):
                if item[:1] == TAG:
                    container[place] = _untag_string(item)
            elif isinstance(item, (dict, list)):
                stack.append(item)
    return value


def _untag_key(key: str) -> str:
    return key[1:] if key[:2] == TAG + TAG else key


def _untag_string(text: str) -> Any:
    if text[:1] != TAG:
        return text
    rest = text[1:]
    if rest[:1] == TAG:
        return rest
    return _NON_FINITE.get(rest, text)  # a lone U+0000 we did not write: left as it is


def _escape_surrogates(text: str) -> str:
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def dumps_snapshot(listing: Listing) -> bytes:
    """Stable bytes: sorted keys, two-space indent, UTF-8, one trailing newline."""
    return b"".join(iter_snapshot(listing))


def write_snapshot(listing: Listing, path: Path, *, keep_previous: bool = False) -> None:
    """Write ``listing`` to ``path`` atomically; on any error ``path`` is untouched.

    With ``keep_previous``, the file being replaced is kept as ``<path>.prev``.
    """
    backup = previous_path(path) if keep_previous else None
    atomic_write(path, iter_snapshot(listing), backup=backup)


class SnapshotSpill(AbstractContextManager["SnapshotSpill"]):
    """A snapshot built as its records arrive, in any order, and written in uuid order.

    Each record is masked and encoded (``encode_record``) when it is added, and its
    bytes go to an unnamed temporary file; memory holds a place per uuid, not the fleet.
    ``chunks`` / ``write`` give the bytes ``dumps_snapshot`` gives for the same listing.
    Only masked text reaches the temporary file, and it is gone once closed.
    """

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="auditor-spill-")  # noqa: SIM115 (close)
        self._end = 0
        self._places: dict[str, int] = {}
        """uuid → where its text is in the spill: offset << 32 | length."""

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._file.close()

    def __len__(self) -> int:
        return len(self._places)

    def add(
        self, items: Iterable[tuple[str, Record]], *, finite: bool = False
    ) -> list[tuple[str, Record]]:
        """Mask, encode and keep the ``(uuid, record)`` items; returns them masked, as
        the snapshot keys them (``finite``: decoded by ``jsoncodec``, no NaN to look for)."""
        masked = [(mask_secrets(uuid), mask_secrets(dict(record))) for uuid, record in items]
        texts = [encode_record(record, finite=finite) for _, record in masked]
        self._file.write(b"".join(texts))
        places, end = self._places, self._end
        for (uuid, _), text in zip(masked, texts, strict=True):
            places[uuid] = end << 32 | len(text)
            end += len(text)
        self._end = end
        return masked

    def chunks(self, header: SnapshotHeader) -> Iterator[bytes]:
        """The snapshot's bytes, about a megabyte at a time."""
        places = self._places
        return document_chunks(header, len(places), self._entries(sorted(places)))

    def _entries(self, uuids: list[str]) -> Iterator[tuple[str, bytes]]:
        spill, places = self._file, self._places
        spill.flush()
        for uuid in uuids:
            place = places[uuid]
            spill.seek(place >> 32)
            yield uuid, spill.read(place & 0xFFFFFFFF)
        spill.seek(0, os.SEEK_END)

    def write(self, path: Path, header: SnapshotHeader, *, keep_previous: bool = False) -> None:
        """Write the snapshot to ``path`` atomically, as ``write_snapshot`` does."""
        backup = previous_path(path) if keep_previous else None
        atomic_write(path, self.chunks(header), backup=backup)


def previous_path(path: Path) -> Path:
    """Where ``write_snapshot(keep_previous=True)`` keeps the replaced file."""
    return path.with_name(path.name + PREVIOUS_SUFFIX)


def read_snapshot(path: Path) -> Listing:
    """Read and check a snapshot file; ``SnapshotError`` (exit 2) says what is wrong."""
    previous = previous_path(path)
    restore = f"restore it from {previous.name}" if previous.is_file() else "restore it"
    hint = f"{restore} or re-create it with 'auditor fetch'"
    raw = read_bounded(path, "snapshot", SnapshotError)  # a regular file, 2 GiB at most
    if not raw.strip():
        raise SnapshotError(f"snapshot {path} is empty; {hint}")
    try:  # decoded as json.loads(bytes) would, so error positions count characters
        text = raw.decode(json.detect_encoding(raw), "surrogatepass")
    except UnicodeDecodeError:
        raise SnapshotError(f"snapshot {path} is not UTF-8 text; {hint}") from None
    twice: list[tuple[dict[str, Any], str]] = []
    try:
        document = json.loads(text, object_pairs_hook=partial(jsoncodec.noting_repeats, twice))
    except json.JSONDecodeError as exc:
        cut = exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string")
        # json's own words ("Invalid control character at") read oddly out of context.
        why = "it ends early" if cut else exc.msg.removesuffix(" at").lower()
        what = "truncated" if cut else "not valid JSON"
        raise SnapshotError(
            f"snapshot {path} is {what} (line {exc.lineno}, column {exc.colno}: {why}); {hint}"
        ) from None
    except ValueError as exc:
        reason = jsoncodec.unusable(exc)
        raise SnapshotError(f"snapshot {path} is not usable JSON ({reason}); {hint}") from None
    except RecursionError:  # json's own parser recurses once per level
        raise SnapshotError(_too_deep_message(str(path), None)) from None
    # A second copy of an assistant would hide the first: fields and uuids given twice
    # are refused; inside a record json decides, as the streaming reader's decoder does
    # (auditor never writes a record with a key twice; checking each costs a walk).
    records = document.get("assistants") if isinstance(document, dict) else None
    for holder, key in twice:
        if holder is document or (holder is records and records is not None):
            what = "the field" if holder is document else "the assistant uuid"
            raise SnapshotError(
                f"snapshot {path} gives {what} {key[:80]!r} twice, and JSON gives no way to "
                f"tell which is meant; {hint}"
            )
    if _TAGGED in text:  # a number JSON has no word for, or a string starting with U+0000
        untag(document)
    return listing_from_document(document, str(path))


def listing_from_document(document: Any, where: str) -> Listing:
    """Check the shape of a parsed snapshot and turn it into a ``Listing``."""
    if not isinstance(document, Mapping):
        raise SnapshotError(f"snapshot {where} is not a snapshot: expected a JSON object")
    assistants = document.get("assistants")
    _check_header(document, where, assistants)
    assert isinstance(assistants, Mapping)
    records: dict[str, Record] = {}
    for uuid, record in assistants.items():
        check_record(uuid, record, where)
        records[uuid] = record
    return _listing(document, where, records)


def _check_header(document: Mapping[str, Any], where: str, assistants: Any) -> None:
    """Everything but the records; ``assistants`` is their mapping, or (streaming) how
    many there were."""
    version = document.get("schema_version")
    if version != SCHEMA_VERSION:
        if version is None:
            raise SnapshotError(
                f"snapshot {where} has no schema_version; is it an auditor snapshot?"
            )
        newer = isinstance(version, int) and version > SCHEMA_VERSION
        advice = "upgrade auditor to read it" if newer else "re-create it with 'auditor fetch'"
        raise SnapshotError(
            f"snapshot {where} has schema_version {version!r}; this auditor "
            f"({__version__}) reads schema_version {SCHEMA_VERSION}; {advice}"
        )
    if not isinstance(assistants, (Mapping, int)):
        raise SnapshotError(f"snapshot {where}: 'assistants' must be an object keyed by uuid")
    for key in ("source", "fetched_at"):
        if not isinstance(document.get(key), str):
            raise SnapshotError(f"snapshot {where}: '{key}' must be a string")
    count = document.get("count")
    if not isinstance(count, int) or isinstance(count, bool):
        raise SnapshotError(f"snapshot {where}: 'count' must be a whole number")
    held = assistants if isinstance(assistants, int) else len(assistants)
    if count != held:
        raise SnapshotError(
            f"snapshot {where} says count {count} but holds {held} assistants; the file is damaged"
        )


def check_record(uuid: str, record: Any, where: str, raw: bytes | None = None) -> None:
    """``raw``: the record's text, when known; the depth is only walked when it holds
    more brackets than ``MAX_DEPTH`` (each level opens one, and strings only add)."""
    if not isinstance(record, Mapping):
        raise SnapshotError(f"snapshot {where}: assistant {uuid!r} is not an object")
    if (raw is None or raw.count(b"{") + raw.count(b"[") > MAX_DEPTH) and too_deep(
        record, MAX_DEPTH
    ):  # nothing downstream need fear a RecursionError
        raise SnapshotError(_too_deep_message(where, uuid))
    if str(record.get("uuid")) != uuid:
        raise SnapshotError(
            f"snapshot {where}: assistant {uuid!r} has uuid {record.get('uuid')!r}; "
            "keys must match the records' uuid"
        )


def _too_deep_message(where: str, uuid: str | None) -> str:
    what = "it" if uuid is None else f"assistant {uuid!r}"
    return (
        f"snapshot {where}: {what} nests deeper than {MAX_DEPTH} levels, more than "
        "auditor reads; the file was not written by auditor, re-create it with 'auditor fetch'"
    )


def checked_listing(fields: Mapping[str, Any], where: str, count: int) -> Listing:
    """A snapshot's fields besides its records (``count`` of them read), checked as the
    reader checks them, as a ``Listing`` with no records."""
    _check_header(fields, where, count)
    return _listing(fields, where, {})


def _listing(document: Mapping[str, Any], where: str, records: Mapping[str, Record]) -> Listing:
    return Listing(
        source=document["source"],
        fetched_at=document["fetched_at"],
        assistants=records,
        account=header_account(document),
    )


def header_account(document: Mapping[str, Any]) -> str | None:
    """The account a snapshot names (``None``: none, or not a string)."""
    account = document.get("account")
    return account if isinstance(account, str) else None


# -- reading record by record --------------------------------------------------------------


UNDECODED: Record = MappingProxyType({})
"""The ``record`` of a ``SnapshotRecord`` the reader did not decode (``decode=False``)."""


class SnapshotRecord(NamedTuple):
    """One record of a snapshot as ``SnapshotReader`` reads it."""

    uuid: str
    record: Record
    """The record (``UNDECODED``: not decoded, see ``SnapshotReader(decode=False)``)."""
    span: Span | None
    """Where its text sits in the file (``None``: the file was read whole)."""
    raw: bytes | None = None
    """Its text as the file holds it (``None``: the file was read whole)."""


class ReadWhole(Exception):
    """The file is valid, but laid out so that the records already handed out are not
    what it holds (a uuid twice, ``account`` after the records): throw them away and
    take ``listing``, the file read whole. Never raised for a file auditor wrote."""

    def __init__(self, listing: Listing) -> None:
        super().__init__("the snapshot was read whole")
        self.listing = listing


class SnapshotReader:
    """A snapshot file one record at a time: its header first, then its records.

    ::

        with SnapshotReader(path) as snapshot:
            snapshot.header            # the fields before the records (``account``)
            for uuid, record, span, raw in snapshot: ...
            snapshot.listing           # the header, checked (``assistants`` empty)

    Memory stays at about a megabyte of text plus one record, whatever the file's size.
    The checks and errors are those of ``read_snapshot``: the records taken before an
    error are to be thrown away. A file the reader cannot follow is read whole (its
    records then have no span); when that is found out only after records were handed
    out, iterating raises ``ReadWhole`` with the whole listing.
    """

    def __init__(self, path: Path, *, decode: bool = True) -> None:
        self.path = path
        self._decode = decode
        """``False``: records laid out as auditor writes them come undecoded (``record``
        is ``None``, ``raw`` their text) and unchecked; ``decoded`` decodes and checks
        one. The others, and a file read whole, come decoded."""
        self.header: dict[str, Any] = {}
        """The fields before the records (in a file auditor wrote: ``account``, if any);
        every field when the file was read whole."""
        self._listing: Listing | None = None
        self._whole: Listing | None = None
        self._handle: BoundedFile | None = None
        self._reader: ObjectReader | None = None

    def __enter__(self) -> SnapshotReader:
        self._handle = open_regular(self.path, "snapshot", error=SnapshotError)
        try:
            self._reader = ObjectReader(self._handle, _CHUNK)
            self._read_header()
        except CannotFollow:
            self._read_whole()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    @property
    def listing(self) -> Listing:
        """The snapshot's header as a ``Listing`` with no records, once all were read."""
        if self._listing is None:
            raise RuntimeError("the records of the snapshot have not all been read")
        return self._listing

    def _read_header(self) -> None:
        reader = self._reader
        assert reader is not None
        reader.expect("{")
        while reader.more("}", first=not self.header):
            key = _untag_key(reader.key())
            if key in self.header:
                raise CannotFollow  # json keeps the last one; leave it to json
            if key == "assistants":
                reader.expect("{")
                return
            self.header[key] = _header_value(reader)
        raise CannotFollow  # no records at all: read whole for read_snapshot's message

    def _read_whole(self) -> None:
        self.close()
        self._whole = read_snapshot(self.path)  # the precise error, or the file is fine
        listing = self._whole
        fields = {"source": listing.source, "fetched_at": listing.fetched_at}
        self.header = {**fields, "account": listing.account} if listing.account else fields

    def __iter__(self) -> Iterator[SnapshotRecord]:
        if self._whole is not None:
            whole = self._whole
            for uuid, record in whole.assistants.items():
                yield SnapshotRecord(uuid, record, None)
            self._listing = Listing(whole.source, whole.fetched_at, {}, whole.account)
            return
        try:
            yield from self._records()
        except CannotFollow:
            self._read_whole()
            assert self._whole is not None
            raise ReadWhole(self._whole) from None

    def _records(self) -> Iterator[SnapshotRecord]:
        reader, header, where, decode = self._reader, self.header, str(self.path), self._decode
        assert reader is not None
        seen = _SeenKeys()
        problem: SnapshotError | None = None
        while reader.more("}", first=not seen.count):
            uuid = _untag_key(reader.key())
            if not seen.first(uuid):
                raise CannotFollow
            value, span, raw = reader.value(decode=decode)
            if value is None and not decode:
                yield SnapshotRecord(uuid, UNDECODED, span, raw)
                continue
            if _TAGGED_BYTES in raw:
                value = untag(value)
            if problem is None:
                try:
                    check_record(uuid, value, where, raw)
                except SnapshotError as exc:
                    problem = exc  # said after the header's checks, as read_snapshot does
                    continue
                yield SnapshotRecord(uuid, value, span, raw)
        fields = dict(header)
        while reader.more("}", first=False):
            key = _untag_key(reader.key())
            if key in fields or key == "assistants" or key == "account":
                raise CannotFollow  # the records were read without their account
            fields[key] = _header_value(reader)
        reader.end()
        self.close()
        listing = checked_listing(fields, where, seen.count)
        if problem is not None:
            raise problem
        self._listing = listing

    def decoded(self, entry: SnapshotRecord) -> Record:
        """``entry``'s record, decoded and checked as the reader checks the records it
        decodes (``SnapshotError`` if it is not a record this file may hold)."""
        if entry.record is not UNDECODED or entry.raw is None:
            return entry.record
        return checked_record(entry.uuid, entry.raw, str(self.path))


def checked_record(uuid: str, raw: bytes, where: str) -> Record:
    """The record of ``uuid`` from its text, decoded and checked as ``SnapshotReader``
    checks the records it decodes (``SnapshotError`` if this file may not hold it)."""
    try:
        record = decode_record(raw)
    except (ValueError, RecursionError):
        raise SnapshotError(f"snapshot {where}: assistant {uuid!r} is not valid JSON") from None
    check_record(uuid, record, where, raw)
    return record


class _SeenKeys:
    """The keys of ``assistants`` read so far, to find one given twice, in little
    memory: while they come in order (as auditor writes them) none can come again, and
    only their hashes are kept (8 bytes each); from the first out of order on, the
    hashes are a set. A hash seen before (a key twice, or two keys that collide)
    answers ``False``: the file is read whole, which decides."""

    def __init__(self) -> None:
        self.count = 0
        self._last: str | None = None
        self._hashes: array[int] | None = array("q")
        self._set: set[int] | None = None

    def first(self, key: str) -> bool:
        """Whether ``key`` may not have been seen before (then it is, from now on)."""
        self.count += 1
        digest = hash(key)
        if self._set is None:
            assert self._hashes is not None
            if self._last is None or key > self._last:
                self._last = key
                self._hashes.append(digest)
                return True
            self._set = set(self._hashes)
            self._hashes = None
        if digest in self._set:
            return False
        self._set.add(digest)
        return True


def _header_value(reader: ObjectReader) -> Any:
    value, _, raw = reader.value()
    return untag(value) if _TAGGED_BYTES in raw else value


def read_record(path: Path, span: Span) -> Any:
    """The JSON value at ``span`` of ``path`` (a record found by ``SnapshotReader``)."""
    return decode_record(read_span(path, span))


def read_span(path: Path, span: Span) -> bytes:
    """The bytes at ``span`` of ``path``."""
    offset, length = span
    with open_regular(path, "snapshot", error=SnapshotError) as handle:
        handle.seek(offset)
        return handle.read(length)


def decode_record(raw: bytes) -> Any:
    """A record's JSON text from a snapshot as its value, the tagged forms undone."""
    value = jsoncodec.loads(raw)
    return untag(value) if _TAGGED_BYTES in raw else value
