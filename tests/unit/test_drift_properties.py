"""Properties (hypothesis): drift never raises, and reports exactly what differs.

Records on both sides are independent and random — any JSON type in any field, NaN,
lone surrogates, nested lists and objects, the fields drift treats specially
(``updated_at``, ``tools``, long ``system_prompt`` text) — and so are the ignored fields
and unordered lists. Whatever they hold:

* ``diff_records`` and ``diff_listings`` return, never raise;
* a record never drifts from itself, nor from a copy that differs only in ignored fields;
* added and removed are exactly the uuids on one side only, and swap when the sides do;
* every reported change is under a top-level field that really differs (JSON types
  kept apart: ``1`` is neither ``1.0`` nor ``true``), and every top-level field that
  differs and is not ignored is reported.
"""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.drift import diff_listings, diff_records
from auditor.model import Listing
from auditor.settings import DriftSettings

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
    changes = diff_records(before, after, drift)
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
    assert diff_records(record, record, drift) == ()
    assert diff_records(record, json.loads(json.dumps(record)), drift) == ()
    for name in drift.ignore_fields:
        if "." not in name:
            assert diff_records(record, {**record, name: value}, drift) == ()


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
    paths = [c.path for c in diff_records(before, after, drift)]
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
    changes = diff_records({"uuid": "u", "a": 1, "b": 2}, {"uuid": "u", "c": 1, "d": 2, "e": 3})
    assert sorted(c.path for c in changes) == ["a", "b", "c", "d", "e"]
