"""``json``: SPEC §5's document, validated against the packaged JSON Schema."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import jsonschema
import pytest

from auditor.model import Report
from auditor.report import SCHEMA_PATH, get, render
from tests.report_json import report_from_json


def _strict(text: str) -> Any:
    """Parse as any strict JSON parser would: NaN and Infinity are not JSON."""

    def refuse(name: str) -> None:
        raise AssertionError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_every_fixture_report_matches_the_schema(
    any_report: Report, validator: jsonschema.Draft202012Validator
) -> None:
    document = _strict(render(any_report, "json"))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]
    assert errors == []


def test_the_document_is_to_dict_in_its_key_order(full_report: Report) -> None:
    text = render(full_report, "json")
    assert text.endswith("}\n")
    assert json.loads(text) == full_report.to_dict()
    assert list(json.loads(text)) == [
        "schema_version",
        "tool_version",
        "generated_at",
        "source",
        "baseline",
        "summary",
        "violations",
        "waivers",
        "drift",
        "fixed",
        "warnings",
        "errors",
        "rules",
        "assistants",
        "frameworks",
        "waiver_notes",
    ]
    assert text == render(full_report, "json")  # deterministic


def test_the_streamed_document_is_json_dumps_of_to_dict_byte_for_byte(any_report: Report) -> None:
    # written piece by piece (a 100k fleet's report never exists whole), yet exactly
    # the text json.dumps(indent=2) gives for the whole document
    from auditor.report.sanitize import json_text

    pieces = list(get("json").chunks(any_report))
    assert len(pieces) > 10
    assert "".join(pieces) == json_text(any_report.to_dict())


def test_a_report_with_nothing_in_its_lists_streams_as_json_dumps_does(
    clean_report: Report,
) -> None:
    from auditor.report.sanitize import json_text

    empty = replace(clean_report, assistants=(), violations=(), waived=(), rules=())
    text = render(empty, "json")
    assert '"assistants": []' in text
    assert '"violations": []' in text
    assert text == json_text(empty.to_dict())


def test_summary_counts_and_optional_parts(
    full_report: Report, clean_report: Report, drift_report: Report
) -> None:
    full = json.loads(render(full_report, "json"))
    assert full["summary"]["by_severity"] == {
        "critical": 1,
        "high": 2,
        "medium": 1,
        "low": 1,
        "info": 1,
    }
    assert set(full["summary"]["by_account"]) == {"north", "south", "west"}
    assert full["summary"]["by_account"]["west"]["error"].startswith("the API rejected")
    assert full["violations"][3]["waiver"]["expired"] is True
    assert [w["waiver"]["expires"] for w in full["waivers"]] == ["2099-01-31", None]
    assert {c["kind"] for c in full["drift"]["changed"][0]["changes"]} == {
        "changed",
        "type_changed",
        "added",
        "removed",
    }
    clean = json.loads(render(clean_report, "json"))
    assert clean["drift"] is None
    assert clean["summary"]["drift"] is None
    assert "by_account" not in clean["summary"]
    assert "account" not in clean["assistants"][0]
    drift = json.loads(render(drift_report, "json"))
    assert drift["summary"]["drift"] == {"added": 0, "removed": 0, "changed": 1}
    assert drift["assistants"][1]["name"] is None


def test_the_schema_rejects_what_the_report_never_has(
    full_report: Report, validator: jsonschema.Draft202012Validator
) -> None:
    document = json.loads(render(full_report, "json"))
    document["violations"][0]["severity"] = "severe"
    del document["summary"]["gate"]
    document["surprise"] = True
    assert len(list(validator.iter_errors(document))) == 3


def test_hostile_values_stay_strict_json(hostile_report: Report) -> None:
    text = render(hostile_report, "json")
    text.encode("utf-8")
    document = _strict(text)
    assert document["violations"][0]["actual"] == "NaN"
    assert document["assistants"][0]["name"] == hostile_report.assistants[0].name
    assert report_from_json(document).assistants == hostile_report.assistants


def test_schema_ships_inside_the_package() -> None:
    from importlib.resources import files

    packaged = files("auditor.report").joinpath("report.schema.json")
    assert json.loads(packaged.read_text(encoding="utf-8"))["$schema"].endswith("2020-12/schema")
