"""Keep the secrets we are given (API keys, the SMTP password) out of every output.

Anything that reaches a person or a file goes through ``redact``: log records (via
``RedactingFilter``), error lines, ``-v`` tracebacks. Values are registered the moment
they are read from a flag, the environment or the config file.
"""

from __future__ import annotations

import logging
import threading

MASK = "***"
_MIN_LENGTH = 4  # shorter "secrets" would mask ordinary words in every line

_lock = threading.Lock()
_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret so that ``redact`` removes it from any text from now on."""
    if value and len(value) >= _MIN_LENGTH:
        with _lock:
            _secrets.add(value)


def forget_secrets() -> None:
    """Clear the registry (tests run many CLIs in one process)."""
    with _lock:
        _secrets.clear()


def redact(text: str) -> str:
    """``text`` with every registered secret replaced by ``***``."""
    if not _secrets:
        return text
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


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
