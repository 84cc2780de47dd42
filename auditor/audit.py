"""The nightly run: read the fleet, check the policies, diff the baseline, decide the gate.

``run_audit`` is the one place where the pieces meet, in the order a careful user
expects: everything local (policy files, selections, filters, the baseline) is checked
*before* the first API call, so a typo costs no fetch; then every account is read
(concurrently, each completely or not at all); secrets are masked before anything else
looks at the records; findings and drift go into one ``Report``; the renderers and the
mailer only ever see that report.

The fleet streams through: each page (or each 500 records of ``--input``) is masked,
checked against the rules and compared with the baseline's fingerprints as it arrives,
and then let go. What stays is a reference per assistant, the findings and the drift,
so memory does not grow with the records: 100,000 assistants audit in about 140 MB. An
account whose listing turns out incomplete is dropped whole, findings included.

Exit codes (SPEC §2): 0 no gate tripped, 1 a gate tripped, 3 an account could not be
read completely (the others are still audited and reported). Problems with local input
raise ``ConfigError`` (exit 2) before any network traffic.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor.baseline import baseline_file
from auditor.errors import EXIT_FETCH, EXIT_GATE, EXIT_OK, ConfigError, FetchError
from auditor.model import AccountError, Drift, FixedFinding, Gate, Record, Report
from auditor.settings import ApiSettings, AuditSettings, DriftSettings, GateSettings
from auditor.verdict import decide_gate, new_report, plural, utc_now

if TYPE_CHECKING:
    from auditor.baseline import BaselineIndex
    from auditor.frameworks import Framework
    from auditor.history import History
    from auditor.policy import Evaluation, Evaluator, PolicySet
    from auditor.snapshot import Span, Take
    from auditor.status import Earlier, Identity

_log = logging.getLogger("auditor")


@dataclass(frozen=True)
class AuditOutcome:
    """What one run found and the exit code it earns (before any email is sent)."""

    report: Report
    exit_code: int
    history: History | None = None
    """Where the run is to be recorded, after the reports (``record_history``)."""
    read: tuple[str | None, ...] = ()
    """The accounts read completely (the others are in ``report.errors``)."""

    def record_history(self) -> None:
        """Add this run to ``--history`` (one transaction); nothing without one."""
        if self.history is not None:
            self.history.record(self.report, self.read)


class _Run:
    """One account (or ``--input`` file) audited as its records stream past.

    Each page is masked, checked against the policies and compared with the baseline,
    and then let go: what is kept is a reference per assistant, the findings and the
    drift. Only a run whose whole listing arrived is reported.
    """

    def __init__(
        self,
        evaluator: Evaluator,
        account: str | None,
        drift: tuple[BaselineIndex, DriftSettings] | None,
        keep: Callable[[Record], bool] | None,
        *,
        by_id: bool,
    ) -> None:
        from auditor.drift import DriftScan

        self.account = account
        self.scan = evaluator.scan(account, by_id=by_id)
        self.baseline = drift[0] if drift is not None else None
        self.drift = DriftScan(drift[0], drift[1], account) if drift is not None else None
        self._keep = keep
        self.source = ""
        self.fetched_at = ""

    def take(self, page: int, records: Sequence[Record]) -> None:
        from auditor.secretscan import mask_secrets

        masked = [(mask_secrets(str(r["uuid"])), mask_secrets(r)) for r in records]
        self.scan.add(masked, page)
        if self.drift is not None:
            keep = self._keep
            self.drift.add(masked if keep is None else [(k, r) for k, r in masked if keep(r)])


@dataclass(frozen=True)
class _Fetched:
    runs: tuple[_Run, ...]
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
    policy_set = load_policies(settings.policies or ((COMPLIANCE_PACK,) if frameworks else ()))
    # unknown rule ids and bad --filter expressions: exit 2 now, before any request
    evaluator = Evaluator(
        policy_set,
        select=_framework_select(settings, policy_set, frameworks),
        ignore=settings.ignore,
        filters=settings.filters,
    )
    _check_rules_for_gate(settings.gate, evaluator)
    history = None
    if settings.history is not None:  # a damaged or foreign file: exit 2 before any request
        from auditor.history import open_history

        history = open_history(settings.history)
    keep = parse_filters(settings.filters) if settings.filters else None
    # the policies are applied to the baseline's records as they are read (SPEC §8)
    on_baseline: dict[str | None, dict[Identity, Earlier]] = {}
    baselines = (
        _read_baselines(settings, keep, (evaluator, on_baseline))
        if settings.baseline is not None
        else None
    )
    drift_settings = DriftSettings(
        ignore_fields=_union(settings.drift.ignore_fields, policy_set.drift_ignore_fields),
        unordered_lists=_union(settings.drift.unordered_lists, policy_set.drift_unordered_lists),
        scoped=(*settings.drift.scoped, *policy_set.drift_scoped),
    )

    def start(account: str | None, *, by_id: bool) -> _Run:
        baseline = _baseline_for(baselines, account)
        drift = (baseline, drift_settings) if baseline is not None else None
        return _Run(evaluator, account, drift, keep, by_id=by_id)

    # No pause of the cyclic GC here (fetch_listing has one): what stays of a page is a
    # few small objects per assistant, so collections stay cheap, and garbage in a cycle
    # (a retried request's exception, say) is collected instead of piling up.
    fetched = _read_fleet(settings, start)
    return _build(settings, evaluator, fetched, history, on_baseline)


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
    fetched: _Fetched,
    history: History | None = None,
    on_baseline: Mapping[str | None, Mapping[Identity, Earlier]] | None = None,
) -> AuditOutcome:
    from auditor.drift import merge_drifts
    from auditor.frameworks import in_force, score
    from auditor.policy.waivers import review

    runs = fetched.runs
    now = utc_now()
    evaluation, fixed = _with_status(
        evaluator.result([run.scan for run in runs]),
        settings,
        [run.account for run in runs],
        history,
        on_baseline or {},
        now,
    )
    warnings = list(evaluation.warnings)
    drift: Drift | None = None
    if settings.baseline is not None:
        drifts: list[Drift] = []
        for run in runs:
            if run.drift is None or run.baseline is None:
                continue
            if run.baseline.source != run.source:
                warnings.append(
                    f"the baseline{_of(run.account)} was fetched from {run.baseline.source}, "
                    f"the fleet from {run.source}: drift compares different sources"
                )
            drifts.append(run.drift.result())
        drift = merge_drifts(drifts)
    if not fetched.errors:
        _check_assistants_for_gate(settings, evaluation)
    gate = decide_gate(settings.gate, evaluation.violations, drift)
    if fetched.errors and (
        settings.gate.fail_on_violation or settings.gate.fail_on_drift or settings.gate.fail_on_new
    ):
        # fail closed: a gate cannot pass over assistants it never saw
        unread = ", ".join(str(e.account) for e in fetched.errors)
        reason = f"{plural(len(fetched.errors), 'account')} could not be read ({unread})"
        gate = Gate(True, f"{gate.reason}; {reason}" if gate.failed else reason)
    report = new_report(
        generated_at=now,
        source=_source(settings, runs, fetched.errors),
        assistants=evaluation.assistants,
        rules=evaluation.rules,
        violations=evaluation.violations,
        waived=evaluation.waived,
        drift=drift,
        gate=gate,
        warnings=tuple(warnings),
        errors=fetched.errors,
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
            whole_fleet=not settings.filters and not fetched.errors,
        ),
    )
    if history is not None:
        from auditor.history import TREND_RUNS, run_summary

        trend = (*history.runs(last=TREND_RUNS - 1), run_summary(report))
        report = replace(report, trend=trend)
    code = EXIT_FETCH if fetched.errors else EXIT_GATE if gate.failed else EXIT_OK
    read = tuple(run.account for run in runs)
    return AuditOutcome(report, code, history, read)


def _with_status(
    evaluation: Evaluation,
    settings: AuditSettings,
    read: Sequence[str | None],
    history: History | None,
    on_baseline: Mapping[str | None, Mapping[Identity, Earlier]],
    now: str,
) -> tuple[Evaluation, tuple[FixedFinding, ...] | None]:
    """New, standing and fixed against the baseline's findings, or else against the last
    run of the history that read each account (SPEC §8)."""
    from auditor.status import Earlier, compare

    past: dict[str | None, dict[Identity, Earlier]] = {}
    if history is not None:
        for account, last in history.last_runs(read).items():
            past[account] = {
                identity: Earlier(f.rule, f.severity, f.assistant, f.path, "", f.first_seen)
                for identity, f in last.findings.items()
            }
    earlier: dict[str | None, dict[Identity, Earlier]] = {}
    if settings.baseline is not None:
        for account in read:
            found = on_baseline.get(account)
            if found is None and len(on_baseline) == 1:
                found = next(iter(on_baseline.values()))
            if found is not None:
                earlier[account] = {
                    (account, *identity[1:]): Earlier(
                        e.rule, e.severity, e.assistant._replace(account=account), e.path, e.message
                    )
                    for identity, e in found.items()
                }
    else:
        earlier = past
    compared = compare(
        evaluation.violations,
        evaluation.waived,
        evaluation.assistants,
        [rule.id for rule in evaluation.rules],
        earlier,
        first_seen=past if history is not None else None,
        now=now,
    )
    return replace(evaluation, violations=compared.violations), compared.fixed


def _union(first: Sequence[str], second: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys([*first, *second]))


# -- reading -----------------------------------------------------------------------------

_Start = Callable[..., _Run]


def _read_fleet(settings: AuditSettings, start: _Start) -> _Fetched:
    """Every account (or the ``--input`` file) read and audited, page by page."""
    if settings.input is not None:
        return _Fetched((_read_input(settings.input, start),), ())
    accounts = settings.accounts
    if len(accounts) == 1:
        return _Fetched((_audit_account(accounts[0], start),), ())
    from auditor.background import completed

    # Daemon threads (auditor.background): Ctrl-C does not wait for a hung account.
    calls = [partial(_audit_or_error, account, start) for account in accounts]
    outcomes = dict(completed(calls, len(accounts), name="account"))
    runs: list[_Run] = []
    errors: list[AccountError] = []
    for index, account in enumerate(accounts):
        outcome = outcomes[index]
        if isinstance(outcome, FetchError):
            # said once, with the report (commands.deliver); here only for -v
            _log.info("account %s could not be read: %s", account.account, outcome.message)
            errors.append(AccountError(account.account, outcome.message))
        else:
            runs.append(outcome)
    return _Fetched(tuple(runs), tuple(errors))


def _audit_or_error(account: ApiSettings, start: _Start) -> _Run | FetchError:
    """One account's run, or the reason it could not be read (other accounts go on)."""
    try:
        return _audit_account(account, start)
    except FetchError as exc:
        return exc


