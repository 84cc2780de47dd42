"""The history of audits: every run kept in one SQLite file (``--history FILE``).

Each run is a row of ``runs`` (when, which source, the counts by severity and by rule,
drift, the gate verdict), a row per account in ``run_accounts`` (read, or failed with the
reason) and a row per violation in ``findings``. A finding's identity (account,
assistant uuid, rule id, path; SPEC §8) is stored once in ``finding_keys``, so a night's
findings cost a few integers each: ``(run, finding, since, severity)``, ``since`` being
the run its current streak began with (``first_seen``).

A run that could not read an account records it as failed, with no findings: the next
run then compares that account with the last run that did read it, so an outage never
makes findings "fixed" nor breaks a streak. A narrower run (``--select``, ``--ignore``,
``--framework``, ``--filter``) keeps the last run's findings it did not check among its
own, streaks and all, so the next full run finds them standing, not new. ``findings``
is therefore what was open as of a run; ``runs.violations`` is what the run itself found.

The file is checked before any request (``open_history``): it must be a regular file
holding an auditor history (``PRAGMA application_id``) of a schema this version knows;
anything else is a ``ConfigError`` (exit 2) and the file is left untouched. A run is
written in one transaction after the reports (``History.record``), under SQLite's lock
with a busy timeout, so two audits writing at the same moment both land.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.errors import ConfigError
from auditor.model import AssistantRef, FixedFinding, Report, RunSummary, Severity
from auditor.status import Identity

APPLICATION_ID = 0x41554454
"""``PRAGMA application_id`` of an auditor history ("AUDT")."""
SCHEMA_VERSION = 1
"""``PRAGMA user_version``: the layout below."""
BUSY_TIMEOUT = 30.0
"""Seconds a run waits for another run's write to finish before giving up (exit 2)."""
TREND_RUNS = 30
"""Runs drawn in a report's trend chart (this one included)."""

_SCHEMA = """
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    generated_at TEXT NOT NULL,
    source TEXT NOT NULL,
    assistants INTEGER NOT NULL,
    violations INTEGER NOT NULL,
    new INTEGER,
    fixed INTEGER,
    by_severity TEXT NOT NULL,
    by_rule TEXT NOT NULL,
    drift TEXT,
    gate_failed INTEGER NOT NULL,
    gate_reason TEXT NOT NULL
);
CREATE TABLE run_accounts (
    run INTEGER NOT NULL REFERENCES runs(id),
    account TEXT NOT NULL,
    error TEXT,
    PRIMARY KEY (account, run)
) WITHOUT ROWID;
CREATE TABLE finding_keys (
    id INTEGER PRIMARY KEY,
    account TEXT NOT NULL,
    uuid TEXT NOT NULL,
    rule TEXT NOT NULL,
    path TEXT NOT NULL,
    assistant_id TEXT,
    name TEXT,
    UNIQUE (account, uuid, rule, path)
);
CREATE TABLE findings (
    run INTEGER NOT NULL REFERENCES runs(id),
    finding INTEGER NOT NULL REFERENCES finding_keys(id),
    since INTEGER NOT NULL REFERENCES runs(id),
    severity INTEGER NOT NULL,
    PRIMARY KEY (run, finding)
) WITHOUT ROWID;
"""


@dataclass(frozen=True)
class PastFinding:
    """A finding of the last run that read its account."""

    assistant: AssistantRef
    rule: str
    path: str
    severity: Severity
    first_seen: str
    """When its streak began (the ``generated_at`` of that run)."""


@dataclass(frozen=True)
class LastRun:
    """What the last run that read one account found there."""

    generated_at: str
    findings: Mapping[Identity, PastFinding]


def _account_key(account: str | None) -> str:
    return account if account is not None else ""


def _account_of(key: str) -> str | None:
    return key if key else None


def open_history(path: Path) -> History:
    """The history at ``path``, checked; ``ConfigError`` (exit 2) if it is not one.

    A missing file (or an empty one) is a new history, created by the first
    ``record``; its folder must exist.
    """
    history = History(path)
    history.check()
    return history


