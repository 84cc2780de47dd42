"""The live listing as a snapshot, built page by page while it is fetched.

``fetch -o``, ``snapshot approve`` and ``demo`` write what the API serves as a snapshot
file. Holding the fleet to write it would cost memory in proportion to its size; here
each page is masked and encoded as it arrives (``auditor.snapshot.SnapshotSpill``),
and the file is written in uuid order once the listing is complete. Nothing is written
when the fetch fails: the spill is dropped with the read that filled it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from auditor.api import ApiClient, RetryPolicy
from auditor.model import Listing, Record
from auditor.settings import ApiSettings
from auditor.snapshot import SnapshotHeader, SnapshotSpill

PageSink = Callable[[list[tuple[str, Record]]], None]
"""Sees each page's records as the snapshot keys them (masked), e.g. a drift scan."""


@dataclass
class SpilledSnapshot:
    """A complete listing held as a ``SnapshotSpill``, ready to be written."""

    header: SnapshotHeader
    spill: SnapshotSpill

    @property
    def count(self) -> int:
        return len(self.spill)

    def write(self, path: Path, *, keep_previous: bool = False) -> None:
        """Write the snapshot to ``path`` atomically (``<path>.prev`` kept if asked)."""
        self.spill.write(path, self.header, keep_previous=keep_previous)

    def close(self) -> None:
        self.spill.close()


def fetch_snapshot(
    api: ApiSettings,
    sink: Callable[[], PageSink] | None = None,
    *,
    retry: RetryPolicy | None = None,
) -> SpilledSnapshot:
    """The complete listing of ``api``'s account, spilled. ``sink()`` is called at the
    start of each read of the listing (again when the fleet changed under the first)
    and returns what sees its pages."""
    with ApiClient(api, retry) as client:

        def read() -> SpilledSnapshot:
            spill = SnapshotSpill()
            take = sink() if sink is not None else None
            try:
                with client.pages(progress=api.progress) as pages:
                    for page in pages:
                        items = ((str(r["uuid"]), r) for r in page.records)
                        masked = spill.add(items, finite=page.finite)
                        if take is not None:
                            take(masked)
            except BaseException:
                spill.close()
                raise
            header = SnapshotHeader(client.base_url, pages.fetched_at, api.account)
            return SpilledSnapshot(header, spill)

        return client.consistently(read)


def spill_listing(listing: Listing, sink: PageSink | None = None) -> SpilledSnapshot:
    """A listing in memory (a snapshot read back) as a ``SpilledSnapshot``."""
    spill = SnapshotSpill()
    masked = spill.add(listing.assistants.items())
    if sink is not None:
        sink(masked)
    header = SnapshotHeader(listing.source, listing.fetched_at, listing.account)
    return SpilledSnapshot(header, spill)
