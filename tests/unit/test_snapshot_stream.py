"""stream_snapshot / read_record: the same records, header and errors as read_snapshot.

The streaming reader follows the file a chunk at a time (``_CHUNK``, patched here down to
a few bytes so keys, strings, numbers and multi-byte characters straddle chunk borders)
and falls back to ``read_snapshot`` for anything it cannot follow. Whatever the path
taken, what reaches the caller must be what ``read_snapshot`` gives: the records in the
same order with the same values (types, key order, ``-0.0``, NaN, lone surrogates), the
same header, and for a damaged file exactly the same ``SnapshotError``.
"""

from __future__ import annotations

import codecs
import json
import math
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor import snapshot
from auditor.errors import SnapshotError
from auditor.model import Listing, Record
from auditor.sandbox.data import generate_fleet
from auditor.snapshot import (
    ReadWhole,
    SnapshotReader,
    Span,
    dumps_snapshot,
    encode_record,
    previous_path,
    read_record,
    read_snapshot,
    write_snapshot,
)
from tests.snapshot_stream import Take, stream_snapshot
from tests.unit import test_snapshot_properties as snapshot_properties
from tests.unit.test_snapshot import DAMAGE, SOURCE
from tests.unit.test_snapshot_properties import TEXT

CHUNKS = (1, 7, 64, 4096)
"""Chunk sizes: one byte, a few bytes, smaller than a record, larger than a small file."""


class Recorder:
    """A ``start`` for ``stream_snapshot`` that remembers every header and record."""

    def __init__(self) -> None:
        self.headers: list[dict[str, Any]] = []
        self.takes: list[list[tuple[str, Record, Span | None]]] = []

    def start(self, header: Mapping[str, Any]) -> Take:
        self.headers.append(dict(header))
        taken: list[tuple[str, Record, Span | None]] = []
        self.takes.append(taken)

        def take(uuid: str, record: Record, span: Span | None) -> None:
            taken.append((uuid, record, span))

        return take

    @property
    def records(self) -> list[tuple[str, Record, Span | None]]:
        """What the last ``take`` received (the one that counts after a fallback)."""
        return self.takes[-1]


@contextmanager
def chunk_size(size: int) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(snapshot, "_CHUNK", size)
        yield


def stream(path: Path) -> tuple[Listing, Recorder]:
    recorder = Recorder()
    return stream_snapshot(path, recorder.start), recorder


def exact(value: Any) -> str:
    """Equality that tells ``1``/``1.0``/``true`` and ``0.0``/``-0.0`` apart, sees key
    order, and holds for NaN (which is not equal to itself)."""
    return json.dumps(value, ensure_ascii=True, allow_nan=True)


def assert_streams_like_read(path: Path, *, streamed: bool) -> Recorder:
    """``stream_snapshot(path)`` gives what ``read_snapshot(path)`` gives; ``streamed``:
    the records came record by record (with spans), not through the fallback."""
    expected = read_snapshot(path)
    header, recorder = stream(path)
    assert (header.source, header.fetched_at, header.account) == (
        expected.source,
        expected.fetched_at,
        expected.account,
    )
    assert dict(header.assistants) == {}
    taken = recorder.records
    assert [uuid for uuid, _, _ in taken] == list(expected.assistants)
    assert exact([record for _, record, _ in taken]) == exact(list(expected.assistants.values()))
    if streamed:
        assert len(recorder.headers) == 1
        for uuid, record, span in taken:
            assert span is not None
            assert exact(read_record(path, span)) == exact(record), uuid
    else:
        assert all(span is None for _, _, span in taken)
    return recorder


def error_of(read: Callable[[Path], object], path: Path) -> str:
    with pytest.raises(SnapshotError) as caught:
        read(path)
    return str(caught.value)


def stream_error(path: Path) -> str:
    return error_of(lambda p: stream_snapshot(p, Recorder().start), path)


# -- valid snapshots, as auditor writes them -------------------------------------------------

