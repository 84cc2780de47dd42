"""Drift truths: each kind of change, and nothing that is not a change."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.drift import diff_listings, diff_records, merge_drifts
from auditor.model import ChangeKind, Listing
from auditor.settings import DriftSettings

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
    return {c.path: c.kind for c in diff_records(BASE, after, settings or DriftSettings())}


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
    (change,) = diff_records(BASE, after)
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
    diff_records(before, after)
    diff_listings(Listing("s", "t", {"u": before}), Listing("s", "t", {"u": after}))
