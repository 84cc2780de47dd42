"""Drift: what changed between the approved baseline and now, per assistant.

Assistants are keyed by uuid (and by account when several are audited). Each record is
first reduced to a canonical form — ignored fields dropped, unordered lists sorted — and
hashed; only records whose hashes differ are compared in depth, with deepdiff, whose
tree result becomes our own ``Change(path, before, after, kind)`` list with dot and
``[i]`` paths. A fleet of 10,000 with 1% edited costs 10,000 hashes and 100 deep diffs.

The canonical form is JSON text, which keeps ``1`` and ``true`` apart (Python says they
are equal), so a type-only change is never skipped and is reported as ``type_changed``.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from auditor.model import (
    AssistantChanges,
    AssistantRef,
    Change,
    ChangeKind,
    Drift,
    Listing,
    Record,
)
from auditor.settings import DriftSettings

DEFAULTS = DriftSettings()
"""``updated_at`` ignored, ``tools`` unordered."""
LONG_TEXT = 80
"""Strings longer than this (or spanning lines) get a unified diff."""


def diff_listings(before: Listing, after: Listing, settings: DriftSettings = DEFAULTS) -> Drift:
    """Added, removed and changed assistants from ``before`` to ``after``."""
    account = after.account if after.account is not None else before.account
    old, new = before.assistants, after.assistants
    added = [AssistantRef.of(new[k], account) for k in new.keys() - old.keys()]
    removed = [AssistantRef.of(old[k], account) for k in old.keys() - new.keys()]
    changed: list[AssistantChanges] = []
    ignore = _split_paths(settings.ignore_fields)
    unordered = _split_paths(settings.unordered_lists)
    for key in old.keys() & new.keys():
        a, b = old[key], new[key]
        if _fingerprint(a, ignore, unordered) == _fingerprint(b, ignore, unordered):
            continue  # identical once volatile fields and list order are set aside
        changes = _changes(a, b, ignore, unordered)
        if changes:
            changed.append(AssistantChanges(AssistantRef.of(b, account), changes))
    return Drift(
        added=tuple(sorted(added, key=_ref_order)),
        removed=tuple(sorted(removed, key=_ref_order)),
        changed=tuple(sorted(changed, key=lambda c: _ref_order(c.assistant))),
    )


def diff_records(
    before: Record, after: Record, settings: DriftSettings = DEFAULTS
) -> tuple[Change, ...]:
    """Every change inside one assistant (empty when only ignored fields differ)."""
    ignore = _split_paths(settings.ignore_fields)
    unordered = _split_paths(settings.unordered_lists)
    if _fingerprint(before, ignore, unordered) == _fingerprint(after, ignore, unordered):
        return ()
    return _changes(before, after, ignore, unordered)


def merge_drifts(drifts: Sequence[Drift]) -> Drift:
    """One drift for several accounts, in account order."""
    return Drift(
        added=tuple(a for d in drifts for a in d.added),
        removed=tuple(a for d in drifts for a in d.removed),
        changed=tuple(c for d in drifts for c in d.changed),
    )


# -- canonical form ------------------------------------------------------------------------


def _split_paths(paths: Iterable[str]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(p.split(".")) for p in paths if p)


def _canonical(value: Any, here: tuple[str, ...], ignore: Any, unordered: Any) -> Any:
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            path = (*here, str(key))
            if path in ignore:
                continue
            out[str(key)] = _canonical(item, path, ignore, unordered)
        return out
    if isinstance(value, list):
        items = [_canonical(item, here, ignore, unordered) for item in value]
        if here in unordered:
            items.sort(key=_dump)
        return items
    return value


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=repr)


def _fingerprint(record: Record, ignore: Any, unordered: Any) -> str:
    if all(len(p) == 1 for p in (*ignore, *unordered)):  # the usual case: top-level fields
        drop = {p[0] for p in ignore}
        sort = {p[0] for p in unordered}
        shallow = {
            k: (sorted(v, key=_dump) if k in sort and isinstance(v, list) else v)
            for k, v in record.items()
            if k not in drop
        }
        text = _dump(shallow)
    else:
        text = _dump(_canonical(record, (), ignore, unordered))
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


# -- deep comparison -------------------------------------------------------------------------


def _changes(a: Record, b: Record, ignore: Any, unordered: Any) -> tuple[Change, ...]:
    from deepdiff import DeepDiff

    left = _canonical(a, (), ignore, unordered)
    right = _canonical(b, (), ignore, unordered)
    tree = DeepDiff(left, right, view="tree", ignore_order=False, verbose_level=2)
    changes: dict[str, Change] = {}
    for report_type, levels in tree.items():
        for level in levels:
            path = _path(level.path(output_format="list"))
            before = None if _absent(level.t1) else level.t1
            after = None if _absent(level.t2) else level.t2
            if report_type.endswith("_added"):
                kind = ChangeKind.ADDED
            elif report_type.endswith("_removed"):
                kind = ChangeKind.REMOVED
            elif report_type == "type_changes":
                kind = ChangeKind.TYPE_CHANGED
            else:
                kind = ChangeKind.CHANGED
            changes[path] = Change(path, before, after, kind, _unified(before, after))
    return tuple(changes[k] for k in sorted(changes))


def _absent(value: Any) -> bool:
    return type(value).__name__ == "NotPresent"


def _path(parts: Sequence[Any]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(record)"


def _unified(before: Any, after: Any) -> str | None:
    if not (isinstance(before, str) and isinstance(after, str)):
        return None
    if max(len(before), len(after)) <= LONG_TEXT and "\n" not in before + after:
        return None
    lines = difflib.unified_diff(
        before.splitlines(), after.splitlines(), "before", "after", n=2, lineterm=""
    )
    return "\n".join(lines)


def _ref_order(ref: AssistantRef) -> tuple[Any, ...]:
    ident = ref.id
    numeric = isinstance(ident, (int, float)) and not isinstance(ident, bool)
    return (ref.account or "", 0 if numeric else 1, ident if numeric else 0, str(ident), ref.uuid)