NUMBERS = [-0.0, 0.0, 1e300, -1e300, 5e-324, math.nan, math.inf, -math.inf, 2**200, -(2**64)]
STRINGS = st.sampled_from(["\ud800", "\udfff x", "é€𝄞", "\u2028", "\\", '"', "", "a\r\nb"])
SPECIAL = st.sampled_from([*NUMBERS, 1, 1.0, True, False, None]) | STRINGS
SCALARS = snapshot_properties.SCALARS | st.integers(-(2**130), 2**130) | SPECIAL
"""The snapshot property tests' values, with bigger integers and the awkward ones above."""
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)


@st.composite
def listings(draw: st.DrawFn) -> Listing:
    uuids = draw(st.lists(TEXT | STRINGS, max_size=5))
    records: dict[str, dict[str, Any]] = {}
    for uuid in dict.fromkeys(uuids):
        record = draw(st.dictionaries(TEXT, VALUES, max_size=6))
        record["uuid"] = uuid
        records[uuid] = record
    # as JSON decoding delivers them (a high and a low surrogate side by side join up)
    records = json.loads(json.dumps(records))
    account = draw(st.none() | st.sampled_from(["north", "süd", "ü" * 40]))
    return Listing(SOURCE, "2026-11-25T03:00:00Z", records, account)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("stream")


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(listing=listings())
def test_any_listing_streams_exactly_as_it_reads(folder: Path, listing: Listing) -> None:
    path = folder / "fleet.json"
    write_snapshot(listing, path)
    for size in CHUNKS:
        with chunk_size(size):
            recorder = assert_streams_like_read(path, streamed=True)
        wanted = {"account": listing.account} if listing.account is not None else {}
        assert recorder.headers == [wanted]


@pytest.mark.parametrize("size", [3, 7, 64, 4096])
@pytest.mark.parametrize("account", [None, "north"])
def test_a_sample_fleet_streams_record_by_record(
    tmp_path: Path, size: int, account: str | None
) -> None:
    fleet = generate_fleet(30, seed=3)
    fleet[4]["notes"] = ["é€𝄞" * 50, -0.0, 1e300, 2**100, {"deep": [[], {}, [None]]}]
    fleet[5]["name"] = "\ud800 lone"
    listing = Listing(SOURCE, "2026-11-25T03:00:00Z", {r["uuid"]: r for r in fleet}, account)
    path = tmp_path / "fleet.json"
    write_snapshot(listing, path)
    with chunk_size(size):
        recorder = assert_streams_like_read(path, streamed=True)
    assert recorder.headers == [{"account": account} if account else {}]
    assert len(recorder.records) == 30
    raw = path.read_bytes()
    end = 0
    for _, record, span in recorder.records:
        assert span is not None
        offset, length = span
        assert offset > end  # in file order, no overlap
        end = offset + length
        assert raw[offset : offset + 1] == b"{"
        assert raw[offset + length - 1 : offset + length] == b"}"
        assert json.loads(raw[offset : offset + length]) == record


