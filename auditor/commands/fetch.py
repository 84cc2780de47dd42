"""`auditor fetch -o FILE`: write the complete live listing as a snapshot.

The fetch must be complete (``auditor.api``) before anything is written; the write is
atomic (``auditor.snapshot``), with secret-looking values masked. On any error the
target file is left exactly as it was. ``-o -`` writes the snapshot to stdout.
"""

from __future__ import annotations

import sys

import click

from auditor.atomic import check_writable
from auditor.settings import FetchSettings


def run(settings: FetchSettings) -> int:
    """Fetch, write, say so on stderr (unless ``-q``); 0 on success."""
    from auditor.api import fetch_listing
    from auditor.snapshot import iter_snapshot, write_snapshot

    to_stdout = str(settings.output) == "-"
    if not to_stdout:
        check_writable(settings.output)
    listing = fetch_listing(settings.api)
    count = len(listing.assistants)
    if to_stdout:
        for chunk in iter_snapshot(listing):
            sys.stdout.buffer.write(chunk)
        sys.stdout.flush()
        where = "stdout"
    else:
        write_snapshot(listing, settings.output)
        where = str(settings.output)
    if not settings.output_settings.quiet:
        click.echo(
            f"wrote {count} assistant{'' if count == 1 else 's'} from {listing.source} to {where}",
            err=True,
        )
    return 0
