"""`auditor snapshot approve -o BASELINE [--from SNAPSHOT]`: set the approved baseline.

The new baseline is the live listing (complete, or nothing is written) or a snapshot
file that passes the full snapshot check. The live listing is spilled page by page as
it arrives (``auditor.livesnapshot``) and compared with the baseline it replaces as it
streams past. The write is atomic; the baseline it replaces is kept as
``BASELINE.prev``, so an approval is undone by renaming that file back.

With several accounts (``ApproveSettings.accounts``), ``-o`` is a folder and each account's
baseline is ``<folder>/<account>.json``. Every account is fetched before anything is
written: if one cannot be read completely, no baseline changes.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from auditor.atomic import check_writable
from auditor.errors import ConfigError
from auditor.model import Record
from auditor.settings import ApiSettings, ApproveSettings

if TYPE_CHECKING:
    from auditor.baseline import BaselineIndex
    from auditor.drift import DriftScan
    from auditor.livesnapshot import SpilledSnapshot


def run(settings: ApproveSettings) -> int:
    """Approve, say what happened and how to undo it; 0 on success."""
    if settings.accounts:
        return _run_accounts(settings, settings.accounts)
    from auditor.snapshot import read_snapshot

    target = settings.output
    if target.is_dir():
        raise ConfigError(
            f"{target} is a folder; give the baseline file (e.g. {target / 'baseline.json'}), "
            "or name accounts in the config file to approve one <account>.json each"
        )
    # the baseline's folder (baselines/ in auditor.yaml) is made once there is a listing
    check_writable(target, create_folders=True)
    if settings.source_file is not None:
        from auditor.livesnapshot import spill_listing

        listing = read_snapshot(settings.source_file)
        origin = f"{settings.source_file} (fetched from {listing.source} at {listing.fetched_at})"
        comparison = _Comparison(target, settings, listing.account)
        new = spill_listing(listing, comparison.scan())
    else:
        comparison = _Comparison(target, settings, settings.api.account)
        new = _fetch(settings.api, comparison)
        origin = new.header.source
    with new.spill:
        if not settings.dry_run:
            _make_folder(target.parent)
        _approve(new, target, origin, settings, comparison)
    return 0


def _run_accounts(settings: ApproveSettings, accounts: tuple[ApiSettings, ...]) -> int:
    folder = settings.output
    if folder.exists() and not folder.is_dir():
        raise ConfigError(
            f"with several accounts -o must be a folder for one <account>.json each, and "
            f"{folder} is a file; try: -o {folder.with_suffix('')}/"
        )
    check_writable(folder / f"{accounts[0].account}.json", create_folders=True)
    fetched: list[tuple[SpilledSnapshot, _Comparison]] = []
    try:
        for account in accounts:  # all of them before any write
            comparison = _Comparison(folder / f"{account.account}.json", settings, account.account)
            fetched.append((_fetch(account, comparison), comparison))
        if not settings.dry_run:
            _make_folder(folder)
        for new, comparison in fetched:
            target = folder / f"{new.header.account}.json"
            origin = f"account {new.header.account} ({new.header.source})"
            _approve(new, target, origin, settings, comparison)
    finally:
        for new, _ in fetched:
            new.close()
    return 0


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create {folder}: {exc.strerror or exc}") from None


def _fetch(api: ApiSettings, comparison: _Comparison) -> SpilledSnapshot:
    from auditor.livesnapshot import fetch_snapshot

    return fetch_snapshot(api, comparison.scan)


def _approve(
    new: SpilledSnapshot,
    target: Path,
    origin: str,
    settings: ApproveSettings,
    comparison: _Comparison,
) -> None:
    from auditor.snapshot import previous_path

    had_previous = target.exists()
    quiet = settings.output_settings.quiet
    changes = comparison.lines()  # the baseline was read before the write replaces it
    if settings.dry_run:
        for line in changes:
            click.echo(line, err=True)
        click.echo(f"dry run: {target} is left as it is", err=True)
        return
    new.write(target, keep_previous=True)
    if quiet:
        return
    count = new.count
    click.echo(
        f"approved {count} assistant{'' if count == 1 else 's'} from {origin} "
        f"as the baseline {target}",
        err=True,
    )
    if had_previous:
        previous = previous_path(target)
        undo = f"mv {shlex.quote(str(previous))} {shlex.quote(str(target))}"
        click.echo(f"the previous baseline is kept as {previous} (undo: {undo})", err=True)
    else:
        click.echo("there was no previous baseline", err=True)
    for line in changes if had_previous else ():
        click.echo(line, err=True)


class _Comparison:
    """What the new baseline changes against the one at ``target`` (added, removed,
    changed counts; the assistants named under ``-v``), worked out as the new records
    stream past. The old baseline is held as fingerprints, as an audit holds it, and
    indexed on a thread while the first pages are in flight."""

    def __init__(self, target: Path, settings: ApproveSettings, account: str | None) -> None:
        from auditor.baseline import BaselineIndex, in_background

        self.target = target
        self.settings = settings
        self.account = account
        self.wanted = settings.dry_run or not settings.output_settings.quiet
        self._pending = (
            in_background(BaselineIndex, target) if self.wanted and target.exists() else None
        )
        self._problem = ""
        self._scan: DriftScan | None = None

    def _before(self) -> BaselineIndex | None:
        from auditor.errors import SnapshotError

        if self._pending is None:
            return None
        try:
            return self._pending.result()
        except SnapshotError as exc:  # replaced anyway: said only when nothing is written
            self._problem = (
                f"{self.target}: the baseline it replaces cannot be read ({exc.message})"
            )
            self._pending = None
            return None

    def scan(self) -> Callable[[list[tuple[str, Record]]], None]:
        """What sees the pages of one read of the new listing (a fresh scan each read)."""
        self._scan = None

        def add(items: list[tuple[str, Record]]) -> None:
            if self._scan is None:
                self._scan = self._new_scan()
            if self._scan is not None:
                self._scan.add(items)

        return add

    def _new_scan(self) -> DriftScan | None:
        before = self._before()
        if before is None:
            return None
        from auditor.drift import DriftScan

        return DriftScan(before, self.settings.drift, self.account)

    def lines(self) -> list[str]:
        """The change summary, as lines for stderr."""
        settings, target = self.settings, self.target
        if not self.wanted:
            return []
        scan = self._scan if self._scan is not None else self._new_scan()
        if self._problem:
            return [self._problem] if settings.dry_run else []
        if scan is None:
            return [f"{target}: no baseline yet, every assistant is new"]
        drift = scan.result()
        counts = drift.counts
        lines = [
            f"against the baseline it replaces ({target}): {counts['added']} added, "
            f"{counts['removed']} removed, {counts['changed']} changed"
        ]
        if settings.output_settings.verbosity < 1:
            return lines
        from auditor.report.sanitize import terminal

        for sign, refs in (("+", drift.added), ("-", drift.removed)):
            lines += [terminal(f"  {sign} {ref.label}") for ref in refs]
        for changed in drift.changed:
            paths = ", ".join(c.path for c in changed.changes)
            lines.append(terminal(f"  ~ {changed.assistant.label}: {paths}"))
        return lines
