"""`auditor diff A B`: the drift between two snapshot files, no network."""

from __future__ import annotations

from auditor.commands.deliver import finish
from auditor.errors import EXIT_GATE, EXIT_OK
from auditor.model import AssistantRef
from auditor.settings import DiffSettings, GateSettings
from auditor.verdict import decide_gate, new_report


def run(settings: DiffSettings) -> int:
    """Read both snapshots (exit 2 if either is damaged), diff, report; 1 with
    ``--fail-on-drift`` when anything drifted."""
    from auditor.drift import diff_listings
    from auditor.report import check_outputs
    from auditor.snapshot import read_snapshot

    check_outputs(settings.outputs)
    before = read_snapshot(settings.before)
    after = read_snapshot(settings.after)
    drift = diff_listings(before, after, settings.drift)
    warnings: tuple[str, ...] = ()
    if before.source != after.source:
        warnings = (
            f"{settings.before} was fetched from {before.source} and {settings.after} from "
            f"{after.source}: the drift compares different sources",
        )
    gate = decide_gate(GateSettings(fail_on_drift=settings.fail_on_drift), (), drift)
    report = new_report(
        source=f"{settings.before} → {settings.after}",
        assistants=tuple(AssistantRef.of(r, after.account) for r in after.assistants.values()),
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
