"""`auditor config show`."""

from __future__ import annotations

from auditor.errors import ConfigError
from auditor.settings import Sourced


def run_show(options: dict[str, Sourced]) -> int:
    raise ConfigError("'config show' is not available yet")
