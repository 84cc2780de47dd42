"""``sarif``: SARIF 2.1.0 for GitHub code scanning and other static-analysis dashboards.

Each result has a *physical* location a code-scanning UI can open: the line of the rule's
``- id:`` in its policy file, as a URI relative to the repository root (``uriBaseId``
``SRCROOT``, resolved by ``originalUriBaseIds``; the root is the nearest folder above the
working directory that holds ``.git``, else the working directory), with
``region.startLine``. A policy file outside the repository (the bundled pack of an
installed auditor) gets an absolute ``file:`` URI instead. Assistants are not files, so
the same location also carries a *logical* location (``assistants/<uuid>/<path>``,
prefixed with ``accounts/<name>/`` when several accounts are audited). Rules carry
their rationale and remediation as help text; waived findings
are results with an external suppression and its justification; an account that could
not be read makes the invocation unsuccessful. Message texts are plain text with
embedded-link brackets escaped (``sanitize.sarif_text``), so a name cannot become a link.
"""

from __future__ import annotations

import hashlib
import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from auditor.model import FixedFinding, Report, RuleInfo, Severity, Violation
from auditor.report.interface import ReportFormat
from auditor.report.sanitize import json_list, json_text, sarif_text, terminal

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/intellixent/auditor"
LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
"""SARIF ``level`` per severity."""
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}
"""GitHub's ``security-severity`` (a CVSS-like score: ≥ 9 critical, ≥ 7 high, ≥ 4 medium)."""


class SarifFormat(ReportFormat):
    """One SARIF run: the rules checked and one result per (waived) finding."""

    name = "sarif"

    def render(self, report: Report, *, color: bool = False) -> str:
        return "".join(self.chunks(report))

    def chunks(self, report: Report, *, color: bool = False) -> Iterator[str]:
        """The document with its results written one at a time, so a fleet's results
        never exist as one list of dicts nor as one string."""
        rules = list(report.rules)
        index = {rule.id: i for i, rule in enumerate(rules)}
        root = repository_root(Path.cwd())
        places = {rule.id: _physical_location(rule.source, root) for rule in rules}
        results = itertools.chain(
            (_result(v, index, places) for v in report.violations),
            (_result(v, index, places) for v in report.waived),
            (_absent(f, index) for f in report.fixed or ()),
        )
        document: dict[str, Any] = {
            "$schema": SCHEMA,
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "auditor",
                            "version": report.tool_version,
                            "informationUri": INFORMATION_URI,
                            "rules": [_rule(rule) for rule in rules],
                        }
                    },
                    "automationDetails": {"id": f"auditor/{report.generated_at}"},
                    "originalUriBaseIds": {
                        SRCROOT: {
                            "uri": root.as_uri().rstrip("/") + "/",
                            "description": {"text": "The repository root"},
                        }
                    },
                    "invocations": [
                        {
                            "executionSuccessful": not report.errors,
                            "toolExecutionNotifications": [
                                {
                                    "level": "error",
                                    "message": {
                                        "text": sarif_text(
                                            f"account {e.account}: {e.message}"
                                            if e.account
                                            else e.message
                                        )
                                    },
                                }
                                for e in report.errors
                            ],
                        }
                    ],
                    "results": results,
                }
            ],
        }
        document["runs"][0]["results"] = _RESULTS
        head, tail = json_text(document).split(json_text(_RESULTS)[:-1], 1)
        yield head
        yield from json_list(results, 6)
        yield tail


def _rule(rule: RuleInfo) -> dict[str, Any]:
    title = rule.title or rule.id
    return {
        "id": rule.id,
        "name": rule.id,
        "shortDescription": {"text": title},
        "fullDescription": {"text": rule.description or title},
        "help": _help(rule),
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {
            "tags": [*rule.tags, *(f"{fid}:{ref}" for fid, ref in rule.frameworks)],
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "problem.severity": LEVELS[rule.severity].replace("note", "recommendation"),
            "auditor.severity": str(rule.severity),
        },
    }


def _help(rule: RuleInfo) -> dict[str, str]:
    why = rule.description or rule.title or rule.id
    if not rule.remediation:
        return {"text": why, "markdown": why}
    return {
        "text": f"{why}\n\nRemediation: {rule.remediation}",
        "markdown": f"{why}\n\n**Remediation:** {rule.remediation}",
    }


_RESULTS = "\x00auditor results\x00"
"""Stands in the document for the results, which are written one by one in its place."""
SRCROOT = "SRCROOT"
"""The ``uriBaseId`` of policy files inside the repository."""