def _audit_account(account: ApiSettings, start: _Start) -> _Run:
    from auditor.api import ApiClient

    with ApiClient(account) as client:

        def read() -> _Run:  # afresh each time: a read the fleet changed under is dropped
            run = start(account.account, by_id=True)
            run.fetched_at = client.stream(run.take, progress=account.progress)
            return run

        run = client.consistently(read)
        run.source = client.base_url
    return run


_INPUT_BATCH = 500


def _read_input(path: Path, start: _Start) -> _Run:
    """The ``--input`` snapshot, audited record by record (in file order)."""
    from auditor.snapshot import header_account, stream_snapshot

    runs: list[_Run] = []
    batch: list[Record] = []

    def begin(header: Mapping[str, Any]) -> Take:
        run = start(header_account(header), by_id=False)
        runs.append(run)
        batch.clear()

        def take(uuid: str, record: Record, span: Span | None) -> None:
            batch.append(record)
            if len(batch) >= _INPUT_BATCH:
                run.take(0, batch)
                batch.clear()

        return take

    header = stream_snapshot(path, begin)
    run = runs[-1]
    run.take(0, batch)
    run.source, run.fetched_at = header.source, header.fetched_at
    return run


def _read_baselines(
    settings: AuditSettings,
    keep: Callable[[Record], bool] | None,
    check: tuple[Evaluator, dict[str | None, dict[Identity, Earlier]]] | None = None,
) -> dict[str | None, BaselineIndex]:
    """Every account's approved snapshot, read and checked before any fetch.

    With ``check`` (an evaluator and where to put what it finds), the policies are
    applied to each baseline's records as they are read: its findings, per account.
    """
    from auditor.baseline import BaselineIndex

    assert settings.baseline is not None
    baseline = settings.baseline
    names = [a.account for a in settings.accounts] if settings.input is None else [None]
    if len(names) > 1 and baseline.is_file():
        raise ConfigError(
            f"with several accounts the baseline must be a folder holding one <account>.json "
            f"per account, and {baseline} is a file; approve into a folder: "
            f"auditor snapshot approve -o {baseline.with_suffix('')}/"
        )
    found: dict[str | None, BaselineIndex] = {}
    for name in names:
        path = baseline_file(baseline, name)
        if not path.exists():
            account = f" for account {name}" if name else ""
            approve = f" --account {name}" if name else ""
            raise ConfigError(
                f"no baseline{account} at {path}; approve one first: "
                f"auditor snapshot approve{approve} -o {path}"
            )
        if check is None:
            found[name] = BaselineIndex(path, keep)  # --filter: drift of the selected only
            continue
        checker = _BaselineCheck(check[0], name)
        found[name] = BaselineIndex(path, keep, also=checker.begin)
        check[1][name] = checker.findings()
    return found


