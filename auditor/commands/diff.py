"""`auditor diff A B`: the drift between two snapshot files, no network.

Both files are pulled record by record through ``DriftScan``, so memory follows the
changed records, not the two fleets. Snapshots are written in uuid order, so the two
are walked side by side (``SortedRecords``); a file that is not (edited by hand) is
diffed as ``audit --baseline`` does it, the before file held as fingerprints
(``BaselineIndex``) and the after file pulled past it in any order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from auditor.commands.deliver import finish
from auditor.errors import EXIT_GATE, EXIT_OK, SnapshotError
from auditor.model import AssistantRef, Drift
from auditor.settings import DiffSettings, DriftSettings, GateSettings
from auditor.verdict import decide_gate, new_report

if TYPE_CHECKING:
    from auditor.baseline import BaselineIndex
    from auditor.drift import SortedRecords
    from auditor.snapshot import SnapshotRecord


def run(settings: DiffSettings) -> int:
    """Read both snapshots (exit 2 if either is damaged), diff, report; 1 with
    ``--fail-on-drift`` when anything drifted."""
    from auditor.report import check_outputs

    check_outputs(settings.outputs)
    before_source, after = _side_by_side(settings) or _against_index(settings)
    warnings: tuple[str, ...] = ()
    if before_source != after.source:
        warnings = (
            f"{settings.before} was fetched from {before_source} and {settings.after} from "
            f"{after.source}: the drift compares different sources",
        )
    gate = decide_gate(GateSettings(fail_on_drift=settings.fail_on_drift), (), after.drift)
    report = new_report(
        source=f"{settings.before} → {settings.after}",
        assistants=after.assistants,
        rules=(),
        violations=(),
        drift=after.drift,
        gate=gate,
        warnings=warnings,
        baseline=str(settings.before),
    )
    code = EXIT_GATE if gate.failed else EXIT_OK
    return finish(
        report,
        code,
        outputs=settings.outputs,
        email=settings.email,
        output=settings.output,
        notify=settings.notify,
    )


class AfterSide(NamedTuple):
    """What ``diff`` needs of the after file."""

    source: str
    drift: Drift
    """Its drift from the before file."""
    assistants: Sequence[AssistantRef]
    """Every assistant it holds, in the file's order (compact: ``auditor.refs``)."""


def _side_by_side(settings: DiffSettings) -> tuple[str, AfterSide] | None:
    """Both files read side by side in uuid order, as auditor writes them (the before
    file's source, and the after side); ``None`` when either is not in uuid order."""
    from auditor.drift import OutOfOrder, SortedRecords
    from auditor.snapshot import ReadWhole, SnapshotReader, header_account

    with (
        SnapshotReader(settings.before, decode=False) as old,
        SnapshotReader(settings.after) as new,
    ):
        try:
            approved = SortedRecords(old, header_account(old.header), old.decoded)
            found = _scan(new, approved, settings.drift, header_account(new.header))
        except (OutOfOrder, ReadWhole, SnapshotError):
            return None  # read the other way, which takes any order and says what is wrong
        return old.listing.source, AfterSide(new.listing.source, *found)


def _against_index(settings: DiffSettings) -> tuple[str, AfterSide]:
    """The before file as a ``BaselineIndex``, the after file pulled past it in any
    order (a file that must be read whole is scanned from its listing)."""
    from auditor.baseline import BaselineIndex
    from auditor.snapshot import ReadWhole, SnapshotReader, SnapshotRecord, header_account

    before = BaselineIndex(settings.before)
    with SnapshotReader(settings.after) as snapshot:
        account = header_account(snapshot.header)
        try:
            found = _scan(snapshot, before, settings.drift, account)
        except ReadWhole as whole:
            listing = whole.listing
            records = (SnapshotRecord(u, r, None) for u, r in listing.assistants.items())
            found = _scan(records, before, settings.drift, listing.account)
            return before.source, AfterSide(listing.source, *found)
        return before.source, AfterSide(snapshot.listing.source, *found)


def _scan(
    records: Iterable[SnapshotRecord],
    before: BaselineIndex | SortedRecords,
    drift: DriftSettings,
    account: str | None,
) -> tuple[Drift, Sequence[AssistantRef]]:
    """The drift of the after file's ``records`` (their text, where read, spares
    encoding or decoding the unchanged), and who they are."""
    from auditor.drift import DriftScan
    from auditor.refs import AssistantRefs

    scan = DriftScan(before, drift, account)
    assistants = AssistantRefs()
    batch: list[AssistantRef] = []
    for entry in records:
        batch.append(AssistantRef.of(entry.record, account))
        scan.add(((entry.uuid, entry.record),), (entry.raw,))
        if len(batch) == _BATCH:
            assistants.extend(batch)
            batch = []
    assistants.extend(batch)
    return scan.result(), assistants.view()


_BATCH = 256
"""References handed to ``AssistantRefs`` at a time."""
