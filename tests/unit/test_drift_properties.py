"""Properties (hypothesis): drift never raises, and reports exactly what differs.

Records on both sides are independent and random — any JSON type in any field, NaN,
lone surrogates, nested lists and objects, the fields drift treats specially
(``updated_at``, ``tools``, long ``system_prompt`` text) — and so are the ignored fields
and unordered lists. Whatever they hold:

* ``diff_listings`` returns, never raise;
* a record never drifts from itself, nor from a copy that differs only in ignored fields;
* added and removed are exactly the uuids on one side only, and swap when the sides do;
* every reported change is under a top-level field that really differs (JSON types
  kept apart: ``1`` is neither ``1.0`` nor ``true``), and every top-level field that
  differs and is not ignored is reported;
* ``DriftScan`` over a baseline file (``BaselineIndex``), fed the live fleet in pages of
  any size and order, gives exactly what ``diff_listings`` gives.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.baseline import BaselineIndex
from auditor.drift import DriftScan, OutOfOrder, SortedRecords, diff_listings
from auditor.model import ChangeKind, Drift, Listing
from auditor.settings import DriftSettings
from auditor.snapshot import SnapshotRecord, mask_listing, write_snapshot
from tests.unit.drift_helpers import record_changes

CHARS = st.characters() | st.sampled_from(["\ud800", "\udfff", "\x00", "\n", "."])
TEXT = st.lists(CHARS, max_size=6).map("".join)
FIELDS = st.sampled_from(
    ["name", "record", "tools", "variables", "updated_at", "system_prompt", "max_duration", "x"]
)


def values() -> st.SearchStrategy[Any]:
    scalars = (
        st.none()
        | st.booleans()
        | st.integers(min_value=-(2**70), max_value=2**70)
        | st.floats(allow_nan=True, allow_infinity=True)
        | TEXT
        | st.sampled_from(["line one\nline two", "p" * 100, "p" * 99 + "q", 0, 1, 1.0, True])
    )
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(FIELDS | TEXT, inner, max_size=3)
        ),
        max_leaves=8,
    )


VALUES = values()
SHARED = {f"shared_{i}": i for i in range(8)}


def records(shared: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    """Records as the API delivers them (JSON-decoded). ``shared``: with the eight fields
    every real pair of records has in common (real assistants share ~50)."""
    # A top-level field named "" is shown as the path "(record)"; nothing else is special.
    fields = st.dictionaries(FIELDS | TEXT.filter(bool), VALUES, max_size=6)
    if shared:
        fields = fields.map(lambda r: {**SHARED, **r})
    return fields.map(lambda r: json.loads(json.dumps(r)))


RECORDS = records()

SETTINGS = st.builds(
    DriftSettings,
    ignore_fields=st.lists(FIELDS | st.sampled_from(["variables.region", "tools.name"])).map(tuple),
    unordered_lists=st.lists(FIELDS | st.sampled_from(["variables.list"])).map(tuple),
)
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def same(a: Any, b: Any) -> bool:
    """Equal as drift sees values: JSON-typed (``1`` is not ``true``), NaN equals NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def under(path: str, key: str) -> bool:
    return path == key or path.startswith((f"{key}.", f"{key}["))


@PROPERTY
@given(RECORDS, RECORDS, SETTINGS)
def test_any_two_records_diff_without_raising(
    before: dict[str, Any], after: dict[str, Any], drift: DriftSettings
) -> None:
    changes = record_changes(before, after, drift)
    for change in changes:
        assert isinstance(change.path, str)
        assert change.path
    diff_listings(
        Listing("s", "t", {"u": {**before, "uuid": "u"}}),
        Listing("s", "t", {"u": {**after, "uuid": "u"}}),
        drift,
    )


@PROPERTY
@given(RECORDS, SETTINGS, VALUES)
def test_a_record_never_drifts_from_itself_or_from_changes_in_ignored_fields(
    record: dict[str, Any], drift: DriftSettings, value: Any
) -> None:
    assert record_changes(record, record, drift) == ()
    assert record_changes(record, json.loads(json.dumps(record)), drift) == ()
    for name in drift.ignore_fields:
        if "." not in name:
            assert record_changes(record, {**record, name: value}, drift) == ()


@PROPERTY
@given(
    st.dictionaries(TEXT, RECORDS, max_size=4),
    st.dictionaries(TEXT, RECORDS, max_size=4),
)
def test_added_and_removed_are_the_uuids_on_one_side_and_swap(
    old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]
) -> None:
    def listing(records: dict[str, dict[str, Any]]) -> Listing:
        return Listing("s", "t", {u: {**r, "uuid": u} for u, r in records.items()})

    forward = diff_listings(listing(old), listing(new))
    backward = diff_listings(listing(new), listing(old))
    assert {a.uuid for a in forward.added} == new.keys() - old.keys()
    assert {a.uuid for a in forward.removed} == old.keys() - new.keys()
    assert {a.uuid for a in backward.added} == {a.uuid for a in forward.removed}
    assert {c.assistant.uuid for c in forward.changed} == {
        c.assistant.uuid for c in backward.changed
    }
    assert {c.assistant.uuid for c in forward.changed} <= old.keys() & new.keys()


