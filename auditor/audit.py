"""The nightly run: read the fleet, check the policies, diff the baseline, decide the gate.

``run_audit`` is the one place where the pieces meet, in the order a careful user
expects: everything local (policy files, selections, filters, the baseline) is checked
*before* the first API call, so a typo costs no fetch; then every account is read
(concurrently, each completely or not at all); secrets are masked before anything else
looks at the records; findings and drift go into one ``Report``; the renderers and the
mailer only ever see that report.

The fleet streams through: each page (or each batch of ``--input`` records) is masked,
checked against the rules and compared with the baseline's fingerprints as it arrives
(an ``--input`` file is walked beside its baseline instead, both in uuid order, and
compared by their text), and then let go. What stays is a reference per assistant, the
findings and the drift, so memory does not grow with the records. An account whose
listing turns out incomplete is dropped whole, findings included.

The baseline's own findings (for new, standing and fixed, SPEC §8) are not found by
checking every baseline record again: a baseline record with the fingerprint of
tonight's record *is* tonight's record (same policies, same day), so its findings are
tonight's. Only the records drift reads back from the file, the changed and the
removed ones, are checked.

Exit codes (SPEC §2): 0 no gate tripped, 1 a gate tripped, 3 an account could not be
read completely (the others are still audited and reported). Problems with local input
raise ``ConfigError`` (exit 2) before any network traffic.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from auditor.baseline import BaselineIndex, baseline_file
from auditor.errors import EXIT_FETCH, EXIT_GATE, EXIT_OK, ConfigError, FetchError
from auditor.model import AccountError, AssistantRef, Drift, FixedFinding, Gate, Record, Report
from auditor.settings import ApiSettings, AuditSettings, DriftSettings, GateSettings
from auditor.verdict import decide_gate, new_report, plural, utc_now

if TYPE_CHECKING:
    from auditor.drift import Matched, SortedRecords
    from auditor.frameworks import Framework
    from auditor.history import History
    from auditor.parallel import Checked, CheckSpec, Walked
    from auditor.policy import Evaluation, Evaluator, PolicySet
    from auditor.snapshot import SnapshotRecord
    from auditor.status import Earlier, Identity

_log = logging.getLogger("auditor")
T = TypeVar("T")


@dataclass(frozen=True)
class AuditOutcome:
    """What one run found and the exit code it earns (before any email is sent)."""

    report: Report
    exit_code: int
    history: History | None = None
    """Where the run is to be recorded, after the reports (``record_history``)."""
    read: tuple[str | None, ...] = ()
    """The accounts read completely (the others are in ``report.errors``)."""
    unchecked: tuple[FixedFinding, ...] = ()
    """The findings of the history's last run that this run did not check (a rule not
    in force, an assistant a ``--filter`` left out): recorded as still open."""

    def record_history(self) -> None:
        """Add this run to ``--history`` (one transaction); nothing without one."""
        if self.history is not None:
            self.history.record(self.report, self.read, self.unchecked)


_BATCH = 100
"""Records masked and checked at a time (a page of the API): what the rules ask about a
record is asked while its masking is still remembered (``auditor.secretscan``)."""
_PARALLEL_BATCH = 1000
"""Records a worker is given at a time (a few megabytes of text)."""
_STRETCH_BYTES = 4 << 20
"""About how much of each file a worker reads at a time (``auditor.slices``)."""


class AccountAudit:
    """One account (or ``--input`` file) audited as its pages are pulled.

    Each page is masked, checked against the policies and compared with the baseline,
    and then let go: what is kept is a reference per assistant, the findings and the
    drift. Only an audit whose whole listing arrived is reported.
    """

    def __init__(
        self,
        evaluator: Evaluator,
        account: str | None,
        baseline: tuple[Approved, DriftSettings] | None,
        selected: Callable[[Record], bool] | None,
        *,
        by_id: bool,
    ) -> None:
        from auditor.drift import DriftScan

        self.account = account
        self.scan = evaluator.scan(account, by_id=by_id)
        self.baseline_source: str | None = None
        """Where the baseline was fetched from, once known (a walked one: once walked)."""
        if baseline is not None and isinstance(baseline[0], BaselineIndex):
            self.baseline_source = baseline[0].source
        self.drift = DriftScan(*baseline, account) if baseline is not None else None
        self.approved = ApprovedFindings(evaluator, account, baseline[0]) if baseline else None
        """The baseline's findings, when there is one (its read-back records go here)."""
        if baseline is not None and self.approved is not None:
            baseline[0].read_back = self.approved.add  # this audit's, not an abandoned read's
        self._selected = selected
        self.source = ""
        self.fetched_at = ""

    def add(
        self, page: int, records: Sequence[Record], texts: Sequence[bytes | None] | None = None
    ) -> None:
        """Mask one page of records, check it and compare it with the baseline
        (``texts``: the records' JSON text, for records read from a snapshot file)."""
        from auditor.secretscan import mask_secrets

        masked = [mask_secrets(r) for r in records]
        keyed = list(map(_keyed, masked, records))
        self.scan.add(keyed, page)
        if self.drift is None:
            return
        selected = self._selected
        if selected is not None:
            self.drift.add([(k, r) for k, r in keyed if selected(r)])
        elif texts is None:
            self.drift.add(keyed)
        else:  # a masked record's text is not the file's: no text for it
            self.drift.add(
                keyed,
                [t if m is r else None for m, r, t in zip(masked, records, texts, strict=True)],
            )

    def to_check(
        self, entries: Sequence[SnapshotRecord]
    ) -> tuple[list[tuple[str, bytes]], frozenset[int], list[Matched] | None]:
        """A batch of records known by their text, for ``auditor.parallel``'s workers:
        ``(uuid, text)`` pairs, the indexes whose masked record must come back (those
        whose text is not the baseline's), and the baseline matches (``add_checked``)."""
        from auditor.parallel import Unparallel

        texts = []
        for entry in entries:
            if entry.raw is None:
                raise Unparallel("the file was read whole")
            texts.append((entry.uuid, entry.raw))
        if self.drift is None:
            return texts, frozenset(), None
        matched = self.drift.match([u for u, _ in texts], [t for _, t in texts])
        return texts, frozenset(i for i, m in enumerate(matched) if not m.same), matched

    def add_checked(self, checked: Checked, matched: list[Matched] | None) -> None:
        """A batch as the workers checked it (``to_check`` made it)."""
        from auditor.parallel import Unparallel

        self.scan.add_checked(checked.assistants, checked.seen, checked.found)
        if self.drift is None or matched is None:
            return
        for index, record in checked.records.items():
            if masked_key(record) != matched[index].key:
                raise Unparallel("a uuid was masked")  # drift keys it by its masked form
        self.drift.settle(matched, checked.records)

    def add_walked(self, walked: Walked) -> None:
        """A stretch of the input as a worker read it beside the baseline (``walk``)."""
        checked = walked.checked
        self.scan.add_checked(checked.assistants, checked.seen, checked.found)
        if self.drift is not None:
            from auditor.drift import ADDED

            records = checked.records
            self.drift.walked(
                (
                    (masked_key(records[i]), records[i], ADDED if before is None else before)
                    for i, before in walked.differing
                ),
                walked.passed,
            )


