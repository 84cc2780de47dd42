"""auditor.slices: snapshot files cut into stretches of whole records for the workers.

The claim under test: a file exactly as auditor writes it (records in strictly rising
uuid order) is cut into ranges that join end to end and whose records are the bytes
``SnapshotReader(path, decode=False)`` hands out, in the same order; anything else
raises ``Unsliced`` from ``layout``, ``cuts``, ``ranges``, ``records`` or ``listing``
(or, for a record whose own text is broken, yields that text for the worker's
``checked_record`` to refuse). Every file here is real, written in ``tmp_path``.
"""

from __future__ import annotations

import copy
import json
import os
import re
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor import slices
from auditor.errors import SnapshotError
from auditor.model import Listing
from auditor.sandbox.data import generate_fleet
from auditor.slices import Layout, Range, Stretch, Unsliced, layout, ranges, records
from auditor.snapshot import SnapshotReader, checked_record, write_snapshot

SOURCE = "https://portal.intellixent.ai/api"
FETCHED = "2026-11-25T03:00:00Z"
POOL = generate_fleet(60)
OTHER = generate_fleet(60, seed=8)  # other uuids: a baseline's records the input lacks
LAST = max(POOL + OTHER, key=lambda record: record["uuid"])
"""The record of the highest uuid, put in both files of the property (see
``test_a_file_whose_records_end_below_a_bound_is_sliced`` for why)."""
STEPS = (64, 700, 5000, 1 << 24)
Pairs = list[tuple[str, bytes]]


# -- helpers -------------------------------------------------------------------------------


def write(path: Path, fleet: list[dict[str, Any]], account: str | None = None) -> Path:
    """``fleet`` written by auditor to ``path``."""
    write_snapshot(Listing(SOURCE, FETCHED, {r["uuid"]: r for r in fleet}, account), path)
    return path


def read(path: Path) -> tuple[Pairs, Listing]:
    """The ``(uuid, raw)`` pairs and the listing as ``SnapshotReader`` gives them."""
    with SnapshotReader(path, decode=False) as reader:
        pairs = []
        for uuid, _, _, raw in reader:
            assert raw is not None
            pairs.append((uuid, raw))
        return pairs, reader.listing


def side(stretches: list[Stretch], baseline: bool) -> Pairs:
    """One file's records read stretch by stretch, each uuid checked to be in bounds."""
    found: Pairs = []
    for stretch in stretches:
        part = stretch.baseline if baseline else stretch.input
        assert part is not None
        for uuid, text in records(part, stretch.low, stretch.high):
            assert stretch.low is None or stretch.low <= uuid
            assert stretch.high is None or uuid < stretch.high
            found.append((uuid, text))
    return found


def parts_of(stretches: list[Stretch], baseline: bool) -> list[Range]:
    """One file's range of each stretch."""
    parts = [s.baseline if baseline else s.input for s in stretches]
    assert all(part is not None for part in parts)
    return [part for part in parts if part is not None]


def joined(stretches: list[Stretch], file: Layout, baseline: bool) -> None:
    """The ranges of one file join end to end from ``first`` to ``end``; only the last
    is ``last``; the stretches' bounds chain from ``None`` to ``None``."""
    parts = parts_of(stretches, baseline)
    assert [parts[0].start, *(p.stop for p in parts)] == [*(p.start for p in parts), file.end]
    assert parts[0].start == file.first
    assert [p.last for p in parts] == [False] * (len(parts) - 1) + [True]
    assert [s.low for s in stretches] == [None, *(s.high for s in stretches[:-1])]
    assert stretches[-1].high is None


def pipeline(path: Path, step: int) -> Pairs:
    """The records of ``path`` as a sliced audit reads them: cut, read, counted."""
    file = layout(path)
    found = side(ranges(file, None, step), baseline=False)
    file.listing(len(found))
    return found


def refused(path: Path, step: int) -> bool:
    """Whether the sliced reading of ``path`` raises ``Unsliced`` (not: yields records)."""
    try:
        pipeline(path, step)
    except Unsliced:
        return True
    return False


_OPENING = re.compile(rb'\n    "[^"\\]*": \{')


