"""``auditor.secretscan``: the shortcuts of the detector never skip a secret."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auditor.secretscan import (
    _ALL_HINTS,
    _ANY_HINT,
    _PATTERNS,
    NEAR_MISSES,
    SHORTEST,
    find_secrets,
    is_secret_key,
    mask_secrets,
    secret_kind,
)

KEY = "sk-proj-" + "A1b2C3d4E5f6G7h8I9j0K1l2"


def _min_width(pattern: str) -> int:
    try:
        parser: Any = importlib.import_module("re._parser")
    except ImportError:  # Python 3.10
        parser = importlib.import_module("sre_parse")
    width: int = parser.parse(pattern).getwidth()[0]
    return width


def test_no_pattern_can_match_a_string_shorter_than_the_shortcut_skips() -> None:
    assert min(_min_width(pattern) for _, _, pattern in _PATTERNS) == SHORTEST
    assert find_secrets("pwd=12345678") != []  # exactly SHORTEST characters
    assert len("pwd=12345678") == SHORTEST


def test_a_record_without_secrets_comes_back_as_it_is() -> None:
    record = {"name": "Support line", "tools": [{"url": "https://x.example"}], "n": 1}
    assert mask_secrets(record) is record
    assert mask_secrets(record["tools"]) is record["tools"]


def test_a_record_with_a_secret_is_copied_and_the_original_left_alone() -> None:
    record: dict[str, Any] = {
        "name": "Support line",
        "tools": [{"headers": f"Authorization: Bearer {KEY}"}, {"url": "https://x"}],
        "prompt": f"use api_key={KEY} when asked",
    }
    masked = mask_secrets(record)
    assert masked is not record
    assert KEY not in str(masked)
    assert KEY in str(record)
    assert masked["name"] is record["name"]
    assert masked["tools"][1] is record["tools"][1]  # untouched parts are shared
    assert mask_secrets(masked) == masked  # markers stay markers


def test_a_record_masked_already_comes_back_as_it_is() -> None:
    """A snapshot's records hold markers, not secrets: masking them again changes
    nothing, so it is the same object (drift and the workers take that as unmasked)."""
    masked = mask_secrets({"prompt": f"use api_key={KEY}; also {KEY}", "n": 1})
    assert KEY not in masked["prompt"]
    assert mask_secrets(masked) is masked
    assert mask_secrets(masked["prompt"]) is masked["prompt"]
    partly = {"prompt": masked["prompt"] + f" and token={KEY}"}  # a marker, then a secret
    again = mask_secrets(partly)
    assert again is not partly
    assert KEY not in again["prompt"]
    assert again["prompt"].startswith(masked["prompt"])


# -- linear in the input: near misses repeated over 400 KB --------------------------------


def test_every_pattern_has_an_adversarial_input() -> None:
    assert {kind for kind, _, _ in _PATTERNS} <= set(NEAR_MISSES)


@pytest.mark.parametrize("kind", NEAR_MISSES)
def test_a_400_kb_run_of_near_misses_is_scanned(kind: str) -> None:
    """No timing here: on a quadratic pattern (the old JWT one, ``\\beyJ…`` over
    ``eyJ-eyJ-…``) this scan took minutes and hung the suite visibly."""
    unit = NEAR_MISSES[kind]
    text = (unit * (400_000 // len(unit) + 1))[:400_000]
    for matches in (find_secrets(text), find_secrets(text.upper()), find_secrets("x " + text)):
        assert all(0 <= m.start < m.end <= len(text) + 2 for m in matches)
    masked = mask_secrets({"system_prompt": text})["system_prompt"]
    assert (masked == text) == (find_secrets(text) == [])


_PIECES = st.sampled_from(
    [*_ALL_HINTS, *(h[:-1] for h in _ALL_HINTS), *(h[1:] for h in _ALL_HINTS)]
)


@given(st.lists(st.one_of(_PIECES, st.text(max_size=3)), max_size=8).map("".join))
def test_the_one_hint_search_finds_what_a_test_for_each_hint_finds(text: str) -> None:
    """The hints are looked for from their rarest character (a look-behind for the rest):
    the same answer as a substring test for each."""
    lowered = text.lower()
    assert (_ANY_HINT.search(lowered) is not None) == any(h in lowered for h in _ALL_HINTS)


def test_a_remembered_answer_is_the_answer() -> None:
    """Text of a middling length is scanned once and its matches kept: asking again (as
    the no_secrets rule does about a record just masked) gives the same, every time."""
    text = f"Call us. Internal note: api_key={KEY} do not share. " + "x" * 40
    first = find_secrets(text)
    first_kind = first[0].kind
    assert find_secrets(text) == first
    first.clear()  # a caller's list is its own
    assert find_secrets(text) != []
    assert secret_kind(text) == first_kind


def test_a_jwt_is_still_found_after_a_separator_or_dashes() -> None:
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abcdefghijk"
    for text in (jwt, f"Bearer {jwt}", f"token={jwt};", f"--{jwt}", f"'{jwt}'"):
        [match] = find_secrets(text)
        assert text[match.start : match.end] == jwt


# -- secrets found by the name of their key ------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "password", "Password", "passwd", "pass", "pwd", "secret", "token", "api_key",
        "apiKey", "APIKey", "api-key", "apikey", "access_key", "private_key", "privateKey",
        "client_secret", "clientSecret", "auth", "authToken", "oauth.token", "credential",
        "credentials", "crm_password", "SMTP_PASS", "db.password", "x-api-key",
    ],
)  # fmt: skip
def test_keys_that_name_a_secret(key: str) -> None:
    assert is_secret_key(key)
    record = {"variables": {key: "hunter2", "region": "eu"}}
    masked = mask_secrets(record)
    assert "hunter2" not in str(masked)
    assert masked["variables"]["region"] == "eu"
    assert secret_kind(record["variables"]) == "credential field"
    assert secret_kind(masked["variables"]) == "redacted secret"


@pytest.mark.parametrize(
    "key",
    [
        "token_limit", "max_tokens", "password_env", "auth_type", "key", "keys", "passthrough",
        "secretary", "author", "region", "business_name", "password_hint", "monkey",
    ],
)  # fmt: skip
def test_keys_that_do_not(key: str) -> None:
    assert not is_secret_key(key)
    record = {"variables": {key: "hunter2"}}
    assert mask_secrets(record) is record
    assert secret_kind(record) is None


@pytest.mark.parametrize("value", [500, 0, 1.5, True, False, None, "", "  ", "true", "None",
                                   "${CRM_PASSWORD}", "{{ password }}", [], {}])  # fmt: skip
def test_benign_values_under_a_secret_key_are_left_alone(value: object) -> None:
    record = {"variables": {"password": value, "token": value}}
    assert mask_secrets(record) is record
    assert secret_kind(record) is None


def test_nested_and_listed_secrets_are_masked_stably() -> None:
    record: dict[str, Any] = {
        "variables": {"smtp": {"host": "mail.example", "pass": "p4ss"}, "tokens": ["a"]},
        "tools": [{"headers": {"Authorization": "Basic dXNlcjpwYXNz"}, "apiKeys": 3}],
        "credentials": ["first-one", 7, {"user": "bob", "password": "second"}],
    }
    masked = mask_secrets(record)
    text = str(masked)
    for secret in ("p4ss", "dXNlcjpwYXNz", "first-one", "second"):
        assert secret not in text
    assert masked["variables"]["smtp"]["host"] == "mail.example"
    assert masked["variables"]["tokens"] == ["a"]  # `tokens` is not a secret's name
    assert masked["credentials"][1] == 7
    assert masked["credentials"][2]["user"] == "bob"
    assert mask_secrets(masked) == masked
    assert mask_secrets(record) == masked  # the same secret, the same marker: drift works
    rotated = mask_secrets({**record, "variables": {"smtp": {"pass": "n3w"}, "tokens": ["a"]}})
    assert rotated["variables"]["smtp"]["pass"] != masked["variables"]["smtp"]["pass"]
