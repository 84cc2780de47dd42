"""The nightly run: read the fleet, check the policies, diff the baseline, decide the gate.

``run_audit`` is the one place where the pieces meet, in the order a careful user
expects: everything local (policy files, selections, filters, the baseline) is checked
*before* the first API call, so a typo costs no fetch; then every account is read
(concurrently, each completely or not at all); secrets are masked before anything else
looks at the records; findings and drift go into one ``Report``; the renderers and the
mailer only ever see that report.

Exit codes (SPEC §2): 0 no gate tripped, 1 a gate tripped, 3 an account could not be
read completely (the others are still audited and reported). Problems with local input
raise ``ConfigError`` (exit 2) before any network traffic.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from auditor._version import __version__
from auditor.errors import EXIT_FETCH, EXIT_GATE, EXIT_OK, ConfigError, FetchError
from auditor.model import AccountError, Drift, Gate, Listing, Record, Report, Violation
from auditor.settings import ApiSettings, AuditSettings, DriftSettings, GateSettings

if TYPE_CHECKING:
    from auditor.policy import PolicySet

_log = logging.getLogger("auditor")


@dataclass(frozen=True)
class AuditOutcome:
    """What one run found and the exit code it earns (before any email is sent)."""

    report: Report
    exit_code: int


@dataclass(frozen=True)
class _Fetched:
    listings: tuple[Listing, ...]
    errors: tuple[AccountError, ...]


def utc_now() -> str:
    """The current time as ``2026-11-24T03:00:00Z``."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def run_audit(settings: AuditSettings) -> AuditOutcome:
    """Do the whole audit described by ``settings`` and return the report and exit code.

    Raises ``ConfigError`` (exit 2) for bad local input and ``FetchError`` (exit 3) when
    the only account could not be read; with several accounts a failing one is recorded
    in the report instead, and the outcome's exit code is 3.
    """
    from auditor.policy import load_policies, parse_filters

    policy_set = load_policies(settings.policies)
    policy_set.rule_infos(settings.select, settings.ignore)  # unknown rule ids: exit 2 now
    keep = parse_filters(settings.filters) if settings.filters else None
    baselines = _read_baselines(settings) if settings.baseline is not None else None

    fetched = _read_fleet(settings)
    return _build(settings, policy_set, fetched, baselines, keep)


def _build(
    settings: AuditSettings,
    policy_set: PolicySet,
    fetched: _Fetched,
    baselines: dict[str | None, Listing] | None,
    keep: Callable[[Record], bool] | None,
) -> AuditOutcome:
    from auditor.policy import evaluate

    listings = fetched.listings
    evaluation = evaluate(
        policy_set,
        listings,
        select=settings.select,
        ignore=settings.ignore,
        filters=settings.filters,
    )
    warnings = list(evaluation.warnings)
    drift: Drift | None = None
    if baselines is not None:
        drift_settings = DriftSettings(
            ignore_fields=_union(settings.drift.ignore_fields, policy_set.drift_ignore_fields),
            unordered_lists=_union(
                settings.drift.unordered_lists, policy_set.drift_unordered_lists
            ),
        )
        drift, drift_warnings = _drift(listings, baselines, drift_settings, keep)
        warnings.extend(drift_warnings)
    gate = decide_gate(settings.gate, evaluation.violations, drift)
    if fetched.errors and (settings.gate.fail_on_violation or settings.gate.fail_on_drift):
        # fail closed: a gate cannot pass over assistants it never saw
        unread = ", ".join(str(e.account) for e in fetched.errors)
        reason = f"{_plural(len(fetched.errors), 'account')} could not be read ({unread})"
        gate = Gate(True, f"{gate.reason}; {reason}" if gate.failed else reason)
    report = Report(
        tool_version=__version__,
        generated_at=utc_now(),
        source=_source(settings, listings, fetched.errors),
        assistants=evaluation.assistants,
        rules=evaluation.rules,
        violations=evaluation.violations,
        waived=evaluation.waived,
        drift=drift,
        gate=gate,
        warnings=tuple(warnings),
        errors=fetched.errors,
        baseline=str(settings.baseline) if settings.baseline is not None else None,
    )
    code = EXIT_FETCH if fetched.errors else EXIT_GATE if gate.failed else EXIT_OK
    return AuditOutcome(report, code)


def _union(first: Sequence[str], second: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys([*first, *second]))


# -- reading -----------------------------------------------------------------------------


def _read_fleet(settings: AuditSettings) -> _Fetched:
    """The listings to audit, secrets masked: from ``--input`` or from every account."""
    from auditor.snapshot import mask_listing, read_snapshot

    if settings.input is not None:
        return _Fetched((mask_listing(read_snapshot(settings.input)),), ())
    accounts = settings.accounts
    if len(accounts) == 1:
        return _Fetched((mask_listing(_fetch_one(accounts[0])),), ())
    from auditor.background import completed

    # Daemon threads (auditor.background): Ctrl-C does not wait for a hung account.
    calls = [partial(_fetch_or_error, account) for account in accounts]
    outcomes = dict(completed(calls, len(accounts), name="account"))
    listings: list[Listing] = []
    errors: list[AccountError] = []
    for index, account in enumerate(accounts):
        outcome = outcomes[index]
        if isinstance(outcome, FetchError):
            # said once, with the report (commands.deliver); here only for -v
            _log.info("account %s could not be read: %s", account.account, outcome.message)
            errors.append(AccountError(account.account, outcome.message))
        else:
            listings.append(mask_listing(outcome))
    return _Fetched(tuple(listings), tuple(errors))