class _BaselineCheck:
    """The policies (same selection, filters and waivers) applied to a baseline's
    records as ``BaselineIndex`` streams them: only the findings are kept."""

    def __init__(self, evaluator: Evaluator, account: str | None) -> None:
        self._evaluator = evaluator
        self._account = account
        self._scan = evaluator.scan(account)
        self._batch: list[tuple[str, Record]] = []

    def begin(self) -> Callable[[str, Record], None]:
        """A fresh scan (the reader may start over) and what each record is given to."""
        from auditor.secretscan import mask_secrets

        scan = self._scan = self._evaluator.scan(self._account)
        batch = self._batch = []

        def take(uuid: str, record: Record) -> None:
            batch.append((uuid, mask_secrets(record)))  # as the live records are checked
            if len(batch) >= _INPUT_BATCH:
                scan.add(batch)
                batch.clear()

        return take

    def findings(self) -> dict[Identity, Earlier]:
        """The baseline's violations (waived ones left out) by identity."""
        from auditor.status import Earlier

        self._scan.add(self._batch)
        self._batch.clear()
        evaluation = self._evaluator.result([self._scan])
        return {
            v.identity: Earlier(v.rule, v.severity, v.assistant, v.path, v.message)
            for v in evaluation.violations
        }


def _baseline_for(
    baselines: dict[str | None, BaselineIndex] | None, account: str | None
) -> BaselineIndex | None:
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


def _source(settings: AuditSettings, runs: Sequence[_Run], errors: Sequence[AccountError]) -> str:
    if settings.input is not None:
        return runs[0].source if runs else str(settings.input)
    if len(settings.accounts) == 1:
        return settings.accounts[0].base_url
    return ", ".join(f"{a.account}={a.base_url}" for a in settings.accounts)
