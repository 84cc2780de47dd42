"""Find secret-looking strings (API keys, tokens, passwords) in assistant settings.

One detector serves two masters, so they can never disagree: the policy operator
``no_secrets`` (a prompt that embeds a key is a violation) and the snapshot writer
(the key is replaced by a stable salted hash before it reaches the disk, so a rotated
key still shows as drift but the key itself is never stored).

Secrets are found by the shape of a value (``find_secrets``) and by the name of the key
that holds it (``is_secret_key``): ``{"crm_password": "hunter2"}`` or
``{"smtp": {"pass": …}}`` hold a secret whatever it looks like. Under such a key a
non-empty string is a secret unless it is plainly not one (``true``, ``none``, a
``${VAR}`` or ``{{var}}`` placeholder); numbers, booleans and null never are, so
``token_limit: 500`` or ``auth: true`` stay as they are. The key's last word decides
(``token_limit`` is a limit, ``auth_token`` a token).
"""

from __future__ import annotations

import hashlib
import hmac
import operator
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

DEFAULT_SALT = "auditor-snapshot-v1"
SALT_ENV = "AUDITOR_SNAPSHOT_SALT"

# Each pattern names the part that is secret ``(?P<secret>…)``; only that part is masked,
# so "api_key=<redacted…>" still tells a reader what was there. The hints are lower-case
# words one of which every match contains: plain substring tests on the lower-cased text
# skip a pattern far faster than the regex could (prompts are long, secrets are rare).
_PATTERNS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("private key", ("private key",), r"(?P<secret>-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----)"),
    ("AWS access key", ("akia", "asia"), r"\b(?P<secret>(?:AKIA|ASIA)[0-9A-Z]{16})\b"),
    (
        "GitHub token",
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
        r"\b(?P<secret>gh[pousr]_[A-Za-z0-9]{30,})\b",
    ),
    ("Slack token", ("xox",), r"\b(?P<secret>xox[abposr]-[A-Za-z0-9-]{10,})"),
    ("Google API key", ("aiza",), r"\b(?P<secret>AIza[0-9A-Za-z_\-]{35})"),
    (
        "Stripe key",
        ("_live_", "_test_"),
        r"\b(?P<secret>(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,})\b",
    ),
    ("API key", ("sk-",), r"\b(?P<secret>sk-(?:proj-|ant-)?[A-Za-z0-9_\-]{20,})"),
    (
        "JSON web token",
        ("eyj",),
        # The token must start a run of base64url characters (after optional dashes):
        # with a plain \b every "eyJ" inside a long run ("eyJ-eyJ-…") started a scan to
        # the run's end, quadratic in its length; this way each run is scanned once.
        r"(?<![A-Za-z0-9_-])-*(?P<secret>eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}"
        r"\.[A-Za-z0-9_-]{8,})",
    ),
    ("bearer token", ("bearer",), r"(?i)\bbearer\s+(?P<secret>[A-Za-z0-9\-._~+/]{20,}=*)"),
    (
        "credential assignment",
        ("key", "secret", "token", "passw", "pwd"),
        r"(?i)\b(?:api[_-]?key|apikey|secret(?:[_-]?key)?|access[_-]?token|auth[_-]?token"
        r"|token|password|passwd|pwd)\b[\"']?\s*[:=]\s*[\"']?(?P<secret>[^\s\"',;]{8,})",
    ),
    ("redacted secret", ("<redacted:",), r"(?P<secret><redacted:sha256:[0-9a-f]{16}>)"),
)
NEAR_MISSES: dict[str, str] = {
    "private key": "-----BEGIN A ",
    "AWS access key": "AKIA",
    "GitHub token": "ghp_" + "a" * 29 + "_ ",
    "Slack token": "xoxb-",
    "Google API key": "AIza",
    "Stripe key": "sk_live_",
    "API key": "sk-a ",
    "JSON web token": "eyJ-",
    "JSON web token, dotted": "eyJaaaaaaaaa.eyJ-",
    "bearer token": "bearer ",
    "credential assignment": "token= ",
    "redacted secret": "<redacted:sha256:",
}
"""For each pattern, text that starts a match and never completes one. Repeated over
hundreds of kilobytes it is the worst case for a backtracking pattern (the old JWT
pattern was quadratic on ``eyJ-`` repeated): the tests and ``bench_secretscan`` scan
each; a new pattern needs its entry here."""

