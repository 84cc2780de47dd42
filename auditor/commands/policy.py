"""`auditor policy validate | test | list`."""

from __future__ import annotations

from auditor.errors import ConfigError
from auditor.settings import PolicySettings


def run_validate(settings: PolicySettings) -> int:
    raise ConfigError("'policy validate' is not available yet")


def run_test(settings: PolicySettings) -> int:
    raise ConfigError("'policy test' is not available yet")


def run_list(settings: PolicySettings) -> int:
    raise ConfigError("'policy list' is not available yet")