@PROPERTY
@given(records(shared=True), records(shared=True))
def test_changes_are_exactly_the_fields_that_differ(
    before: dict[str, Any], after: dict[str, Any]
) -> None:
    drift = DriftSettings(ignore_fields=("updated_at",), unordered_lists=())
    paths = [c.path for c in record_changes(before, after, drift)]
    differing = {
        key
        for key in before.keys() | after.keys()
        if key != "updated_at"
        and (key not in before or key not in after or not same(before[key], after[key]))
    }
    for path in paths:  # nothing reported that did not change
        assert any(under(path, key) for key in differing), (path, differing)
    for key in differing:  # nothing that changed goes unreported
        assert any(under(path, key) for path in paths), (key, paths)


# -- known limits of drift.py, kept here until it is fixed ------------------------------------


def test_a_record_with_few_fields_in_common_is_diffed_field_by_field() -> None:
    """With under a third of its fields in common, DeepDiff by default reports the whole
    record as one ``(record)`` change holding both records; drift lists each field."""
    changes = record_changes({"uuid": "u", "a": 1, "b": 2}, {"uuid": "u", "c": 1, "d": 2, "e": 3})
    assert sorted(c.path for c in changes) == ["a", "b", "c", "d", "e"]


# -- DriftScan: the streamed drift of an audit is diff_listings' -------------------------------

IDS = (
    st.integers(min_value=-3, max_value=2**70)
    | st.floats(allow_nan=False)
    | st.none()
    | st.booleans()
    | TEXT
)
"""Any id but NaN (see the known limit below)."""
FATES = st.sampled_from(["same", "reordered", "edited", "other", "removed", "added", "zero", "nan"])


@st.composite
def fleets(draw: st.DrawFn) -> tuple[Listing, Listing]:
    """A baseline and a live fleet sharing some uuids: the same, reordered, edited or
    replaced records, only ``-0.0`` → ``0.0`` or NaN → NaN, and uuids on one side only."""
    drawn = draw(st.lists(TEXT | FIELDS, max_size=8))
    uuids = dict.fromkeys(json.loads(json.dumps(drawn)))  # as JSON joins surrogate pairs
    before: dict[str, dict[str, Any]] = {}
    after: dict[str, dict[str, Any]] = {}
    for uuid in uuids:
        record = {**draw(records(shared=True)), "uuid": uuid, "id": draw(IDS)}
        fate = draw(FATES)
        # a baseline is always read from a file, which sorts keys (an odd record's
        # ``name`` object is named by its str(), which shows the key order)
        record = json.loads(json.dumps(record, sort_keys=True))
        if fate != "added":
            before[uuid] = record
        if fate == "removed":
            continue
        if fate == "same":
            after[uuid] = json.loads(json.dumps(record))
        elif fate == "reordered":
            after[uuid] = dict(reversed(list(record.items())))
        elif fate == "edited":
            field = draw(FIELDS | st.sampled_from(["id", "shared_1"]))
            after[uuid] = json.loads(json.dumps({**record, field: draw(VALUES)}))
        elif fate == "other":
            other = {**draw(records(shared=True)), "uuid": uuid, "id": draw(IDS)}
            after[uuid] = json.loads(json.dumps(other))
        elif fate in ("zero", "nan"):
            field = draw(FIELDS)
            one, two = (-0.0, 0.0) if fate == "zero" else (math.nan, float("nan"))
            before[uuid] = {**record, field: {"v": [one]}}
            after[uuid] = {**record, field: {"v": [two]}}
            before[uuid] = dict(sorted(before[uuid].items()))
        else:
            after[uuid] = record
    # the live side is fed in whatever order its pages came
    order = draw(st.permutations(list(after)))
    accounts = st.none() | st.sampled_from(["north", "south"])
    return (
        Listing("s", "t", before, draw(accounts)),
        Listing("s", "t", {u: after[u] for u in order}, draw(accounts)),
    )


@st.composite
def pages(draw: st.DrawFn, items: list[tuple[str, Any]]) -> list[list[tuple[str, Any]]]:
    """``items`` cut into pages of any size (empty ones too)."""
    cuts = sorted(draw(st.lists(st.integers(0, len(items)), max_size=4)))
    bounds = [0, *cuts, len(items)]
    return [items[a:b] for a, b in itertools.pairwise(bounds)]


def as_json(drift: Drift) -> str:
    """The drift as its report shows it: NaN equal to NaN, ``1``/``1.0``/``true`` and
    ``0.0``/``-0.0`` apart, order of added/removed/changed kept."""
    return json.dumps(drift.to_dict(), sort_keys=True)