_COMPILED = tuple((kind, hints, re.compile(pattern)) for kind, hints, pattern in _PATTERNS)
_ALL_HINTS = tuple(sorted({hint for _, hints, _ in _PATTERNS for hint in hints}))

_COMMONEST = " etaoinsrhldcumfpgwybvk-:_xjqz<"
"""Characters of the hints from the most to the least common in prose (English letter
frequency; the punctuation placed by hand)."""


def _hint_search(hints: tuple[str, ...]) -> re.Pattern[str]:
    """One search that finds any of ``hints``, each entered at its rarest character.

    ``re`` skips ahead to the positions where some alternative's first character is,
    and tries the alternation there: with every hint starting at ``a``, ``e``, ``s`` or
    ``t`` that is a third of all positions of a prompt. So ``token`` is looked for as
    ``ken`` preceded by ``to`` (``k`` plus a look-behind), ``eyj`` as ``j`` after ``ey``:
    fewer, rarer starts, the same matches. The alternatives are grouped by that first
    character, so each start tries only the hints that begin there.
    """

    def rarity(char: str) -> int:
        found = _COMMONEST.find(char)
        return len(_COMMONEST) if found < 0 else found  # one not listed: the rarest

    by_start: dict[str, list[str]] = {}
    for hint in hints:
        if any(other != hint and other in hint for other in hints):
            continue  # "private key" holds "key": where it is, "key" is found
        at = min(range(len(hint)), key=lambda i: (-rarity(hint[i]), i))
        after = re.escape(hint[at + 1 :])
        before = f"(?<={re.escape(hint)})" if at else ""
        by_start.setdefault(hint[at], []).append(after + before)
    return re.compile(
        "|".join(
            re.escape(start) + (rests[0] if len(rests) == 1 else f"(?:{'|'.join(rests)})")
            for start, rests in sorted(by_start.items())
        )
    )


_ANY_HINT = _hint_search(_ALL_HINTS)
"""Whether lower-cased text holds any hint: most strings hold none and are done here."""
SHORTEST = 12
"""No pattern matches fewer characters (``pwd:`` and eight more); a test checks this.
Most strings of a record (``inbound``, ``en-US``, a colour) are shorter: skipped unread."""
_MARKER = re.compile(r"<redacted:sha256:[0-9a-f]{16}>")


_SECRET_WORDS = frozenset(
    {
        "password", "passwd", "pass", "pwd", "passphrase", "passcode", "secret", "token",
        "apikey", "auth", "authorization", "credential", "credentials",
    }
)  # fmt: skip
"""A key whose last word is one of these holds a secret (``crm_password``, ``authToken``)."""
_SECRET_KEY_WORDS = frozenset({"api", "access", "private", "secret", "signing", "encryption"})
"""… and a key ending in ``key`` after one of these (``api_key``, ``privateKey``)."""
_WORD_BREAKS = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|[\s_.\-]+")
_BENIGN = re.compile(
    r"\s*|(?i:true|false|yes|no|on|off|none|null|nil|n/?a)|\$\{[^{}]*\}|\{\{[^{}]*\}\}"
)
"""Values under a secret-named key that are plainly not a secret."""
KEY_KIND = "credential field"
"""The kind of a secret found by its key's name."""


@lru_cache(maxsize=4096)
def is_secret_key(key: str) -> bool:
    """Whether a mapping key names a secret: case-insensitive, with ``_ - .`` and
    camelCase as word breaks; the last word decides (``api_key``, ``apiKey``,
    ``SMTP.Pass``, ``client-secret`` yes; ``token_limit``, ``password_env`` no)."""
    words = [word.lower() for word in _WORD_BREAKS.split(key) if word]
    if not words:
        return False
    last = words[-1]
    if last in _SECRET_WORDS:
        return True
    return last == "key" and len(words) > 1 and words[-2] in _SECRET_KEY_WORDS