def masked_pair(record: Record) -> tuple[str, Record]:
    """``(masked uuid, masked record)`` of a record as read."""
    from auditor.secretscan import mask_secrets

    return _keyed(mask_secrets(record), record)


def masked_key(record: Record) -> str:
    """The key drift knows a masked record by."""
    return _keyed(record, record)[0]


def _keyed(masked: Record, record: Record) -> tuple[str, Record]:
    """``(masked uuid, masked record)``: a string uuid was masked with the record."""
    uuid = masked.get("uuid") if type(masked) is dict else None
    if type(uuid) is str:
        return uuid, masked
    from auditor.secretscan import mask_secrets

    return mask_secrets(str(record["uuid"])), masked


class CheckedBaseline(BaselineIndex):
    """A baseline index whose records, as drift reads them back from the file, go to
    the policies too (``read_back``): drift reads back exactly the records that are not
    tonight's, the changed and the removed ones."""

    def __init__(self, path: Path, selected: Callable[[Record], bool] | None) -> None:
        super().__init__(path, selected)  # --filter: drift of the selected only
        self.read_back: Callable[[str, Record], None] | None = None

    def record(self, uuid: str) -> Record:
        record = super().record(uuid)
        if self.read_back is not None:
            self.read_back(uuid, record)
        return record


