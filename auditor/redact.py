"""Keep the secrets we are given (API keys, the SMTP password) out of every output.

Anything that reaches a person or a file goes through ``redact``: log records (via
``RedactingFilter``), error lines, ``-v`` tracebacks. Values are registered the moment
they are read from a flag, the environment or the config file.

A secret leaks in more shapes than its own: ``repr()`` and JSON escape it, a URL
percent-encodes it, SMTP ``AUTH PLAIN`` sends ``base64("\\0user\\0password")`` and a relay
may echo that line in its reply. Each secret's forms are worked out once, when it is
registered (``secret_forms``), and every form of every secret is one compiled
alternation, so ``redact`` is one regex search however many forms there are.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import re
import threading
from urllib.parse import quote, quote_plus

MASK = "***"
_MIN_LENGTH = 4  # shorter "secrets" would mask ordinary words in every line
_MIN_FORM = 6
"""The shortest derived form masked: a secret inside base64 of a longer string shows as
only its middle characters, and fewer than six would match chance text."""

_lock = threading.Lock()
_secrets: set[str] = set()
_pattern: re.Pattern[str] | None = None


def _escapes(secret: str) -> set[str]:
    """The secret as the escapes of Python and JSON write it, one and two levels deep."""
    forms = {secret}
    for _ in range(2):
        for form in list(forms):
            forms.add(repr(form)[1:-1])
            forms.add(json.dumps(form)[1:-1])
            forms.add(json.dumps(form, ensure_ascii=False)[1:-1])
            forms.add(form.encode("unicode_escape").decode("ascii"))
    return forms


def _base64_forms(data: bytes) -> set[str]:
    """Base64 (standard and urlsafe, with and without padding) of ``data`` alone, and the
    characters that base64 of any longer string holding ``data`` must contain.

    Base64 turns 3 bytes into 4 characters, so inside a longer string the secret starts
    at one of 3 byte alignments; at each, the characters made only of the secret's bits
    are fixed whatever surrounds it (the edge characters mix in neighbouring bytes and
    are left out)."""
    whole = base64.b64encode(data).decode("ascii")
    forms = {whole, whole.rstrip("=")}
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + data + b"\0\0\0").decode("ascii")
        first = -(-8 * shift // 6)  # the first character with no bit of the prefix
        last = 8 * (shift + len(data)) // 6  # past the last one with no bit of the suffix
        forms.add(encoded[first:last])
    return forms | {form.translate(_URLSAFE) for form in forms}


_URLSAFE = str.maketrans("+/", "-_")


def secret_forms(secret: str) -> set[str]:
    """Every form of ``secret`` that ``redact`` masks: raw; ``repr``-, ``\\n``- and
    JSON-escaped; URL-encoded (``quote``, ``quote_plus``); base64 of it alone or inside
    a longer string (``AUTH PLAIN``), standard and urlsafe."""
    forms = _escapes(secret)
    # a value from the environment may hold lone surrogates, which UTF-8 refuses
    with contextlib.suppress(UnicodeEncodeError):
        forms |= {quote(secret), quote(secret, safe=""), quote_plus(secret)}
    forms |= {form.replace("%", "%25") for form in list(forms) if "%" in form}
    forms |= _base64_forms(secret.encode("utf-8", "surrogatepass"))
    return {form for form in forms if len(form) >= _MIN_FORM or form == secret}


def register_secret(value: str | None) -> None:
    """Remember a secret so that ``redact`` removes it, in every form, from now on."""
    global _pattern
    if value and len(value) >= _MIN_LENGTH:
        with _lock:
            if value in _secrets:
                return
            _secrets.add(value)
            forms = set().union(*(secret_forms(secret) for secret in _secrets))
            # longest first: at one position the alternation takes the first that fits
            ordered = sorted(forms, key=lambda form: (-len(form), form))
            _pattern = re.compile("|".join(map(re.escape, ordered)))


def forget_secrets() -> None:
    """Clear the registry (tests run many CLIs in one process)."""
    global _pattern
    with _lock:
        _secrets.clear()
        _pattern = None


def redact(text: str) -> str:
    """``text`` with every form of every registered secret replaced by ``***``."""
    pattern = _pattern
    if pattern is None:
        return text
    return pattern.sub(MASK, text)


def mask(value: str | None) -> str:
    """How a secret setting is shown in ``config show``: set or not, never its value."""
    return "(not set)" if not value else MASK


class RedactingFilter(logging.Filter):
    """A logging filter that renders the message once and redacts it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
