"""Values from the API are hostile: make them inert in each output format.

Assistant names, prompts, field names and values may carry HTML, ANSI escape sequences
(``\\x1b[2J``, OSC ``\\x1b]8;;…``), other control characters, newlines, bidirectional
overrides that reorder what a reader sees, invisible format characters (zero-width
spaces, U+FEFF, soft hyphens, tag characters), lone UTF-16 surrogates (valid in JSON text,
not encodable as UTF-8), Markdown syntax or GitHub ``::`` workflow commands. Each helper
here neutralises them for one kind of output; HTML is escaped by jinja2's autoescape on
top of ``terminal``.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any


def _format_characters() -> str:
    """Every format character (category Cf) as a regex class body.

    Zero-width spaces and joiners, U+FEFF, the soft hyphen, bidi marks, overrides and
    isolates, tag characters (U+E0000–E007F): invisible, yet they change what a reader
    sees or smuggle text past them. All of them lie below U+20000 or in plane 14, so
    only those are scanned, once.
    """
    codes = [
        code
        for block in (range(0x20000), range(0xE0000, 0xE1000))
        for code in block
        if unicodedata.category(chr(code)) == "Cf"
    ]
    return "".join(re.escape(chr(code)) for code in codes)


@functools.cache
def _control() -> re.Pattern[str]:
    """Every character ``terminal`` escapes, compiled on first need (the scan for format
    characters is not free, and a run that prints only plain text should not pay for it
    at start-up)."""
    return re.compile(
        "["
        "\x00-\x1f\x7f-\x9f"  # C0 and C1 controls: ESC, CSI, newlines, tabs, …
        + _format_characters()  # format characters: bidi controls, zero-width, tags, …
        + "\u2028\u2029"  # line and paragraph separators
        "\ud800-\udfff"  # lone surrogates
        "]"
    )


_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_SURROGATE = re.compile("[\ud800-\udfff]")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~&])")
_SARIF_LINK = re.compile(r"([\\\[\]])")
_BACKTICKS = re.compile(r"`{3,}")


def _escape_control(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def terminal(text: str) -> str:
    """One line, every control character shown as an escape: ESC → ``\\x1b``, LF → ``\\n``.

    Nothing left can move the cursor, recolour the terminal, start a new line, reorder
    the text (bidi overrides), hide in it (format characters: U+200B, U+FEFF, U+00AD,
    tag characters; Unicode category Cf) or fail to encode as UTF-8 (lone surrogates).
    """
    if text.isprintable():  # none of them is printable: plain text needs no scan
        return text
    return _control().sub(_escape_control, text)


def lines(text: str) -> list[str]:
    """Multi-line text (a unified diff) as lines, each made inert by ``terminal``."""
    return [terminal(line) for line in text.split("\n")]


def value_text(value: Any, limit: int = 120) -> str:
    """A value as a short one-line text: strings quoted, the rest as JSON; ``terminal``-safe."""
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
        except (TypeError, ValueError, RecursionError):
            text = repr(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return terminal(text)


def markdown(text: str) -> str:
    """Safe inside a Markdown table cell or list item.

    No HTML, links, emphasis, headings, list markers, entities, pipes or new lines:
    every character Markdown gives a meaning is backslash-escaped (CommonMark renders
    ``\\<`` as ``<``), control characters become visible escapes.
    """
    return _MD_SPECIAL.sub(r"\\\1", terminal(text))


def code_fence(text: str, info: str = "") -> tuple[str, str]:
    """The opening and closing fence for ``text``: longer than any backtick run inside it."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=2)
    fence = "`" * max(3, longest + 1)
    return fence + info, fence


def xml(text: str) -> str:
    """Characters XML 1.0 cannot hold removed (ElementTree escapes the rest)."""
    return _XML_ILLEGAL.sub("", text)