if TYPE_CHECKING:
    Approved = CheckedBaseline | SortedRecords
"""The baseline of an audit: held as fingerprints, or (``--input``, both files in uuid
order) walked beside the input; either hands drift's read-back records to ``read_back``."""


class ApprovedFindings:
    """The baseline's violations (the same policies, selection, filters and waivers,
    SPEC §8) by identity, from the records that differ from tonight's and from tonight's
    findings for the rest."""

    def __init__(
        self, evaluator: Evaluator, account: str | None, index: BaselineIndex | SortedRecords
    ) -> None:
        self._evaluator = evaluator
        self._account = account
        self._index = index
        self._scan = evaluator.scan(account)
        self._checked: set[str] = set()
        self._batch: list[tuple[str, Record]] = []

    def add(self, uuid: str, record: Record) -> None:
        """Check one approved record read back from the file (masked, as tonight's are)."""
        from auditor.secretscan import mask_secrets

        if uuid in self._checked:
            return
        self._checked.add(uuid)
        self._batch.append((uuid, mask_secrets(record)))
        if len(self._batch) >= _BATCH:
            self._scan.add(self._batch)
            self._batch = []

    def result(self) -> dict[Identity, Earlier]:
        """The findings of the baseline records that are not tonight's (the others'
        are tonight's: ``unchanged``). To be called once drift has its result (it reads
        the removed records back)."""
        from auditor.status import earlier_of

        self._scan.add(self._batch)
        self._batch = []
        return {v.identity: earlier_of(v) for v in self._evaluator.result([self._scan]).violations}

    def unchanged(self, assistant: AssistantRef) -> bool:
        """Whether the assistant is on the baseline just as tonight (so are its findings)."""
        return assistant.uuid in self._index and assistant.uuid not in self._checked


@dataclass(frozen=True)
class FleetRead:
    """The accounts read completely, each audited, and those that could not be."""

    audits: tuple[AccountAudit, ...]
    errors: tuple[AccountError, ...]


