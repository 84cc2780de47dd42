"""Snapshot files: the fleet as JSON, written atomically, read back with a full check.

Format (SPEC §4)::

    {"schema_version": 1, "tool_version": "0.1.0", "source": "https://…/api",
     "fetched_at": "2026-11-24T03:00:00Z", "count": 47,
     "assistants": {"<uuid>": {…record…}, …}}

Keys are sorted and the JSON is indented, so the same fleet always gives the same bytes
(and a readable ``git diff``). Secret-looking values are stored as stable salted hash
markers (``auditor.secretscan``): a rotated key still shows as drift, but no key is
ever on disk. A damaged file is an error naming the file and the fault — never an
empty fleet.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from auditor._version import __version__
from auditor.atomic import atomic_write
from auditor.errors import SnapshotError
from auditor.model import Listing, Record
from auditor.secretscan import mask_secrets

SCHEMA_VERSION = 1
PREVIOUS_SUFFIX = ".prev"


def mask_listing(listing: Listing) -> Listing:
    """The same listing with every secret-looking string replaced by its marker.

    The keys are masked like the records' ``uuid`` fields, so the two still agree.
    """
    masked = {
        mask_secrets(uuid): mask_secrets(dict(record))
        for uuid, record in listing.assistants.items()
    }
    return Listing(listing.source, listing.fetched_at, masked, listing.account)


def snapshot_document(listing: Listing) -> dict[str, Any]:
    """The JSON document for ``listing`` (secrets masked)."""
    assistants = dict(mask_listing(listing).assistants)
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool_version": __version__,
        "source": listing.source,
        "fetched_at": listing.fetched_at,
        "count": len(assistants),
        "assistants": assistants,
    }
    if listing.account is not None:
        document["account"] = listing.account
    return document


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def iter_snapshot(listing: Listing, chunk_size: int = 1 << 20) -> Iterator[bytes]:
    """The bytes of ``dumps_snapshot``, about a megabyte at a time.

    ``json.dumps`` with an indent joins millions of small strings into one text: for
    100,000 assistants (a 300 MB file) that cost over 2 GB of memory. This costs a chunk.
    A lone surrogate (JSON allows ``"\\ud800"``, UTF-8 cannot hold it) is written as the
    same ``\\uXXXX`` escape it arrived as, so such a record round-trips exactly.
    """
    encoder = json.JSONEncoder(sort_keys=True, indent=2, ensure_ascii=False)
    batch: list[str] = []
    size = 0
    for piece in encoder.iterencode(snapshot_document(listing)):
        batch.append(piece)
        size += len(piece)
        if size >= chunk_size:
            yield _utf8("".join(batch))
            batch, size = [], 0
    batch.append("\n")
    yield _utf8("".join(batch))


def _utf8(text: str) -> bytes:
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text).encode("utf-8")


def dumps_snapshot(listing: Listing) -> bytes:
    """Stable bytes: sorted keys, two-space indent, UTF-8, one trailing newline."""
    return b"".join(iter_snapshot(listing))


def write_snapshot(listing: Listing, path: Path, *, keep_previous: bool = False) -> None:
    """Write ``listing`` to ``path`` atomically; on any error ``path`` is untouched.

    With ``keep_previous``, the file being replaced is kept as ``<path>.prev``.
    """
    backup = previous_path(path) if keep_previous else None
    atomic_write(path, iter_snapshot(listing), backup=backup)


def previous_path(path: Path) -> Path:
    """Where ``write_snapshot(keep_previous=True)`` keeps the replaced file."""
    return path.with_name(path.name + PREVIOUS_SUFFIX)


def read_snapshot(path: Path) -> Listing:
    """Read and check a snapshot file; ``SnapshotError`` (exit 2) says what is wrong."""
    previous = previous_path(path)
    restore = f"restore it from {previous.name}" if previous.is_file() else "restore it"
    hint = f"{restore} or re-create it with 'auditor fetch'"
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SnapshotError(f"snapshot {path} does not exist; check the path") from None
    except IsADirectoryError:
        raise SnapshotError(f"snapshot {path} is a folder, not a file") from None
    except OSError as exc:
        raise SnapshotError(f"cannot read snapshot {path}: {exc.strerror or exc}") from None
    if not raw.strip():
        raise SnapshotError(f"snapshot {path} is empty; {hint}")
    try:
        document = json.loads(raw)
    except UnicodeDecodeError:
        raise SnapshotError(f"snapshot {path} is not UTF-8 text; {hint}") from None
    except json.JSONDecodeError as exc:
        cut = exc.pos >= len(raw.rstrip()) or exc.msg.startswith("Unterminated string")
        # json's own words ("Invalid control character at") read oddly out of context.
        why = "it ends early" if cut else exc.msg.removesuffix(" at").lower()
        what = "truncated" if cut else "not valid JSON"
        raise SnapshotError(
            f"snapshot {path} is {what} (line {exc.lineno}, column {exc.colno}: {why}); {hint}"
        ) from None
    return listing_from_document(document, str(path))


def listing_from_document(document: Any, where: str) -> Listing:
    """Check the shape of a parsed snapshot and turn it into a ``Listing``."""
    if not isinstance(document, Mapping):
        raise SnapshotError(f"snapshot {where} is not a snapshot: expected a JSON object")
    version = document.get("schema_version")
    if version != SCHEMA_VERSION:
        if version is None:
            raise SnapshotError(
                f"snapshot {where} has no schema_version; is it an auditor snapshot?"
            )
        newer = isinstance(version, int) and version > SCHEMA_VERSION
        advice = "upgrade auditor to read it" if newer else "re-create it with 'auditor fetch'"
        raise SnapshotError(
            f"snapshot {where} has schema_version {version!r}; this auditor "
            f"({__version__}) reads schema_version {SCHEMA_VERSION}; {advice}"
        )
    assistants = document.get("assistants")
    if not isinstance(assistants, Mapping):
        raise SnapshotError(f"snapshot {where}: 'assistants' must be an object keyed by uuid")
    for key in ("source", "fetched_at"):
        if not isinstance(document.get(key), str):
            raise SnapshotError(f"snapshot {where}: '{key}' must be a string")
    count = document.get("count")
    if not isinstance(count, int) or isinstance(count, bool):
        raise SnapshotError(f"snapshot {where}: 'count' must be a whole number")
    if count != len(assistants):
        raise SnapshotError(
            f"snapshot {where} says count {count} but holds {len(assistants)} assistants; "
            "the file is damaged"
        )
    records: dict[str, Record] = {}
    for uuid, record in assistants.items():
        if not isinstance(record, Mapping):
            raise SnapshotError(f"snapshot {where}: assistant {uuid!r} is not an object")
        if str(record.get("uuid")) != uuid:
            raise SnapshotError(
                f"snapshot {where}: assistant {uuid!r} has uuid {record.get('uuid')!r}; "
                "keys must match the records' uuid"
            )
        records[uuid] = record
    account = document.get("account")
    return Listing(
        source=document["source"],
        fetched_at=document["fetched_at"],
        assistants=records,
        account=account if isinstance(account, str) else None,
    )
