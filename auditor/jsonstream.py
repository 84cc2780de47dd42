"""JSON text read a chunk at a time, for documents too big to hold as Python objects.

A snapshot of a large fleet is one JSON object whose ``assistants`` member holds every
record. ``ObjectReader`` walks the punctuation of such nested objects by hand (``{``,
``,``, ``:``, ``}``) and hands every key and value to the standard library's own
scanner, so what it reads is exactly what ``json.loads`` reads. Each value comes with
its place in the file (byte offset and length) and its bytes as they are there, so a
caller can hash a record without encoding it again, or read it back later.

Pretty-printed JSON (what auditor writes, or ``json.dumps(indent=…)``) closes an object
value on a line of its own, indented as the line of its key: the reader takes the text up
to the first such line as the value's candidate extent and decodes it with the fast
codec (``auditor.jsoncodec``). A candidate that decodes is the value (text that starts
at a ``{`` and is one whole JSON object ends at that brace's own match, wherever the
file goes on); one that does not, or any other layout, goes to the scanner as before.

Memory stays at about one chunk of text plus the value being read. Anything the reader
does not follow (text that is not UTF-8, malformed JSON, a value the scanner refuses)
raises ``CannotFollow``: the caller then reads the file whole the usual way, which gives
the precise error, or the document after all.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable
from typing import Any, NamedTuple, Protocol

from auditor import jsoncodec

CHUNK = 1 << 20
"""Characters read at a time (tests make it a few, so tokens straddle chunk borders)."""
_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")
_PLAIN_KEY = re.compile(r'([ \t\n\r]*)"([^"\\\x00-\x1f]*)"[ \t\n\r]*:')
"""White space, a key with no escapes (its text is its value), and the colon after it."""
_ON_LINES_AHEAD = 1 << 20
"""Characters of a value looked through for its closing line before leaving it to the
scanner (a bigger value is read right, only not by the fast codec)."""
_ON_LINES_MISSES = 16
"""Values not found closed on a line of their own before a reader stops looking."""
_INDENT_SEEN = 256
"""How far back from a key its line's start is looked for (deeper indents: no fast path)."""

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
    """The value's JSON text as UTF-8, byte for byte as the file holds it."""


