"""``record_changes``: the changes inside one assistant, through ``diff_listings``.

The drift tests compare pairs of records; the package compares listings. This puts
each record in a one-assistant listing of its own and reads back what changed.
"""

from __future__ import annotations

from typing import Any

from auditor.drift import DEFAULTS, diff_listings
from auditor.model import Change, Listing
from auditor.settings import DriftSettings


def record_changes(
    before: dict[str, Any], after: dict[str, Any], settings: DriftSettings = DEFAULTS
) -> tuple[Change, ...]:
    """Every change from ``before`` to ``after`` (empty when only ignored fields differ)."""
    drift = diff_listings(
        Listing("s", "t", {"u": before}),
        Listing("s", "t", {"u": after}),
        settings,
    )
    assert not drift.added
    assert not drift.removed
    return drift.changed[0].changes if drift.changed else ()
