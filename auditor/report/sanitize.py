"""Values from the API are hostile: make them inert in each output format.

Assistant names, prompts and URLs may carry HTML, ANSI escape sequences, other control
characters, newlines, Markdown syntax or GitHub ``::`` workflow commands. Each helper
here neutralises them for one kind of output (HTML is escaped by jinja2's autoescape).
"""

from __future__ import annotations

import json
import re
from typing import Any

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")


def _escape_control(match: re.Match[str]) -> str:
    char = match.group()
    return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char, f"\\x{ord(char):02x}")


def terminal(text: str) -> str:
    """One line, with control characters (ANSI escapes, newlines) shown as ``\\x1b``."""
    return _CONTROL.sub(_escape_control, text)


def value_text(value: Any, limit: int = 120) -> str:
    """A value as a short one-line text: strings quoted, the rest as JSON."""
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    else:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return terminal(text)


def markdown(text: str) -> str:
    """Safe inside a Markdown table cell: no HTML, links, emphasis, pipes or newlines."""
    return _MD_SPECIAL.sub(r"\\\1", terminal(text))


def xml(text: str) -> str:
    """Characters XML 1.0 cannot hold removed (ElementTree escapes the rest)."""
    return _XML_ILLEGAL.sub("", text)


def github_data(text: str) -> str:
    """Escape a workflow command's message (actions/toolkit ``escapeData``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_property(text: str) -> str:
    """Escape a workflow command's property (actions/toolkit ``escapeProperty``)."""
    return github_data(text).replace(":", "%3A").replace(",", "%2C")
