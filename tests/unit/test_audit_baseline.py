"""``auditor.audit``: the baseline's findings without checking every baseline record.

An unchanged baseline record has tonight's findings; only the records drift reads back
(changed and removed ones) are checked. Together they must be what checking the whole
baseline gives (SPEC §8), whatever the night changed.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from auditor.audit import AccountAudit, CheckedBaseline
from auditor.drift import DriftScan, SortedRecords
from auditor.model import Listing
from auditor.policy import Evaluation, Evaluator, load_policies
from auditor.sandbox.data import generate_fleet, simulate_drift
from auditor.secretscan import mask_secrets
from auditor.settings import DriftSettings
from auditor.snapshot import (
    SnapshotReader,
    SnapshotRecord,
    mask_listing,
    read_snapshot,
    write_snapshot,
)
from auditor.status import Earlier, Identity, earlier_of


def _write(path: Path, fleet: list[dict[str, Any]]) -> Path:
    listing = Listing("http://api.example", "2026-11-30T03:00:00Z", {r["uuid"]: r for r in fleet})
    write_snapshot(mask_listing(listing), path)
    return path


def _every_record_checked(
    evaluator: Evaluator, path: Path, account: str | None
) -> dict[Identity, Earlier]:
    scan = evaluator.scan(account)
    scan.add([(u, mask_secrets(r)) for u, r in read_snapshot(path).assistants.items()])
    return {v.identity: earlier_of(v) for v in evaluator.result([scan]).violations}


def _audited_in_one_page(
    evaluator: Evaluator, baseline: CheckedBaseline, tonight: list[Any]
) -> tuple[AccountAudit, Evaluation]:
    """Tonight's records audited as one page against ``baseline``, drift finished (so
    the records it reads back have been checked)."""
    audit = AccountAudit(evaluator, None, (baseline, DriftSettings()), None, by_id=True)
    audit.add(1, tonight)
    assert audit.drift is not None
    assert audit.approved is not None
    audit.drift.result()
    return audit, evaluator.result([audit.scan])


def _as_audited(
    evaluator: Evaluator, path: Path, tonight: list[dict[str, Any]], account: str | None
) -> dict[Identity, Earlier]:
    baseline = CheckedBaseline(path, None)
    audit = AccountAudit(evaluator, account, (baseline, DriftSettings()), None, by_id=True)
    for number, start in enumerate(range(0, len(tonight), 7), start=1):
        audit.add(number, tonight[start : start + 7])
    assert audit.drift is not None
    audit.drift.result()
    return _findings(evaluator, audit)


def _as_walked(
    evaluator: Evaluator, path: Path, tonight: list[dict[str, Any]], account: str | None
) -> dict[Identity, Earlier]:
    """``_as_audited`` as ``audit --input tonight --baseline path`` does it: both files
    walked side by side, the baseline's records decoded only where their text differs."""
    night = _write(path.with_name("tonight.json"), tonight)
    with SnapshotReader(path, decode=False) as approved, SnapshotReader(night) as records:
        walked = SortedRecords(approved, account, approved.decoded)
        audit = AccountAudit(evaluator, account, (walked, DriftSettings()), None, by_id=False)
        entries = list(records)
        for start in range(0, len(entries), 7):
            page = entries[start : start + 7]
            audit.add(0, [e.record for e in page], [e.raw for e in page])
        assert audit.drift is not None
        audit.drift.result()
    return _findings(evaluator, audit)


def _findings(evaluator: Evaluator, audit: AccountAudit) -> dict[Identity, Earlier]:
    found = evaluator.result([audit.scan])
    assert audit.approved is not None
    approved = audit.approved
    # the records read back are checked; the others' findings are tonight's
    tonights = {
        v.identity: earlier_of(v) for v in found.violations if approved.unchanged(v.assistant)
    }
    checked = approved.result()
    assert not tonights.keys() & checked.keys()  # each baseline record is one or the other
    return {**checked, **tonights}


