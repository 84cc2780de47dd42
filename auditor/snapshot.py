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
"""

from __future__ import annotations

import codecs
import itertools
import json
import math
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from auditor._version import __version__
from auditor.atomic import atomic_write, utf8_chunks
from auditor.depth import MAX_DEPTH, too_deep
from auditor.errors import SnapshotError
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
    """The bytes of ``dumps_snapshot``, about a megabyte at a time.

    ``json.dumps`` with an indent joins millions of small strings into one text: for
    100,000 assistants (a 300 MB file) that cost over 2 GB of memory. This costs a chunk.
    A lone surrogate (JSON allows ``"\\ud800"``, UTF-8 cannot hold it) is written as the
    same ``\\uXXXX`` escape it arrived as, so such a record round-trips exactly.
    """
    encoder = _StrictEncoder(sort_keys=True, indent=2, ensure_ascii=False)
    pieces = itertools.chain(encoder.iterencode(snapshot_document(listing)), ["\n"])
    return utf8_chunks(pieces, chunk_size, _fix_text)


def _fix_text(text: str) -> str:
    """Whole tokens of JSON text: lone surrogates escaped, strings starting with U+0000
    given one more (a string's opening quote is never after a backslash; an escaped
    quote inside a string always is), then the non-finite numbers written tagged."""
    text = _escape_surrogates(text)
    if _TAGGED in text:
        text = _STRING_AT_TAG.sub(r'"\\u0000\\u0000', text)
    if _PLACEHOLDER in text:  # never in an encoded string: json escapes U+0001
        for word in _NON_FINITE:
            text = text.replace(f"{_PLACEHOLDER}{word}{_PLACEHOLDER}", f'"\\u0000{word}"')
    return text


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
_PLACEHOLDER = "\x01"
"""Brackets a non-finite number in the encoder's output until ``_fix_text`` tags it."""


class _StrictEncoder(json.JSONEncoder):
    """``json.JSONEncoder`` writing non-finite floats in the tagged form (strings that
    begin with ``TAG`` are given their second one by ``_fix_text``, as text: a Python
    call per string would cost a third more time)."""

    def iterencode(self, o: Any, _one_shot: bool = False) -> Iterator[str]:
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
        return iter(iterencode(o, 0))


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
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        cut = exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string")
        # json's own words ("Invalid control character at") read oddly out of context.
        why = "it ends early" if cut else exc.msg.removesuffix(" at").lower()
        what = "truncated" if cut else "not valid JSON"
        raise SnapshotError(
            f"snapshot {path} is {what} (line {exc.lineno}, column {exc.colno}: {why}); {hint}"
        ) from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        reason = str(exc).split(";")[0]
        raise SnapshotError(f"snapshot {path} is not usable JSON ({reason}); {hint}") from None
    except RecursionError:  # json's own parser recurses once per level
        raise SnapshotError(_too_deep_message(str(path), None)) from None
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
        _check_record(uuid, record, where)
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


def _check_record(uuid: str, record: Any, where: str) -> None:
    if not isinstance(record, Mapping):
        raise SnapshotError(f"snapshot {where}: assistant {uuid!r} is not an object")
    if too_deep(record, MAX_DEPTH):  # nothing downstream need fear a RecursionError
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

Span = tuple[int, int]
"""Where a record's JSON text sits in its file: byte offset and length."""
Take = Callable[[str, Record, "Span | None"], None]
"""Receives each ``(uuid, record, span)`` of a streamed snapshot (span ``None``: the
record was read with the whole file and has no place of its own to go back to)."""

_CHUNK = 1 << 20
_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")


class _NotStreamable(Exception):
    """Something the record-by-record reader does not handle (a damaged file, an odd but
    valid layout): the whole file is read the usual way instead, which either raises the
    precise ``SnapshotError`` or returns the records."""


def stream_snapshot(path: Path, start: Callable[[Mapping[str, Any]], Take]) -> Listing:
    """Read ``path`` one record at a time; every record goes to the ``Take`` that
    ``start(header)`` returns. Returns the listing's header (``assistants`` empty).

    ``start`` is called when the records begin, with the fields before them (in a file
    auditor wrote: ``account``, when there is one). Memory stays at about a megabyte of
    text plus one record, whatever the file's size. The checks and errors are those of
    ``read_snapshot``: the records taken before an error are to be thrown away. A file
    the streaming reader cannot follow is read whole (``start`` is then called again,
    with every field, and the new ``Take`` gets every record).
    """
    try:
        return _stream(path, start)
    except _NotStreamable:
        pass
    listing = read_snapshot(path)  # the precise error, or the file is fine after all
    fields = {"source": listing.source, "fetched_at": listing.fetched_at}
    take = start({**fields, "account": listing.account} if listing.account else fields)
    for uuid, record in listing.assistants.items():
        take(uuid, record, None)
    return Listing(listing.source, listing.fetched_at, {}, listing.account)


