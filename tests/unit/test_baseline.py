"""BaselineIndex and fingerprint: the approved snapshot held as fingerprints and file places."""

from __future__ import annotations

import codecs
import json
import math
from hashlib import blake2b
from pathlib import Path
from typing import Any

import pytest

from auditor.baseline import _ENTRY, BaselineIndex, fingerprint, in_background
from auditor.errors import SnapshotError
from auditor.model import Listing
from auditor.policy import parse_filters
from auditor.sandbox.data import generate_fleet
from auditor.snapshot import read_snapshot, write_snapshot

SOURCE = "https://portal.intellixent.ai/api"


def record(ident: int, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": ident,
        "uuid": f"u-{ident}",
        "name": f"Assistant {ident}",
        "status": "active" if ident % 2 else "inactive",
        "variables": {"region": "eu", "list": [3, 1, 2]},
        "tools": [{"name": "b"}, {"name": "a"}],
    }
    data.update(fields)
    return data


RECORDS = [record(1), record(2, name="Zoë 𝄞"), record(3, score=-0.0, big=2**90, ratio=1e300)]


def write(path: Path, records: list[dict[str, Any]], account: str | None = "north") -> Path:
    write_snapshot(
        Listing(SOURCE, "2026-11-25T03:00:00Z", {r["uuid"]: r for r in records}, account), path
    )
    return path


# -- fingerprint -------------------------------------------------------------------------------


def test_a_fingerprint_is_16_bytes_and_ignores_key_order() -> None:
    a = {"uuid": "u", "x": {"b": 1, "a": [1, {"d": None, "c": "é"}]}}
    b = {"x": {"a": [1, {"c": "é", "d": None}], "b": 1}, "uuid": "u"}
    assert list(a) != list(b)
    assert len(fingerprint(a)) == 16
    assert fingerprint(a) == fingerprint(b)
    assert fingerprint(a) == fingerprint(json.loads(json.dumps(b)))


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ({"v": 1}, {"v": 1.0}),
        ({"v": 1}, {"v": True}),
        ({"v": 1.0}, {"v": True}),
        ({"v": 0}, {"v": False}),
        ({"v": 0}, {"v": None}),
        ({"v": "a"}, {"v": "b"}),
        ({"v": "1"}, {"v": 1}),
        ({"v": 0.0}, {"v": -0.0}),
        ({"v": [1, 2]}, {"v": [2, 1]}),  # list order is part of the text
        ({"v": []}, {"v": {}}),
        ({"v": None}, {}),
        ({"a": 1}, {"b": 1}),
        ({"v": "\ud800"}, {"v": "\ufffd"}),
        ({"v": 2**64}, {"v": 2**64 + 1}),
    ],
)
def test_fingerprints_differ_when_the_json_differs(one: Any, other: Any) -> None:
    assert fingerprint(one) != fingerprint(other)


def test_nan_has_one_fingerprint_whatever_the_object() -> None:
    assert fingerprint({"v": math.nan}) == fingerprint({"v": float("nan")})
    assert fingerprint({"v": math.nan}) == fingerprint(json.loads('{"v": NaN}'))
    assert fingerprint({"v": math.inf}) != fingerprint({"v": -math.inf})


# -- the index ---------------------------------------------------------------------------------


def test_the_index_holds_every_record_of_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "baseline.json", RECORDS)
    index = BaselineIndex(path)
    expected = read_snapshot(path)
    assert len(index) == 3
    assert list(index) == list(expected.assistants)
    assert "u-2" in index
    assert "u-9" not in index
    assert 2 not in index
    assert (index.path, index.source, index.fetched_at, index.account) == (
        path,
        SOURCE,
        "2026-11-25T03:00:00Z",
        "north",
    )
    for uuid, approved in expected.assistants.items():
        again = index.record(uuid)
        assert json.dumps(again) == json.dumps(approved)  # key order, -0.0, big ints
        assert index.fingerprint(uuid) == fingerprint(approved)
    assert index.fingerprint("u-9") is None


def test_a_file_without_account(tmp_path: Path) -> None:
    index = BaselineIndex(write(tmp_path / "b.json", RECORDS[:1], account=None))
    assert index.account is None
    assert list(index) == ["u-1"]


def test_keep_drops_the_records_it_does_not_select(tmp_path: Path) -> None:
    path = write(tmp_path / "baseline.json", RECORDS)
    index = BaselineIndex(path, parse_filters(["status=active"]))
    assert list(index) == ["u-1", "u-3"]
    assert len(index) == 2
    assert "u-2" not in index
    assert index.fingerprint("u-2") is None
    assert index.record("u-3")["big"] == 2**90
    assert list(BaselineIndex(path, lambda r: False)) == []


