"""The one YAML loader: line-marked containers, and bounds on aliases and on dates."""

from __future__ import annotations

import time

import pytest

from auditor.yamlio import (
    MAX_ALIASES,
    MAX_EXPANDED_NODES,
    YamlError,
    line_of,
    load_yaml,
    plain_value,
)


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """The "billion laughs": each anchor lists ``width`` aliases of the one before."""
    lines = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    lines.append(f"top: *a{levels - 1}")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_an_error_at_its_line_at_once() -> None:
    started = time.monotonic()
    with pytest.raises(YamlError) as caught:
        load_yaml(alias_bomb(), "bomb.yaml")
    assert time.monotonic() - started < 5
    assert caught.value.line == 10
    assert str(caught.value) == (
        f"bomb.yaml:10: invalid YAML: its aliases (*name) expand to more than "
        f"{MAX_EXPANDED_NODES:,} values; write the values out, or use fewer aliases"
    )


def test_more_than_the_allowed_aliases_is_an_error_at_the_first_one_too_many() -> None:
    text = "v: &v 1\nl:\n" + "".join("  - *v\n" for _ in range(MAX_ALIASES + 1))
    with pytest.raises(YamlError) as caught:
        load_yaml(text, "many.yaml")
    assert caught.value.line == 3 + MAX_ALIASES
    assert "more than 100 aliases (*name) in one file" in str(caught.value)


def test_an_alias_inside_its_own_anchor_is_an_error() -> None:
    with pytest.raises(YamlError, match=r"x.yaml:1: .*refers to the anchor that contains it"):
        load_yaml("x: &a [1, *a]\n", "x.yaml")


def test_a_few_aliases_that_expand_a_little_still_load() -> None:
    text = "base: &b {record: true, status: active}\n" + "".join(
        f"r{i}: *b\n" for i in range(MAX_ALIASES)
    )
    data = load_yaml(text)
    assert data["r99"] == {"record": True, "status": "active"}
    assert load_yaml(alias_bomb(levels=3, width=9))["top"][8][0] == ["lol"] * 9


@pytest.mark.parametrize("text", ["2027-13-01", "2027-02-30", "2027-01-32 10:00:00"])
def test_a_date_that_does_not_exist_stays_the_text_written(text: str) -> None:
    assert load_yaml(f"expires: {text}\n") == {"expires": text}


def test_a_real_date_is_still_a_date() -> None:
    assert load_yaml("expires: 2027-02-28\n")["expires"].isoformat() == "2027-02-28"


def test_line_of_reads_marks_and_falls_back_to_the_node_line() -> None:
    doc = load_yaml("a: 1\nb:\n  - x\n  - y\n")
    assert line_of(doc, "b") == 2
    assert line_of(doc["b"], 1) == 4
    assert line_of("plain", "k") == 0


def test_plain_value_makes_marked_yaml_json_like() -> None:
    doc = load_yaml("when: 2026-01-02\nitems: [1, {a: b}]\n")
    plain = plain_value(doc)
    assert plain == {"when": "2026-01-02", "items": [1, {"a": "b"}]}
    assert type(plain) is dict
    assert type(plain["items"]) is list