def xml_line(text: str) -> str:
    """A one-line XML attribute or text value: ``terminal`` escapes, then ``xml``."""
    return xml(terminal(text))


def github_data(text: str) -> str:
    """Escape a workflow command's message (actions/toolkit ``escapeData``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_property(text: str) -> str:
    """Escape a workflow command's property (actions/toolkit ``escapeProperty``)."""
    return github_data(text).replace(":", "%3A").replace(",", "%2C")


def sarif_text(text: str) -> str:
    """A SARIF plain-text message: ``terminal``-safe, no embedded links.

    SARIF viewers turn ``[text](uri)`` in ``message.text`` into a link (§3.11.6); an
    assistant named ``[click](https://evil)`` must stay text, so brackets (and the
    backslash that escapes them) are backslash-escaped as the spec prescribes.
    """
    return _SARIF_LINK.sub(r"\\\1", terminal(text))


def json_text(document: Any) -> str:
    """``document`` as indented JSON that any strict parser reads and UTF-8 can encode.

    Key order is kept. Lone surrogates are written as ``\\udxxx`` escapes (they are
    only ever inside strings); NaN and ±Infinity, which Python's parser accepts from a
    hostile API but JSON has no words for, are written as the strings ``"NaN"``,
    ``"Infinity"`` and ``"-Infinity"``. The text is ``json.dumps(…, indent=2,
    ensure_ascii=False)``'s; the fast codec writes it where it writes the same bytes.
    """
    fast = _fast_text(document)
    if fast is not None:
        return fast + "\n"
    try:
        text = json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False, default=str)
    except ValueError:
        text = json.dumps(
            _finite(document), indent=2, ensure_ascii=False, allow_nan=False, default=str
        )
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


def json_list(items: Iterable[Any], depth: int) -> Iterator[str]:
    """The text ``json_text`` gives the list of ``items`` at a place ``depth`` spaces in
    (no newline after it), in pieces: a report's longest lists are encoded a batch at a
    time, so they never exist whole as dicts nor as one string.
    """
    pending = iter(items)
    indent = "\n" + " " * depth
    opened = False
    while batch := list(itertools.islice(pending, _BATCH)):
        inner = json_text(batch)[1:-3]  # "[\n  a,\n  b\n]\n" -> "\n  a,\n  b"
        yield ("," if opened else "[") + inner.replace("\n", indent)
        opened = True
    yield indent + "]" if opened else "[]"


_BATCH = 250
"""Items of a list encoded at once by ``json_list``: enough that the codec, not Python,
does the work, few enough that a batch of SARIF results (nested dicts, then their text
twice) stays a small part of the run's memory."""


def _fast_text(document: Any) -> str | None:
    """``json.dumps(document, indent=2, ensure_ascii=False)`` by the fast codec, or
    ``None`` where the standard library must write it: a value that is not plain JSON
    (a NaN or infinity; a set, a date-time or bytes, which ``json_text`` writes as
    ``str(value)``), or one the codec leaves to it (``auditor.jsoncodec.fast_dumps``:
    a float it spells otherwise, an integer beyond 64 bits, a lone surrogate)."""
    from auditor.jsoncodec import fast_dumps

    if not _plain(document):
        return None
    data = fast_dumps(document, indent=2, finite=True)
    return None if data is None else data.decode("utf-8")


_PLAIN = frozenset({str, int, bool, type(None)})


def _plain(value: Any) -> bool:
    """Whether ``value`` holds only JSON's own types (dicts, lists, tuples, strings,
    whole numbers, finite floats, booleans, ``None``); walked without recursion."""
    stack = [value]
    pop, push = stack.pop, stack.extend
    while stack:
        item = pop()
        kind = type(item)
        if kind in _PLAIN:
            continue
        if kind is dict:
            push(item.values())
        elif kind is list or kind is tuple:
            push(item)
        elif kind is not float or item - item != 0.0:  # NaN and ±inf give NaN
            return False
    return True


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value