def _keyed_secret(value: str) -> bool:
    """Whether a string under a secret-named key is to be treated as a secret."""
    return _BENIGN.fullmatch(value) is None


@dataclass(frozen=True)
class SecretMatch:
    """Where a secret-looking value sits in a string, and what it looks like."""

    kind: str
    start: int
    end: int


def find_secrets(text: str) -> list[SecretMatch]:
    """Every secret-looking span in ``text``, in order, overlaps merged."""
    return list(_matches(text))


_REMEMBERED_CHARS = (64, 4096)
"""The lengths of text whose matches are remembered: shorter text costs less to scan
than to look up, longer text is not kept (what is remembered stays bounded)."""


def _matches(text: str) -> tuple[SecretMatch, ...]:
    """``find_secrets`` as a tuple; the answer for text of a middling length is kept.

    The audit masks each record and then the ``no_secrets`` rule asks about the same
    strings of the masked record (the same objects, where nothing was masked): the
    second question is a look-up, so one scan serves both.
    """
    if len(text) < SHORTEST:
        return ()
    if _REMEMBERED_CHARS[0] <= len(text) <= _REMEMBERED_CHARS[1]:
        return _remembered(text)
    return _scan(text)


def _scan(text: str) -> tuple[SecretMatch, ...]:
    lowered = text.lower()
    if _ANY_HINT.search(lowered) is None:
        return ()
    found: list[SecretMatch] = []
    for kind, hints, pattern in _COMPILED:
        if not any(hint in lowered for hint in hints):
            continue
        for m in pattern.finditer(text):
            found.append(SecretMatch(kind, m.start("secret"), m.end("secret")))
    found.sort(key=lambda s: (s.start, -s.end))
    merged: list[SecretMatch] = []
    for match in found:
        if merged and match.start < merged[-1].end:
            continue
        merged.append(match)
    return tuple(merged)


_remembered = lru_cache(maxsize=2048)(_scan)
"""The last 2,048 answers (at most 4,096 characters of text each): a page of records
and the rules' questions about it."""


def secret_kind(value: Any) -> str | None:
    """The kind of the first secret in a string, or in any key or value inside a
    list/dict (a value under a secret-named key is a ``KEY_KIND``)."""
    if isinstance(value, str):
        matches = _matches(value)
        return matches[0].kind if matches else None
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str):
                kind = secret_kind(key)
                if kind is not None:
                    return kind
                if is_secret_key(key):
                    kind = _keyed_kind(item)
                    if kind is not None:
                        return kind
            kind = secret_kind(item)
            if kind is not None:
                return kind
    elif isinstance(value, (list, tuple)):
        for item in value:
            kind = secret_kind(item)
            if kind is not None:
                return kind
    return None


def _keyed_kind(item: Any) -> str | None:
    """The kind of a value under a secret-named key: its strings (or those of a list of
    strings) are secrets, a marker stays a masked one."""
    for text in item if isinstance(item, list) else (item,):
        if isinstance(text, str) and _keyed_secret(text):
            return "redacted secret" if _MARKER.fullmatch(text) else KEY_KIND
    return None


def _salt() -> bytes:
    return os.environ.get(SALT_ENV, DEFAULT_SALT).encode()


def secret_marker(secret: str, salt: bytes | None = None) -> str:
    """A stable stand-in for a secret: the same secret always gives the same marker."""
    # surrogatepass: a lone surrogate (valid in JSON, not in UTF-8) still hashes stably
    data = secret.encode("utf-8", "surrogatepass")
    digest = hmac.new(salt or _salt(), data, hashlib.sha256).hexdigest()
    return f"<redacted:sha256:{digest[:16]}>"


def mask_secrets(value: Any, salt: bytes | None = None) -> Any:
    """``value`` with every secret-looking span in every string replaced by its marker.

    Markers are left as they are, so masking twice gives the same result. What holds no
    secret is returned as it is, not copied: an audit masks every record it reads.
    """
    if isinstance(value, str):
        return _mask_text(value, salt) if len(value) >= SHORTEST else value
    if isinstance(value, (dict, list)):
        return _mask_nested(value, salt)
    return value


