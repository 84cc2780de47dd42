"""Shared fixtures: a clean secret registry and logger for every test."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from auditor.redact import forget_secrets


@pytest.fixture(autouse=True)
def _isolated_process_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts without remembered secrets, config env vars or a CI flag."""
    for name in (
        "INTELLIXENT_API_KEY",
        "INTELLIXENT_BASE_URL",
        "AUDITOR_CONFIG",
        "AUDITOR_SMTP_PASSWORD",
        "AUDITOR_EMAIL_TO",
        "NO_COLOR",
        "GITHUB_STEP_SUMMARY",
        "GITHUB_ACTIONS",
    ):
        monkeypatch.delenv(name, raising=False)
    forget_secrets()
    yield
    forget_secrets()
    logging.getLogger("auditor").handlers.clear()