def run_audit(settings: AuditSettings) -> AuditOutcome:
    """Do the whole audit described by ``settings`` and return the report and exit code.

    Raises ``ConfigError`` (exit 2) for bad local input and ``FetchError`` (exit 3) when
    the only account could not be read; with several accounts a failing one is recorded
    in the report instead, and the outcome's exit code is 3.
    """
    from auditor.frameworks import COMPLIANCE_PACK
    from auditor.policy import Evaluator, load_policies, parse_filters

    frameworks = _frameworks(settings)  # an unknown id: exit 2 before reading anything
    policy_paths = settings.policies or ((COMPLIANCE_PACK,) if frameworks else ())
    policy_set = load_policies(policy_paths)
    # unknown rule ids and bad --filter expressions: exit 2 now, before any request
    select = _framework_select(settings, policy_set, frameworks)
    evaluator = Evaluator(
        policy_set, select=select, ignore=settings.ignore, filters=settings.filters
    )
    _check_rules_for_gate(settings.gate, evaluator)
    history = None
    if settings.history is not None:  # a damaged or foreign file: exit 2 before any request
        from auditor.history import open_history

        history = open_history(settings.history)
    selected = parse_filters(settings.filters) if settings.filters else None
    beside = settings.input is not None and settings.baseline is not None and selected is None
    baselines = None
    if settings.baseline is not None and not beside:
        baselines = _read_baselines(settings, selected)
    drift_settings = DriftSettings(
        ignore_fields=_union(settings.drift.ignore_fields, policy_set.drift_ignore_fields),
        unordered_lists=_union(settings.drift.unordered_lists, policy_set.drift_unordered_lists),
        scoped=(*settings.drift.scoped, *policy_set.drift_scoped),
    )

    def begin_audit(
        account: str | None, *, by_id: bool, baseline: Approved | None = None
    ) -> AccountAudit:
        if baseline is None:  # not `or`: an empty baseline index is falsy
            baseline = _baseline_for(baselines, account)
        against = (baseline, drift_settings) if baseline is not None else None
        return AccountAudit(evaluator, account, against, selected, by_id=by_id)

    # No pause of the cyclic GC here (fetch_listing has one): what stays of a page is a
    # few small objects per assistant, so collections stay cheap, and garbage in a cycle
    # (a retried request's exception, say) is collected instead of piling up.
    if settings.input is not None:
        from auditor.parallel import CheckSpec

        rules = tuple(rule.info for rule in evaluator.rules)
        spec = CheckSpec(policy_paths, select, settings.ignore, evaluator.today, None, rules)
        fleet = FleetRead((_audit_input(settings, begin_audit, spec),), ())
    else:
        fleet = _read_fleet(settings, begin_audit)
    return _build(settings, evaluator, fleet, history)


def _frameworks(settings: AuditSettings) -> tuple[Framework, ...]:
    """The frameworks of ``--framework`` (``ConfigError`` for an unknown id)."""
    from auditor.frameworks import get

    return tuple(get(f) for f in dict.fromkeys(settings.frameworks))


def _framework_select(
    settings: AuditSettings, policy_set: PolicySet, frameworks: Sequence[Framework]
) -> tuple[str, ...]:
    """``--select`` narrowed to the rules mapped to ``--framework`` (all of them, even
    ``enabled: false`` ones, when there is no ``--select``)."""
    if not frameworks:
        return settings.select
    from auditor.frameworks import mapped_rules

    mapped = mapped_rules(frameworks, (r.info for r in policy_set.rules))
    if settings.select:
        chosen = {r.id for r in policy_set.selected(settings.select)}
        mapped = tuple(i for i in mapped if i in chosen)
    if not mapped:
        names = ", ".join(f.id for f in frameworks)
        raise ConfigError(
            f"--framework {names}: no rule of the policies (and --select) checks it, so "
            f"every requirement is a manual control; see auditor framework show "
            f"{frameworks[0].id}, or include builtin:voice-compliance in your policies"
        )
    return mapped


