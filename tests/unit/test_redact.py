"""``auditor.redact``: a registered secret is masked in every form it can leak in."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from urllib.parse import quote, quote_plus

import pytest

from auditor.redact import MASK, redact, register_secret, secret_forms

SECRET = "pw-SECRET/98+76=54\n3210'\"canary é"

ENCODINGS: dict[str, Callable[[str], str]] = {
    "raw": lambda s: s,
    "repr": repr,
    "repr of repr": lambda s: repr(repr(s)),
    "unicode_escape": lambda s: s.encode("unicode_escape").decode("ascii"),
    "json": json.dumps,
    "json utf-8": lambda s: json.dumps(s, ensure_ascii=False),
    "json of json": lambda s: json.dumps(json.dumps(s)),
    "json of repr": lambda s: json.dumps(repr(s)),
    "quote": quote,
    "quote safe=''": lambda s: quote(s, safe=""),
    "quote_plus": quote_plus,
    "quote of quote": lambda s: quote(quote(s)),
    "base64": lambda s: base64.b64encode(s.encode()).decode(),
    "base64 unpadded": lambda s: base64.b64encode(s.encode()).decode().rstrip("="),
    "urlsafe base64": lambda s: base64.urlsafe_b64encode(s.encode()).decode(),
    "urlsafe unpadded": lambda s: base64.urlsafe_b64encode(s.encode()).decode().rstrip("="),
}


@pytest.mark.parametrize("name", ENCODINGS)
def test_every_form_is_masked(name: str) -> None:
    register_secret(SECRET)
    leaked = ENCODINGS[name](SECRET)
    text = redact(f"error: server said <{leaked}> twice <{leaked}>")
    assert leaked not in text
    assert text.count(MASK) == 2
    assert text.startswith("error: server said <")


@pytest.mark.parametrize("user", ["", "a", "ab", "abc", "auditor", "bot@example.com"])
@pytest.mark.parametrize("urlsafe", [False, True])
def test_base64_of_a_longer_string_at_every_alignment(user: str, urlsafe: bool) -> None:
    """SMTP AUTH PLAIN sends base64 of ``\\0user\\0password``: the user's length sets
    where the password's bytes fall in base64's groups of 3."""
    register_secret(SECRET)
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    for tail in ("", "x", "xy"):
        line = encode(f"\0{user}\0{SECRET}{tail}".encode()).decode()
        text = redact(f"535 5.7.8 AUTH PLAIN {line} rejected")
        assert MASK in text
        # what is left beside the mask: the prefix's or tail's own characters, plus at
        # most 2 edge characters (and padding) that mix in a few of the secret's bits
        left = text.removeprefix("535 5.7.8 AUTH PLAIN ").removesuffix(" rejected")
        before, _, after = left.partition(MASK)
        assert len(before) <= len(encode(f"\0{user}\0".encode()).decode()) + 3
        assert len(after) <= len(encode(tail.encode())) + 4


def test_forms_are_worked_out_once_and_short_ones_are_dropped() -> None:
    forms = secret_forms("hunter22")
    assert "hunter22" in forms
    assert base64.b64encode(b"hunter22").decode() in forms
    assert all(len(form) >= 6 for form in forms)
    assert secret_forms("abcd") >= {"abcd"}  # the raw secret is kept whatever its length


def test_text_without_a_secret_is_returned_as_it_is() -> None:
    register_secret(SECRET)
    text = "nothing to see: aGVsbG8gd29ybGQ= %20 \\n"
    assert redact(text) is text


def test_the_longest_form_wins_where_forms_overlap() -> None:
    register_secret("abcdefgh")
    register_secret("abcdefgh-and-more")
    assert redact("key abcdefgh-and-more end") == "key *** end"
    assert redact("key abcdefgh end") == "key *** end"


def test_a_secret_with_a_lone_surrogate_is_still_registered() -> None:
    """``os.environ`` turns bytes that are not UTF-8 into lone surrogates."""
    secret = "key-\udcff-0123456789"
    register_secret(secret)
    assert redact(f"got {secret}") == f"got {MASK}"
    assert redact(repr(secret)) == f"'{MASK}'"
