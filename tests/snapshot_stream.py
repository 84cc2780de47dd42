"""The callback form of ``SnapshotReader``, for tests that compare it with a whole read.

Every record goes to the ``Take`` that ``start(header)`` returns; ``start`` is called
again, with every field, when the file has to be read whole after all (``ReadWhole``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from auditor.model import Listing, Record
from auditor.snapshot import ReadWhole, SnapshotReader, Span

Take = Callable[[str, Record, "Span | None"], None]
"""Receives each ``(uuid, record, span)``."""


def stream_snapshot(path: Path, start: Callable[[Mapping[str, Any]], Take]) -> Listing:
    """Every record of ``path`` to ``start(header)``'s ``Take``; the header as a listing
    with no assistants."""
    with SnapshotReader(path) as snapshot:
        take = start(dict(snapshot.header))
        try:
            for uuid, record, span, _ in snapshot:
                take(uuid, record, span)
        except ReadWhole as whole:
            listing = whole.listing
            fields = {"source": listing.source, "fetched_at": listing.fetched_at}
            take = start({**fields, "account": listing.account} if listing.account else fields)
            for uuid, record in listing.assistants.items():
                take(uuid, record, None)
            return Listing(listing.source, listing.fetched_at, {}, listing.account)
        return snapshot.listing
