"""Compact references read back as they were added: same values, same types, same order."""

from __future__ import annotations

import gc
import math
import pickle
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.model import AssistantRef, Report, assistants_per_account, in_id_order
from auditor.refs import AssistantRefs, OrderedRefs


class Label(str):
    """A ``str`` subclass: JSON text would give back a plain ``str``."""


ODD = [
    AssistantRef(1, "u-1", "Reception", None),
    AssistantRef("A-7", "u-2", None, "north"),
    AssistantRef(2**70, "u-3", "big id", "south"),
    AssistantRef(-(2**63), "u-4", "smallest of 64 bits", None),
    AssistantRef(2**64 - 1, "u-5", "largest of 64 bits", None),
    AssistantRef(1.5, "u-6", "Réception – 受付 🎧", None),
    AssistantRef(1e-7, "u-7", "a small float", None),
    AssistantRef(True, "u-8", "a bool id", None),
    AssistantRef(None, "u-9", "no id", None),
    AssistantRef(3, "u-10", "lone \ud800 surrogate", None),
    AssistantRef(4, "u-\udfff", None, "acct\ud83d"),
    AssistantRef([1, 2], "u-12", "a list id", None),
    AssistantRef({"n": 1}, "u-13", "an object id", None),
    AssistantRef((1, 2), "u-14", "a tuple id", None),
    AssistantRef(math.nan, "u-15", "NaN id", None),
    AssistantRef(math.inf, "u-16", "infinite id", None),
    AssistantRef(5, Label("u-17"), Label("a str subclass"), None),
    AssistantRef(6, "u-18", "", ""),
    AssistantRef(7, "u-19", 'quote " and \\ and \n newline', None),
]


def same(got: list[AssistantRef], expected: list[AssistantRef]) -> bool:
    """Equal field by field, and of the same types (NaN kept as it is: the same object)."""
    return len(got) == len(expected) and all(
        type(g) is AssistantRef
        and all(type(a) is type(b) and (a is b or a == b) for a, b in zip(g, e, strict=True))
        for g, e in zip(got, expected, strict=True)
    )


@pytest.mark.parametrize("spill_bytes", [0, 64, 1 << 20])
def test_odd_references_read_back_as_they_were(spill_bytes: int) -> None:
    refs = AssistantRefs(spill_bytes=spill_bytes)
    refs.extend(ODD[:5])
    refs.extend(iter(ODD[5:]))
    assert refs.spilled is (spill_bytes < 1 << 20)
    assert same(list(refs), ODD)
    assert same([refs[i] for i in range(len(ODD))], ODD)
    assert same(list(refs.view()), ODD)


def ref_of(number: int, account: str | None = None) -> AssistantRef:
    return AssistantRef(number, f"uuid-{number:06d}", f"Assistant {number}", account)


def test_a_sequence_equal_to_the_tuple_and_the_list_of_its_references() -> None:
    expected = [ref_of(i) for i in range(10)]
    refs = AssistantRefs(expected)
    view = refs.view()
    for seq in (refs, view):
        assert len(seq) == 10
        assert seq
        assert seq == tuple(expected)
        assert seq == expected
        assert tuple(expected) == seq
        assert seq != tuple(expected[:9])
        assert seq != [*expected[:9], ref_of(99)]
        assert seq != "not refs"
        assert seq != set(expected)
        assert (seq[0], seq[-1]) == (expected[0], expected[-1])
        assert seq[2:5] == tuple(expected[2:5])
        assert seq[::-3] == tuple(expected[::-3])
        assert ref_of(3) in seq
        assert seq.index(ref_of(4)) == 4
        with pytest.raises(IndexError):
            seq[10]
    assert refs == view
    assert hash(view) == hash(tuple(expected))
    with pytest.raises(TypeError):
        hash(refs)  # it grows, like a list
    assert not AssistantRefs()
    assert AssistantRefs() == ()
    assert not AssistantRefs().view()
    assert "… 5 more" in repr(AssistantRefs(ref_of(i) for i in range(25)))