def repository_root(start: Path) -> Path:
    """The nearest folder from ``start`` up that holds ``.git`` (a folder, or a file in a
    worktree); ``start`` itself when there is none. Code scanning resolves paths from there."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


def _physical_location(source: str, root: Path) -> dict[str, Any] | None:
    """The ``physicalLocation`` of a rule defined at ``source`` (``file:line``); ``None``
    when the report does not say where (a report rebuilt from old JSON)."""
    file, _, line = source.rpartition(":")
    if not file or not line.isdigit():
        return None
    path = Path(file) if os.path.isabs(file) else Path.cwd() / file
    path = Path(os.path.normpath(path))
    try:
        artifact = {"uri": quote(path.relative_to(root).as_posix()), "uriBaseId": SRCROOT}
    except ValueError:
        artifact = {"uri": path.as_uri()}
    return {"artifactLocation": artifact, "region": {"startLine": max(int(line), 1)}}


def _result(
    v: Violation, index: dict[str, int], places: dict[str, dict[str, Any] | None]
) -> dict[str, Any]:
    ref = v.assistant
    prefix = f"accounts/{ref.account}/" if ref.account is not None else ""
    fingerprint = _fingerprint(v.identity)
    who = ref.label + (f", account {ref.account}" if ref.account else "")
    place = places.get(v.rule)
    result: dict[str, Any] = {
        "ruleId": v.rule,
        "level": LEVELS[v.severity],
        "message": {"text": sarif_text(f"{who}: {v.message}")},
        "locations": [
            {
                **({"physicalLocation": place} if place is not None else {}),
                "logicalLocations": [
                    {
                        "name": terminal(ref.label),
                        "fullyQualifiedName": terminal(f"{prefix}assistants/{ref.uuid}/{v.path}"),
                        "kind": "object",
                    }
                ],
            }
        ],
        "partialFingerprints": {"auditorFinding/v1": fingerprint},
        "properties": {
            "severity": str(v.severity),
            "assistant": ref.to_dict(),
            "path": v.path,
            "expected": v.expected,
        },
    }
    if v.rule in index:
        result["ruleIndex"] = index[v.rule]
    if v.status is not None:
        result["baselineState"] = _BASELINE_STATE[v.status]
    if v.waiver is not None:
        result["properties"]["waiver"] = v.waiver.to_dict()
        if v.waived:
            result["suppressions"] = [{"kind": "external", "justification": v.waiver.reason}]
    return result


_BASELINE_STATE = {"new": "new", "standing": "unchanged"}
"""SARIF ``baselineState`` per finding status (fixed ones are ``absent`` results)."""


def _fingerprint(identity: tuple[str | None, str, str, str]) -> str:
    """The stable ``partialFingerprints`` value of a finding: its identity (account,
    assistant uuid, rule id, path) hashed, so a UI tracks it across nights."""
    account, uuid, rule, path = identity
    key = f"{account}|{uuid}|{rule}|{path}"
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _absent(f: FixedFinding, index: dict[str, int]) -> dict[str, Any]:
    """A finding of the baseline (or the last run) that is gone: ``baselineState``
    ``absent``, with the same fingerprint it had; ``kind`` ``pass``, or
    ``notApplicable`` when this run did not check it (never a pass it was not given)."""
    ref = f.assistant
    prefix = f"accounts/{ref.account}/" if ref.account is not None else ""
    who = ref.label + (f", account {ref.account}" if ref.account else "")
    gone = {
        "fixed": "the setting was fixed",
        "removed": "the assistant was removed",
        "waived": "a waiver now covers it",
    }
    if f.why == "not_checked":
        kind = "notApplicable"
        text = (
            f"{who}: {f.path} was not checked this run (its rule is not in force, or a "
            "--filter left the assistant out)"
        )
    else:
        kind, text = "pass", f"{who}: {f.path} no longer fails ({gone.get(f.why, f.why)})"
    result: dict[str, Any] = {
        "ruleId": f.rule,
        "kind": kind,
        "level": "none",
        "baselineState": "absent",
        "message": {"text": sarif_text(text)},
        "locations": [
            {
                "logicalLocations": [
                    {
                        "name": terminal(ref.label),
                        "fullyQualifiedName": terminal(f"{prefix}assistants/{ref.uuid}/{f.path}"),
                        "kind": "object",
                    }
                ],
            }
        ],
        "partialFingerprints": {"auditorFinding/v1": _fingerprint(f.identity)},
        "properties": {"severity": str(f.severity), "assistant": ref.to_dict(), "why": f.why},
    }
    if f.rule in index:
        result["ruleIndex"] = index[f.rule]
    return result