def _night(fleet: list[dict[str, Any]], seed: int) -> list[dict[str, Any]]:
    """The fleet after some edits: simulate_drift's, plus random fields broken or fixed."""
    rng = random.Random(seed)
    tonight = [dict(r) for r in simulate_drift(fleet, seed)]
    for record in rng.sample(tonight, k=len(tonight) // 4):
        record[rng.choice(["record", "max_duration", "temperature", "webhook_url"])] = rng.choice(
            [True, False, 5000, 0.5, 9, "http://plain.example", None]
        )
    del tonight[rng.randrange(len(tonight))]
    return tonight


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("account", [None, "north"])
def test_the_baselines_findings_are_those_of_every_record_checked(
    tmp_path: Path, seed: int, account: str | None
) -> None:
    fleet = generate_fleet(60, seed=seed)
    path = _write(tmp_path / "base.json", fleet)
    evaluator = Evaluator(load_policies())
    expected = _every_record_checked(evaluator, path, account)
    assert expected  # the sandbox fleet breaks rules: something to compare
    assert _as_audited(evaluator, path, _night(fleet, seed), account) == expected
    assert _as_walked(evaluator, path, _night(fleet, seed), account) == expected


def test_a_walked_baseline_decodes_only_the_records_that_differ(tmp_path: Path) -> None:
    fleet = generate_fleet(30)
    path = _write(tmp_path / "base.json", fleet)
    tonight = [dict(r) for r in read_snapshot(path).assistants.values()]
    tonight[3]["max_duration"] = 4321
    del tonight[7]
    night = _write(tmp_path / "tonight.json", tonight)
    decoded: list[str] = []
    with SnapshotReader(path, decode=False) as approved, SnapshotReader(night) as records:

        def decode(entry: SnapshotRecord) -> Any:
            decoded.append(entry.uuid)
            return approved.decoded(entry)

        scan = DriftScan(SortedRecords(approved, None, decode), DriftSettings(), None)
        for entry in records:
            scan.add([(entry.uuid, entry.record)], [entry.raw])
        drift = scan.result()
    assert sorted(decoded) == sorted([tonight[3]["uuid"], fleet_uuid(path, 7)])
    assert [c.assistant.uuid for c in drift.changed] == [tonight[3]["uuid"]]
    assert [a.uuid for a in drift.removed] == [fleet_uuid(path, 7)]


def fleet_uuid(path: Path, index: int) -> str:
    return list(read_snapshot(path).assistants)[index]


def test_an_unchanged_fleet_reads_no_baseline_record_back(tmp_path: Path) -> None:
    fleet = generate_fleet(30)
    path = _write(tmp_path / "base.json", fleet)
    evaluator = Evaluator(load_policies())
    tonight = list(read_snapshot(path).assistants.values())
    read: list[str] = []

    class Counting(CheckedBaseline):
        def record(self, uuid: str) -> Any:
            read.append(uuid)
            return super().record(uuid)

    audit, found = _audited_in_one_page(evaluator, Counting(path, None), tonight)
    assert audit.approved is not None
    assert audit.approved.result() == {}
    assert all(audit.approved.unchanged(v.assistant) for v in found.violations)
    assert {v.identity for v in found.violations} == set(
        _every_record_checked(evaluator, path, None)
    )
    assert read == []


@pytest.mark.parametrize("seed", range(3))
def test_new_standing_and_fixed_are_those_against_every_record_checked(
    tmp_path: Path, seed: int
) -> None:
    from auditor.status import compare

    fleet = generate_fleet(60, seed=seed)
    path = _write(tmp_path / "base.json", fleet)
    evaluator = Evaluator(load_policies())
    before = _every_record_checked(evaluator, path, None)
    gone = next(iter(before))[1]  # an assistant with a finding, removed tonight
    tonight = [r for r in _night(fleet, seed) if r["uuid"] != gone]
    audit, found = _audited_in_one_page(evaluator, CheckedBaseline(path, None), tonight)
    assert audit.approved is not None
    rules = [r.id for r in found.rules]
    args = (found.violations, found.waived, found.assistants, rules)
    every = compare(*args, {None: before})
    short = compare(
        *args, {None: audit.approved.result()}, unchanged={None: audit.approved.unchanged}
    )
    assert short == every
    assert {v.status for v in every.violations} == {"new", "standing"}
    assert every.fixed
    assert "removed" in {f.why for f in every.fixed}