def test_a_small_fleet_stays_in_memory_and_a_big_one_goes_to_a_file() -> None:
    small = AssistantRefs(ref_of(i) for i in range(1_000))
    assert not small.spilled
    big = AssistantRefs(spill_bytes=6_000)  # about 130 references
    for start in range(0, 1_000, 100):
        big.extend([ref_of(i) for i in range(start, start + 100)])
        assert big.spilled is (start >= 100)
    assert big == small
    big.extend([ref_of(1_000)])  # added after a read
    assert len(big) == 1_001
    assert big[-1] == ref_of(1_000)
    assert list(big)[-1] == ref_of(1_000)
    del big
    gc.collect()  # its file is closed with it (a ResourceWarning would fail the test)


def test_views_and_joins_keep_the_order_asked_for() -> None:
    refs = AssistantRefs(ref_of(i, "north") for i in range(10))
    other = AssistantRefs(ref_of(i, "south") for i in range(3))
    view = refs.view([range(6, 9), range(2), range(2, 2), range(9, 10)])
    assert [r.id for r in view] == [6, 7, 8, 0, 1, 9]
    joined = OrderedRefs.joined([view, other.view(), refs.view([range(2, 4)])])
    assert [(r.account, r.id) for r in joined] == [
        *(("north", i) for i in (6, 7, 8, 0, 1, 9)),
        *(("south", i) for i in range(3)),
        ("north", 2),
        ("north", 3),
    ]
    assert (joined[6], joined[-1]) == (ref_of(0, "south"), ref_of(3, "north"))
    assert joined.per_account() == {"north": 8, "south": 3}
    with pytest.raises(ValueError, match="step 1"):
        refs.view([range(0, 10, 2)])


def test_accounts_are_counted_as_references_are_added() -> None:
    mixed = [ref_of(1, "b"), ref_of(2, None), ref_of(3, "a"), ref_of(4, "b")]
    refs = AssistantRefs(mixed)
    assert refs.per_account() == {"b": 2, None: 1, "a": 1}
    assert refs.view().per_account() == {"b": 2, None: 1, "a": 1}
    assert refs.view([range(2, 4), range(1)]).per_account() == {"a": 1, "b": 2}
    for seq in (refs, refs.view(), tuple(mixed)):
        assert assistants_per_account(seq) == {"b": 2, None: 1, "a": 1}
    report = Report("v", "t", "s", refs.view(), (), ())
    assert report.accounts == ("b", "a")
    assert report.summary()["by_account"]["b"]["assistants"] == 2


_IDS = st.one_of(
    st.integers(min_value=-50, max_value=50),
    st.integers(min_value=-50, max_value=50),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.just("x"),
    st.just(1.0),
    st.booleans(),
    st.none(),
)


@settings(max_examples=200, deadline=None)
@given(
    pages=st.lists(
        st.tuples(st.integers(min_value=0, max_value=5), st.lists(_IDS, max_size=12)), max_size=8
    ),
    spill_bytes=st.sampled_from([0, 200, 1 << 20]),
    read_refs=st.sampled_from([1, 3, 1024]),
    sort_refs=st.sampled_from([1, 4, 1 << 16]),
)
def test_by_id_orders_as_in_id_order_does(
    pages: list[tuple[int, list[Any]]], spill_bytes: int, read_refs: int, sort_refs: int
) -> None:
    """Pages fed in any order, a page number fed twice, ids of any kind: the view is the
    page-ordered list sorted by ``in_id_order``."""
    fed: list[tuple[int, list[AssistantRef]]] = []
    refs = AssistantRefs(track_ids=True, spill_bytes=spill_bytes)
    spans = []
    for page, ids in pages:
        batch = [AssistantRef(i, f"u-{len(refs) + n}", None) for n, i in enumerate(ids)]
        spans.append((page, range(len(refs), len(refs) + len(batch))))
        refs.extend(batch)
        fed.append((page, batch))
    in_page_order = [r for _, batch in sorted(fed, key=lambda p: p[0]) for r in batch]
    ranges = [places for _, places in sorted(spans, key=lambda p: p[0])]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("auditor.refs.READ_REFS", read_refs)
        patch.setattr("auditor.refs.SORT_REFS", sort_refs)
        view = refs.view(ranges, by_id=True)
        assert same(list(view), in_id_order(in_page_order, lambda r: r.id))
        assert same(list(refs.view(ranges)), in_page_order)
        untracked = AssistantRefs(in_page_order, spill_bytes=spill_bytes)
        assert same(list(untracked.view(by_id=True)), in_id_order(in_page_order, lambda r: r.id))


