"""JSON text read a chunk at a time, for documents too big to hold as Python objects.

A snapshot of a large fleet is one JSON object whose ``assistants`` member holds every
record. ``ObjectReader`` walks the punctuation of such nested objects by hand (``{``,
``,``, ``:``, ``}``) on the file's bytes and hands every key and value to a decoder that
reads what ``json.loads`` reads. Each value comes with its place in the file (byte
offset and length) and its bytes as they are there, so a caller can hash a record
without encoding it again, or read it back later.

Pretty-printed JSON (what auditor writes, or ``json.dumps(indent=…)``) closes an object
value on a line of its own, indented as the line of its key: the reader takes the bytes
up to the first such line as the value's candidate extent and decodes them with the fast
codec (``auditor.jsoncodec``). A candidate that decodes is the value (text that starts
at a ``{`` and is one whole JSON object ends at that brace's own match, wherever the
file goes on); one that does not, or any other layout, goes to the standard library's
scanner, which reads text: only the bytes it needs are decoded for it.

The bytes are never decoded as a whole, yet text that is not UTF-8 is still found: the
punctuation and white space the reader walks are ASCII, a key is decoded strictly, and a
value is checked by the decoder that reads it. The one exception is on purpose: a value
read with ``value(decode=False)`` is not looked at (its caller decodes it if needed).

Memory stays at about one chunk of the file plus the value being read. Anything the
reader does not follow (text that is not UTF-8, malformed JSON, a value the scanner
refuses) raises ``CannotFollow``: the caller then reads the file whole the usual way,
which gives the precise error, or the document after all.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable
from typing import Any, NamedTuple, Protocol

from auditor import jsoncodec

CHUNK = 1 << 20
"""Bytes read at a time (tests make it a few, so tokens straddle chunk borders)."""
_DECODER = json.JSONDecoder()
_SPACE = re.compile(rb"[ \t\n\r]*")
_PLAIN_KEY = re.compile(rb'([ \t\n\r]*)"([^"\\\x00-\x1f]*)"[ \t\n\r]*:')
"""White space, a key with no escapes (its UTF-8 is its value), and the colon after it."""
_ON_LINES_AHEAD = 1 << 20
"""Bytes of a value looked through for its closing line before leaving it to the
scanner (a bigger value is read right, only not by the fast codec)."""
_ON_LINES_MISSES = 16
"""Values not found closed on a line of their own before a reader stops looking."""
_INDENT_SEEN = 256
"""How far back from a key its line's start is looked for (deeper indents: no fast path)."""
_SCANNED = 1 << 12
"""Bytes decoded at first for the scanner (doubled while a value runs past them)."""
_END = -1
"""What ``_skip`` gives at the end of the file."""

Span = tuple[int, int]
"""Where a value's JSON text sits in its file: byte offset and length."""


class Readable(Protocol):
    """A binary file, or anything with its ``read``."""

    def read(self, size: int = -1, /) -> bytes: ...


class CannotFollow(Exception):
    """Something ``ObjectReader`` does not handle: read the whole file instead."""


class Member(NamedTuple):
    """One value of an object as read from the file."""

    value: Any
    span: Span
    raw: bytes
    """The value's JSON text, byte for byte as the file holds it (UTF-8, unless it was
    read with ``value(decode=False)``, which does not look)."""