def _fetch_or_error(account: ApiSettings) -> Listing | FetchError:
    """One account's listing, or the reason it could not be read (other accounts go on)."""
    try:
        return _fetch_one(account)
    except FetchError as exc:
        return exc


def _fetch_one(account: ApiSettings) -> Listing:
    from auditor.api import fetch_listing

    return fetch_listing(account)


def baseline_file(baseline: Path, account: str | None) -> Path:
    """The snapshot file holding ``account``'s baseline.

    A single account uses the file itself; with named accounts the baseline may be a
    folder with one ``<account>.json`` per account.
    """
    if account is not None and (baseline.is_dir() or baseline.suffix == ""):
        return baseline / f"{account}.json"
    return baseline


def _read_baselines(settings: AuditSettings) -> dict[str | None, Listing]:
    """Every account's approved snapshot, read and checked before any fetch."""
    from auditor.snapshot import read_snapshot

    assert settings.baseline is not None
    baseline = settings.baseline
    names = [a.account for a in settings.accounts] if settings.input is None else [None]
    if len(names) > 1 and baseline.is_file():
        raise ConfigError(
            f"with several accounts the baseline must be a folder holding one <account>.json "
            f"per account, and {baseline} is a file; approve into a folder: "
            f"auditor snapshot approve -o {baseline.with_suffix('')}/"
        )
    found: dict[str | None, Listing] = {}
    for name in names:
        path = baseline_file(baseline, name)
        if not path.exists():
            account = f" for account {name}" if name else ""
            approve = f" --account {name}" if name else ""
            raise ConfigError(
                f"no baseline{account} at {path}; approve one first: "
                f"auditor snapshot approve{approve} -o {path}"
            )
        found[name] = read_snapshot(path)
    return found


# -- drift and gate ----------------------------------------------------------------------


def _drift(
    listings: Sequence[Listing],
    baselines: dict[str | None, Listing],
    settings: DriftSettings,
    keep: Callable[[Record], bool] | None,
) -> tuple[Drift, list[str]]:
    from auditor.drift import diff_listings, merge_drifts

    drifts: list[Drift] = []
    warnings: list[str] = []
    for listing in listings:
        before = baselines.get(listing.account)
        if before is None:
            before = next(iter(baselines.values())) if len(baselines) == 1 else None
        if before is None:
            continue
        if before.source != listing.source:
            warnings.append(
                f"the baseline{_of(listing.account)} was fetched from {before.source}, "
                f"the fleet from {listing.source}: drift compares different sources"
            )
        if keep is not None:  # --filter: drift of the selected assistants only
            before, listing = _kept(before, keep), _kept(listing, keep)
        drifts.append(diff_listings(before, listing, settings))
    return merge_drifts(drifts), warnings


def _of(account: str | None) -> str:
    return f" of account {account}" if account else ""


def _kept(listing: Listing, keep: Callable[[Record], bool]) -> Listing:
    """``listing`` with only the assistants ``--filter`` selects."""
    records = {uuid: record for uuid, record in listing.assistants.items() if keep(record)}
    return Listing(listing.source, listing.fetched_at, records, listing.account)


def decide_gate(
    settings: GateSettings, violations: Sequence[Violation], drift: Drift | None
) -> Gate:
    """The verdict of ``--fail-on-violation`` and ``--fail-on-drift``, with its reason.

    ``violations`` are the findings that count: waived ones are not among them, findings
    whose waiver expired are.
    """
    threshold = settings.severity_threshold
    counted = [v for v in violations if v.severity >= threshold]
    reasons: list[str] = []
    if settings.fail_on_violation and counted:
        reasons.append(f"{_plural(len(counted), 'violation')} at or above {threshold}")
    if settings.fail_on_drift and drift is not None and not drift.empty:
        reasons.append(f"{_plural(drift.total, 'assistant')} drifted from the baseline")
    if reasons:
        return Gate(True, "; ".join(reasons))
    if not settings.fail_on_violation and not settings.fail_on_drift:
        return Gate(False, "no gate requested")
    passed: list[str] = []
    if settings.fail_on_violation:
        passed.append(f"no violations at or above {threshold}")
    if settings.fail_on_drift:
        passed.append("no drift" if drift is not None else "no baseline to drift from")
    return Gate(False, "; ".join(passed))


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _source(
    settings: AuditSettings, listings: Sequence[Listing], errors: Sequence[AccountError]
) -> str:
    if settings.input is not None:
        return listings[0].source if listings else str(settings.input)
    if len(settings.accounts) == 1:
        return settings.accounts[0].base_url
    return ", ".join(f"{a.account}={a.base_url}" for a in settings.accounts)