def _build(
    settings: AuditSettings,
    evaluator: Evaluator,
    fleet: FleetRead,
    history: History | None = None,
) -> AuditOutcome:
    from auditor.drift import merge_drifts
    from auditor.frameworks import in_force, score
    from auditor.policy.waivers import review

    audits = fleet.audits
    now = utc_now()
    tonight = evaluator.result([audit.scan for audit in audits])
    warnings = list(tonight.warnings)
    drift: Drift | None = None
    approved: dict[str | None, ApprovedFindings] | None = None
    if settings.baseline is not None:
        drifts: list[Drift] = []
        approved = {}
        for audit in audits:
            if audit.drift is None or audit.baseline_source is None or audit.approved is None:
                continue
            drifts.append(audit.drift.result())  # reads the removed records back
            if audit.baseline_source != audit.source:
                warnings.append(
                    f"the baseline{_of(audit.account)} was fetched from {audit.baseline_source}, "
                    f"the fleet from {audit.source}: drift compares different sources"
                )
            approved[audit.account] = audit.approved
        drift = merge_drifts(drifts)
    read = tuple(audit.account for audit in audits)
    evaluation, fixed, unchecked = _with_status(
        tonight, read, history, approved, now, narrowed=bool(settings.filters)
    )
    if not fleet.errors:
        _check_assistants_for_gate(settings, evaluation)
    gate = decide_gate(settings.gate, evaluation.violations, drift)
    if fleet.errors and (
        settings.gate.fail_on_violation or settings.gate.fail_on_drift or settings.gate.fail_on_new
    ):
        # fail closed: a gate cannot pass over assistants it never saw
        unread = ", ".join(str(e.account) for e in fleet.errors)
        reason = f"{plural(len(fleet.errors), 'account')} could not be read ({unread})"
        gate = Gate(True, f"{gate.reason}; {reason}" if gate.failed else reason)
    report = new_report(
        generated_at=now,
        source=_source(settings, audits),
        assistants=evaluation.assistants,
        rules=evaluation.rules,
        violations=evaluation.violations,
        waived=evaluation.waived,
        drift=drift,
        gate=gate,
        warnings=tuple(warnings),
        errors=fleet.errors,
        baseline=str(settings.baseline) if settings.baseline is not None else None,
        fixed=fixed,
        frameworks=score(
            _frameworks(settings) or in_force(evaluation.rules),
            evaluation.rules,
            evaluation.violations,
        ),
        waiver_notes=review(
            evaluator.waivers,
            evaluation.assistants,
            evaluator.today,
            whole_fleet=not settings.filters and not fleet.errors,
        ),
    )
    if history is not None:
        from auditor.history import TREND_RUNS, run_summary

        trend = (*history.runs(last=TREND_RUNS - 1), run_summary(report))
        report = replace(report, trend=trend)
    code = EXIT_FETCH if fleet.errors else EXIT_GATE if gate.failed else EXIT_OK
    return AuditOutcome(report, code, history, read, unchecked)


def _with_status(
    evaluation: Evaluation,
    read: Sequence[str | None],
    history: History | None,
    approved: Mapping[str | None, ApprovedFindings] | None,
    now: str,
    *,
    narrowed: bool,
) -> tuple[Evaluation, tuple[FixedFinding, ...] | None, tuple[FixedFinding, ...]]:
    """New, standing and fixed against the baseline's findings (``approved``, per account
    read), or else against the last run of the history that read each account (SPEC §8);
    and the history's findings that this run did not check (``not_checked``)."""
    from auditor.status import Earlier, compare, gone

    past: dict[str | None, dict[Identity, Earlier]] = {}
    if history is not None:
        for account, last in history.last_runs(read).items():
            past[account] = {
                identity: Earlier(
                    FixedFinding(f.rule, f.severity, f.assistant, f.path, ""), f.first_seen
                )
                for identity, f in last.findings.items()
            }
    rules = [rule.id for rule in evaluation.rules]
    compared = compare(
        evaluation.violations,
        evaluation.waived,
        evaluation.assistants,
        rules,
        past if approved is None else {a: found.result() for a, found in approved.items()},
        first_seen=past if history is not None else None,
        now=now,
        unchanged=None if approved is None else {a: f.unchanged for a, f in approved.items()},
        narrowed=narrowed,
    )
    from_history = compared.fixed if approved is None else ()
    if approved is not None and past:  # the status came from the baseline: ask the history
        present = {v.identity for v in evaluation.violations}
        from_history = gone(
            past, present, (), evaluation.assistants, rules, narrowed=narrowed, unchecked_only=True
        )
    unchecked = tuple(f for f in from_history or () if f.why == "not_checked")
    return replace(evaluation, violations=compared.violations), compared.fixed, unchecked


def _union(first: Sequence[str], second: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys([*first, *second]))


# -- reading -----------------------------------------------------------------------------

