"""`auditor diff A B`: the drift between two snapshot files, no network.

The same pipeline as ``audit --baseline``: the before file is held as fingerprints
(``BaselineIndex``) and the after file streams past ``DriftScan`` record by record, so
memory follows the changed records, not the two fleets.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from auditor.commands.deliver import finish
from auditor.errors import EXIT_GATE, EXIT_OK
from auditor.model import AssistantRef, Drift, Record
from auditor.settings import DiffSettings, GateSettings
from auditor.verdict import decide_gate, new_report

if TYPE_CHECKING:
    from auditor.baseline import BaselineIndex
    from auditor.drift import DriftScan
    from auditor.snapshot import Span, Take


def run(settings: DiffSettings) -> int:
    """Read both snapshots (exit 2 if either is damaged), diff, report; 1 with
    ``--fail-on-drift`` when anything drifted."""
    from auditor.baseline import BaselineIndex
    from auditor.report import check_outputs
    from auditor.snapshot import stream_snapshot

    check_outputs(settings.outputs)
    before = BaselineIndex(settings.before)
    scan = _AfterSide(before, settings)
    after = stream_snapshot(settings.after, scan.start)
    warnings: tuple[str, ...] = ()
    if before.source != after.source:
        warnings = (
            f"{settings.before} was fetched from {before.source} and {settings.after} from "
            f"{after.source}: the drift compares different sources",
        )
    drift = scan.drift()
    gate = decide_gate(GateSettings(fail_on_drift=settings.fail_on_drift), (), drift)
    report = new_report(
        source=f"{settings.before} → {settings.after}",
        assistants=tuple(scan.assistants),
        rules=(),
        violations=(),
        drift=drift,
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


class _AfterSide:
    """The after file as it streams: each record to the drift scan, and who it is."""

    def __init__(self, before: BaselineIndex, settings: DiffSettings) -> None:
        self._before = before
        self._settings = settings.drift
        self._scan: DriftScan | None = None
        self.assistants: list[AssistantRef] = []

    def start(self, header: Mapping[str, Any]) -> Take:
        """A fresh scan for the records that begin now (again, if the reader restarts)."""
        from auditor.drift import DriftScan
        from auditor.snapshot import header_account

        account = header_account(header)
        scan = self._scan = DriftScan(self._before, self._settings, account)
        assistants: list[AssistantRef] = []
        self.assistants = assistants
        add, ref = scan.add, AssistantRef.of

        def take(uuid: str, record: Record, span: Span | None) -> None:
            assistants.append(ref(record, account))
            add(((uuid, record),))

        return take

    def drift(self) -> Drift:
        """The drift of every record taken (the reader always starts a scan first)."""
        assert self._scan is not None
        return self._scan.result()
