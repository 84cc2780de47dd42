"""``auditor.secretscan``: the shortcuts of the detector never skip a secret."""

from __future__ import annotations

import importlib
from typing import Any

from auditor.secretscan import _PATTERNS, SHORTEST, find_secrets, mask_secrets

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
