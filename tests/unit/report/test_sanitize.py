"""The helpers that make API text inert, one table per output kind."""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.report import sanitize


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain – text ≤ 1800", "plain – text ≤ 1800"),
        ("a\nb", "a\\nb"),
        ("a\r\nb\tc", "a\\r\\nb\\tc"),
        ("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"),
        ("\x1b]8;;http://evil\x07link", "\\x1b]8;;http://evil\\x07link"),
        ("\x00\x7f\x9b", "\\x00\\x7f\\x9b"),
        ("abc\u202edcba", "abc\\u202edcba"),
        ("line\u2028sep", "line\\u2028sep"),
        ("lone \ud800 surrogate", "lone \\ud800 surrogate"),
    ],
)
def test_terminal_shows_control_characters(raw: str, shown: str) -> None:
    assert sanitize.terminal(raw) == shown
    sanitize.terminal(raw).encode("utf-8")  # always encodable


def test_lines_keeps_line_structure_but_nothing_else() -> None:
    assert sanitize.lines("-a\x1b[2J\n+b\r") == ["-a\\x1b[2J", "+b\\r"]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("x", '"x"'),
        (3600, "3600"),
        (None, "null"),
        (True, "true"),
        ({"b": 1, "a": [1, 2]}, '{"a": [1, 2], "b": 1}'),
        ("\x1b", '"\\u001b"'),
        ("y" * 200, '"' + "y" * 118 + "…"),
    ],
)
def test_value_text(value: object, text: str) -> None:
    assert sanitize.value_text(value) == text


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("Support line", "Support line"),
        ("a | b", "a \\| b"),
        ("<script>", "\\<script\\>"),
        ("[x](http://evil)", "\\[x\\]\\(http://evil\\)"),
        ("`code` **b** _i_", "\\`code\\` \\*\\*b\\*\\* \\_i\\_"),
        ("&lt;", "\\&lt;"),
        ("a\nb", "a\\\\nb"),
        ("![img](x)", "\\!\\[img\\]\\(x\\)"),
    ],
)
def test_markdown_escapes(raw: str, escaped: str) -> None:
    assert sanitize.markdown(raw) == escaped


@pytest.mark.parametrize(
    ("body", "fence"),
    [("-a\n+b", "```"), ("``` inside", "````"), ("a ````` b ``` c", "``````")],
)
def test_code_fence_is_longer_than_any_run_inside(body: str, fence: str) -> None:
    assert sanitize.code_fence(body, "diff") == (fence + "diff", fence)


def test_xml_removes_what_xml_cannot_hold() -> None:
    assert sanitize.xml("a\x00b\x1bc\td\ne\ud800f\uffff") == "abc\td\nef"
    assert sanitize.xml_line("a\x1bb\nc") == "a\\x1bb\\nc"


def test_github_escaping_matches_the_actions_toolkit() -> None:
    # actions/toolkit packages/core/src/command.ts: escapeData and escapeProperty
    assert sanitize.github_data("50%\r\n::x") == "50%25%0D%0A::x"
    assert sanitize.github_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_sarif_text_cannot_form_an_embedded_link() -> None:
    assert sanitize.sarif_text("[click](https://evil)") == "\\[click\\](https://evil)"
    assert sanitize.sarif_text("a\\](x)") == "a\\\\\\](x)"


def test_json_text_is_strict_json_and_encodable() -> None:
    text = sanitize.json_text({"b": float("nan"), "a": [float("inf"), -math.inf], "s": "\ud800"})
    text.encode("utf-8")
    data = json.loads(text, parse_constant=lambda name: pytest.fail(f"non-JSON {name}"))
    assert data == {"b": "NaN", "a": ["Infinity", "-Infinity"], "s": "\ud800"}
    assert list(data) == ["b", "a", "s"]


def test_json_text_keeps_plain_documents_as_they_are() -> None:
    document = {"z": 1, "a": "é"}
    assert sanitize.json_text(document) == json.dumps(document, indent=2, ensure_ascii=False) + "\n"


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(st.characters() | st.sampled_from(["\ud800", "\x00", "\x7f", "\u2028"]))
    | st.sampled_from([1e16, 1e-05, 0.0001, -0.0, 123456789.125, 1e300]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


def _reference(document: object) -> str:
    """``json_text`` as the standard library alone writes it."""
    try:
        text = json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False, default=str)
    except ValueError:
        text = json.dumps(
            sanitize._finite(document), indent=2, ensure_ascii=False, allow_nan=False, default=str
        )
    return sanitize._SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_json_text_is_the_standard_librarys_text_whichever_codec_writes_it(value: object) -> None:
    assert sanitize.json_text(value) == _reference(value)


@pytest.mark.parametrize(
    "value",
    [{1, 2}, datetime(2026, 1, 2, 3, 4, 5), b"x", Decimal("1.5"), {"k": (1, date(2026, 1, 2))}],
)
def test_json_text_writes_other_python_values_as_str_as_before(value: object) -> None:
    assert sanitize.json_text(value) == _reference(value)


@pytest.mark.parametrize("count", [0, 1, 249, 250, 251, 625])
@pytest.mark.parametrize("depth", [2, 6])
def test_json_list_in_batches_is_json_text_of_the_whole_list(count: int, depth: int) -> None:
    items = [{"id": i, "name": None if i % 3 else f"n{i}", "x": [i, 1.5]} for i in range(count)]
    whole = sanitize.json_text(items)[:-1].replace("\n", "\n" + " " * depth)
    assert "".join(sanitize.json_list(iter(items), depth)) == whole
    pieces = list(sanitize.json_list(items, depth))
    assert len(pieces) == -(-count // sanitize._BATCH) + 1  # one per batch, then the bracket
