"""ObjectReader on the file's bytes: what ``json.loads`` reads, with exact spans and bytes.

The reader never decodes the file as a whole: it walks ASCII punctuation in bytes, takes
a value laid out on lines to the fast codec, and decodes only what the standard library's
scanner reads otherwise. These tests cut the file into chunks of a few bytes so that
multi-byte characters straddle every chunk border, and hold the reader to three things:
the members are ``json.loads``', every ``raw`` is the file's bytes at ``span``, and bytes
that are not UTF-8 anywhere in what it reads end in ``CannotFollow``.
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor import jsoncodec, snapshot
from auditor.errors import SnapshotError
from auditor.jsonstream import _INDENT_SEEN, CannotFollow, Member, ObjectReader, Span
from auditor.model import Listing
from auditor.snapshot import ReadWhole, SnapshotReader, read_snapshot, write_snapshot

WIDE = "é€𝄞"
"""A character of each UTF-8 length above one: 2, 3 and 4 bytes."""


def read_members(data: bytes, chunk: int, *, decode: bool = True) -> list[tuple[str, Member]]:
    """The members of the JSON object ``data``, read ``chunk`` bytes at a time."""
    reader = ObjectReader(io.BytesIO(data), chunk)
    reader.expect("{")
    members: list[tuple[str, Member]] = []
    while reader.more("}", first=not members):
        key = reader.key()
        members.append((key, reader.value(decode=decode)))
    reader.end()
    return members


def exact(value: Any) -> str:
    """Equality that tells ``1``/``1.0``/``True`` and ``0.0``/``-0.0`` apart, sees key
    order, and holds for NaN."""
    return json.dumps(value, ensure_ascii=True, allow_nan=True)


def assert_reads_like_json(data: bytes, chunk: int) -> list[tuple[str, Member]]:
    members = read_members(data, chunk)
    expected = json.loads(data)
    assert [key for key, _ in members] == list(expected)
    assert exact([m.value for _, m in members]) == exact(list(expected.values()))
    for _, member in members:
        offset, length = member.span
        assert member.raw == data[offset : offset + length]
        assert exact(json.loads(member.raw)) == exact(member.value)
    return members


# -- multi-byte characters across chunk borders ------------------------------------------


def wide_document(pad: int) -> bytes:
    """Every kind of member, with multi-byte characters ``pad`` bytes further on: a
    record on lines (fast path), a compact object and strings (the scanner), plain keys
    and a key with escapes."""
    fill = "x" * pad
    return (
        "{\n"
        f'  "{fill}{WIDE}": {{\n'
        f'    "name": "{WIDE * 3}",\n'
        f'    "{WIDE}": ["{fill}{WIDE}", 1.5, {{"{WIDE}": null}}]\n'
        "  },\n"
        f'  "s": "{fill}{WIDE}",\n'
        f'  "o": {{"a": "{WIDE}", "{fill}b": [1, "{WIDE}"]}},\n'
        f'  "esc\\u00e9{WIDE}": "{WIDE}{fill}",\n'
        f'  "{WIDE}n": -12.5e{pad}\n'
        "}\n"
    ).encode()


@pytest.mark.parametrize("chunk", range(1, 8))
def test_multi_byte_characters_straddling_chunk_borders_read_right(chunk: int) -> None:
    for pad in range(8):
        data = wide_document(pad)
        members = assert_reads_like_json(data, chunk)
        assert [key for key, _ in members][3] == f"esc\u00e9{WIDE}"
        # the record on lines goes to the fast codec (undecoded when asked), the rest not
        undecoded = read_members(data, chunk, decode=False)
        assert [m.value is None for _, m in undecoded] == [True, False, False, False, False]
        assert [m.raw for _, m in undecoded] == [m.raw for _, m in members]


def test_offsets_count_the_bytes_of_multi_byte_characters_before_a_value() -> None:
    data = wide_document(3)
    for chunk in (1, 5, 4096):
        members = dict(read_members(data, chunk))
        record = members["xxx" + WIDE]
        assert record.span[0] == data.index(b"{", 1)
        assert members["s"].span == (data.index(b'"s": ') + 5, 1 + 3 + 9 + 1)
        text_before = data[: members["o"].span[0]].decode()
        assert len(text_before) < members["o"].span[0]  # characters are fewer than bytes


@pytest.mark.parametrize("chunk", [1000, 4096, 1 << 20])
def test_a_long_value_for_the_scanner_is_decoded_as_far_as_it_reads(chunk: int) -> None:
    """The scanner's text is decoded a few kilobytes at a time, more while a value runs
    past them: a multi-byte character cut there is taken whole the next time."""
    for pad in range(4):
        data = json.dumps(
            {"a": "x" * pad + WIDE * 3000, "b": {"c": [WIDE] * 2000, "d": -1.5e3}, "e": 1},
            ensure_ascii=False,
        ).encode()
        assert_reads_like_json(data, chunk)


# -- bytes that are not UTF-8 --------------------------------------------------------------

NOT_UTF8_CASES = {
    "a bad continuation byte": b"\xc3\x28",
    "a byte never in UTF-8": b"\xff",
    "a character cut short": b"\xe2\x82",
    "an overlong form": b"\xc0\xaf",
    "beyond U+10FFFF": b"\xf4\x90\x80\x80",
    "an encoded surrogate": b"\xed\xa0\x80",
}
NOT_UTF8 = [pytest.param(bad, id=name) for name, bad in NOT_UTF8_CASES.items()]


def bad_documents(bad: bytes) -> list[bytes]:
    """``bad`` in a plain key, a key with escapes, a value on lines (fast path), a string
    and a compact object (the scanner), and after the document."""
    record = b'{\n  "a": {\n    "n": "ok"\n  },\n  "b": "s"\n}'
    return [
        record.replace(b'"a"', b'"a' + bad + b'"'),
        record.replace(b'"a"', b'"a\\u00e9' + bad + b'"'),
        record.replace(b'"ok"', b'"o' + bad + b'k"'),
        record.replace(b'"s"', b'"s' + bad + b'"'),
        record.replace(b'"s"', b'{"t": ["' + bad + b'"]}'),
        record + bad,
    ]


@pytest.mark.parametrize("bad", NOT_UTF8)
@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 4096])
def test_bytes_that_are_not_utf8_cannot_be_followed(chunk: int, bad: bytes) -> None:
    for data in bad_documents(bad):
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
        with pytest.raises(CannotFollow):
            read_members(data, chunk)


def test_the_fast_codec_refuses_bytes_that_are_not_utf8() -> None:
    """What the fast path leans on for a value's bytes (all but the encoded surrogate,
    which the standard library lets pass: the reader checks that one itself)."""
    for bad in list(NOT_UTF8_CASES.values())[:-1]:
        with pytest.raises(UnicodeDecodeError):
            jsoncodec.loads(b'{"n": "' + bad + b'"}')
    assert jsoncodec.loads(b'"\xed\xa0\x80"') == "\ud800"


@pytest.mark.parametrize("chunk", [1, 7, 4096])
def test_a_value_read_undecoded_is_its_bytes_as_they_are(chunk: int) -> None:
    """``decode=False`` does not look at a value on lines: its caller decodes it later,
    which is where bytes that are not UTF-8 show."""
    data = b'{\n  "a": {\n    "n": "\xc3\x28"\n  }\n}\n'
    ((key, member),) = read_members(data, chunk, decode=False)
    assert (key, member.value, member.raw) == ("a", None, data[9:-3])
    with pytest.raises(UnicodeDecodeError):
        jsoncodec.loads(member.raw)


def test_white_space_that_is_not_json_cannot_be_followed() -> None:
    for space in ("\u00a0", "\u2028", "\ufeff"):
        data = ('{"a": 1,' + space + '"b": 2}').encode()
        with pytest.raises(CannotFollow):
            read_members(data, 3)


def read_streaming(path: Path, chunk: int) -> tuple[dict[str, Any], list[snapshot.SnapshotRecord]]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(snapshot, "_CHUNK", chunk)
        with SnapshotReader(path) as reader:
            return reader.header, list(reader)


def damaged_snapshot(path: Path, after: bytes, bad: bytes) -> Path:
    """A snapshot auditor wrote, with ``bad`` put in right after ``after``."""
    records = {f"uuid-{n}": {"uuid": f"uuid-{n}", "name": f"{WIDE} {n}"} for n in range(3)}
    write_snapshot(Listing("https://x.test/api", "t", records, "north"), path)
    good = path.read_bytes()
    cut = good.index(after) + len(after)
    path.write_bytes(good[:cut] + bad + good[cut:])
    return path


@pytest.mark.parametrize("chunk", [7, 4096])
@pytest.mark.parametrize("bad", NOT_UTF8[:2])
@pytest.mark.parametrize("after", [b'"uuid-1', b'"name": "', b'"fetched_at": "'])
def test_a_snapshot_that_is_not_utf8_is_the_whole_file_error(
    tmp_path: Path, chunk: int, bad: bytes, after: bytes
) -> None:
    """In a record's key, in a record (the fast path) and in a header value (the
    scanner): the error of the file read whole."""
    path = damaged_snapshot(tmp_path / "baseline.json", after, bad)
    with pytest.raises(SnapshotError) as whole:
        read_snapshot(path)
    assert "is not UTF-8 text" in str(whole.value)
    with pytest.raises(SnapshotError) as streamed:
        read_streaming(path, chunk)
    assert str(streamed.value) == str(whole.value)


def records_streamed(path: Path, chunk: int) -> list[tuple[str, Any, Span | None]]:
    """What ``SnapshotReader`` hands out, the whole file's if it says ``ReadWhole``."""
    try:
        _, items = read_streaming(path, chunk)
    except ReadWhole as whole:
        return [(uuid, record, None) for uuid, record in whole.listing.assistants.items()]
    return [(item.uuid, item.record, item.span) for item in items]


