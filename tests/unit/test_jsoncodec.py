"""The fast codec gives the standard library's bytes and values, whichever path it takes."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor import jsoncodec

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.sampled_from([1e-05, 1e16, 1.5e300, 5e-324, -0.0, 0.1, 123456789012345678.0])
    | st.text()
    | st.sampled_from(["\x00", "\x00NaN", "\ud800", "a\udfffb", "0.00001", "1e5", "null"])
)
JSON_LIKE = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30,
)


def reference(value: Any, *, sort_keys: bool, indent: int | None) -> bytes:
    separators = (",", ": ") if indent is not None else (",", ":")
    text = json.dumps(
        value, sort_keys=sort_keys, indent=indent, separators=separators, ensure_ascii=False
    )
    return text.encode("utf-8", "backslashreplace") if _has_surrogate(text) else text.encode()


def _has_surrogate(text: str) -> bool:
    return any(0xD800 <= ord(c) <= 0xDFFF for c in text)


def same(a: Any, b: Any) -> bool:
    """Equal as JSON values, NaN equal to NaN, ints and floats told apart."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True) and type(a) is type(b)


@settings(max_examples=300, deadline=None)
@given(JSON_LIKE, st.booleans(), st.sampled_from([None, 2]))
def test_dumps_is_the_standard_librarys_bytes(value: Any, sort_keys: bool, indent: int | None):
    expected = reference(value, sort_keys=sort_keys, indent=indent)
    got = jsoncodec.dumps(value, sort_keys=sort_keys, indent=indent)
    if _has_surrogate(json.dumps(value, ensure_ascii=False)):
        assert json.loads(got) == json.loads(json.dumps(value))  # escaped, reads back the same
    else:
        assert got == expected
    fast = jsoncodec.fast_dumps(value, sort_keys=sort_keys, indent=indent)
    assert fast is None or fast == expected


@settings(max_examples=300, deadline=None)
@given(JSON_LIKE)
def test_loads_is_json_loads(value: Any):
    text = json.dumps(value)  # NaN and Infinity as Python writes them; surrogates escaped
    decoded = jsoncodec.decode(text.encode())
    assert same(decoded.value, json.loads(text))
    if decoded.finite:
        assert not jsoncodec.has_non_finite(decoded.value)
        assert jsoncodec.dumps(decoded.value, sort_keys=True, indent=2, finite=True) == reference(
            decoded.value, sort_keys=True, indent=2
        )


@pytest.mark.parametrize(
    ("value", "fast"),
    [
        ({"b": [1, {"x": None}], "a": {}}, True),
        ({"t": 0.7}, True),
        ({"t": 1e-05}, False),  # repr spells 1e-05, orjson 0.00001
        ({"t": [3e-07]}, False),  # 3e-07 against 3e-7
        ({"t": 1e16, "u": 1e-10, "v": "e-mail"}, True),
        ({"v": "d3e-4a", "w": "3e-4"}, True),  # in a uuid or a string: not a number
        ({"v": "x: 3e-4"}, False),  # looks like a small float: the slower path, same bytes
        ({"n": math.nan}, False),
        ({"n": 2**64}, False),
        ({"n": 2**64 - 1}, True),
        ({"s": "\ud800"}, False),
        ({1: "a"}, False),
    ],
)
def test_what_takes_the_fast_path(value: Any, fast: bool):
    assert (jsoncodec.fast_dumps(value, sort_keys=True, indent=2) is not None) is fast


@pytest.mark.parametrize("text", ["NaN", "[1e400]", '"\\ud800"', "18446744073709551616"])
def test_what_only_json_reads_is_read_by_json(text: str):
    decoded = jsoncodec.decode(text)
    assert same(decoded.value, json.loads(text))
    assert not decoded.finite


@pytest.mark.parametrize("text", ["", "{", '{"a": 1}x', "[1,]", '"\x01"'])
def test_errors_are_jsons(text: str):
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(text)
    with pytest.raises(json.JSONDecodeError) as got:
        jsoncodec.loads(text)
    assert (got.value.msg, got.value.pos) == (expected.value.msg, expected.value.pos)


def _non_finite_anywhere(value: Any) -> bool:
    """The plain recursive reading of ``has_non_finite``."""
    if isinstance(value, float):
        return not math.isfinite(value)
    if type(value) is dict:
        return any(_non_finite_anywhere(v) for v in value.values())
    if type(value) in (list, tuple):
        return any(_non_finite_anywhere(v) for v in value)
    return False


@given(JSON_LIKE | st.tuples(JSON_LIKE, st.floats()))
def test_has_non_finite_finds_a_nan_or_infinity_wherever_it_is(value: Any):
    assert jsoncodec.has_non_finite(value) == _non_finite_anywhere(value)