def pieces(data: bytes) -> tuple[bytes, list[bytes], bytes]:
    """An auditor file as the text before the records, each record (its opening line
    to its closing brace) and the text from the line that closes the records on."""
    starts = [m.start() for m in _OPENING.finditer(data)]
    end = data.rindex(b"\n  }")
    bounds = [*starts, end + 1]
    chunks = [data[a : b - 1] for a, b in pairwise(bounds)]
    return data[: starts[0]], chunks, data[end:]


def rebuilt(head: bytes, chunks: list[bytes], tail: bytes, sep: bytes = b",") -> bytes:
    """The file again, its ``count`` set to the records it now holds."""
    count = f'"count": {len(chunks)}'.encode()
    return head + sep.join(chunks) + re.sub(rb'"count": \d+', count, tail)


@pytest.fixture
def sample(tmp_path: Path) -> bytes:
    """The bytes of a 12-record auditor snapshot with an account."""
    return write(tmp_path / "sample.json", POOL[:12], "north").read_bytes()


def damaged(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "damaged.json"
    path.write_bytes(data)
    return path


# -- the property --------------------------------------------------------------------------


def _edited(draw: st.DrawFn, record: dict[str, Any]) -> dict[str, Any]:
    record = copy.deepcopy(record)
    edit = draw(st.sampled_from(["keep", "keep", "name", "prompt", "drop", "add"]))
    if edit == "name":
        record["name"] = draw(st.text(max_size=30))
    elif edit == "prompt":
        record["system_prompt"] = record["system_prompt"] * draw(st.integers(2, 40))
    elif edit == "drop":
        record.pop("tools", None)
    elif edit == "add":
        record["notes"] = {"nested": {"deeper": [draw(st.text(max_size=10))]}}
    return record


@st.composite
def fleets(draw: st.DrawFn, pool: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A subset of ``pool`` (1..60 records), some records edited, ``LAST`` among them."""
    size = draw(st.integers(1, 60))
    picks = draw(st.lists(st.sampled_from(range(len(pool))), min_size=0, max_size=size - 1))
    chosen = [pool[i] for i in sorted(set(picks)) if pool[i] is not LAST]
    return [_edited(draw, record) for record in [*chosen, LAST]]


ACCOUNTS = st.none() | st.sampled_from(["north", "süd"])


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    fleet=fleets(POOL),
    approved=fleets(POOL[20:] + OTHER[:20]),
    accounts=st.tuples(ACCOUNTS, ACCOUNTS),
    step=st.integers(64, 20000),
)
def test_stretches_read_both_files_as_the_reader(
    tmp_path: Path,
    fleet: list[dict[str, Any]],
    approved: list[dict[str, Any]],
    accounts: tuple[str | None, str | None],
    step: int,
) -> None:
    """For any input and baseline auditor wrote (sharing their highest uuid), the
    stretches join end to end in each file, their records (each within its stretch's
    bounds) are the reader's, byte for byte and in order, the listings are the reader's,
    and without a baseline the input alone reads the same."""
    paths = write(tmp_path / "in.json", fleet, accounts[0])
    baseline = write(tmp_path / "base.json", approved, accounts[1])
    files = layout(paths), layout(baseline)
    stretches = ranges(*files, step)
    for file, is_baseline, path in ((files[0], False, paths), (files[1], True, baseline)):
        joined(stretches, file, is_baseline)
        pairs, listing = read(path)
        assert side(stretches, is_baseline) == pairs
        assert file.listing(len(pairs)) == listing
    alone = ranges(files[0], None, step)
    assert all(stretch.baseline is None for stretch in alone)
    joined(alone, files[0], baseline=False)
    assert side(alone, baseline=False) == read(paths)[0]


# -- the fields ----------------------------------------------------------------------------


@pytest.mark.parametrize("account", [None, "north"])
def test_fields_and_listing_are_the_readers(tmp_path: Path, account: str | None) -> None:
    """``fields`` are the file's fields besides ``assistants``; ``listing(count)`` is the
    reader's listing; any other count is ``Unsliced``."""
    path = write(tmp_path / "s.json", POOL[:9], account)
    file = layout(path)
    document = json.loads(path.read_bytes())
    del document["assistants"]
    assert file.fields == document
    pairs, listing = read(path)
    assert file.listing(len(pairs)) == listing
    assert (listing.source, listing.fetched_at, listing.account) == (SOURCE, FETCHED, account)
    for wrong in (0, len(pairs) - 1, len(pairs) + 1):
        with pytest.raises(Unsliced):
            file.listing(wrong)


# -- files not laid out as auditor writes them ---------------------------------------------


def _compact(data: bytes) -> bytes:
    return json.dumps(json.loads(data), ensure_ascii=False).encode()


def _indent4(data: bytes) -> bytes:
    return json.dumps(json.loads(data), indent=4, sort_keys=True, ensure_ascii=False).encode()


def _swapped(data: bytes) -> bytes:
    head, chunks, tail = pieces(data)
    chunks[3], chunks[7] = chunks[7], chunks[3]
    return rebuilt(head, chunks, tail)


def _swapped_last(data: bytes) -> bytes:
    head, chunks, tail = pieces(data)
    chunks[-2], chunks[-1] = chunks[-1], chunks[-2]
    return rebuilt(head, chunks, tail)


def _twice(data: bytes) -> bytes:
    head, chunks, tail = pieces(data)
    return rebuilt(head, [*chunks[:5], chunks[4], *chunks[5:]], tail)


def _twice_at_end(data: bytes) -> bytes:
    head, chunks, tail = pieces(data)
    return rebuilt(head, [*chunks, chunks[-1]], tail)


def _brace(index: int, indent: bytes) -> Any:
    def damage(data: bytes) -> bytes:
        head, chunks, tail = pieces(data)
        assert chunks[index].endswith(b"\n    }")
        chunks[index] = chunks[index][: -len(b"    }")] + indent + b"}"
        return rebuilt(head, chunks, tail)

    return damage


def _no_comma(data: bytes) -> bytes:
    head, chunks, tail = pieces(data)
    return rebuilt(head, [*chunks[:5], chunks[5] + chunks[6], *chunks[7:]], tail)


def _escaped(index: int) -> Any:
    def damage(data: bytes) -> bytes:
        head, chunks, tail = pieces(data)
        chunks[index] = _escape(chunks[index])
        return rebuilt(head, chunks, tail)

    return damage


def _escape(chunk: bytes) -> bytes:
    """A record with its key's first character spelled as a ``\\u`` escape (the same
    key to JSON, no opening line to the slices)."""
    uuid = chunk[6:42].decode()
    return chunk.replace(f'"{uuid}": {{'.encode(), _escaped_key(uuid), 1)


def _escaped_key(uuid: str) -> bytes:
    """``"<uuid>": {`` with the uuid's first character spelled as a ``\\u`` escape."""
    return f'"\\u{ord(uuid[0]):04x}{uuid[1:]}": {{'.encode()


def _key_bytes(data: bytes) -> tuple[bytes, list[bytes], bytes]:
    head, chunks, tail = pieces(data)
    chunks[3] = chunks[3][:6] + b"\xff" + chunks[3][7:]
    return head, chunks, tail


def _duplicate_field(data: bytes) -> bytes:
    return data.replace(b'{\n  "account"', b'{\n  "source": "https://elsewhere/api",\n  "account"')


def _duplicate_count(data: bytes) -> bytes:
    return data.replace(b'\n  "count"', b'\n  "count": 12,\n  "count"')


def _assistants_twice(data: bytes) -> bytes:
    return data.replace(b'\n  "count"', b'\n  "assistants": {},\n  "count"')


def _account_after(data: bytes) -> bytes:
    data = data.replace(b'\n  "account": "north",', b"")
    return data.replace(b'\n  "count"', b'\n  "account": "north",\n  "count"')


DAMAGES = {
    "compact": _compact,
    "indent=4": _indent4,
    "out of order": _swapped,
    "last two out of order": _swapped_last,
    "a uuid twice": _twice,
    "the last uuid twice": _twice_at_end,
    "a brace one short": _brace(4, b"   "),
    "a brace one deep": _brace(4, b"     "),
    "the last brace one short": _brace(-1, b"   "),
    "the last brace one deep": _brace(-1, b"     "),
    "no comma": _no_comma,
    "cut in half": lambda data: data[: len(data) // 2],
    "cut before the last brace": lambda data: data[:-2],
    "cut in the fields": lambda data: data[:-40],
    "cut in the last record": lambda data: data[: data.rindex(b"\n    }")],
    "an escaped first key": _escaped(0),
    "an escaped key": _escaped(5),
    "an escaped last key": _escaped(-1),
    "a key not UTF-8": lambda data: rebuilt(*_key_bytes(data)),
    "the records under another name": lambda data: data.replace(b'"assistants"', b'"assistantz"'),
    "a field twice": _duplicate_field,
    "count twice": _duplicate_count,
    "assistants twice": _assistants_twice,
    "account after the records": _account_after,
    "text after": lambda data: data + b"not json\n",
    "a brace after": lambda data: data + b"}\n",
    "an object after": lambda data: data + b"{}\n",
    "zero bytes": lambda data: b"",
    "blank": lambda data: b"\n  \n",
}


@pytest.mark.parametrize("damage", DAMAGES.values(), ids=DAMAGES.keys())
def test_other_layouts_are_unsliced(tmp_path: Path, sample: bytes, damage: Any) -> None:
    """A file not exactly as auditor writes it, in strictly rising uuid order, is
    refused with ``Unsliced`` whatever the step, never read as records."""
    data = damage(sample)
    assert data != sample
    path = damaged(tmp_path, data)
    for step in STEPS:
        assert refused(path, step), step


def test_no_records_is_unsliced(tmp_path: Path) -> None:
    """An empty ``assistants`` object (auditor's own file of no records) is refused."""
    path = write(tmp_path / "empty.json", [], "north")
    assert b'"assistants": {}' in path.read_bytes()
    assert refused(path, 64)


def test_tagged_fields_are_unsliced(tmp_path: Path) -> None:
    """A field auditor writes tagged (a source starting with U+0000) is left to the
    reader, which untags it."""
    fleet = {r["uuid"]: r for r in POOL[:3]}
    path = tmp_path / "tagged.json"
    write_snapshot(Listing("\x00" + SOURCE, FETCHED, fleet), path)
    assert read(path)[1].source == "\x00" + SOURCE
    assert refused(path, 64)


def test_a_file_that_is_a_folder_is_unsliced(tmp_path: Path) -> None:
    """No file, or a folder, is refused by ``layout``."""
    with pytest.raises(Unsliced):
        layout(tmp_path)
    with pytest.raises(Unsliced):
        layout(tmp_path / "missing.json")


def test_a_broken_record_is_yielded_for_the_worker_to_refuse(tmp_path: Path, sample: bytes) -> None:
    """A record whose own text is not JSON (the layout intact) comes out unchanged, and
    the worker's ``checked_record`` refuses it as the reader would."""
    head, chunks, tail = pieces(sample)
    chunks[6] = chunks[6].replace(b'"record": ', b'"record": ,', 1)
    path = damaged(tmp_path, rebuilt(head, chunks, tail))
    uuid, wanted = chunks[6][6:42].decode(), chunks[6][chunks[6].index(b"{") :]
    for step in STEPS:
        found = dict(pipeline(path, step))
        assert found[uuid] == wanted
        with pytest.raises(SnapshotError):
            checked_record(uuid, found[uuid], str(path))


def test_a_record_of_another_uuid_is_yielded_for_the_worker_to_refuse(
    tmp_path: Path, sample: bytes
) -> None:
    """A record keyed by a uuid that is not its own comes out, and ``checked_record``
    refuses it."""
    head, chunks, tail = pieces(sample)
    key = chunks[2][6:42]
    chunks[2] = chunks[2].replace(b'"uuid": "' + key, b'"uuid": "x' + key[1:])
    path = damaged(tmp_path, rebuilt(head, chunks, tail))
    found = dict(pipeline(path, 64))
    with pytest.raises(SnapshotError):
        checked_record(key.decode(), found[key.decode()], str(path))


def test_an_escaped_key_counted_as_merged_is_refused_by_the_worker(
    tmp_path: Path, sample: bytes
) -> None:
    """A key spelled with an escape is no opening line: its record is taken into the one
    before, so the slices count one record less. With ``count`` lowered to match (a file
    the reader refuses), the merged text is yielded, and ``checked_record`` refuses it."""
    head, chunks, tail = pieces(sample)
    chunks[5] = _escape(chunks[5])
    data = rebuilt(head, chunks, tail).replace(b'"count": 12', b'"count": 11')
    path = damaged(tmp_path, data)
    with pytest.raises(SnapshotError):
        read(path)
    for step in STEPS:
        found = pipeline(path, step)
        assert len(found) == 11
        merged = dict(found)[chunks[4][6:42].decode()]
        assert merged == chunks[4][chunks[4].index(b"{") :] + b"," + chunks[5]
        with pytest.raises(SnapshotError):
            checked_record(chunks[4][6:42].decode(), merged, str(path))


@pytest.mark.parametrize("where", ["before", "after"])
def test_records_outside_assistants_are_unsliced(tmp_path: Path, sample: bytes, where: str) -> None:
    """Records in a field of their own, ``assistants`` empty: the reader holds no
    records (and refuses the count), so the slices must not read them either."""
    head, chunks, tail = pieces(sample)
    if where == "before":
        head = head.replace(b'"assistants": {', b'"extra": {')
        tail = tail.replace(b"\n  },", b'\n  },\n  "assistants": {},')
    else:
        head = head.replace(b'"assistants": {', b'"assistants": {},\n  "zzz": {')
    data = rebuilt(head, chunks, tail)
    path = damaged(tmp_path, data)
    with pytest.raises(SnapshotError):
        read(path)
    assert refused(path, 64)


def test_a_file_whose_records_end_below_a_bound_is_sliced(tmp_path: Path) -> None:
    """A baseline whose uuids all lie below a bound cut from the input (the input has
    later uuids, as when records were added) is still read: its records all fall in the
    first stretches, and the later ones are empty."""
    fleet = sorted(POOL[:3], key=lambda record: record["uuid"])
    path, baseline = write(tmp_path / "in.json", fleet), write(tmp_path / "b.json", fleet[:1])
    stretches = ranges(layout(path), layout(baseline), 64)
    assert len(stretches) == 3
    assert side(stretches, baseline=True) == read(baseline)[0]


# -- the file cut is the file read ---------------------------------------------------------


def test_a_file_replaced_after_layout_is_unsliced(tmp_path: Path) -> None:
    """A file replaced at the same path (same bytes, another inode) after it was cut is
    refused by ``records``, ``cuts`` and ``listing``."""
    path = write(tmp_path / "s.json", POOL[:20])
    file = layout(path)
    stretches = ranges(file, None, 500)
    fresh = write(tmp_path / "fresh.json", POOL[:20])
    os.replace(fresh, path)
    with pytest.raises(Unsliced):
        records(stretches[0].input, stretches[0].low, stretches[0].high)
    with pytest.raises(Unsliced):
        slices.cuts(file, 500)
    with pytest.raises(Unsliced):
        file.listing(20)


def test_a_file_appended_to_is_unsliced(tmp_path: Path) -> None:
    """A file grown after it was cut is refused by ``records``."""
    path = write(tmp_path / "s.json", POOL[:20])
    stretches = ranges(layout(path), None, 500)
    with path.open("ab") as handle:
        handle.write(b"\n")
    for stretch in stretches:
        with pytest.raises(Unsliced):
            records(stretch.input, stretch.low, stretch.high)


def test_a_file_removed_is_unsliced(tmp_path: Path) -> None:
    """A file gone after it was cut is refused by ``records``."""
    path = write(tmp_path / "s.json", POOL[:5])
    stretch = ranges(layout(path), None, 64)[0]
    path.unlink()
    with pytest.raises(Unsliced):
        records(stretch.input, stretch.low, stretch.high)


# -- records larger than a probe -----------------------------------------------------------


def _huge(fleet: list[dict[str, Any]], every: int, size: int) -> list[dict[str, Any]]:
    out = [dict(record) for record in fleet]
    for record in out[::every]:
        record["system_prompt"] = "x" * size + record["system_prompt"]
    return out


@pytest.mark.parametrize("step", [64, 4096, 70_000, 300_000])
def test_records_larger_than_a_probe_read_as_the_reader(tmp_path: Path, step: int) -> None:
    """Records of 200 KB (several ``_PROBE`` windows) still cut and read exactly, in the
    input and in a baseline whose large records sit elsewhere."""
    size = 200_000
    assert size > 3 * slices._PROBE
    fleet = write(tmp_path / "in.json", _huge(POOL[:30], 7, size))
    approved = write(tmp_path / "base.json", _huge(POOL[10:40], 5, size))
    files = layout(fleet), layout(approved)
    stretches = ranges(*files, step)
    for file, is_baseline, path in ((files[0], False, fleet), (files[1], True, approved)):
        joined(stretches, file, is_baseline)
        assert side(stretches, is_baseline) == read(path)[0]
    assert pipeline(fleet, step) == read(fleet)[0]
