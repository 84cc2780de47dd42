"""`auditor diff A B`: the drift between two snapshot files, no network.

The same pipeline as ``audit --baseline``: the before file is held as fingerprints
(``BaselineIndex``) and the after file is pulled record by record through
``DriftScan``, so memory follows the changed records, not the two fleets. Neither
file need be in uuid order.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from auditor.commands.deliver import finish
from auditor.errors import EXIT_GATE, EXIT_OK
from auditor.model import AssistantRef, Drift, Record
from auditor.settings import DiffSettings, DriftSettings, GateSettings
from auditor.verdict import decide_gate, new_report

if TYPE_CHECKING:
    from auditor.baseline import BaselineIndex


def run(settings: DiffSettings) -> int:
    """Read both snapshots (exit 2 if either is damaged), diff, report; 1 with
    ``--fail-on-drift`` when anything drifted."""
    from auditor.baseline import BaselineIndex
    from auditor.report import check_outputs

    check_outputs(settings.outputs)
    before = BaselineIndex(settings.before)
    after = _read_after(settings.after, before, settings.drift)
    warnings: tuple[str, ...] = ()
    if before.source != after.source:
        warnings = (
            f"{settings.before} was fetched from {before.source} and {settings.after} from "
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
    assistants: tuple[AssistantRef, ...]
    """Every assistant it holds, in the file's order."""


def _read_after(path: Path, before: BaselineIndex, drift: DriftSettings) -> AfterSide:
    """``path`` pulled record by record past a ``DriftScan`` against ``before``."""
    from auditor.snapshot import ReadWhole, SnapshotReader, header_account

    with SnapshotReader(path) as snapshot:
        account = header_account(snapshot.header)
        try:
            found = _scan(((r.uuid, r.record) for r in snapshot), before, drift, account)
        except ReadWhole as whole:  # an odd layout: the file read whole, scanned again
            listing = whole.listing
            found = _scan(listing.assistants.items(), before, drift, listing.account)
            return AfterSide(listing.source, *found)
        return AfterSide(snapshot.listing.source, *found)


def _scan(
    records: Iterable[tuple[str, Record]],
    before: BaselineIndex,
    drift: DriftSettings,
    account: str | None,
) -> tuple[Drift, tuple[AssistantRef, ...]]:
    from auditor.drift import DriftScan

    scan = DriftScan(before, drift, account)
    assistants: list[AssistantRef] = []
    for uuid, record in records:
        assistants.append(AssistantRef.of(record, account))
        scan.add(((uuid, record),))
    return scan.result(), tuple(assistants)
