"""The records of a large ``--input`` snapshot checked by worker processes.

Decoding, masking and checking a record is pure CPU work, a few dozen microseconds
each, and the records do not depend on one another: a snapshot of a big fleet is
checked faster by one process per core. When the files are laid out as auditor writes
them (``auditor.slices``), the main process cuts the input and its baseline at the same
uuids into stretches of a few megabytes and each worker reads its stretch of both
files itself, walks them side by side (``walk``), decodes, checks and masks the input's
records as the reader would, runs the rules, and sends back who the assistants are and
what they broke, with the masked record and the decoded approved record of each that
changed, was added or masked, and the approved records no assistant is (removed): the
main process reads neither file. Otherwise the main process reads the file (its text
only: ``SnapshotReader(decode=False)``), walks the baseline beside it, and hands the
workers batches of record text to check (``_check``), with the masked record of each
assistant whose text it could not match on the baseline. Results are taken in file
order, so the report is the one a single process writes.

Workers are started with ``spawn`` (the same on every platform, and safe beside the
threads a parent may have) and build their own rules from the same policy files; a
worker whose rules come out different (a file edited meanwhile) is refused. At most
``_AHEAD`` batches or stretches per worker are in flight, so memory stays a few
megabytes of text per worker. Anything a worker cannot take (a record that does not
decode or check, a stretch not as it was cut, a worker that dies) ends the parallel
read with ``Unparallel``: the caller reads the file again in one process, which names
what is wrong.
"""

from __future__ import annotations

import gc
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from auditor.model import Record, RuleInfo, Violation
from auditor.refs import EncodedRefs

if TYPE_CHECKING:
    from auditor.slices import Stretch

T = TypeVar("T")

MAX_JOBS = 8
"""The most workers ``jobs=0`` (one per core) starts."""
PARALLEL_BYTES = 32 << 20
"""The least ``--input`` file size worth workers: below it, starting them costs more
than they save (a worker takes a few tenths of a second to import and compile)."""
_AHEAD = 2
"""Batches in flight per worker."""


class Unparallel(Exception):
    """The parallel read gave up: read the file in one process."""


class CheckSpec(NamedTuple):
    """What a worker needs to build the very rules of the main process."""

    policies: tuple[Path, ...]
    select: tuple[str, ...]
    ignore: tuple[str, ...]
    today: date
    account: str | None
    rules: tuple[RuleInfo, ...]
    """The rules the main process checks: a worker whose rules differ is refused."""


class Checked(NamedTuple):
    """One batch as a worker checked it."""

    assistants: EncodedRefs
    """Who they are, as the worker's scan encoded them (``Scan.add_checked``)."""
    seen: int
    found: list[Violation]
    records: dict[int, Record]
    """The masked record at each index asked for, and at each index masking changed."""


class Walked(NamedTuple):
    """One stretch of uuids as a worker read it from both files (``walk``)."""

    checked: Checked
    """The input's records, checked; ``records`` holds every one in ``differing``."""
    differing: list[tuple[int, Record | None]]
    """Each record (its index) whose text is not its approved record's, or that masking
    changed, with the approved record decoded (``None``: none)."""
    passed: list[tuple[str, Record]]
    """The approved records of the stretch that no record of the input is, decoded."""
    fleet_count: int
    approved_count: int
    """How many records the stretch holds in the input and in the baseline."""


def workers(jobs: int) -> int:
    """The number of workers ``--jobs`` asks for (``0``: one per core, at most 8)."""
    return jobs if jobs > 0 else min(os.cpu_count() or 1, MAX_JOBS)


class CheckPool:
    """Worker processes checking batches of records, results in the order given."""

    def __init__(self, spec: CheckSpec, jobs: int) -> None:
        import multiprocessing

        self._jobs = jobs
        self._pool = ProcessPoolExecutor(
            jobs, multiprocessing.get_context("spawn"), initializer=_start, initargs=(spec,)
        )

    def __enter__(self) -> CheckPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def checked(
        self, batches: Iterable[tuple[Sequence[tuple[str, bytes]], frozenset[int], Any]]
    ) -> Iterator[tuple[Checked, Any]]:
        """Each batch ``(records, wanted, tag)``, checked: ``records`` is ``(uuid, text)``
        pairs, ``wanted`` the indexes whose masked record is to come back, ``tag``
        comes back with the result as it was given."""
        return self._map(_check, ((tag, (records, wanted)) for records, wanted, tag in batches))

    def walked(self, stretches: Iterable[Stretch]) -> Iterator[Walked]:
        """Each stretch read from its files and checked by a worker (``walk``), in order."""
        return (walked for walked, _ in self._map(walk, ((None, (s,)) for s in stretches)))

    def _map(
        self, task: Callable[..., T], calls: Iterable[tuple[Any, tuple[Any, ...]]]
    ) -> Iterator[tuple[T, Any]]:
        """``task(*args)`` for each ``(tag, args)`` in workers, a few ahead, each result
        with its tag in the order given."""
        pending: deque[tuple[Future[T], Any]] = deque()
        try:
            for tag, args in calls:
                pending.append((self._submit(task, *args), tag))
                if len(pending) >= self._jobs * _AHEAD:
                    yield _result(pending.popleft())
            while pending:
                yield _result(pending.popleft())
        finally:
            for future, _ in pending:
                future.cancel()

    def _submit(self, task: Callable[..., T], *args: Any) -> Future[T]:
        try:
            return self._pool.submit(task, *args)
        except Exception as exc:  # a pool broken already (a worker that could not start)
            raise Unparallel(str(exc)) from exc