class ObjectReader:
    """The members of JSON objects read from ``handle`` in file order.

    Use ``expect("{")`` to enter an object, ``more("}", first=…)`` before each member,
    then ``key()`` and ``value()`` (or ``expect("{")`` again to enter a nested one), and
    ``end()`` after the document.
    """

    def __init__(self, handle: Readable, chunk: int | None = None) -> None:
        self._handle = handle
        self._chunk = chunk if chunk is not None else CHUNK
        self._decode = codecs.getincrementaldecoder("utf-8")().decode
        self._text = ""
        self._pos = 0
        self._eof = False
        self._mark = 0  # a position in _text whose byte offset in the file is known:
        self._mark_byte = 0  # text is encoded once to find offsets, never searched back
        self._misses = 0  # values not found closed on a line (see _object_on_lines)
        self._closing: str | None = None  # "\n" + the last key's indent + "}", if on a line

    def _fill(self) -> bool:
        """Append the next chunk; False at the end of the file."""
        if self._eof:
            return False
        chunk = self._handle.read(self._chunk)
        try:
            self._text += self._decode(chunk, final=not chunk)
        except UnicodeDecodeError:
            raise CannotFollow from None
        self._eof = not chunk
        return True

    def _advance(self, pos: int) -> bytes:
        """The UTF-8 bytes of the text from the last mark to ``pos``, now the mark."""
        data = self._text[self._mark : pos].encode("utf-8")
        self._mark_byte += len(data)
        self._mark = pos
        return data

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
        """Read ``char`` (after white space) or raise ``CannotFollow``."""
        if self._skip() != char:
            raise CannotFollow
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
                raise CannotFollow
            self._pos += 1
        return True

    def key(self) -> str:
        """The next member's key, and the colon after it."""
        if self._pos > self._chunk:  # drop what has been read (only here: no value is open)
            self._advance(self._pos)
            self._text = self._text[self._pos :]
            self._mark -= self._pos
            self._pos = 0
        plain = _PLAIN_KEY.match(self._text, self._pos)
        if plain is not None:
            self._pos = plain.end()
            space = plain.group(1)
            line = space.rfind("\n")
            at = plain.start(2) - 1
            self._closing = space[line:] + "}" if line >= 0 else self._closing_line(at)
            return plain.group(2)
        if self._skip() != '"':
            raise CannotFollow
        self._closing = self._closing_line(self._pos)
        key, self._pos = self._decoded(_DECODER.raw_decode)  # a JSON string
        self.expect(":")
        if not isinstance(key, str):
            raise CannotFollow
        return key

    def value(self, *, decode: bool = True) -> Member:
        """The next value, decoded as ``json.loads`` would, with its place and bytes.

        ``decode=False``: an object closed on a line of its own is not decoded (its
        ``value`` is ``None``); its text is cut at that line, which for a file auditor
        wrote is the object's end, and the caller decodes the bytes if it needs them
        (a cut in the wrong place shows then, as text that does not decode, or later,
        as the next key not following)."""
        char = self._skip()
        if not char:
            raise CannotFollow
        start = self._pos
        if char == "{" and self._closing is not None:
            member = self._object_on_lines(start, self._closing, decode)
            if member is not None:
                return member
        while True:
            value, end = self._decoded(_DECODER.raw_decode)
            # a number cut by the end of a chunk parses too: read on, then decode it again
            if end < len(self._text) or not self._fill():
                break
        self._pos = end
        self._advance(start)
        first = self._mark_byte
        raw = self._advance(end)
        return Member(value, (first, len(raw)), raw)

    def _closing_line(self, at: int) -> str | None:
        """How an object value of the key at ``at`` ends when it is laid out on lines:
        a line holding only ``}`` at the key's indent (``None``: the key is not the first
        thing on its line)."""
        text = self._text
        line = text.rfind("\n", max(0, at - _INDENT_SEEN), at)
        if line < 0 or text[line + 1 : at].strip(" \t"):
            return None
        return text[line:at] + "}"

    def _object_on_lines(self, start: int, closing: str, decode: bool = True) -> Member | None:
        """The object at ``start`` if its text ends at the first ``closing`` line and
        the fast codec reads the text up to there (``None``: leave it to the scanner).

        The text looked through stays within ``_ON_LINES_AHEAD`` of ``start``, and after
        ``_ON_LINES_MISSES`` misses the reader stops trying, so a layout whose values do
        not close on lines of their own costs neither memory nor time."""
        if self._misses >= _ON_LINES_MISSES:
            return None
        looked = start
        while (end := self._text.find(closing, looked)) < 0:
            looked = max(start, len(self._text) - len(closing))
            if len(self._text) - start > _ON_LINES_AHEAD or not self._fill():
                self._misses += 1
                return None
        end += len(closing)
        self._advance(start)
        raw = self._text[start:end].encode("utf-8")
        value = None
        try:
            if decode:
                value = jsoncodec.loads(raw)
        except (ValueError, RecursionError):  # not the end after all, or not valid
            self._misses += 1
            return None
        self._pos = self._mark = end
        first = self._mark_byte
        self._mark_byte += len(raw)
        return Member(value, (first, len(raw)), raw)

    def _decoded(self, scan: Callable[[str, int], tuple[Any, int]]) -> tuple[Any, int]:
        """``scan`` at the current position, with more text read while it runs out."""
        while True:
            try:
                return scan(self._text, self._pos)
            except json.JSONDecodeError:
                if not self._fill():
                    raise CannotFollow from None
            except (ValueError, RecursionError):  # the whole-file read says what is wrong
                raise CannotFollow from None

    def end(self) -> None:
        """Nothing but white space is left (``json.loads`` says "extra data" otherwise)."""
        if self._skip():
            raise CannotFollow