BeginAudit = Callable[..., AccountAudit]
"""``begin_audit(account, by_id=...)``: a fresh audit of one account (or input file)."""


def _read_fleet(settings: AuditSettings, begin_audit: BeginAudit) -> FleetRead:
    """Every account read and audited, page by page."""
    accounts = settings.accounts
    if len(accounts) == 1:
        return FleetRead((_audit_account(accounts[0], begin_audit),), ())
    from auditor.background import completed

    # Daemon threads (auditor.background): Ctrl-C does not wait for a hung account.
    calls = [partial(_audit_or_error, account, begin_audit) for account in accounts]
    outcomes = dict(completed(calls, len(accounts), name="account"))
    audits: list[AccountAudit] = []
    errors: list[AccountError] = []
    for index, account in enumerate(accounts):
        outcome = outcomes[index]
        if isinstance(outcome, FetchError):
            # said once, with the report (commands.deliver); here only for -v
            _log.info("account %s could not be read: %s", account.account, outcome.message)
            errors.append(AccountError(account.account, outcome.message))
        else:
            audits.append(outcome)
    return FleetRead(tuple(audits), tuple(errors))


def _audit_or_error(account: ApiSettings, begin_audit: BeginAudit) -> AccountAudit | FetchError:
    """One account's audit, or the reason it could not be read (other accounts go on)."""
    try:
        return _audit_account(account, begin_audit)
    except FetchError as exc:
        return exc


def _audit_account(account: ApiSettings, begin_audit: BeginAudit) -> AccountAudit:
    from auditor.api import ApiClient

    with ApiClient(account) as client:

        def read() -> AccountAudit:  # afresh each time: a read the fleet changed under is dropped
            audit = begin_audit(account.account, by_id=True)
            with client.pages(progress=account.progress) as pages:
                for page in pages:
                    audit.add(page.number, page.records)
            audit.fetched_at = pages.fetched_at
            return audit

        audit = client.consistently(read)
        audit.source = client.base_url
    return audit


def _audit_input(settings: AuditSettings, begin_audit: BeginAudit, spec: CheckSpec) -> AccountAudit:
    """The ``--input`` snapshot audited, with its baseline, if any.

    Without ``--filter``, a baseline file is walked beside the input (both are in uuid
    order as auditor writes them): no index of it is built, and a record whose text is
    the input's is never decoded. Anything that walk cannot take (a file in another
    order or layout, or a damaged one) is read again with the baseline indexed first,
    which takes any order and names what is wrong.
    """
    assert settings.input is not None
    workers = _workers(settings, spec)
    path = None  # --filter, or no baseline: none walked beside the input
    if settings.baseline is not None and not settings.filters:
        path = _existing_baseline(settings.baseline, None)
    if workers is not None:
        from auditor.parallel import Unparallel
        from auditor.slices import Unsliced

        try:
            return _read_sliced(settings.input, path, begin_audit, *workers)
        except Unsliced as why:  # another layout: the main process reads it for the workers
            _log.info("%s is not cut in stretches: %s", settings.input, why)
        except Unparallel as why:  # a record a worker could not take: one process says why
            _log.info("%s is read again in one process: %s", settings.input, why)
            workers = None
    read = partial(_read_input, settings.input, workers=workers)
    if path is None:
        return read(begin_audit)
    from auditor.drift import OutOfOrder, SortedRecords
    from auditor.errors import SnapshotError
    from auditor.snapshot import ReadWhole, SnapshotReader, header_account

    try:
        with SnapshotReader(path, decode=False) as approved:
            walked = SortedRecords(approved, header_account(approved.header), approved.decoded)
            audit = read(partial(begin_audit, baseline=walked))
            walked.rest()  # read to the end: the file's own checks come last
            audit.baseline_source = approved.listing.source
            return audit
    except (OutOfOrder, ReadWhole, SnapshotError):
        pass
    checked = CheckedBaseline(path, None)
    return read(partial(begin_audit, baseline=checked), workers=None)