def _result(pending: tuple[Future[T], Any]) -> tuple[T, Any]:
    future, tag = pending
    try:
        return future.result(), tag
    except Exception as exc:  # a record the reader would refuse, a worker gone: one process
        raise Unparallel(str(exc)) from exc


_evaluator: Any = None
_account: str | None = None


def _start(spec: CheckSpec) -> None:
    """A worker's start: Ctrl-C is the main process's to handle; the rules compiled."""
    global _evaluator, _account
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from auditor.policy import Evaluator, load_policies

    evaluator = Evaluator(
        load_policies(spec.policies), select=spec.select, ignore=spec.ignore, today=spec.today
    )
    if tuple(rule.info for rule in evaluator.rules) != spec.rules:
        raise RuntimeError("the policy files changed while the audit was starting")
    _evaluator, _account = evaluator, spec.account
    # What a worker keeps (modules, rules) is never garbage: the collector leaves it be,
    # and runs a tenth as often, as each task's records (acyclic, freed by reference
    # counting) would set it off every few hundred. Measured: 13% less worker CPU.
    gc.freeze()
    gc.set_threshold(*_GC_THRESHOLD)


_GC_THRESHOLD = (7000, 20, 100)
"""A worker's collector thresholds (``gc.set_threshold``; CPython's are 700, 10, 10)."""


def _check(records: Sequence[tuple[str, bytes]], wanted: frozenset[int]) -> Checked:
    """Decode, check and mask ``records`` as ``SnapshotReader`` and the audit do, then run
    the rules over them."""
    from auditor.audit import masked_pair
    from auditor.snapshot import checked_record

    keyed: list[tuple[str, Record]] = []
    back: dict[int, Record] = {}
    for index, (uuid, text) in enumerate(records):
        record = checked_record(uuid, text, "")  # SnapshotError: one process says where
        pair = masked_pair(record)
        keyed.append(pair)
        if index in wanted or pair[1] is not record:
            back[index] = pair[1]
    scan = _evaluator.scan(_account)
    scan.add(keyed)
    return Checked(scan.encoded_assistants(), scan.seen, scan.found, back)


def walk(stretch: Stretch) -> Walked:
    """A stretch of uuids read from the input and its baseline, walked side by side as
    ``drift.SortedRecords`` walks them, and the input's records checked (``_check``)."""
    from auditor.audit import masked_key
    from auditor.slices import records
    from auditor.snapshot import checked_record

    fleet = records(stretch.input, stretch.low, stretch.high)
    if stretch.baseline is None:
        return Walked(_check(fleet, frozenset()), [], [], len(fleet), 0)
    approved = records(stretch.baseline, stretch.low, stretch.high)
    where = stretch.baseline.file.path
    partners: list[tuple[str, bytes] | None] = []  # None: added
    passed: list[tuple[str, Record]] = []
    at = 0
    for uuid, _ in fleet:
        while at < len(approved) and approved[at][0] < uuid:
            passed.append((approved[at][0], checked_record(*approved[at], where)))
            at += 1
        if at < len(approved) and approved[at][0] == uuid:
            partners.append(approved[at])
            at += 1
        else:
            partners.append(None)
    passed += [(uuid, checked_record(uuid, text, where)) for uuid, text in approved[at:]]
    wanted = frozenset(
        i
        for i, (pair, partner) in enumerate(zip(fleet, partners, strict=True))
        if partner is None or partner[1] != pair[1]
    )
    checked = _check(fleet, wanted)
    differing: list[tuple[int, Record | None]] = []
    for index, record in checked.records.items():
        if masked_key(record) != fleet[index][0]:
            raise Unparallel("a uuid was masked")  # drift keys it by its masked form
        partner = partners[index]
        before = None if partner is None else checked_record(*partner, where)
        differing.append((index, before))
    return Walked(checked, differing, passed, len(fleet), len(approved))
