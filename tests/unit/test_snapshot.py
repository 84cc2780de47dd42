"""Snapshot files: stable bytes, secrets masked, every kind of damage named, atomic writes."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import pytest

from auditor.drift import diff_listings
from auditor.errors import EXIT_USAGE, ConfigError, SnapshotError
from auditor.model import Listing
from auditor.sandbox.data import generate_fleet
from auditor.snapshot import dumps_snapshot, previous_path, read_snapshot, write_snapshot

SOURCE = "https://portal.intellixent.ai/api"
OPENAI_KEY = "sk-proj-" + "Q7x9" * 8


def listing(records: list[dict[str, Any]], source: str = SOURCE) -> Listing:
    return Listing(source, "2026-11-25T03:00:00Z", {r["uuid"]: r for r in records})


@pytest.fixture
def fleet() -> list[dict[str, Any]]:
    return generate_fleet(12, seed=5)


def test_write_then_read_is_the_same_listing(tmp_path: Path, fleet: list[dict[str, Any]]) -> None:
    path = tmp_path / "fleet.json"
    write_snapshot(listing(fleet), path)
    back = read_snapshot(path)
    assert back.source == SOURCE
    assert back.fetched_at == "2026-11-25T03:00:00Z"
    assert dict(back.assistants) == {r["uuid"]: r for r in fleet}


def test_the_same_fleet_in_any_order_gives_the_same_bytes(fleet: list[dict[str, Any]]) -> None:
    shuffled = [dict(reversed(list(r.items()))) for r in reversed(fleet)]
    first = dumps_snapshot(listing(fleet))
    assert first == dumps_snapshot(listing(shuffled))
    assert first.endswith(b"}\n")
    document = json.loads(first)
    assert list(document) == sorted(document)
    assert list(document["assistants"]) == sorted(document["assistants"])


def test_a_secret_never_reaches_the_file_but_a_rotation_still_drifts(
    tmp_path: Path, fleet: list[dict[str, Any]]
) -> None:
    fleet[0]["system_prompt"] = f"Use api_key={OPENAI_KEY} for the CRM."
    fleet[1]["variables"] = {"crm_token": OPENAI_KEY}
    path = tmp_path / "fleet.json"
    write_snapshot(listing(fleet), path)
    text = path.read_text(encoding="utf-8")
    assert OPENAI_KEY not in text
    assert text.count("<redacted:sha256:") == 2

    rotated = json.loads(json.dumps(fleet))
    rotated[0]["system_prompt"] = f"Use api_key={OPENAI_KEY[:-4]}ZZZZ for the CRM."
    write_snapshot(listing(rotated), tmp_path / "rotated.json")
    drift = diff_listings(read_snapshot(path), read_snapshot(tmp_path / "rotated.json"))
    assert [c.assistant.uuid for c in drift.changed] == [fleet[0]["uuid"]]
    assert OPENAI_KEY not in repr(drift)

    again = tmp_path / "again.json"
    write_snapshot(listing(fleet), again)
    assert again.read_bytes() == path.read_bytes()  # the marker is stable


def document_bytes(**changes: Any) -> bytes:
    record = {"id": 1, "uuid": "u-1", "name": "Reception"}
    document: dict[str, Any] = {
        "schema_version": 1,
        "tool_version": "0.1.0",
        "source": SOURCE,
        "fetched_at": "2026-11-25T03:00:00Z",
        "count": 1,
        "assistants": {"u-1": record},
    }
    document.update(changes)
    return json.dumps(document, indent=2).encode()


GOOD = document_bytes()

DAMAGE = [
    ("empty", b"", r"is empty; restore it or re-create it"),
    ("blank", b"  \n", r"is empty"),
    ("truncated", GOOD[: len(GOOD) // 2], r"is truncated \(line \d+, column \d+: it ends early\)"),
    ("not json", b"{'a': 1}", r"is not valid JSON \(line 1, column 2: expecting property name"),
    ("not utf-8", b'{"name": "\xff"}', r"is not UTF-8 text"),
    ("a list", b"[]", r"is not a snapshot: expected a JSON object"),
    ("no schema", b'{"assistants": {}}', r"has no schema_version; is it an auditor snapshot\?"),
    ("future schema", document_bytes(schema_version=2), r"has schema_version 2; this auditor"),
    ("assistants a list", document_bytes(assistants=[]), r"'assistants' must be an object"),
    ("source missing", document_bytes(source=None), r"'source' must be a string"),
    ("count a string", document_bytes(count="1"), r"'count' must be a whole number"),
    ("count wrong", document_bytes(count=3), r"says count 3 but holds 1 assistants"),
    (
        "key is not the uuid",
        document_bytes(assistants={"u-2": {"id": 1, "uuid": "u-1"}}),
        r"assistant 'u-2' has uuid 'u-1'",
    ),
    ("record a string", document_bytes(assistants={"u-1": "x"}), r"'u-1' is not an object"),
]


@pytest.mark.parametrize(
    ("content", "message"), [d[1:] for d in DAMAGE], ids=[d[0] for d in DAMAGE]
)
def test_damage_is_named_never_an_empty_fleet(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "baseline.json"
    path.write_bytes(content)
    with pytest.raises(SnapshotError, match=message) as caught:
        read_snapshot(path)
    assert caught.value.exit_code == EXIT_USAGE
    assert str(path) in str(caught.value)
    assert "\n" not in str(caught.value)


def test_the_hint_names_the_previous_file_when_there_is_one(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    path.write_bytes(GOOD[:40])
    previous_path(path).write_bytes(GOOD)
    with pytest.raises(SnapshotError, match=r"restore it from baseline\.json\.prev or re-create"):
        read_snapshot(path)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: None, r"does not exist; check the path"),
        (lambda p: p.mkdir(), r"is a folder, not a file"),
    ],
    ids=["missing", "folder"],
)
def test_a_path_that_is_no_file(tmp_path: Path, make: Any, message: str) -> None:
    path = tmp_path / "baseline.json"
    make(path)
    with pytest.raises(SnapshotError, match=message):
        read_snapshot(path)


# -- atomic writes ----------------------------------------------------------------------------


def test_keep_previous_keeps_the_replaced_file(tmp_path: Path, fleet: list[dict[str, Any]]) -> None:
    path = tmp_path / "baseline.json"
    write_snapshot(listing(fleet[:3]), path, keep_previous=True)
    assert not previous_path(path).exists()
    first = path.read_bytes()
    write_snapshot(listing(fleet), path, keep_previous=True)
    assert previous_path(path).read_bytes() == first
    assert len(read_snapshot(path).assistants) == len(fleet)


@pytest.mark.parametrize("failing", ["write", "fsync", "replace"])
def test_a_failing_write_leaves_the_old_file_and_no_temp_file(
    tmp_path: Path, fleet: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    path = tmp_path / "baseline.json"
    write_snapshot(listing(fleet[:3]), path)
    before = path.read_bytes()

    def disk_full(*args: Any, **kwargs: Any) -> Any:
        raise OSError(28, "No space left on device")

    if failing == "write":
        real_fdopen = os.fdopen

        class FullFile:
            def __init__(self, fd: int, mode: str) -> None:
                self.handle = real_fdopen(fd, mode)

            def __enter__(self) -> FullFile:
                return self

            def __exit__(self, *exc: object) -> None:
                self.handle.close()

            def write(self, data: bytes) -> int:
                self.handle.write(data[:10])
                raise OSError(28, "No space left on device")

        monkeypatch.setattr(os, "fdopen", FullFile)
    else:
        monkeypatch.setattr(os, failing, disk_full)

    with pytest.raises(ConfigError, match=r"No space left on device; the previous file"):
        write_snapshot(listing(fleet), path, keep_previous=True)
    monkeypatch.undo()
    assert path.read_bytes() == before
    leftovers = sorted(p.name for p in tmp_path.iterdir())
    assert leftovers in (["baseline.json"], ["baseline.json", "baseline.json.prev"])


def test_a_missing_folder_is_a_clear_error(tmp_path: Path, fleet: list[dict[str, Any]]) -> None:
    with pytest.raises(ConfigError, match=r"folder .*nowhere does not exist; create it first"):
        write_snapshot(listing(fleet), tmp_path / "nowhere" / "fleet.json")


@pytest.mark.parametrize("account", [None, "north"])
def test_a_spill_fed_pages_in_any_order_writes_the_bytes_of_dumps_snapshot(
    tmp_path: Path, account: str | None
) -> None:
    from auditor.sandbox.data import generate_fleet
    from auditor.snapshot import SnapshotHeader, SnapshotSpill

    fleet = generate_fleet(250, seed=11)
    fleet[7]["notes"] = [math.nan, "\x00x", "\ud800", 2**70, 1e-05]
    listing = Listing(SOURCE, "2026-11-25T03:00:00Z", {r["uuid"]: r for r in fleet}, account)
    pages = [fleet[i : i + 100] for i in range(0, 250, 100)]
    with SnapshotSpill() as spill:
        for page in reversed(pages):
            masked = spill.add((r["uuid"], r) for r in page)
            assert [uuid for uuid, _ in masked] == [r["uuid"] for r in page]
        header = SnapshotHeader(SOURCE, "2026-11-25T03:00:00Z", account)
        assert len(spill) == 250
        assert b"".join(spill.chunks(header)) == dumps_snapshot(listing)
        spill.write(tmp_path / "fleet.json", header)
    assert (tmp_path / "fleet.json").read_bytes() == dumps_snapshot(listing)


def test_an_empty_spill_writes_an_empty_snapshot() -> None:
    from auditor.snapshot import SnapshotHeader, SnapshotSpill

    with SnapshotSpill() as spill:
        data = b"".join(spill.chunks(SnapshotHeader(SOURCE, "t")))
    assert data == dumps_snapshot(Listing(SOURCE, "t", {}))