class ObjectReader:
    """The members of JSON objects read from ``handle`` in file order.

    Use ``expect("{")`` to enter an object, ``more("}", first=…)`` before each member,
    then ``key()`` and ``value()`` (or ``expect("{")`` again to enter a nested one), and
    ``end()`` after the document.
    """

    def __init__(self, handle: Readable, chunk: int | None = None) -> None:
        self._handle = handle
        self._chunk = chunk if chunk is not None else CHUNK
        self._data = b""  # the file from byte _offset on, as far as it has been read
        self._offset = 0
        self._pos = 0  # where the reader is in _data
        self._eof = False
        self._misses = 0  # values not found closed on a line (see _object_on_lines)
        self._closing: bytes | None = None  # b"\n" + the last key's indent + b"}", if on a line

    def _fill(self) -> bool:
        """Append the next chunk; False at the end of the file."""
        if self._eof:
            return False
        chunk = self._handle.read(self._chunk)
        self._data += chunk
        self._eof = not chunk
        return True

    def _skip(self) -> int:
        """The next byte after white space (``_END`` at the end of the file)."""
        while True:
            match = _SPACE.match(self._data, self._pos)
            assert match is not None
            self._pos = match.end()
            if self._pos < len(self._data):
                return self._data[self._pos]
            if not self._fill():
                return _END

    def expect(self, char: str) -> None:
        """Read ``char`` (after white space) or raise ``CannotFollow``."""
        if self._skip() != ord(char):
            raise CannotFollow
        self._pos += 1

    def more(self, close: str, first: bool) -> bool:
        """True before another member of an object, having read the comma before it;
        False after the last one, having read ``close``."""
        byte = self._skip()
        if byte == ord(close):
            self._pos += 1
            return False
        if not first:
            if byte != 0x2C:  # ","
                raise CannotFollow
            self._pos += 1
        return True

    def key(self) -> str:
        """The next member's key, and the colon after it."""
        drop = self._pos - _INDENT_SEEN  # what has been read, but the key's line start
        if drop > self._chunk:  # dropped only here: no value is open
            self._offset += drop
            self._data = self._data[drop:]
            self._pos -= drop
        plain = _PLAIN_KEY.match(self._data, self._pos)
        if plain is not None:
            try:
                key = plain.group(2).decode("utf-8")
            except UnicodeDecodeError:
                raise CannotFollow from None
            self._pos = plain.end()
            space = plain.group(1)
            line = space.rfind(b"\n")
            at = plain.start(2) - 1
            self._closing = space[line:] + b"}" if line >= 0 else self._closing_line(at)
            return key
        if self._skip() != 0x22:  # '"'
            raise CannotFollow
        self._closing = self._closing_line(self._pos)
        key, self._pos = self._scanned(_DECODER.raw_decode)  # a JSON string
        self.expect(":")
        if not isinstance(key, str):
            raise CannotFollow
        return key

    def value(self, *, decode: bool = True) -> Member:
        """The next value, decoded as ``json.loads`` would, with its place and bytes.

        ``decode=False``: an object closed on a line of its own is not decoded (its
        ``value`` is ``None``) nor looked at: its bytes are cut at that line, which for a
        file auditor wrote is the object's end, and the caller decodes them if it needs
        them (a cut in the wrong place, or bytes that are not UTF-8, show then, as text
        that does not decode, or later, as the next key not following)."""
        byte = self._skip()
        if byte == _END:
            raise CannotFollow
        start = self._pos
        if byte == 0x7B and self._closing is not None:  # "{"
            member = self._object_on_lines(start, self._closing, decode)
            if member is not None:
                return member
        value, self._pos = self._scanned(_DECODER.raw_decode)
        raw = self._data[start : self._pos]
        return Member(value, (self._offset + start, len(raw)), raw)

    def _closing_line(self, at: int) -> bytes | None:
        """How an object value of the key at ``at`` ends when it is laid out on lines:
        a line holding only ``}`` at the key's indent (``None``: the key is not the first
        thing on its line)."""
        data = self._data
        line = data.rfind(b"\n", max(0, at - _INDENT_SEEN), at)
        if line < 0 or data[line + 1 : at].strip(b" \t"):
            return None
        return data[line:at] + b"}"

    def _object_on_lines(self, start: int, closing: bytes, decode: bool = True) -> Member | None:
        """The object at ``start`` if its text ends at the first ``closing`` line and
        the fast codec reads the text up to there (``None``: leave it to the scanner).

        The bytes looked through stay within ``_ON_LINES_AHEAD`` of ``start``, and after
        ``_ON_LINES_MISSES`` misses the reader stops trying, so a layout whose values do
        not close on lines of their own costs neither memory nor time."""
        if self._misses >= _ON_LINES_MISSES:
            return None
        looked = start
        while (end := self._data.find(closing, looked)) < 0:
            looked = max(start, len(self._data) - len(closing))
            if len(self._data) - start > _ON_LINES_AHEAD or not self._fill():
                self._misses += 1
                return None
        end += len(closing)
        raw = self._data[start:end]
        value = None
        if decode:
            try:
                value, fast = jsoncodec.decode(raw)  # the fast decoder takes only UTF-8;
                if not fast:  # the standard library lets encoded surrogates pass
                    raw.decode("utf-8")
            except UnicodeDecodeError:  # the cut is after an ASCII "}": these bytes are
                raise CannotFollow from None  # the file's, and not UTF-8
            except (ValueError, RecursionError):  # not the end after all, or not valid
                self._misses += 1
                return None
        self._pos = end
        return Member(value, (self._offset + start, len(raw)), raw)

    def _scanned(self, scan: Callable[[str, int], tuple[Any, int]]) -> tuple[Any, int]:
        """``scan`` of the text at the current position, and where in ``_data`` what it
        read ends; the bytes are decoded as far as it reads, more read while it runs out.

        Decoding stops before a character cut by the end of the bytes taken (the next
        turn takes it whole); bytes that are not UTF-8 cannot be followed."""
        data, pos = self._data, self._pos
        size = _SCANNED
        while True:
            whole = pos + size >= len(data)  # the text runs to the end of what was read
            try:
                text, _ = codecs.utf_8_decode(data[pos : pos + size], "strict", False)
            except UnicodeDecodeError:
                raise CannotFollow from None
            try:
                value, end = scan(text, 0)
            except json.JSONDecodeError:
                end = -1  # ran out of text, or not JSON: read on to tell
            except (ValueError, RecursionError):  # the whole-file read says what is wrong
                raise CannotFollow from None
            if end >= 0 and (len(text) - end > 2 or not _may_go_on(value, text[end:])):
                break
            if not whole:
                size *= 2
            elif self._fill():
                data = self._data
                size = len(data) - pos
            elif end < 0:
                raise CannotFollow
            else:
                break
        ends = pos + (end if text.isascii() else len(text[:end].encode("utf-8")))
        return value, ends

    def end(self) -> None:
        """Nothing but white space is left (``json.loads`` says "extra data" otherwise)."""
        if self._skip() != _END:
            raise CannotFollow


def _may_go_on(value: Any, rest: str) -> bool:
    """Whether a value the scanner read, followed by ``rest`` at the end of the text so
    far, may be cut short there: a number cut by the end of the text parses too (``1``
    of ``12``, ``1.2`` of ``1.2e-5`` cut after ``e-``), so read on, then scan again."""
    return not rest or (type(value) in (int, float) and not rest.strip(".eE+-"))