def test_a_damaged_file_raises_the_snapshot_error(tmp_path: Path) -> None:
    path = write(tmp_path / "baseline.json", RECORDS)
    path.write_bytes(path.read_bytes()[:-30])
    with pytest.raises(SnapshotError) as expected:
        read_snapshot(path)
    with pytest.raises(SnapshotError) as caught:
        BaselineIndex(path)
    assert str(caught.value) == str(expected.value)
    assert str(path) in str(caught.value)


def rewritten(path: Path, how: str) -> None:
    """Change ``path`` after it was indexed, as a concurrent ``snapshot approve`` might."""
    if how == "another record of the same length":
        text = path.read_text(encoding="utf-8")
        assert text.count("Assistant 1") == 1
        path.write_text(text.replace("Assistant 1", "Assistant 7"), encoding="utf-8")
    elif how == "records shifted":
        write(path, [record(0, name="a longer name than before"), *RECORDS])
    elif how == "truncated":
        path.write_bytes(path.read_bytes()[:200])
    elif how == "emptied":
        path.write_bytes(b"")
    elif how == "removed":
        path.unlink()
    elif how == "a number where the record was":
        text = path.read_text(encoding="utf-8")
        start = text.index('"u-1": ') + len('"u-1": ')
        _, end = json.JSONDecoder().raw_decode(text, start)
        first, last = len(text[:start].encode()), len(text[:end].encode())
        raw = path.read_bytes()
        path.write_bytes(raw[:first] + b"1".ljust(last - first) + raw[last:])
    else:  # a folder where the file was
        path.unlink()
        path.mkdir()


def read_every_record(index: BaselineIndex) -> None:
    for uuid in index:
        index.record(uuid)


@pytest.mark.parametrize(
    "how",
    [
        "another record of the same length",
        "records shifted",
        "truncated",
        "emptied",
        "removed",
        "a number where the record was",
        "a folder",
    ],
)
def test_a_file_changed_after_indexing_is_an_error_not_another_record(
    tmp_path: Path, how: str
) -> None:
    path = write(tmp_path / "baseline.json", RECORDS)
    index = BaselineIndex(path)
    rewritten(path, how)
    with pytest.raises(SnapshotError, match="changed while the audit was reading it") as caught:
        read_every_record(index)
    assert str(path) in str(caught.value)


def test_an_unchanged_rewrite_is_still_readable(tmp_path: Path) -> None:
    """The check is on content, not on the file's identity: the same bytes read fine."""
    path = write(tmp_path / "baseline.json", RECORDS)
    index = BaselineIndex(path)
    write(path, list(reversed(RECORDS)))  # the same fleet gives the same bytes
    assert index.record("u-2")["name"] == "Zoë 𝄞"


def test_records_read_whole_by_the_fallback_are_kept_in_memory(tmp_path: Path) -> None:
    """A layout the streaming reader does not follow (here a byte order mark): the
    records come whole, so they are kept and never read back from the file."""
    path = write(tmp_path / "baseline.json", RECORDS)
    path.write_bytes(codecs.BOM_UTF8 + path.read_bytes())
    index = BaselineIndex(path, parse_filters(["status=active"]))
    assert list(index) == ["u-1", "u-3"]
    assert index.account == "north"
    path.unlink()
    assert index.record("u-1") == RECORDS[0]
    assert index.fingerprint("u-3") == fingerprint(RECORDS[2])


def test_fingerprints_are_of_the_bytes_the_file_holds(tmp_path: Path) -> None:
    path = tmp_path / "fleet.json"
    records = {r["uuid"]: r for r in generate_fleet(30, seed=2)}
    write_snapshot(Listing("s", "t", records), path)
    index = BaselineIndex(path)
    raw = path.read_bytes()
    for uuid, record in read_snapshot(path).assistants.items():
        _, offset, length = _ENTRY.unpack(index._entries[uuid])
        text = raw[offset : offset + length]
        assert index.fingerprint(uuid) == blake2b(text, digest_size=16).digest()
        assert index.fingerprint(uuid) == fingerprint(record)


def test_an_index_built_in_the_background_is_the_same_index(tmp_path: Path) -> None:
    path = tmp_path / "fleet.json"
    records = {r["uuid"]: r for r in generate_fleet(30, seed=2)}
    write_snapshot(Listing("s", "t", records, "north"), path)
    pending = in_background(BaselineIndex, path)
    built, direct = pending.result(), BaselineIndex(path)
    assert built._entries == direct._entries
    assert (built.source, built.fetched_at, built.account) == ("s", "t", "north")


def test_what_building_in_the_background_raised_is_raised_by_result(tmp_path: Path) -> None:
    path = tmp_path / "fleet.json"
    path.write_text("{", encoding="utf-8")
    pending = in_background(BaselineIndex, path)
    with pytest.raises(SnapshotError, match="truncated"):
        pending.result()