@settings(max_examples=100, deadline=None)
@given(
    batches=st.lists(
        st.lists(
            st.builds(
                AssistantRef,
                _IDS | st.text(max_size=4),
                st.text(max_size=6),
                st.none() | st.text(max_size=6),
                st.none() | st.sampled_from(["north", "south"]),
            ),
            max_size=6,
        ),
        max_size=6,
    ),
    spill_bytes=st.sampled_from([0, 100, 1 << 20]),
)
def test_any_references_in_any_batches_read_back(
    batches: list[list[AssistantRef]], spill_bytes: int
) -> None:
    refs = AssistantRefs(spill_bytes=spill_bytes)
    for batch in batches:
        refs.extend(batch)
    expected = [r for batch in batches for r in batch]
    assert same(list(refs), expected)
    assert refs.per_account() == assistants_per_account(expected)


def _served(number: int) -> AssistantRef:
    return AssistantRef(number, f"{number:08x}-5a1e-4c0d-9e77-{number:012d}", f"Line {number}")


def _fleet(size: int) -> Iterator[list[AssistantRef]]:
    for start in range(0, size, 256):
        yield [_served(i) for i in range(start, min(start + 256, size))]


def test_memory_per_reference_is_bounded_once_spilled() -> None:
    """SECURITY.md's bound: at most 40 bytes of Python memory a reference once spilled
    (8 for where its text ends, 8 for its id with ``track_ids``), whatever the fleet's
    names; the references themselves are garbage once added."""
    size = 100_000
    gc.collect()
    tracemalloc.start()
    try:
        refs = AssistantRefs(track_ids=True)
        for batch in _fleet(size):
            refs.extend(batch)
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert refs.spilled
    assert held / size <= 40
    assert len(refs) == size
    assert (refs[0], refs[-1]) == (_served(0), _served(size - 1))


@pytest.mark.parametrize("spill_bytes", [1 << 20, 64])
@pytest.mark.parametrize("track_ids", [False, True])
def test_encoded_references_added_elsewhere_are_the_same(spill_bytes: int, track_ids: bool) -> None:
    """What a worker's scan hands over (``encoded``) and the main process adds
    (``extend_encoded``) reads back as the very references, after those already there,
    with the counts per account; odd values (kept as objects) included."""
    first = [AssistantRef(1, "u-1", "one", "north"), AssistantRef(2, "u-2", None, None)]
    sent = [
        AssistantRef(3, "u-3", "drei ✓", "north"),
        AssistantRef([3, 4], "u-4", "a list id", None),
        AssistantRef(2**70, "u-5", "big", "south"),
        AssistantRef(5, "u-6", "\ud800", None),
    ]
    worker = AssistantRefs(spill_bytes=spill_bytes)
    worker.extend(sent[:2])
    worker.extend(sent[2:])
    main = AssistantRefs(first, track_ids=track_ids, spill_bytes=spill_bytes)
    main.extend_encoded(pickle.loads(pickle.dumps(worker.encoded())))  # noqa: S301 (our own)
    assert list(main) == first + sent
    assert main.per_account() == {"north": 2, None: 3, "south": 1}
    assert list(main.view(by_id=True)) == in_id_order(first + sent, lambda ref: ref.id)
