"""``sarif``: SARIF 2.1.0 for GitHub code scanning and other static-analysis dashboards.

Assistants are not files, so each result has a *logical* location
(``assistants/<uuid>/<path>``, prefixed with ``accounts/<name>/`` when several accounts
are audited). Rules carry their rationale and remediation as help text; waived findings
are results with an external suppression and its justification; an account that could
not be read makes the invocation unsuccessful. Message texts are plain text with
embedded-link brackets escaped (``sanitize.sarif_text``), so a name cannot become a link.
"""

from __future__ import annotations

import hashlib
from typing import Any

from auditor.model import Report, RuleInfo, Severity, Violation
from auditor.report.interface import ReportFormat
from auditor.report.sanitize import json_text, sarif_text, terminal

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
    extension = "sarif"

    def render(self, report: Report, *, color: bool = False) -> str:
        rules = list(report.rules)
        index = {rule.id: i for i, rule in enumerate(rules)}
        results = [_result(v, index) for v in report.violations]
        results += [_result(v, index) for v in report.waived]
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
        return json_text(document)


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
            "tags": list(rule.tags),
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


def _result(v: Violation, index: dict[str, int]) -> dict[str, Any]:
    ref = v.assistant
    prefix = f"accounts/{ref.account}/" if ref.account is not None else ""
    key = f"{ref.account}|{ref.uuid}|{v.rule}|{v.path}"
    fingerprint = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    who = ref.label + (f", account {ref.account}" if ref.account else "")
    result: dict[str, Any] = {
        "ruleId": v.rule,
        "level": LEVELS[v.severity],
        "message": {"text": sarif_text(f"{who}: {v.message}")},
        "locations": [
            {
                "logicalLocations": [
                    {
                        "name": terminal(ref.label),
                        "fullyQualifiedName": terminal(f"{prefix}assistants/{ref.uuid}/{v.path}"),
                        "kind": "object",
                    }
                ]
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
    if v.waiver is not None:
        result["properties"]["waiver"] = v.waiver.to_dict()
        if v.waived:
            result["suppressions"] = [{"kind": "external", "justification": v.waiver.reason}]
    return result
