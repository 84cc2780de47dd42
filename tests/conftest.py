"""Shared fixtures: a clean secret registry and logger for every test; the sandbox API."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from auditor.redact import forget_secrets

if TYPE_CHECKING:
    from auditor.sandbox.server import RunningSandbox


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


# -- the sandbox API, in-process on a free port -------------------------------------------


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., RunningSandbox]]:
    """A factory: ``make_sandbox(count=250, faults=("hang=5",))`` starts a sandbox.

    Keyword arguments are ``SandboxSettings`` fields (``fleet=`` replaces the sample
    data). Each one listens on a free port of 127.0.0.1 and is stopped after the test.
    """
    from auditor.sandbox.server import start_sandbox
    from auditor.settings import SandboxSettings

    started: list[RunningSandbox] = []

    def make(**overrides: Any) -> RunningSandbox:
        fleet = overrides.pop("fleet", None)
        running = start_sandbox(SandboxSettings(port=0), fleet=fleet, **overrides)
        started.append(running)
        return running

    yield make
    for running in started:
        running.stop()


@pytest.fixture
def sandbox(make_sandbox: Callable[..., RunningSandbox]) -> RunningSandbox:
    """A sandbox API serving the default 47-assistant fleet (``base_url``, ``api_key``)."""
    return make_sandbox()


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Backoff delays of a millisecond (``AUDITOR_RETRY_BASE``), so retry tests run fast."""
    monkeypatch.setenv("AUDITOR_RETRY_BASE", "0.001")