@pytest.fixture(scope="module")
def baseline_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("drift-scan")


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(fleets(), SETTINGS, st.data())
def test_drift_scan_over_pages_is_diff_listings(
    baseline_folder: Path,
    sides: tuple[Listing, Listing],
    drift: DriftSettings,
    data: st.DataObject,
) -> None:
    before, after = sides
    # nothing here looks like a secret, so the file holds exactly ``before``
    assert as_json_records(mask_listing(before)) == as_json_records(before)
    path = baseline_folder / "baseline.json"
    write_snapshot(before, path)
    scan = DriftScan(BaselineIndex(path), drift, after.account)
    for page in data.draw(pages(list(after.assistants.items()))):
        scan.add(page)
    streamed = scan.result()
    expected = diff_listings(before, after, drift)
    assert as_json(streamed) == as_json(expected)
    assert [a.key for a in streamed.added] == [a.key for a in expected.added]
    assert [a.key for a in streamed.removed] == [a.key for a in expected.removed]
    assert [c.assistant for c in streamed.changed] == [c.assistant for c in expected.changed]


def as_json_records(listing: Listing) -> str:
    return json.dumps(dict(listing.assistants), sort_keys=True)


def test_drift_scan_skips_equal_text_and_reads_back_only_what_differs(tmp_path: Path) -> None:
    """-0.0 → 0.0 is no drift (read back and compared), a change of type is."""
    before = {
        "a": {"uuid": "a", "id": 1, "x": -0.0},
        "b": {"uuid": "b", "id": 2, "x": 1},
        "c": {"uuid": "c", "id": 3, "x": 1},
        "gone": {"uuid": "gone", "id": 9},
    }
    after = {
        "new": {"uuid": "new", "id": 0},
        "c": {"x": 1, "id": 3, "uuid": "c"},
        "b": {"uuid": "b", "id": 2, "x": True},
        "a": {"uuid": "a", "id": 1, "x": 0.0},
    }
    path = tmp_path / "baseline.json"
    write_snapshot(Listing("s", "t", before, "north"), path)
    scan = DriftScan(BaselineIndex(path), DriftSettings(), None)
    scan.add(list(after.items())[:2])
    scan.add(list(after.items())[2:])
    result = scan.result()
    assert [a.uuid for a in result.added] == ["new"]
    assert [(a.uuid, a.account) for a in result.removed] == [("gone", "north")]
    (changed,) = result.changed
    assert changed.assistant.uuid == "b"
    assert [(c.path, c.kind) for c in changed.changes] == [("x", ChangeKind.TYPE_CHANGED)]
    assert result == diff_listings(
        Listing("s", "t", before, "north"), Listing("s", "t", after), DriftSettings()
    )


def test_a_nan_id_does_not_make_the_order_depend_on_the_feed(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    write_snapshot(Listing("s", "t", {}), path)
    live = [
        ("b", {"uuid": "b", "id": math.nan}),
        ("c", {"uuid": "c", "id": 1}),
        ("d", {"uuid": "d", "id": 2}),
        ("a", {"uuid": "a", "id": 3}),
    ]
    orders = []
    for items in (live, [*live[1:], live[0]]):
        scan = DriftScan(BaselineIndex(path), DriftSettings(), None)
        scan.add(items)
        orders.append([a.uuid for a in scan.result().added])
    assert orders[0] == orders[1]


@settings(max_examples=150, deadline=None)
@given(fleets(), SETTINGS, st.data())
def test_both_sides_walked_in_uuid_order_give_diff_listings(
    sides: tuple[Listing, Listing], drift: DriftSettings, data: st.DataObject
) -> None:
    """``SortedRecords`` (``auditor diff`` of two snapshots in uuid order), fed the
    after side in pages, gives what ``diff_listings`` gives; who a removed assistant
    was is all it keeps of it."""
    before, after = sides
    approved = SortedRecords(_entries(sorted(before.assistants.items())), before.account)
    scan = DriftScan(approved, drift, after.account)
    for page in data.draw(pages(sorted(after.assistants.items()))):
        scan.add(page)
    walked = scan.result()
    expected = diff_listings(before, after, drift)
    assert as_json(walked) == as_json(expected)
    assert [c.assistant for c in walked.changed] == [c.assistant for c in expected.changed]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ([("b", {}), ("a", {})], [("a", {})]),  # the approved side out of order
        ([("a", {}), ("b", {})], [("b", {}), ("a", {})]),  # the fleet out of order
    ],
)
def test_a_side_out_of_uuid_order_is_said_not_guessed(
    before: list[tuple[str, dict[str, Any]]], after: list[tuple[str, dict[str, Any]]]
) -> None:
    def walk() -> Drift:
        scan = DriftScan(SortedRecords(_entries(before), None), DriftSettings(), None)
        scan.add(after)
        return scan.result()

    with pytest.raises(OutOfOrder):
        walk()


def _entries(pairs: Iterable[tuple[str, Any]]) -> list[SnapshotRecord]:
    """``(uuid, record)`` pairs as a snapshot reader gives them from a file read whole."""
    return [SnapshotRecord(uuid, record, None) for uuid, record in pairs]