@pytest.mark.parametrize("chunk", [7, 4096])
@pytest.mark.parametrize("after", [b'"name": "', b'"account": "'])
def test_an_encoded_surrogate_is_left_to_the_whole_file_read(
    tmp_path: Path, chunk: int, after: bytes
) -> None:
    """Not UTF-8, yet the whole-file read lets it pass (as ``json.loads`` does): the
    reader leaves it to that read, quietly or (records handed out) with ``ReadWhole``."""
    path = damaged_snapshot(tmp_path / "baseline.json", after, b"\xed\xa0\x80")
    expected = read_snapshot(path)
    assert "\\ud800" in exact([expected.account, *expected.assistants.values()])
    assert records_streamed(path, chunk) == [
        (uuid, record, None) for uuid, record in expected.assistants.items()
    ]


# -- any object of records, any layout, any chunk ----------------------------------------

CHARS = st.characters(exclude_categories=["Cs"])
TEXT = st.text(CHARS, max_size=8) | st.sampled_from([WIDE, "\\", '"', "\n    }", "\x00", ""])
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from([-0.0, 1e300, 5e-324, math.nan])
    | TEXT
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=10,
)
RECORDS = st.dictionaries(TEXT, st.dictionaries(TEXT, VALUES, max_size=5) | VALUES, max_size=6)
LAYOUTS = st.fixed_dictionaries(
    {
        "indent": st.sampled_from([None, 2, 4, "\t", 0]),
        "ensure_ascii": st.booleans(),
        "separators": st.sampled_from([None, (",", ":"), (" ,", " : ")]),
    }
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=RECORDS, layout=LAYOUTS, chunk=st.integers(1, 80) | st.just(1 << 20))
def test_any_object_reads_as_json_loads_reads_it(
    records: dict[str, Any], layout: dict[str, Any], chunk: int
) -> None:
    data = json.dumps(records, **layout).encode()
    members = assert_reads_like_json(data, chunk)
    if layout["indent"] and {} not in records.values():  # an object's first line at its
        undecoded = read_members(data, chunk, decode=False)  # indent closes it: uncut
        assert [m.raw for _, m in undecoded] == [m.raw for _, m in members]


# -- memory --------------------------------------------------------------------------------


def test_what_was_read_is_dropped_as_the_reader_goes() -> None:
    """About a chunk of the file is held, plus the value being read (and the start of
    the line the reader is on)."""
    records = {f"k{n:04}": {"uuid": n, "name": WIDE * 10} for n in range(500)}
    data = json.dumps(records, indent=2, ensure_ascii=False).encode()
    reader = ObjectReader(io.BytesIO(data), 256)
    reader.expect("{")
    first = True
    while reader.more("}", first=first):
        first = False
        reader.key()
        reader.value()
        held = len(reader._data)  # what is held: a test may look
        assert held < 2 * 256 + _INDENT_SEEN + 200 < len(data) // 40
    reader.end()