def _workers(settings: AuditSettings, spec: CheckSpec) -> tuple[CheckSpec, int] | None:
    """The workers for the ``--input`` file, if it is worth any (``--jobs``)."""
    from auditor.parallel import PARALLEL_BYTES, workers

    assert settings.input is not None
    jobs = workers(settings.jobs)
    try:
        big = settings.input.stat().st_size >= PARALLEL_BYTES
    except OSError:
        big = False  # the reader says what is wrong with it
    return (spec, jobs) if jobs > 1 and big and not settings.filters else None


def _read_input(
    path: Path, begin_audit: BeginAudit, workers: tuple[CheckSpec, int] | None = None
) -> AccountAudit:
    """The ``--input`` snapshot, audited a batch of records at a time (in file order),
    by ``workers`` when given (in one process if they give up)."""
    from auditor.snapshot import ReadWhole, SnapshotReader, header_account

    if workers is not None:
        from auditor.parallel import Unparallel

        try:
            return _read_in_parallel(path, begin_audit, *workers)
        except Unparallel as why:
            _log.info("%s is read again in one process: %s", path, why)

    with SnapshotReader(path) as snapshot:
        audit = begin_audit(header_account(snapshot.header), by_id=False)
        try:
            for batch in _batches(snapshot):
                audit.add(0, [e.record for e in batch], [e.raw for e in batch])
            listing = snapshot.listing
        except ReadWhole as whole:  # an odd layout, found out late: the file read whole
            listing = whole.listing
            audit = begin_audit(listing.account, by_id=False)
            for records in _batches(listing.assistants.values()):
                audit.add(0, records)
    audit.source, audit.fetched_at = listing.source, listing.fetched_at
    return audit


def _read_in_parallel(
    path: Path, begin_audit: BeginAudit, spec: CheckSpec, jobs: int
) -> AccountAudit:
    """``_read_input`` with the records checked by ``jobs`` worker processes."""
    from auditor.parallel import CheckPool, Unparallel
    from auditor.snapshot import ReadWhole, SnapshotReader, header_account

    with SnapshotReader(path, decode=False) as snapshot:
        account = header_account(snapshot.header)
        audit = begin_audit(account, by_id=False)
        with CheckPool(spec._replace(account=account), jobs) as pool:
            try:
                batches = map(audit.to_check, _batches(snapshot, _PARALLEL_BATCH))
                for checked, matched in pool.checked(batches):
                    audit.add_checked(checked, matched)
                listing = snapshot.listing
            except ReadWhole:
                raise Unparallel("the file is laid out in another way") from None
    audit.source, audit.fetched_at = listing.source, listing.fetched_at
    return audit


def _read_sliced(
    path: Path, baseline: Path | None, begin_audit: BeginAudit, spec: CheckSpec, jobs: int
) -> AccountAudit:
    """``_audit_input`` by ``jobs`` workers that each read a stretch of uuids from both
    files themselves (``auditor.slices``): the main process reads neither file."""
    from auditor.drift import SortedRecords
    from auditor.parallel import CheckPool
    from auditor.slices import layout, ranges
    from auditor.snapshot import header_account

    fleet = layout(path)
    approved = layout(baseline) if baseline is not None else None
    stretches = ranges(fleet, approved, _STRETCH_BYTES)
    account = header_account(fleet.fields)
    walked = None
    if approved is not None:
        walked = SortedRecords((), header_account(approved.fields))
    audit = begin_audit(account, by_id=False, baseline=walked)
    count = approved_count = 0
    with CheckPool(spec._replace(account=account), jobs) as pool:
        for stretch in pool.walked(stretches):
            audit.add_walked(stretch)
            count += stretch.fleet_count
            approved_count += stretch.approved_count
    listing = fleet.listing(count)
    audit.source, audit.fetched_at = listing.source, listing.fetched_at
    if approved is not None:
        audit.baseline_source = approved.listing(approved_count).source
    return audit


