"""``sarif``: valid against the OASIS SARIF 2.1.0 schema, plus the rules dashboards rely on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from auditor.model import Report
from auditor.report import render

SCHEMA = Path(__file__).resolve().parents[2] / "data" / "sarif" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def sarif(report: Report) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(render(report, "sarif"))
    return document


def test_every_fixture_report_is_valid_sarif(
    any_report: Report, validator: jsonschema.Draft4Validator
) -> None:
    document = sarif(any_report)
    assert [e.message for e in validator.iter_errors(document)] == []
    assert document["version"] == "2.1.0"
    assert document["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert len(document["runs"]) == 1


def test_the_schema_check_has_teeth(
    full_report: Report, validator: jsonschema.Draft4Validator
) -> None:
    document = sarif(full_report)
    document["runs"][0]["results"][0]["level"] = "critical"
    assert not validator.is_valid(document)


def test_rules_carry_help_and_severity(full_report: Report) -> None:
    driver = sarif(full_report)["runs"][0]["tool"]["driver"]
    assert driver["name"] == "auditor"
    assert driver["version"] == "0.1.0"
    assert driver["informationUri"].startswith("https://")
    rules = {r["id"]: r for r in driver["rules"]}
    assert list(rules) == [r.id for r in full_report.rules]
    recording = rules["recording-enabled"]
    assert recording["shortDescription"]["text"] == "Calls must be recorded"
    assert recording["fullDescription"]["text"].startswith("Recordings are the evidence")
    assert "Remediation: Turn on call recording" in recording["help"]["text"]
    assert recording["defaultConfiguration"]["level"] == "error"
    assert recording["properties"]["tags"] == ["compliance"]
    assert recording["properties"]["security-severity"] == "8.0"
    # a rule without a description still has non-empty texts
    timezone = rules["timezone-set"]
    assert timezone["fullDescription"]["text"] == timezone["help"]["text"] == "A timezone is set"


def test_results_levels_locations_and_fingerprints(full_report: Report) -> None:
    run = sarif(full_report)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert len(results) == len(full_report.violations) + len(full_report.waived)
    levels = {r["properties"]["severity"]: r["level"] for r in results}
    assert levels == {
        "critical": "error",
        "high": "error",
        "medium": "warning",
        "low": "note",
        "info": "note",
    }
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        (location,) = result["locations"][0]["logicalLocations"]
        assert location["kind"] == "object"
        uuid = result["properties"]["assistant"]["uuid"]
        assert f"assistants/{uuid}/{result['properties']['path']}" in location["fullyQualifiedName"]
    fingerprints = [r["partialFingerprints"]["auditorFinding/v1"] for r in results]
    assert len(set(fingerprints)) == len(fingerprints)
    assert fingerprints == [
        r["partialFingerprints"]["auditorFinding/v1"]
        for r in sarif(full_report)["runs"][0]["results"]
    ]
    first = results[0]["locations"][0]["logicalLocations"][0]
    assert first == {
        "name": "Acme – Billing (id 3)",
        "fullyQualifiedName": "accounts/north/assistants/uuid-3/system_prompt",
        "kind": "object",
    }


def test_waived_findings_are_suppressed_expired_ones_are_not(full_report: Report) -> None:
    results = sarif(full_report)["runs"][0]["results"]
    suppressed = [r for r in results if "suppressions" in r]
    assert [r["suppressions"] for r in suppressed] == [
        [{"kind": "external", "justification": "approved by ops, OPS-42"}],
        [{"kind": "external", "justification": "test line, never live"}],
    ]
    expired = [r for r in results if r["properties"].get("waiver", {}).get("expired")]
    assert len(expired) == 1
    assert "suppressions" not in expired[0]


def test_unreadable_accounts_fail_the_invocation(full_report: Report, clean_report: Report) -> None:
    (invocation,) = sarif(full_report)["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    assert "401" in invocation["toolExecutionNotifications"][0]["message"]["text"]
    assert sarif(clean_report)["runs"][0]["invocations"][0]["executionSuccessful"] is True


def test_messages_cannot_embed_links(hostile_report: Report) -> None:
    text = render(hostile_report, "sarif")
    text.encode("utf-8")
    run = json.loads(text)["runs"][0]
    for result in run["results"]:
        message = result["message"]["text"]
        assert "[link](" not in message
        assert "\\[link\\](http://evil)" in message
        assert "\x1b" not in message
        assert "\n" not in message


def test_results_are_written_a_batch_at_a_time(full_report: Report) -> None:
    from auditor.report import get
    from auditor.report.sanitize import json_text

    pieces = list(get("sarif").chunks(full_report))
    document = json.loads("".join(pieces))
    assert document["runs"][0]["results"]
    assert len(pieces) == 4  # the head, the results (one batch), the bracket, the tail
    assert "".join(pieces) == json_text(document)  # the bytes of one json_text call
