"""``sarif``: SARIF 2.1.0 for GitHub code scanning and other static-analysis dashboards.

Assistants are not files, so each result has a *logical* location
(``assistants/<uuid>/<path>``). Rules carry their rationale and remediation as help
text; waived findings are results with an external suppression and its justification.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from auditor.model import Report, RuleInfo, Severity, Violation
from auditor.report.interface import ReportFormat

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}


class SarifFormat(ReportFormat):
    name = "sarif"
    extension = "sarif"

    def render(self, report: Report, *, color: bool = False) -> str:
        rules = list(report.rules)
        index = {rule.id: i for i, rule in enumerate(rules)}
        results = [_result(v, index) for v in report.violations]
        results += [_result(v, index, suppressed=True) for v in report.waived]
        document: dict[str, Any] = {
            "$schema": SCHEMA,
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "auditor",
                            "version": report.tool_version,
                            "informationUri": "https://github.com/intellixent/auditor",
                            "rules": [
                                {
                                    "id": rule.id,
                                    "name": rule.id,
                                    "shortDescription": {"text": rule.title or rule.id},
                                    "fullDescription": {"text": rule.description or rule.title},
                                    "help": _help(rule),
                                    "defaultConfiguration": {"level": LEVELS[rule.severity]},
                                    "properties": {
                                        "tags": list(rule.tags),
                                        "security-severity": SECURITY_SEVERITY[rule.severity],
                                        "problem.severity": str(rule.severity),
                                    },
                                }
                                for rule in rules
                            ],
                        }
                    },
                    "automationDetails": {"id": f"auditor/{report.source}"},
                    "results": results,
                    "invocations": [
                        {
                            "executionSuccessful": not report.errors,
                            "toolExecutionNotifications": [
                                {"level": "error", "message": {"text": e.message}}
                                for e in report.errors
                            ],
                        }
                    ],
                }
            ],
        }
        return json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"


def _help(rule: RuleInfo) -> dict[str, str]:
    return {
        "text": f"{rule.description}\n\nRemediation: {rule.remediation}",
        "markdown": f"{rule.description}\n\n**Remediation:** {rule.remediation}",
    }


def _result(v: Violation, index: dict[str, int], *, suppressed: bool = False) -> dict[str, Any]:
    ref = v.assistant
    prefix = f"accounts/{ref.account}/" if ref.account else ""
    fingerprint = hashlib.sha256(f"{ref.account}|{ref.uuid}|{v.rule}|{v.path}".encode()).hexdigest()
    result: dict[str, Any] = {
        "ruleId": v.rule,
        "level": LEVELS[v.severity],
        "message": {"text": f"{ref.label}: {v.message}"},
        "locations": [
            {
                "logicalLocations": [
                    {
                        "name": ref.label,
                        "fullyQualifiedName": f"{prefix}assistants/{ref.uuid}/{v.path}",
                        "kind": "object",
                    }
                ]
            }
        ],
        "partialFingerprints": {"auditorFinding/v1": fingerprint},
        "properties": {"assistant": ref.to_dict(), "path": v.path, "expected": v.expected},
    }
    if v.rule in index:
        result["ruleIndex"] = index[v.rule]
    if suppressed and v.waiver is not None:
        result["suppressions"] = [{"kind": "external", "justification": v.waiver.reason}]
    return result
