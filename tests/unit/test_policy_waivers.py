"""Waivers: active, expired, unmatched, account scope, selectors, several rules."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from auditor.model import AssistantRef, Listing, WaiverInfo
from auditor.policy import Evaluation, evaluate, load_policies
from auditor.policy.loader import display_path
from auditor.policy.waivers import parse_selector

RULES = """
version: 1
rules:
  - {id: max-duration, severity: medium, require: {max_duration: {lte: 1800}}}
  - {id: recording-enabled, severity: high, require: {record: true}}
  - {id: temperature-range, severity: low, require: {temperature: {between: [0, 1]}}, missing: pass}
"""

TODAY = date(2026, 6, 1)


def record(ident: Any, name: str, **fields: Any) -> dict[str, Any]:
    data = {"id": ident, "uuid": f"uuid-{ident}", "name": name, "record": True, "max_duration": 600}
    data.update(fields)
    return data


def run(
    tmp_path: Path,
    exceptions: str,
    records: list[dict[str, Any]],
    account: str | None = None,
    **kwargs: Any,
) -> tuple[Evaluation, str]:
    path = tmp_path / "p.yaml"
    path.write_text(RULES + "exceptions:\n" + exceptions, encoding="utf-8")
    policy_set = load_policies([path])
    listing = Listing("s", "t", {r["uuid"]: r for r in records}, account)
    return evaluate(policy_set, [listing], today=TODAY, **kwargs), display_path(path)


LONG = record(127, "Support north", max_duration=3600)
OTHER = record(128, "Sales", max_duration=3600)


def test_an_active_waiver_moves_the_finding_to_waived(tmp_path: Path) -> None:
    result, name = run(
        tmp_path,
        """
  - rule: max-duration
    assistants: ["id:127"]
    reason: Long support calls approved by ops, ticket OPS-42
    expires: 2027-01-31
""",
        [LONG, OTHER],
    )
    (waived,) = result.waived
    assert waived.assistant.id == 127
    assert waived.waived
    assert waived.waiver == WaiverInfo(
        "Long support calls approved by ops, ticket OPS-42", date(2027, 1, 31), f"{name}:9", False
    )
    assert [v.assistant.id for v in result.violations] == [128]
    assert result.violations[0].waiver is None
    assert result.warnings == ()


def test_a_waiver_is_valid_through_its_expiry_day(tmp_path: Path) -> None:
    result, _ = run(
        tmp_path,
        "  - {rule: max-duration, assistants: ['id:127'], reason: r, expires: 2026-06-01}\n",
        [LONG],
    )
    assert len(result.waived) == 1
    assert result.violations == ()


def test_an_expired_waiver_stops_waiving_and_is_reported(tmp_path: Path) -> None:
    result, name = run(
        tmp_path,
        "  - {rule: max-duration, assistants: ['id:127'], reason: r, expires: 2026-05-31}\n",
        [LONG],
    )
    assert result.waived == ()
    (violation,) = result.violations
    assert violation.waiver is not None
    assert violation.waiver.expired
    assert not violation.waived
    assert violation.to_dict()["waiver"]["expired"] is True
    assert result.warnings == (
        f"waiver at {name}:8 for rule max-duration expired on 2026-05-31; "
        "renew it or fix the assistants",
    )


def test_an_active_waiver_wins_over_an_expired_one(tmp_path: Path) -> None:
    result, _ = run(
        tmp_path,
        """
  - {rule: max-duration, assistants: ['id:127'], reason: old, expires: 2025-01-01}
  - {rule: max-duration, assistants: ['name:Support*'], reason: new}
""",
        [LONG],
    )
    (waived,) = result.waived
    assert waived.waiver is not None
    assert waived.waiver.reason == "new"
    assert len(result.warnings) == 1
    assert "expired on 2025-01-01" in result.warnings[0]


def test_a_waiver_that_matches_nothing_is_a_warning(tmp_path: Path) -> None:
    result, name = run(
        tmp_path,
        "  - {rule: max-duration, assistants: ['id:999'], reason: gone}\n",
        [LONG],
    )
    assert len(result.violations) == 1
    assert result.warnings == (
        f"waiver at {name}:8 for rule max-duration matched no finding; "
        "remove it if it is no longer needed",
    )


def test_unmatched_waivers_are_not_reported_when_their_rule_is_not_run(tmp_path: Path) -> None:
    result, _ = run(
        tmp_path,
        "  - {rule: max-duration, assistants: ['id:999'], reason: gone}\n",
        [LONG],
        ignore=["max-duration"],
    )
    assert result.warnings == ()


def test_unmatched_waivers_are_not_reported_under_a_filter(tmp_path: Path) -> None:
    result, _ = run(
        tmp_path,
        "  - {rule: max-duration, assistants: ['id:127'], reason: r}\n",
        [LONG],
        filters=["name=Sales"],
    )
    assert result.warnings == ("--filter name=Sales matched no assistant",)


def test_account_scope(tmp_path: Path) -> None:
    waiver = "  - {rule: max-duration, assistants: ['id:127'], account: north, reason: r}\n"
    north, _ = run(tmp_path, waiver, [LONG], account="north")
    assert len(north.waived) == 1
    assert north.waived[0].assistant.account == "north"
    south, _ = run(tmp_path, waiver, [LONG], account="south")
    assert south.waived == ()
    assert len(south.violations) == 1
    unnamed, _ = run(tmp_path, waiver, [LONG])
    assert unnamed.waived == ()


@pytest.mark.parametrize(
    ("selector", "waived_ids"),
    [
        ("id:127", [127]),
        ("uuid:uuid-128", [128]),
        ("name:Support *", [127]),
        ("name:*", [127, 128]),
        ("name:support *", []),
        ("name:S*", [127, 128]),
        ("name:Sales", [128]),
        ("id:12", []),
    ],
)
def test_selectors(tmp_path: Path, selector: str, waived_ids: list[int]) -> None:
    result, _ = run(
        tmp_path,
        f"  - {{rule: max-duration, assistants: ['{selector}'], reason: r}}\n",
        [LONG, OTHER],
    )
    assert sorted(v.assistant.id for v in result.waived) == waived_ids


def test_string_and_float_ids_match_id_selectors() -> None:
    selector = parse_selector("id:127")
    assert selector.matches(AssistantRef(127, "u", None))
    assert selector.matches(AssistantRef("127", "u", None))
    assert selector.matches(AssistantRef(127.0, "u", None))
    assert not selector.matches(AssistantRef(None, "u", None))
    assert not parse_selector("name:*").matches(AssistantRef(1, "u", None))


def test_one_waiver_for_several_rules(tmp_path: Path) -> None:
    both = record(127, "Support", max_duration=3600, record=False, temperature=7)
    result, _ = run(
        tmp_path,
        "  - {rule: [max-duration, '*-range'], assistants: ['id:127'], reason: r}\n",
        [both],
    )
    assert sorted(v.rule for v in result.waived) == ["max-duration", "temperature-range"]
    assert [v.rule for v in result.violations] == ["recording-enabled"]
