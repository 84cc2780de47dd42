"""`auditor sandbox`."""

from __future__ import annotations

from typing import Any

from auditor.errors import ConfigError


def run(settings: Any) -> int:
    """Not built yet."""
    raise ConfigError("'sandbox' is not available yet")
