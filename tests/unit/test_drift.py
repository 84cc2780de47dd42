"""Drift truths: each kind of change, and nothing that is not a change."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.drift import diff_listings, merge_drifts
from auditor.model import Change, ChangeKind, Listing
from auditor.settings import DriftSettings
from tests.unit.drift_helpers import record_changes

BASE: dict[str, Any] = {
    "id": 7,
    "uuid": "u-7",
    "name": "Support",
    "record": 1,
    "max_duration": 900,
    "updated_at": "2026-01-01",
    "variables": {"region": "eu", "tier": 1},
    "tools": [{"name": "transfer"}, {"name": "book"}],
    "system_prompt": "You are a helpful assistant.\nBe brief.\nConfirm names.",
}


def changed(**fields: Any) -> dict[str, Any]:
    return {**BASE, **fields}


def paths(after: dict[str, Any], settings: DriftSettings | None = None) -> dict[str, ChangeKind]:
    return {c.path: c.kind for c in record_changes(BASE, after, settings or DriftSettings())}


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (changed(max_duration=3600), {"max_duration": ChangeKind.CHANGED}),
        (changed(variables={"region": "us", "tier": 1}), {"variables.region": ChangeKind.CHANGED}),
        (changed(variables={"region": "eu"}), {"variables.tier": ChangeKind.REMOVED}),
        (
            changed(variables={"region": "eu", "tier": 1, "x": 2}),
            {"variables.x": ChangeKind.ADDED},
        ),
        (changed(tools=[{"name": "book"}, {"name": "transfer"}]), {}),
        (changed(updated_at="2026-11-25"), {}),
        (changed(record=True), {"record": ChangeKind.TYPE_CHANGED}),
        (changed(name="Support (new)"), {"name": ChangeKind.CHANGED}),
        (changed(extra_field=1), {"extra_field": ChangeKind.ADDED}),
    ],
)
def test_each_kind_of_change(after: dict[str, Any], expected: dict[str, ChangeKind]) -> None:
    assert paths(after) == expected


def test_order_matters_in_lists_that_are_not_unordered() -> None:
    after = changed(tools=[{"name": "book"}, {"name": "transfer"}])
    assert paths(after, DriftSettings(unordered_lists=())) != {}


def test_ignored_fields_take_dot_paths() -> None:
    after = changed(variables={"region": "us", "tier": 1}, updated_at="x")
    settings = DriftSettings(ignore_fields=("updated_at", "variables.region"))
    assert paths(after, settings) == {}


def test_long_text_gets_a_unified_diff() -> None:
    after = changed(system_prompt=BASE["system_prompt"].replace("Be brief.", "Be thorough."))
    (change,) = record_changes(BASE, after)
    assert change.diff is not None
    assert "-Be brief." in change.diff
    assert "+Be thorough." in change.diff


def test_listing_drift_added_removed_changed_and_rename() -> None:
    before = Listing("s", "t", {"u-7": BASE, "u-8": changed(id=8, uuid="u-8")})
    renamed = changed(name="Renamed")
    after = Listing("s", "t", {"u-7": renamed, "u-9": changed(id=9, uuid="u-9")}, "north")
    drift = diff_listings(before, after)
    assert [a.uuid for a in drift.added] == ["u-9"]
    assert [a.uuid for a in drift.removed] == ["u-8"]
    (entry,) = drift.changed
    assert entry.assistant.name == "Renamed"
    assert entry.assistant.account == "north"
    assert [c.path for c in entry.changes] == ["name"]
    merged = merge_drifts([drift, drift])
    assert merged.total == 2 * drift.total


def test_identical_listings_have_no_drift() -> None:
    listing = Listing("s", "t", {"u-7": BASE})
    assert diff_listings(listing, listing).empty


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=10,
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.text(max_size=4), json_values, max_size=5), json_values)
def test_any_json_never_raises(fields: dict[str, Any], value: Any) -> None:
    before = {"id": 1, "uuid": "u", **fields}
    after = {**before, "tools": value, "x": value}
    record_changes(before, after)
    diff_listings(Listing("s", "t", {"u": before}), Listing("s", "t", {"u": after}))


# -- the cheap skip: identical records are passed over, look-alikes are not ---------------------


def listing_changes(
    before: dict[str, Any], after: dict[str, Any], settings: DriftSettings | None = None
) -> dict[str, ChangeKind]:
    """What ``diff_listings`` (which skips identical records first) reports for one pair."""
    drift = diff_listings(
        Listing("s", "t", {"u-7": before}),
        Listing("s", "t", {"u-7": after}),
        settings or DriftSettings(),
    )
    assert not drift.added
    assert not drift.removed
    return {c.path: c.kind for entry in drift.changed for c in entry.changes}


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (changed(updated_at="2026-11-25"), {}),
        (changed(tools=[{"name": "book"}, {"name": "transfer"}]), {}),
        (
            changed(tools=[{"name": "book"}, {"name": "transfer"}], updated_at="x"),
            {},
        ),
        (changed(record=True), {"record": ChangeKind.TYPE_CHANGED}),
        (changed(record=1.0), {"record": ChangeKind.TYPE_CHANGED}),
        (changed(max_duration=900.0), {"max_duration": ChangeKind.TYPE_CHANGED}),
        (
            changed(variables={"region": "eu", "tier": True}),
            {"variables.tier": ChangeKind.TYPE_CHANGED},
        ),
        (
            changed(variables={"region": "eu", "tier": 1.0}),
            {"variables.tier": ChangeKind.TYPE_CHANGED},
        ),
        (
            changed(tools=[{"name": "transfer"}, {"name": "book", "async": 1}]),
            {"tools": ChangeKind.ADDED},  # {"name": "book"} removed, its new form added
        ),
        (
            changed(variables={"region": "us", "tier": 1}, updated_at="x"),
            {"variables.region": ChangeKind.CHANGED},
        ),
        (changed(extra_field=None), {"extra_field": ChangeKind.ADDED}),
        ({k: v for k, v in BASE.items() if k != "record"}, {"record": ChangeKind.REMOVED}),
    ],
)
def test_the_skip_sets_aside_only_what_drift_ignores(
    after: dict[str, Any], expected: dict[str, ChangeKind]
) -> None:
    """``==`` says ``1 == True == 1.0``; drift must not, at the top or nested."""
    assert listing_changes(BASE, after) == expected
    assert paths(after) == expected


def test_1_true_and_1_0_inside_an_unordered_list_are_other_elements() -> None:
    before = changed(tools=[{"name": "transfer", "async": 1}])
    for value in (True, 1.0):
        after = changed(tools=[{"name": "transfer", "async": value}])
        assert record_changes(before, after) == (
            Change("tools", {"name": "transfer", "async": 1}, None, ChangeKind.REMOVED),
            Change("tools", None, {"name": "transfer", "async": value}, ChangeKind.ADDED),
        )


def test_key_order_does_not_matter() -> None:
    reordered = dict(reversed(list(BASE.items())))
    reordered["variables"] = dict(reversed(list(BASE["variables"].items())))
    assert listing_changes(BASE, reordered) == {}
    renamed = {**reordered, "name": "Renamed"}
    assert listing_changes(BASE, renamed) == {"name": ChangeKind.CHANGED}


def test_equal_records_made_of_other_objects_are_identical() -> None:
    """The baseline comes from a file: equal values, but none of the same objects."""
    import json

    copy = json.loads(json.dumps(BASE, sort_keys=True))
    assert listing_changes(BASE, copy) == {}
    assert record_changes(BASE, copy) == ()


def test_nan_equals_nan_and_minus_zero_equals_zero_as_in_json() -> None:
    before = changed(temperature=float("nan"), stability=0.0)
    after = changed(temperature=float("nan"), stability=-0.0)
    assert listing_changes(before, after) == {}
    moved = {**after, "name": "Renamed"}
    assert listing_changes(before, moved) == {"name": ChangeKind.CHANGED}


def test_nested_ignored_paths_and_unordered_lists_under_a_changed_field() -> None:
    settings = DriftSettings(
        ignore_fields=("updated_at", "variables.region"),
        unordered_lists=("tools", "variables.zones"),
    )
    before = changed(variables={"region": "eu", "tier": 1, "zones": ["a", "b"]})
    after = changed(variables={"region": "us", "tier": 1, "zones": ["b", "a"]}, updated_at="x")
    assert listing_changes(before, after, settings) == {}
    after = changed(variables={"region": "us", "tier": 2, "zones": ["b", "a"]})
    assert listing_changes(before, after, settings) == {"variables.tier": ChangeKind.CHANGED}


def test_an_unordered_list_drifts_by_value_not_by_sorted_position() -> None:
    """The old answer, ``tools[1].name: transfer → hangup`` and ``tools[2]: added``, named
    positions of a sorted copy that neither file has; the element is what was added."""
    after = changed(tools=[{"name": "book"}, {"name": "transfer"}, {"name": "hangup"}])
    expected = (Change("tools", None, {"name": "hangup"}, ChangeKind.ADDED),)
    assert record_changes(BASE, after) == expected
    drift = diff_listings(Listing("s", "t", {"u-7": BASE}), Listing("s", "t", {"u-7": after}))
    assert drift.changed[0].changes == expected


def test_an_unordered_list_counts_each_element_as_often_as_it_occurs() -> None:
    before = changed(tools=[{"name": "book"}, {"name": "book"}, {"name": "transfer"}])
    after = changed(tools=[{"name": "book"}, {"name": "crm"}, {"name": "crm"}], name="N")
    assert record_changes(before, after) == (
        Change("name", BASE["name"], "N", ChangeKind.CHANGED),
        Change("tools", {"name": "book"}, None, ChangeKind.REMOVED),
        Change("tools", {"name": "transfer"}, None, ChangeKind.REMOVED),
        Change("tools", None, {"name": "crm"}, ChangeKind.ADDED),
        Change("tools", None, {"name": "crm"}, ChangeKind.ADDED),
    )


def test_a_nested_unordered_list_drifts_by_value_at_its_path() -> None:
    settings = DriftSettings(unordered_lists=("variables.zones",))
    before = changed(variables={"region": "eu", "zones": ["a", "b", "b"]})
    after = changed(variables={"region": "eu", "zones": ["b", "c", "a"]})
    assert record_changes(before, after, settings) == (
        Change("variables.zones", "b", None, ChangeKind.REMOVED),
        Change("variables.zones", None, "c", ChangeKind.ADDED),
    )


# -- the fast path gives what deepdiff over the whole canonical records gives -----------------

FIELD_NAMES = st.sampled_from(["name", "record", "updated_at", "tools", "variables", "n", "x"])
plain_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.floats(allow_nan=False, width=16)
    | st.sampled_from([0, 1, 1.0, True, "", "a", "line one\nline two"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(FIELD_NAMES | st.text(max_size=2), inner)
    ),
    max_leaves=8,
)
plain_records = st.dictionaries(FIELD_NAMES, plain_values, max_size=7)
drift_settings = st.builds(
    DriftSettings,
    ignore_fields=st.lists(st.sampled_from(["updated_at", "variables.n", "x"]), max_size=2).map(
        tuple
    ),
    unordered_lists=st.lists(st.sampled_from(["tools", "variables.x", "x"]), max_size=2).map(tuple),
)


def whole_record_changes(
    before: dict[str, Any], after: dict[str, Any], settings: DriftSettings
) -> tuple[Any, ...]:
    """The plain way: canonical forms of the whole records, equal as JSON or deepdiffed."""
    import json

    from auditor import drift

    ignore = drift._split_paths(settings.ignore_fields)
    unordered = drift._split_paths(settings.unordered_lists)
    left = drift._canonical(before, (), ignore, unordered)
    right = drift._canonical(after, (), ignore, unordered)
    if json.dumps(left, sort_keys=True) == json.dumps(right, sort_keys=True):
        return ()
    by_value = drift._unordered_changes(left, right, unordered)  # unordered lists by value
    deep = drift._deep_changes(left, right) if left or right else ()
    return tuple(sorted((*deep, *by_value), key=lambda change: change.path))


@settings(max_examples=400, deadline=None)
@given(plain_records, plain_records, st.booleans(), drift_settings)
def test_the_fast_path_gives_the_whole_record_answer(
    before: dict[str, Any], edits: dict[str, Any], reverse: bool, settings: DriftSettings
) -> None:
    after = {**before, **edits}
    if reverse:
        after = dict(reversed(list(after.items())))
    expected = whole_record_changes(before, after, settings)
    assert record_changes(before, after, settings) == expected
    drift = diff_listings(
        Listing("s", "t", {"u": before}), Listing("s", "t", {"u": after}), settings
    )
    assert tuple(c for entry in drift.changed for c in entry.changes) == expected
