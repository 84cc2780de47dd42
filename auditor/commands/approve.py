"""`auditor snapshot approve -o BASELINE [--from SNAPSHOT]`: set the approved baseline.

The new baseline is the live listing (complete, or nothing is written) or a snapshot
file that passes the full snapshot check. The write is atomic; the baseline it replaces
is kept as ``BASELINE.prev``, so an approval is undone by renaming that file back.

With several accounts (``ApproveSettings.accounts``), ``-o`` is a folder and each account's
baseline is ``<folder>/<account>.json``. Every account is fetched before anything is
written: if one cannot be read completely, no baseline changes.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from auditor.atomic import check_writable
from auditor.errors import ConfigError
from auditor.model import Listing
from auditor.settings import ApiSettings, ApproveSettings


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
        listing = read_snapshot(settings.source_file)
        origin = f"{settings.source_file} (fetched from {listing.source} at {listing.fetched_at})"
    else:
        listing = _fetch(settings.api)
        origin = listing.source
    if not settings.dry_run:
        _make_folder(target.parent)
    _approve(listing, target, origin, settings)
    return 0


def _run_accounts(settings: ApproveSettings, accounts: tuple[ApiSettings, ...]) -> int:
    folder = settings.output
    if folder.exists() and not folder.is_dir():
        raise ConfigError(
            f"with several accounts -o must be a folder for one <account>.json each, and "
            f"{folder} is a file; try: -o {folder.with_suffix('')}/"
        )
    check_writable(folder / f"{accounts[0].account}.json", create_folders=True)
    listings = [_fetch(account) for account in accounts]  # all of them before any write
    if not settings.dry_run:
        _make_folder(folder)
    for listing in listings:
        target = folder / f"{listing.account}.json"
        origin = f"account {listing.account} ({listing.source})"
        _approve(listing, target, origin, settings)
    return 0


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create {folder}: {exc.strerror or exc}") from None


def _fetch(api: ApiSettings) -> Listing:
    from auditor.api import fetch_listing

    return fetch_listing(api)


def _approve(listing: Listing, target: Path, origin: str, settings: ApproveSettings) -> None:
    from auditor.snapshot import previous_path, write_snapshot

    had_previous = target.exists()
    quiet = settings.output_settings.quiet
    # read before the write replaces it; said after the usual lines
    changes = _changes(listing, target, settings) if settings.dry_run or not quiet else []
    if settings.dry_run:
        for line in changes:
            click.echo(line, err=True)
        click.echo(f"dry run: {target} is left as it is", err=True)
        return
    write_snapshot(listing, target, keep_previous=True)
    if quiet:
        return
    count = len(listing.assistants)
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


def _changes(listing: Listing, target: Path, settings: ApproveSettings) -> list[str]:
    """What the new baseline changes against the one at ``target`` (added, removed,
    changed counts; the assistants named under ``-v``), as lines for stderr."""
    from auditor.baseline import BaselineIndex
    from auditor.drift import DriftScan
    from auditor.errors import SnapshotError
    from auditor.snapshot import mask_listing

    if not target.exists():
        return [f"{target}: no baseline yet, every assistant is new"]
    try:  # held as fingerprints, as an audit holds it: the fleet is in memory already
        before = BaselineIndex(target)
    except SnapshotError as exc:  # replaced anyway: said only when nothing is written
        return [f"{target}: the baseline it replaces cannot be read ({exc.message})"] * (
            settings.dry_run
        )
    scan = DriftScan(before, settings.drift, listing.account)
    scan.add(mask_listing(listing).assistants.items())
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