def test_an_empty_fleet_streams_with_no_records(tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    write_snapshot(Listing(SOURCE, "t", {}, "north"), path)
    header, recorder = stream(path)
    assert recorder.headers == [{"account": "north"}]
    assert recorder.records == []
    assert (header.source, header.fetched_at, header.account) == (SOURCE, "t", "north")


@pytest.mark.parametrize("size", [7, 4096])
def test_the_reader_gives_the_header_first_then_each_record_with_its_bytes(
    tmp_path: Path, size: int
) -> None:
    fleet = generate_fleet(20, seed=5)
    fleet[2]["name"] = "\x00NaN and é"
    listing = Listing(SOURCE, "2026-11-25T03:00:00Z", {r["uuid"]: r for r in fleet}, "north")
    path = tmp_path / "fleet.json"
    write_snapshot(listing, path)
    raw = path.read_bytes()
    expected = read_snapshot(path)
    with chunk_size(size), SnapshotReader(path) as reader:
        assert reader.header == {"account": "north"}
        items = list(reader)
        assert reader.listing == Listing(SOURCE, "2026-11-25T03:00:00Z", {}, "north")
    assert [i.uuid for i in items] == list(expected.assistants)
    for item in items:
        assert item.span is not None
        offset, length = item.span
        assert item.raw == raw[offset : offset + length]
        assert item.raw == encode_record(item.record)  # the writer's bytes, exactly
        assert exact(item.record) == exact(expected.assistants[item.uuid])


def test_a_layout_found_odd_after_records_were_read_raises_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "odd.json"
    path.write_bytes(layout(["assistants", *AUDITOR_ORDER, "account"]))
    with SnapshotReader(path) as reader, pytest.raises(ReadWhole) as whole:
        list(reader)
    assert whole.value.listing == read_snapshot(path)


def test_a_layout_found_odd_before_any_record_is_read_whole_quietly(tmp_path: Path) -> None:
    path = tmp_path / "odd.json"
    content = codecs.BOM_UTF8 + layout(["account", "assistants", *AUDITOR_ORDER])
    path.write_bytes(content)
    expected = read_snapshot(path)
    with SnapshotReader(path) as reader:
        assert reader.header["source"] == expected.source  # every field: read whole
        assert [(i.uuid, i.span) for i in reader] == [(u, None) for u in expected.assistants]


def test_read_record_reads_one_value_back(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_bytes(b'  {"a": 1}  [1, 2.5, "\\ud800"]')
    assert read_record(path, (2, 8)) == {"a": 1}
    assert exact(read_record(path, (12, 19))) == exact([1, 2.5, "\ud800"])


# -- damaged files: the same error as read_snapshot ------------------------------------------


def write_good(path: Path, account: str | None = "north") -> bytes:
    fleet = generate_fleet(4, seed=9)
    write_snapshot(Listing(SOURCE, "t", {r["uuid"]: r for r in fleet}, account), path)
    return path.read_bytes()


def replace_in_document(**changes: Any) -> Callable[[bytes], bytes]:
    def damage(good: bytes) -> bytes:
        document = json.loads(good)
        document.update(changes)
        return json.dumps(document, indent=2).encode()

    return damage


def rekey_record(index: int, key: str) -> Callable[[bytes], bytes]:
    def damage(good: bytes) -> bytes:
        document = json.loads(good)
        items = list(document["assistants"].items())
        items[index] = (key, items[index][1])
        document["assistants"] = dict(items)
        return json.dumps(document, indent=2).encode()

    return damage


def record_as(index: int, value: Any) -> Callable[[bytes], bytes]:
    def damage(good: bytes) -> bytes:
        document = json.loads(good)
        uuid = list(document["assistants"])[index]
        document["assistants"][uuid] = value
        return json.dumps(document, indent=2).encode()

    return damage


def without(key: str) -> Callable[[bytes], bytes]:
    def damage(good: bytes) -> bytes:
        document = json.loads(good)
        del document[key]
        return json.dumps(document, indent=2).encode()

    return damage


def at_record(index: int, old: bytes, new: bytes) -> Callable[[bytes], bytes]:
    """Replace the first ``old`` after the ``index``-th record's key."""

    def damage(good: bytes) -> bytes:
        document = json.loads(good)
        uuid = list(document["assistants"])[index]
        where = good.index(json.dumps(uuid).encode() + b": {")
        cut = good.index(old, where)
        return good[:cut] + new + good[cut + len(old) :]

    return damage


# Damage to a whole auditor-written file (four records), on top of test_snapshot.DAMAGE.
FILE_DAMAGE: list[tuple[str, Callable[[bytes], bytes]]] = [
    ("extra data", lambda good: good + b'{"more": 1}\n'),
    ("a second document", lambda good: good + good),
    ("trailing comma", lambda good: good.rstrip()[:-1].rstrip() + b",\n}\n"),
    ("cut in a record", lambda good: good[: len(good) * 2 // 3]),
    ("cut after the records", lambda good: good[: good.rindex(b'"count"')]),
    ("cut in the last byte", lambda good: good.rstrip()[:-1]),
    ("bad utf-8 in a record", at_record(2, b'"name": "', b'"name": "\xc3\x28')),
    ("a cut utf-8 character at the end", lambda good: good.rstrip()[:-1] + b"\xe2\x82"),
    ("control character in a string", at_record(1, b'"name": "', b'"name": "\x01')),
    ("missing comma between records", at_record(1, b"\n    },\n", b"\n    }\n")),
    ("count wrong", replace_in_document(count=7)),
    ("count a boolean", replace_in_document(count=True)),
    ("count a float", replace_in_document(count=4.0)),
    ("schema_version old", replace_in_document(schema_version=0)),
    ("schema_version newer", replace_in_document(schema_version=3)),
    ("schema_version a string", replace_in_document(schema_version="1")),
    ("schema_version missing", without("schema_version")),
    ("source missing", without("source")),
    ("fetched_at missing", without("fetched_at")),
    ("fetched_at a number", replace_in_document(fetched_at=5)),
    ("assistants missing", without("assistants")),
    ("assistants null", replace_in_document(assistants=None)),
    ("assistants a string", replace_in_document(assistants="x")),
    ("key is not the uuid", rekey_record(2, "someone-else")),
    ("key of the first record is not the uuid", rekey_record(0, "a")),
    ("a record is a list", record_as(1, [1, 2])),
    ("a record is null", record_as(3, None)),
    ("a record has no uuid", record_as(2, {"id": 1})),
    (
        "a bad record and a wrong count",
        lambda good: replace_in_document(count=9)(record_as(1, "x")(good)),
    ),
    ("a bad record, then bad JSON", lambda good: record_as(0, 1)(good)[:-20]),
    ("a bad record, then extra data", lambda good: record_as(0, 1)(good) + b"]"),
    ("the document a list", lambda good: b"[" + good + b"]"),
    ("the document a string", lambda good: b'"snapshot"'),
]


def damage_cases() -> list[Any]:
    """test_snapshot.DAMAGE (whole files), then FILE_DAMAGE (done to a good file)."""
    cases = [
        pytest.param(lambda good, content=content: content, id=f"test_snapshot: {name}")
        for name, content, _ in DAMAGE
    ]
    return cases + [pytest.param(damage, id=name) for name, damage in FILE_DAMAGE]


@pytest.mark.parametrize("size", [7, 4096])
@pytest.mark.parametrize("damage", damage_cases())
def test_a_damaged_file_is_the_same_error_as_read_snapshot(
    tmp_path: Path, size: int, damage: Callable[[bytes], bytes]
) -> None:
    path = tmp_path / "baseline.json"
    path.write_bytes(damage(write_good(path)))
    expected = error_of(read_snapshot, path)
    with chunk_size(size):
        assert stream_error(path) == expected


@pytest.mark.parametrize("size", [1, 7, 4096])
def test_a_file_cut_anywhere_is_the_same_error_as_read_snapshot(tmp_path: Path, size: int) -> None:
    path = tmp_path / "baseline.json"
    good = dumps_snapshot(
        Listing(SOURCE, "t", {"a": {"uuid": "a", "n": -0.0, "s": "é𝄞"}, "b": {"uuid": "b"}}, "x")
    )
    with chunk_size(size):
        for end in range(len(good.rstrip())):
            path.write_bytes(good[:end])
            assert stream_error(path) == error_of(read_snapshot, path), end


def test_the_hint_names_the_previous_file_in_both(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    good = write_good(path)
    previous_path(path).write_bytes(good)
    path.write_bytes(good[:100])
    message = stream_error(path)
    assert message == error_of(read_snapshot, path)
    assert "restore it from baseline.json.prev" in message


@pytest.mark.parametrize("make", ["missing", "folder"])
def test_a_path_that_is_no_file_is_the_same_error(tmp_path: Path, make: str) -> None:
    path = tmp_path / "baseline.json"
    if make == "folder":
        path.mkdir()
    message = stream_error(path)
    assert message == error_of(read_snapshot, path)
    assert ("does not exist" if make == "missing" else "is a folder") in message


def test_records_taken_before_an_error_are_the_good_ones_in_file_order(tmp_path: Path) -> None:
    """A record after the bad one never reaches ``take`` (the run is to be thrown away)."""
    path = tmp_path / "baseline.json"
    path.write_bytes(rekey_record(2, "zz")(write_good(path)))
    recorder = Recorder()
    with pytest.raises(SnapshotError, match="'zz' has uuid"):
        stream_snapshot(path, recorder.start)
    assert len(recorder.headers) == 1
    assert [uuid for uuid, _, _ in recorder.records] == list(
        json.loads(path.read_bytes())["assistants"]
    )[:2]


# -- odd but valid layouts: the same listing (through the fallback where needed) -------------

LAYOUT_RECORDS = {
    "u-2": {"uuid": "u-2", "id": 2, "x": [1, 2.5, -0.0, None], "é": "𝄞"},
    "u-1": {"id": 1, "uuid": "u-1", "nested": {"b": {"c": []}, "a": 1e300}},
    "u-3": {"uuid": "u-3", "name": "\ud800"},
}


NESTED_CLOSE = r"""{"account": "north", "assistants": {
    "u-2": {"uuid": "u-2", "id": 2, "x": [1, 2.5, -0.0, null], "\u00e9": "\ud834\udd1e"},
    "u-1": {"id": 1, "uuid": "u-1", "nested": {"b": {"c": [
    ]}
    }, "a": {
    }
    },
    "u-3": {"uuid": "u-3", "name": "\ud800", "s": "\n    }"
    }
  }, "count": 3, "fetched_at": "2026-11-25T03:00:00Z", "schema_version": 1,
  "source": "SOURCE", "tool_version": "0.1.0"}""".replace("SOURCE", SOURCE)
"""A record whose first line holding only ``}`` at its indent closes a nested value
(the reader must not take the text up to there), and one with ``}`` in a string."""


def layout(order: list[str], *, dumps: Callable[[Any], str] = json.dumps) -> bytes:
    fields: dict[str, Any] = {
        "schema_version": 1,
        "tool_version": "0.1.0",
        "source": SOURCE,
        "fetched_at": "2026-11-25T03:00:00Z",
        "count": len(LAYOUT_RECORDS),
        "assistants": LAYOUT_RECORDS,
        "account": "north",
        "comment": {"made": ["by", "hand"]},
    }
    return dumps({key: fields[key] for key in order}).encode()


AUDITOR_ORDER = sorted(["schema_version", "tool_version", "source", "fetched_at", "count"])
LAYOUTS: list[tuple[str, bytes, bool]] = [
    # (name, content, read record by record without the fallback)
    ("compact, one line", layout(["account", "assistants", *AUDITOR_ORDER]), True),
    (
        "count first, account after the assistants",
        layout(["count", "assistants", "account", *AUDITOR_ORDER[1:]]),
        False,
    ),
    ("header after the assistants", layout(["assistants", *AUDITOR_ORDER]), True),
    ("assistants first, account last", layout(["assistants", *AUDITOR_ORDER, "account"]), False),
    ("unknown top-level keys", layout(["comment", "account", "assistants", *AUDITOR_ORDER]), True),
    (
        "unknown key after the assistants",
        layout(["account", "assistants", "comment", *AUDITOR_ORDER]),
        True,
    ),
    (
        "indented with tabs",
        layout(
            ["account", "assistants", *AUDITOR_ORDER], dumps=lambda d: json.dumps(d, indent="\t")
        ),
        True,
    ),
    (
        "unicode written raw",
        layout(
            ["account", "assistants", *AUDITOR_ORDER],
            dumps=lambda d: json.dumps(d, ensure_ascii=False).replace("\ud800", "\\ud800"),
        ),
        True,
    ),
    (
        "whitespace everywhere",
        layout(
            ["account", "assistants", *AUDITOR_ORDER],
            dumps=lambda d: (
                "\r\n \t" + json.dumps(d, indent=3, separators=(" ,\n ", " \t:\r\n ")) + " \n\r\t\n"
            ),
        ),
        True,
    ),
    (
        "a UTF-8 byte order mark",
        codecs.BOM_UTF8 + layout(["account", "assistants", *AUDITOR_ORDER]),
        False,
    ),
    (
        "a nested object closed on a line at its record's indent",
        layout(["account", "assistants", *AUDITOR_ORDER], dumps=lambda d: NESTED_CLOSE),
        True,
    ),
    (
        "records indented by 4 and 8, nested values at the record's indent",
        layout(
            ["account", "assistants", *AUDITOR_ORDER],
            dumps=lambda d: (
                json.dumps(d, indent=4)
                .replace('\n            "', '\n        "')
                .replace("\n            }", "\n        }")
            ),
        ),
        True,
    ),
    (
        "one record a line, each key at the start of its line",
        layout(
            ["account", "assistants", *AUDITOR_ORDER],
            dumps=lambda d: json.dumps(d).replace(', "u-', ',\n"u-').replace('{"u-', '{\n"u-'),
        ),
        True,
    ),
    (
        "escaped key names",
        layout(["account", "assistants", *AUDITOR_ORDER]).replace(
            b'"assistants"', b'"assist\\u0061nts"'
        ),
        True,
    ),
]


@pytest.mark.parametrize("size", [1, 7, 64, 4096])
@pytest.mark.parametrize(
    ("content", "streamed"), [c[1:] for c in LAYOUTS], ids=[c[0] for c in LAYOUTS]
)
def test_odd_but_valid_layouts_give_what_read_snapshot_gives(
    tmp_path: Path, size: int, content: bytes, streamed: bool
) -> None:
    path = tmp_path / "odd.json"
    path.write_bytes(content)
    with chunk_size(size):
        recorder = assert_streams_like_read(path, streamed=streamed)
    if b'"account"' in content:
        assert recorder.headers[-1]["account"] == "north"
    else:
        assert "account" not in recorder.headers[-1]


@pytest.mark.parametrize(
    ("content", "line"),
    [
        (
            layout(["account", "assistants", *AUDITOR_ORDER]).replace(
                b'"u-2": {', b'"u-3": {"uuid": "u-3", "old": true}, "u-2": {', 1
            ),
            "gives the assistant uuid 'u-3' twice",
        ),
        (
            layout(["account", "assistants", *AUDITOR_ORDER]).replace(
                b'"count": 3', b'"count": 99, "count": 3', 1
            ),
            "gives the field 'count' twice",
        ),
    ],
    ids=["uuid", "field"],
)
def test_a_uuid_or_field_given_twice_is_refused_by_both_readers(
    tmp_path: Path, content: bytes, line: str
) -> None:
    """``json`` keeps the last of a repeated key without a word, so a second copy of an
    assistant would hide the first: neither reader takes such a file."""
    path = tmp_path / "twice.json"
    path.write_bytes(content)
    for size in (7, 4096):
        with chunk_size(size):
            for read in (read_snapshot, lambda p: stream_snapshot(p, Recorder().start)):
                message = error_of(read, path)
                assert line in message, message
                assert "JSON gives no way to tell which is meant" in message


def test_a_key_twice_inside_a_record_is_left_to_json_by_both_readers(tmp_path: Path) -> None:
    """Inside a record both readers' decoders keep the last, alike (auditor never writes
    a key twice; the check would cost every record of every file a second walk)."""
    path = tmp_path / "inner.json"
    path.write_bytes(
        layout(["account", "assistants", *AUDITOR_ORDER]).replace(
            b'"uuid": "u-2"', b'"uuid": "u-2", "uuid": "u-2"', 1
        )
    )
    assert_streams_like_read(path, streamed=True)


def test_a_number_cut_in_its_exponent_is_read_right_whatever_the_chunk(tmp_path: Path) -> None:
    """``1.25e-3`` cut after ``1.25e`` parses as ``1.25`` followed by junk: the reader
    reads on and scans it again, it never takes the wrong number (nor falls back)."""
    path = tmp_path / "odd.json"
    content = layout(["account", "assistants", *AUDITOR_ORDER]).replace(
        b'"schema_version": 1', b'"schema_version": 1, "zz": 1.25e-3, "zy": -1E+300', 1
    )
    path.write_bytes(content)
    for size in [*range(1, 40), 4096]:
        with chunk_size(size):
            recorder = assert_streams_like_read(path, streamed=True)
        assert recorder.headers == [{"account": "north"}]


def test_layouts_the_reader_follows_are_followed_at_every_chunk_size(tmp_path: Path) -> None:
    path = tmp_path / "odd.json"
    for _, content, streamed in LAYOUTS:
        if streamed:
            path.write_bytes(content)
            for size in (2, 3, 5, 11, 13):
                with chunk_size(size):
                    assert_streams_like_read(path, streamed=True)


# -- faults found by these tests, now fixed --------------------------------------------------


def test_a_cut_file_with_non_ascii_text_is_called_truncated(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    ascii_only = Listing(SOURCE, "t", {"a": {"uuid": "a", "name": "Zoe"}})
    other = Listing(SOURCE, "t", {"a": {"uuid": "a", "name": "Zoë"}})
    for listing in (ascii_only, other):
        good = dumps_snapshot(listing)
        end = good.index(b'"fetched_at": "t"') + len(b'"fetched_at": "t"')
        path.write_bytes(good[:end])  # cut just after a complete value
        for read in (read_snapshot, lambda p: stream_snapshot(p, Recorder().start)):
            assert "is truncated" in error_of(read, path)


def test_an_integer_too_long_to_convert_is_a_snapshot_error_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(
        '{"assistants": {"a": {"uuid": "a", "id": ' + "9" * 5000 + '}}, "count": 1, '
        '"fetched_at": "t", "schema_version": 1, "source": "s"}',
        encoding="utf-8",
    )
    for read in (read_snapshot, lambda p: stream_snapshot(p, Recorder().start)):
        message = error_of(read, path)
        assert message.startswith(f"snapshot {path} is not usable JSON (Exceeds the limit")
        assert "set_int_max_str_digits" not in message


@pytest.mark.parametrize("levels", [64, 65])
def test_a_record_deeper_than_max_depth_is_refused_as_read_snapshot_refuses_it(
    tmp_path: Path, levels: int
) -> None:
    """The depth is walked only when a record's text holds more brackets than
    ``MAX_DEPTH``: one at the limit passes, one level more is the error."""
    fleet = generate_fleet(3, seed=2)
    nested: Any = []
    for _ in range(levels - 2):  # the record is a level, and so is each list
        nested = [nested]
    fleet[1]["deep"] = nested
    listing = Listing(SOURCE, "2026-11-25T03:00:00Z", {r["uuid"]: r for r in fleet})
    path = tmp_path / "deep.json"
    write_snapshot(listing, path)
    if levels <= snapshot.MAX_DEPTH:
        assert_streams_like_read(path, streamed=True)
    else:
        assert error_of(lambda p: stream(p), path) == error_of(read_snapshot, path)
        assert "nests deeper than 64 levels" in error_of(read_snapshot, path)


def test_brackets_inside_strings_only_cost_a_walk(tmp_path: Path) -> None:
    fleet = generate_fleet(2, seed=2)
    fleet[0]["name"] = "[{" * 100
    listing = Listing(SOURCE, "2026-11-25T03:00:00Z", {r["uuid"]: r for r in fleet})
    path = tmp_path / "brackets.json"
    write_snapshot(listing, path)
    assert_streams_like_read(path, streamed=True)


@pytest.mark.parametrize(
    ("keys", "answers"),
    [
        (["a", "b", "c"], [True, True, True]),  # in order: only hashes kept, none can repeat
        (["a", "c", "b", "c"], [True, True, True, False]),  # out of order, then again
        (["b", "a", "b"], [True, True, False]),
        (["a", "b", "a"], [True, True, False]),  # the first out of order is a repeat
    ],
)
def test_keys_seen_before_are_found_in_any_order(keys: list[str], answers: list[bool]) -> None:
    from auditor.snapshot import _SeenKeys

    seen = _SeenKeys()
    assert [seen.first(key) for key in keys] == answers
    assert seen.count == len(keys)