def _batches(items: Iterable[T], size: int = 0) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (``_BATCH``)."""
    remaining = iter(items)
    while batch := list(islice(remaining, size or _BATCH)):
        yield batch


def _read_baselines(
    settings: AuditSettings, selected: Callable[[Record], bool] | None
) -> dict[str | None, CheckedBaseline]:
    """Every account's approved snapshot, read and checked before any fetch."""
    assert settings.baseline is not None
    baseline = settings.baseline
    names = [a.account for a in settings.accounts] if settings.input is None else [None]
    if len(names) > 1 and baseline.is_file():
        raise ConfigError(
            f"with several accounts the baseline must be a folder holding one <account>.json "
            f"per account, and {baseline} is a file; approve into a folder: "
            f"auditor snapshot approve -o {baseline.with_suffix('')}/"
        )
    return {name: CheckedBaseline(_existing_baseline(baseline, name), selected) for name in names}


def _existing_baseline(baseline: Path, account: str | None) -> Path:
    """The file of ``account``'s baseline (``ConfigError`` when there is none)."""
    path = baseline_file(baseline, account)
    if not path.exists():
        named = f" for account {account}" if account else ""
        approve = f" --account {account}" if account else ""
        raise ConfigError(
            f"no baseline{named} at {path}; approve one first: "
            f"auditor snapshot approve{approve} -o {path}"
        )
    return path


def _baseline_for(
    baselines: dict[str | None, CheckedBaseline] | None, account: str | None
) -> CheckedBaseline | None:
    """The baseline an account's fleet is compared with (a lone one fits any account)."""
    if not baselines:
        return None
    found = baselines.get(account)
    if found is None and len(baselines) == 1:
        found = next(iter(baselines.values()))
    return found


# -- drift and gate ----------------------------------------------------------------------


def _of(account: str | None) -> str:
    return f" of account {account}" if account else ""


def _violation_gate(gate: GateSettings) -> str | None:
    """The option that gates on violations, if one is on (``None`` otherwise)."""
    if gate.fail_on_violation:
        return "--fail-on-violation"
    if gate.fail_on_new:
        return "--fail-on-new"
    return None


def _check_rules_for_gate(gate: GateSettings, evaluator: Evaluator) -> None:
    """A gate on violations over no rule would pass whatever the fleet: exit 2, before
    any request. (A drift gate needs no rule.)"""
    option = _violation_gate(gate)
    if option is not None and not evaluator.rules:
        raise ConfigError(
            f"{option}: no rule is in force (the policies define none, or --select/--ignore "
            "left none), so the gate could not fail; add rules or change the selection"
        )


def _check_assistants_for_gate(settings: AuditSettings, evaluation: Evaluation) -> None:
    """A gate on violations over a ``--filter`` that kept no assistant would pass
    whatever the fleet: exit 2. An account that really has no assistant passes."""
    option = _violation_gate(settings.gate)
    if option is None or not settings.filters or not evaluation.seen or evaluation.assistants:
        return
    from auditor.policy.operators import did_you_mean

    why = ""
    absent = evaluation.absent_filter_fields
    if absent:
        names = ", ".join(repr(f) for f in absent)
        hint = did_you_mean(absent[0], evaluation.known_fields)
        why = f" (no assistant has a field {names}{hint})"
    raise ConfigError(
        f"{option}: --filter {' '.join(settings.filters)} matched none of the "
        f"{plural(evaluation.seen, 'assistant')} read{why}, so the gate could not fail; "
        "fix the filter"
    )


def _source(settings: AuditSettings, audits: Sequence[AccountAudit]) -> str:
    if settings.input is not None:
        return audits[0].source if audits else str(settings.input)
    if len(settings.accounts) == 1:
        return settings.accounts[0].base_url
    return ", ".join(f"{a.account}={a.base_url}" for a in settings.accounts)
