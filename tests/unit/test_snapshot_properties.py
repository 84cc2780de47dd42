"""Properties (hypothesis): writing a snapshot and reading it back is the identity.

For any listing — any JSON type in any field, lone surrogates, NaN and infinities, huge
integers, secret-looking strings — ``read_snapshot(write_snapshot(L))`` is ``L`` with its
secrets masked, writing what was read gives the same bytes again, and masking is
idempotent (a masked snapshot stays as it is when approved or fetched again).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor import snapshot
from auditor.model import Listing
from auditor.secretscan import mask_secrets
from auditor.snapshot import dumps_snapshot, mask_listing, read_snapshot, write_snapshot

CHARS = st.characters() | st.sampled_from(["\ud800", "\udfff", "\ud83c", "\x00", "\u2028"])
TEXT = st.lists(CHARS, max_size=10).map("".join) | st.sampled_from(
    [
        "password=hunter2hunter2",
        "api_key=sk-abcdefghij\ud800klmnopqrstuvwxyz",
        "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlMTIz",
        "<redacted:sha256:0123456789abcdef>",
    ]
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**100), max_value=2**100)
    | st.floats(allow_nan=True, allow_infinity=True)
    | TEXT
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=10,
)


@st.composite
def listings(draw: st.DrawFn) -> Listing:
    uuids = draw(st.lists(TEXT, unique=True, max_size=4))
    records = {}
    for uuid in uuids:
        record = draw(st.dictionaries(TEXT, VALUES, max_size=5))
        record["uuid"] = uuid
        records[uuid] = record
    # As the API would deliver them: JSON decoding joins a high and a low surrogate into
    # one character, so a Python string holding the two side by side cannot arrive.
    records = json.loads(json.dumps(records))
    source = draw(st.sampled_from(["https://portal.intellixent.ai/api", "http://127.0.0.1:1/api"]))
    account = draw(st.none() | st.sampled_from(["north", "süd"]))
    return Listing(source, "2026-11-25T03:00:00Z", records, account)


def canonical(value: Any) -> str:
    """Equality that holds for NaN too (``nan != nan``, but both dump as ``NaN``)."""
    return json.dumps(value, sort_keys=True)


PROPERTY = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@PROPERTY
@given(listings())
def test_write_then_read_is_the_identity(tmp_path: Path, listing: Listing) -> None:
    path = tmp_path / "fleet.json"
    write_snapshot(listing, path)
    written = path.read_bytes()
    written.decode("utf-8")  # strict UTF-8, whatever the records held

    back = read_snapshot(path)
    masked = mask_listing(listing)
    assert back.source == listing.source
    assert back.fetched_at == listing.fetched_at
    assert back.account == listing.account
    assert sorted(back.assistants) == sorted(masked.assistants)
    assert canonical(dict(back.assistants)) == canonical(dict(masked.assistants))
    assert dumps_snapshot(back) == written  # read → write gives the same bytes


@PROPERTY
@given(VALUES)
def test_masking_is_idempotent(value: Any) -> None:
    once = mask_secrets(value)
    assert canonical(mask_secrets(once)) == canonical(once)


@pytest.mark.parametrize(
    "text", ["\ud800", "name \udfff", "password=abcdefgh\ud800ijkl", "\udfa7\ud83c"]
)
def test_lone_surrogates_are_written_as_escapes_and_read_back(tmp_path: Path, text: str) -> None:
    path = tmp_path / "fleet.json"
    listing = Listing("https://x.example/api", "t", {"u": {"uuid": "u", "name": text}})
    write_snapshot(listing, path)
    back = read_snapshot(path)
    assert back.assistants["u"] == mask_listing(listing).assistants["u"]


def reference_bytes(listing: Listing) -> bytes:
    """The bytes as snapshots were written before the fast codec: the whole document
    through the strict encoder, the tagged forms written on the text."""
    encoder = snapshot._StrictEncoder(sort_keys=True, indent=2, ensure_ascii=False)
    text = "".join(encoder.iterencode(snapshot.snapshot_document(listing))) + "\n"
    return snapshot._fix_text(text).encode("utf-8")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(listings())
def test_the_fast_writer_gives_the_reference_bytes(listing: Listing) -> None:
    assert dumps_snapshot(listing) == reference_bytes(listing)
    for record in mask_listing(listing).assistants.values():
        if not snapshot.jsoncodec.has_non_finite(record):  # what finite=True vouches for
            assert snapshot.encode_record(record, finite=True) == snapshot.encode_record(record)


def test_a_sample_fleet_is_written_as_the_reference_writes_it() -> None:
    from auditor.sandbox.data import generate_fleet

    fleet = generate_fleet(300)
    listing = Listing("https://x/api", "2026-11-25T03:00:00Z", {r["uuid"]: r for r in fleet})
    assert dumps_snapshot(listing) == reference_bytes(listing)
    empty = Listing("https://x/api", "2026-11-25T03:00:00Z", {}, "north")
    assert dumps_snapshot(empty) == reference_bytes(empty)