class History:
    """One history file. Reads open it read-only; ``record`` writes one run."""

    def __init__(self, path: Path) -> None:
        self.path = path

    # -- checking --------------------------------------------------------------------

    def check(self) -> None:
        """Fail (``ConfigError``) unless the file is absent, empty, or a history we know."""
        path = self.path
        try:
            mode = os.stat(path).st_mode
        except FileNotFoundError:
            if not path.parent.is_dir():
                raise ConfigError(
                    f"history {path}: the folder {path.parent} does not exist; create it "
                    "or give another --history path"
                ) from None
            return
        except OSError as exc:
            raise ConfigError(f"cannot read history {path}: {exc.strerror or exc}") from None
        if not stat.S_ISREG(mode):
            raise ConfigError(
                f"history {path} is not a regular file; give the path of a history "
                "database (a new one is created on the first run)"
            )
        if os.stat(path).st_size == 0:
            return
        with self._reading() as db:
            self._check_open(db)

    def _check_open(self, db: sqlite3.Connection) -> None:
        path = self.path
        try:
            application_id = db.execute("PRAGMA application_id").fetchone()[0]
            version = db.execute("PRAGMA user_version").fetchone()[0]
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        except sqlite3.DatabaseError as exc:
            raise ConfigError(
                f"history {path} is not an auditor history ({exc}); give another "
                "--history path (this file is left as it is)"
            ) from None
        if application_id != APPLICATION_ID:
            what = "an SQLite database of another program" if tables else "not an auditor history"
            raise ConfigError(
                f"history {path} is {what}; give another --history path "
                "(this file is left as it is)"
            )
        if version > SCHEMA_VERSION:
            raise ConfigError(
                f"history {path} was written by a newer auditor (history schema {version}, "
                f"this one knows {SCHEMA_VERSION}); upgrade auditor to use it"
            )
        if version < 1 or not {"runs", "run_accounts", "finding_keys", "findings"} <= tables:
            raise ConfigError(
                f"history {path} is damaged (tables missing); give another --history path "
                "(this file is left as it is)"
            )
        try:
            verdict = db.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            verdict = str(exc)
        if verdict != "ok":
            raise ConfigError(
                f"history {path} is damaged ({verdict}); restore it from a backup or give "
                "another --history path (this file is left as it is)"
            )

    # -- connections -----------------------------------------------------------------

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        uri = f"{self.path.absolute().as_uri()}?mode=ro"
        try:
            db = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT)
        except sqlite3.Error as exc:
            raise ConfigError(f"cannot read history {self.path}: {exc}") from None
        try:
            yield db
        except sqlite3.DatabaseError as exc:
            raise ConfigError(
                f"history {self.path} could not be read ({exc}); give another --history path"
            ) from None
        finally:
            db.close()

    def _exists(self) -> bool:
        try:
            return os.stat(self.path).st_size > 0
        except FileNotFoundError:
            return False

    # -- reading ---------------------------------------------------------------------

    def last_runs(self, accounts: Sequence[str | None]) -> dict[str | None, LastRun]:
        """For each account, what the last run that read it found (accounts that no
        run has read yet are left out)."""
        if not self._exists():
            return {}
        found: dict[str | None, LastRun] = {}
        with self._reading() as db:
            for account in accounts:
                row = db.execute(
                    "SELECT max(run) FROM run_accounts WHERE account = ? AND error IS NULL",
                    (_account_key(account),),
                ).fetchone()
                if row is None or row[0] is None:
                    continue
                run = row[0]
                when = db.execute("SELECT generated_at FROM runs WHERE id = ?", (run,))
                findings: dict[Identity, PastFinding] = {}
                query = (
                    "SELECT k.uuid, k.rule, k.path, k.assistant_id, k.name, f.severity, "
                    "s.generated_at FROM findings f JOIN finding_keys k ON k.id = f.finding "
                    "JOIN runs s ON s.id = f.since WHERE f.run = ? AND k.account = ?"
                )
                for uuid, rule, path, ident, name, severity, since in db.execute(
                    query, (run, _account_key(account))
                ):
                    ref = AssistantRef(_load(ident), uuid, name, account)
                    findings[(account, uuid, rule, path)] = PastFinding(
                        ref, rule, path, Severity(severity), since
                    )
                found[account] = LastRun(when.fetchone()[0], findings)
        return found

    def runs(self, last: int | None = None) -> list[RunSummary]:
        """The runs recorded, oldest first (the ``last`` ones only, if given)."""
        if not self._exists():
            return []
        with self._reading() as db:
            query = (
                "SELECT generated_at, assistants, violations, new, fixed, by_severity, drift, "
                "gate_failed FROM runs ORDER BY id DESC"
            )
            params: tuple[Any, ...] = ()
            if last is not None:
                query += " LIMIT ?"
                params = (last,)
            rows = db.execute(query, params).fetchall()
        return [
            RunSummary(
                generated_at=when,
                assistants=assistants,
                violations=violations,
                new=new,
                fixed=fixed,
                by_severity=json.loads(by_severity),
                drift=_load(drift),
                gate_failed=bool(gate_failed),
            )
            for when, assistants, violations, new, fixed, by_severity, drift, gate_failed in (
                reversed(rows)
            )
        ]

    # -- writing ---------------------------------------------------------------------

    def record(
        self,
        report: Report,
        read: Sequence[str | None],
        unchecked: Sequence[FixedFinding] = (),
    ) -> None:
        """Add ``report`` as one run, in one transaction: ``read`` are the accounts read
        completely; those in ``report.errors`` are recorded as failed, without findings.
        ``unchecked`` are findings of the last run that this one did not check: they
        stay open in this run's findings, with their streaks."""
        self.check()  # it may have changed since the audit began
        try:
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
        except sqlite3.Error as exc:
            raise ConfigError(f"cannot write history {self.path}: {exc}") from None
        try:
            db.execute("BEGIN IMMEDIATE")
            if db.execute("PRAGMA user_version").fetchone()[0] == 0:
                db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self._insert(db, report, read, unchecked)
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise ConfigError(
                f"cannot write history {self.path}: {exc} (the reports are written; "
                "this run is not in the history)"
            ) from None
        finally:
            db.close()

    def _insert(
        self,
        db: sqlite3.Connection,
        report: Report,
        read: Sequence[str | None],
        unchecked: Sequence[FixedFinding],
    ) -> None:
        summary = report.summary()
        by_rule = Counter(v.rule for v in report.violations)
        cursor = db.execute(
            "INSERT INTO runs (generated_at, source, assistants, violations, new, fixed, "
            "by_severity, by_rule, drift, gate_failed, gate_reason) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                report.generated_at,
                report.source,
                len(report.assistants),
                len(report.violations),
                summary["new"],
                summary["fixed"],
                json.dumps(summary["by_severity"]),
                json.dumps(dict(sorted(by_rule.items()))),
                json.dumps(summary["drift"]) if summary["drift"] is not None else None,
                int(report.gate.failed),
                report.gate.reason,
            ),
        )
        run = cursor.lastrowid
        assert run is not None
        failed = {e.account: e.message for e in report.errors}
        for account in dict.fromkeys([*read, *failed]):
            db.execute(
                "INSERT INTO run_accounts (run, account, error) VALUES (?, ?, ?)",
                (run, _account_key(account), failed.get(account)),
            )
        streaks: dict[str, dict[int, int]] = {}
        for account in read:
            key = _account_key(account)
            row = db.execute(
                "SELECT max(run) FROM run_accounts WHERE account = ? AND error IS NULL AND run < ?",
                (key, run),
            ).fetchone()
            last = row[0] if row else None
            streaks[key] = (
                dict(db.execute("SELECT finding, since FROM findings WHERE run = ?", (last,)))
                if last is not None
                else {}
            )
        rows: list[tuple[int, int, int, int]] = []
        found = [(v.assistant, v.rule, v.path, v.severity) for v in report.violations]
        kept = [(f.assistant, f.rule, f.path, f.severity) for f in unchecked]
        for who, rule, path, severity in (*found, *kept):
            if who.account in failed:
                continue
            key = _account_key(who.account)
            ident = json.dumps(who.id)
            finding = db.execute(
                "INSERT INTO finding_keys (account, uuid, rule, path, assistant_id, name) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (account, uuid, rule, path) DO UPDATE "
                "SET assistant_id = excluded.assistant_id, name = excluded.name RETURNING id",
                (key, who.uuid, rule, path, ident, who.name),
            ).fetchone()[0]
            since = streaks.get(key, {}).get(finding, run)
            rows.append((run, finding, since, int(severity)))
        db.executemany(
            "INSERT OR IGNORE INTO findings (run, finding, since, severity) VALUES (?, ?, ?, ?)",
            rows,
        )


def run_summary(report: Report) -> RunSummary:
    """``report`` as a row of the history (what ``auditor history`` shows)."""
    summary = report.summary()
    return RunSummary(
        generated_at=report.generated_at,
        assistants=len(report.assistants),
        violations=len(report.violations),
        new=summary["new"],
        fixed=summary["fixed"],
        by_severity=summary["by_severity"],
        drift=summary["drift"],
        gate_failed=report.gate.failed,
    )


def _load(text: str | None) -> Any:
    return json.loads(text) if text is not None else None
