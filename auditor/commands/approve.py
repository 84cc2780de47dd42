"""`auditor snapshot approve -o BASELINE [--from SNAPSHOT]`: set the approved baseline.

The new baseline is the live listing (complete, or nothing is written) or a snapshot
file that passes the full snapshot check. The write is atomic; the baseline it replaces
is kept as ``BASELINE.prev``, so an approval is undone by renaming that file back.
With ``-o FOLDER`` and a named account, the file is ``FOLDER/<account>.json``.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from auditor.errors import ConfigError
from auditor.settings import ApproveSettings


def run(settings: ApproveSettings) -> int:
    """Approve, say what happened and how to undo it; 0 on success."""
    from auditor.commands.fetch import check_writable
    from auditor.snapshot import previous_path, read_snapshot, write_snapshot

    target = baseline_path(settings)
    check_writable(target)
    if settings.source_file is not None:
        listing = read_snapshot(settings.source_file)
        origin = f"{settings.source_file} (fetched from {listing.source} at {listing.fetched_at})"
    else:
        from auditor.api import fetch_listing

        listing = fetch_listing(settings.api)
        origin = listing.source
    had_previous = target.exists()
    write_snapshot(listing, target, keep_previous=True)
    if not settings.output_settings.quiet:
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
    return 0


def baseline_path(settings: ApproveSettings) -> Path:
    """The file to write: ``-o`` itself, or ``<folder>/<account>.json`` for a folder."""
    target = settings.output
    if target.is_dir():
        account = settings.api.account
        if account is None:
            raise ConfigError(
                f"{target} is a folder; give the baseline file (e.g. {target / 'baseline.json'}) "
                "or name accounts in the config file"
            )
        return target / f"{account}.json"
    return target