def _stream(path: Path, start: Callable[[Mapping[str, Any]], Take]) -> Listing:
    where = str(path)
    with open_regular(path, "snapshot", error=SnapshotError) as handle:
        reader = _Reader(handle)
        header: dict[str, Any] = {}
        held = 0
        problem: SnapshotError | None = None
        reader.expect("{")
        while reader.more("}", first=not header):
            key = reader.key()
            if key in header:
                raise _NotStreamable  # json keeps the last one; leave it to json
            if key != "assistants":
                if key == "account" and "assistants" in header:
                    raise _NotStreamable  # the records were read without their account
                header[key] = reader.value()[0]
                continue
            take = start(dict(header))
            header[key] = None
            reader.expect("{")
            seen: set[str] = set()
            while reader.more("}", first=not seen):
                uuid = reader.key()
                if uuid in seen:
                    raise _NotStreamable
                seen.add(uuid)
                record, span = reader.value()
                held += 1
                if problem is None:
                    try:
                        _check_record(uuid, record, where)
                    except SnapshotError as exc:
                        problem = exc  # said after the header's checks, as read_snapshot does
                        continue
                    take(uuid, record, span)
        reader.end()
    if "assistants" not in header:
        raise _NotStreamable
    _check_header(header, where, held)
    if problem is not None:
        raise problem
    return _listing(header, where, {})


class _Reader:
    """JSON text read a chunk at a time: the punctuation of two levels of objects by
    hand, every key and value by the standard library's own scanner."""

    def __init__(self, handle: BoundedFile) -> None:
        self._handle = handle
        self._decode = codecs.getincrementaldecoder("utf-8")().decode
        self._text = ""
        self._pos = 0
        self._eof = False
        self._mark = 0  # a position in _text whose byte offset in the file is known:
        self._mark_byte = 0  # text is encoded once to find offsets, never searched back

    def _fill(self) -> bool:
        """Append the next chunk; False at the end of the file."""
        if self._eof:
            return False
        chunk = self._handle.read(_CHUNK)
        try:
            self._text += self._decode(chunk, final=not chunk)
        except UnicodeDecodeError:
            raise _NotStreamable from None
        self._eof = not chunk
        return True

    def _offset(self, pos: int) -> int:
        """The byte offset in the file of text position ``pos`` (≥ the last one asked)."""
        self._mark_byte += len(self._text[self._mark : pos].encode("utf-8"))
        self._mark = pos
        return self._mark_byte

    def _skip(self) -> str:
        """The next character after white space ('' at the end of the file)."""
        while True:
            match = _SPACE.match(self._text, self._pos)
            assert match is not None
            self._pos = match.end()
            if self._pos < len(self._text):
                return self._text[self._pos]
            if not self._fill():
                return ""

    def expect(self, char: str) -> None:
        if self._skip() != char:
            raise _NotStreamable
        self._pos += 1

    def more(self, close: str, first: bool) -> bool:
        """True before another member of an object, having read the comma before it;
        False after the last one, having read ``close``."""
        char = self._skip()
        if char == close:
            self._pos += 1
            return False
        if not first:
            if char != ",":
                raise _NotStreamable
            self._pos += 1
        return True

    def key(self) -> str:
        if self._pos > _CHUNK:  # drop what has been read (only here: no value is open)
            self._offset(self._pos)
            self._text = self._text[self._pos :]
            self._mark -= self._pos
            self._pos = 0
        if self._skip() != '"':
            raise _NotStreamable
        key, self._pos = self._decoded(_DECODER.raw_decode)  # a JSON string
        self.expect(":")
        if not isinstance(key, str):
            raise _NotStreamable
        return _untag_key(key)

    def value(self) -> tuple[Any, Span]:
        if not self._skip():
            raise _NotStreamable
        start = self._pos
        while True:
            value, end = self._decoded(_DECODER.raw_decode)
            # a number cut by the end of a chunk parses too: read on, then decode it again
            if end < len(self._text) or not self._fill():
                break
        self._pos = end
        if self._text.find(_TAGGED, start, end) >= 0:
            value = untag(value)
        first = self._offset(start)
        return value, (first, self._offset(end) - first)

    def _decoded(self, scan: Callable[[str, int], tuple[Any, int]]) -> tuple[Any, int]:
        """``scan`` at the current position, with more text read while it runs out."""
        while True:
            try:
                return scan(self._text, self._pos)
            except json.JSONDecodeError:
                if not self._fill():
                    raise _NotStreamable from None
            except (ValueError, RecursionError):  # read_snapshot says what is wrong
                raise _NotStreamable from None

    def end(self) -> None:
        if self._skip():
            raise _NotStreamable  # more after the document: json.loads says "extra data"


def read_record(path: Path, span: Span) -> Any:
    """The JSON value at ``span`` of ``path`` (a record found by ``stream_snapshot``)."""
    offset, length = span
    with open_regular(path, "snapshot", error=SnapshotError) as handle:
        handle.seek(offset)
        text = handle.read(length)
    value = json.loads(text)
    return untag(value) if _TAGGED.encode() in text else value