_TEXT_OR_NESTED = (str, dict, list)
_NEVER_SECRET = frozenset({int, float, bool, type(None)})
"""The exact types of most values of a record, none a secret even under a secret key."""


_INLINE_CHARS = _REMEMBERED_CHARS[0]
"""Strings shorter than this (most of a record) are tested for a hint inline, by the
walk itself: ``_matches`` for them costs three calls more than the test."""


_KEY_VERDICTS: dict[Any, bool] = {}
"""Whether a key (or a list's index) of a mapping names a secret, for the keys seen
last: a record's keys are the same few dozen again and again."""


def _key_verdict(key: Any) -> bool:
    verdict = isinstance(key, str) and is_secret_key(key)
    if len(_KEY_VERDICTS) >= 4096:
        _KEY_VERDICTS.clear()  # bounded: an odd fleet with ever new keys starts afresh
    _KEY_VERDICTS[key] = verdict
    return verdict


def _mask_nested(value: dict[Any, Any] | list[Any], salt: bytes | None) -> Any:
    """``mask_secrets`` of a mapping or a list: the same object when nothing in it was
    masked. Most values of a record are numbers, booleans, ``None`` or short strings:
    those are passed over first, with the fewest checks (a number or ``None`` is no
    secret even under a secret-named key)."""
    out: Any = None
    verdicts = _KEY_VERDICTS
    for key, item in value.items() if isinstance(value, dict) else enumerate(value):
        kind = type(item)
        masked: Any
        if kind in _NEVER_SECRET:
            continue  # most of a record, passed over with a single look
        if kind is str:
            secret = verdicts.get(key)
            if secret is None:
                secret = _key_verdict(key)
            if secret:
                masked = _mask_keyed(item, salt)
            elif len(item) < SHORTEST or (
                len(item) < _INLINE_CHARS and _ANY_HINT.search(item.lower()) is None
            ):
                continue
            else:
                masked = _mask_text(item, salt)
        elif kind is dict or kind is list or isinstance(item, _TEXT_OR_NESTED):
            secret = verdicts.get(key)
            if secret is None:
                secret = _key_verdict(key)
            if secret:
                masked = _mask_keyed(item, salt)
            elif kind is dict or kind is list:
                masked = _mask_nested(item, salt)
            else:
                masked = mask_secrets(item, salt)
        else:
            continue
        if masked is not item:
            if out is None:
                out = dict(value) if isinstance(value, dict) else list(value)
            out[key] = masked
    return value if out is None else out


def _mask_keyed(item: Any, salt: bytes | None) -> Any:
    """A value under a secret-named key: a string (or each string of a list) is
    replaced whole by its marker; anything else is masked as usual."""
    if isinstance(item, str):
        if not _keyed_secret(item) or _MARKER.fullmatch(item):
            return item
        return secret_marker(item, salt)
    if isinstance(item, list) and any(isinstance(text, str) for text in item):
        items = [_mask_keyed(text, salt) if isinstance(text, str) else text for text in item]
        items = [mask_secrets(i, salt) if isinstance(i, (dict, list)) else i for i in items]
        return item if all(map(operator.is_, items, item)) else items
    return mask_secrets(item, salt)


def _mask_text(value: str, salt: bytes | None) -> str:
    matches = _matches(value)
    if not matches:
        return value
    secrets = [value[m.start : m.end] for m in matches]
    if all(_MARKER.fullmatch(secret) for secret in secrets):
        return value  # masked already (a snapshot's): the same object, as nothing changed
    salt = salt or _salt()
    parts: list[str] = []
    last = 0
    for match, secret in zip(matches, secrets, strict=True):
        parts.append(value[last : match.start])
        parts.append(secret if _MARKER.fullmatch(secret) else secret_marker(secret, salt))
        last = match.end
    parts.append(value[last:])
    return "".join(parts)
