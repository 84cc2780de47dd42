"""`auditor fetch -o FILE`: write the complete live listing as a snapshot.

The fetch must be complete (``auditor.api``) before anything is written; each page is
masked and encoded as it arrives (``auditor.livesnapshot``), and the write is atomic,
with secret-looking values masked. On any error the target file is left exactly as it
was. ``-o -`` writes the snapshot to stdout.
"""

from __future__ import annotations

import sys

import click

from auditor.atomic import check_writable
from auditor.settings import FetchSettings


def run(settings: FetchSettings) -> int:
    """Fetch, write, say so on stderr (unless ``-q``); 0 on success."""
    from auditor.livesnapshot import fetch_snapshot

    to_stdout = str(settings.output) == "-"
    if not to_stdout:
        check_writable(settings.output)
    fetched = fetch_snapshot(settings.api)
    with fetched.spill:
        count = fetched.count
        if to_stdout:
            for chunk in fetched.spill.chunks(fetched.header):
                sys.stdout.buffer.write(chunk)
            sys.stdout.flush()
            where = "stdout"
        else:
            fetched.write(settings.output)
            where = str(settings.output)
    if not settings.output_settings.quiet:
        source = fetched.header.source
        click.echo(
            f"wrote {count} assistant{'' if count == 1 else 's'} from {source} to {where}",
            err=True,
        )
    return 0
