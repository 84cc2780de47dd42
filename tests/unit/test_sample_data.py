"""The sandbox's sample fleet: deterministic, complete, compliant except as documented."""

from __future__ import annotations

import random
import re
import uuid
from typing import Any

import pytest

from auditor.sandbox.data import (
    KNOWN_VIOLATIONS,
    PLANTED_SECRET,
    USER_ID,
    _uuid4,
    generate_fleet,
    known_violations,
    simulate_drift,
)
from auditor.secretscan import find_secrets

_SPEC_FIELD_NAMES = (
    "id user_id name type mode status initial_message system_prompt voice_id language_id "
    "phone_number_id timezone max_duration record allow_interruptions noise_cancellation "
    "wait_for_customer end_call_on_voicemail post_call_evaluation variables tools "
    "is_webhook_active webhook_url inbound_webhook_url knowledgebase_id knowledgebase_mode "
    "llm_model_id multimodal_model_id temperature stability similarity speech_speed "
    "endpoint_type endpoint_sensitivity interrupt_sensitivity max_silence_duration "
    "reengagement_interval ambient_sound ambient_sound_volume fillers fillers_config uuid "
    "send_webhook_only_on_completed include_recording_in_webhook min_interrupt_words "
    "widget_settings created_at updated_at deleted_at"
)
SPEC_FIELDS = tuple(_SPEC_FIELD_NAMES.split())
"""Every assistant field SPEC §1 lists."""
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000Z$")
DISCLOSURE = re.compile(r"(?i)\b(AI|automated|virtual assistant)\b")


def violations_of(record: dict[str, Any]) -> list[str]:
    """The documented rules, checked independently of the policy engine."""
    found = []
    active = record["status"] == "active"
    if active and record["record"] in (False, 0):
        found.append("recording-enabled")
    webhook_on = record["is_webhook_active"] in (True, 1)
    if webhook_on and str(record["webhook_url"] or "").startswith("http://"):
        found.append("webhook-https")
    if webhook_on and not record["webhook_url"]:
        found.append("webhook-active-needs-url")
    if record["max_duration"] > 1800:
        found.append("max-duration")
    if record["type"] == "outbound" and record["end_call_on_voicemail"] == 0:
        found.append("outbound-voicemail")
    if record["type"] == "outbound" and not DISCLOSURE.search(record["initial_message"]):
        found.append("outbound-ai-disclosure")
    if find_secrets(record["system_prompt"]):
        found.append("no-secrets-in-prompt")
    if len(record["initial_message"]) > 200:
        found.append("initial-message-length")
    if active and record["phone_number_id"] is None:
        found.append("active-needs-phone-number")
    return found


def test_same_seed_same_fleet_other_seed_other_values() -> None:
    assert generate_fleet() == generate_fleet()
    other = generate_fleet(seed=8)
    assert [r["uuid"] for r in other] != [r["uuid"] for r in generate_fleet()]
    assert [r["id"] for r in other] == list(range(1, 48))


def test_every_spec_field_with_sensible_values() -> None:
    fleet = generate_fleet()
    assert [r["id"] for r in fleet] == list(range(1, 48))
    for record in fleet:
        assert set(SPEC_FIELDS) <= set(record), set(SPEC_FIELDS) - set(record)
        assert "custom_tags" in record  # an unknown extra field, as real accounts have
        assert record["user_id"] == USER_ID
        assert record["type"] in ("inbound", "outbound")
        assert record["mode"] in ("pipeline", "multimodal", "dualplex")
        assert record["status"] in ("active", "inactive")
        assert str(uuid.UUID(record["uuid"])) == record["uuid"]
        assert uuid.UUID(record["uuid"]).version == 4
        assert TIMESTAMP.match(record["created_at"])
        assert record["created_at"] <= record["updated_at"]
        assert record["deleted_at"] is None
        assert isinstance(record["variables"], dict)
        assert isinstance(record["widget_settings"], dict)
        assert all(isinstance(tool, dict) for tool in record["tools"])
        assert len(record["name"]) <= 255
    assert len({r["uuid"] for r in fleet}) == len(fleet)


def test_booleans_arrive_both_as_true_false_and_as_1_0() -> None:
    fleet = generate_fleet()
    spellings = {type(r["record"]) for r in fleet} | {type(r["is_webhook_active"]) for r in fleet}
    assert spellings == {bool, int}


def test_documented_ranges_and_consistency_hold_for_every_record() -> None:
    for record in generate_fleet(470):
        for name in ("temperature", "stability", "similarity", "ambient_sound_volume"):
            assert 0 <= record[name] <= 1, name
        assert 0 <= record["turn_detection_threshold"] <= 1
        assert 0.7 <= record["speech_speed"] <= 1.2
        assert 0 <= record["endpoint_sensitivity"] <= 5
        assert 0 <= record["interrupt_sensitivity"] <= 5
        assert 0 <= record["min_interrupt_words"] <= 10
        assert record["endpoint_type"] in ("vad", "ai")
        if record["mode"] == "pipeline":
            assert record["llm_model_id"] is not None
            assert record["multimodal_model_id"] is None
        else:
            assert record["multimodal_model_id"] is not None
            assert record["knowledgebase_mode"] == "function_call"
        assert record["knowledgebase_mode"] in ("prompt", "function_call")


def test_known_violations_are_exactly_what_the_records_break() -> None:
    fleet = generate_fleet()
    found = {r["id"]: violations_of(r) for r in fleet if violations_of(r)}
    assert found == KNOWN_VIOLATIONS
    assert 6 <= len(KNOWN_VIOLATIONS) <= 9
    assert PLANTED_SECRET in next(r["system_prompt"] for r in fleet if r["id"] == 33)


@pytest.mark.parametrize(("count", "seed"), [(100, 7), (141, 3), (10, 7), (0, 7)])
def test_violations_scale_with_the_fleet_and_do_not_depend_on_the_seed(
    count: int, seed: int
) -> None:
    fleet = generate_fleet(count, seed)
    found = {r["id"]: violations_of(r) for r in fleet if violations_of(r)}
    assert found == known_violations(count)
    assert len(known_violations(141)) == 3 * len(KNOWN_VIOLATIONS)


def test_uuids_are_uuid4_from_the_seeded_generator() -> None:
    left, right = random.Random(5), random.Random(5)
    for _ in range(200):
        assert _uuid4(left) == str(uuid.UUID(int=right.getrandbits(128), version=4))


def test_simulated_drift_changes_what_it_documents() -> None:
    fleet = generate_fleet()
    drifted = simulate_drift(fleet)
    assert fleet == generate_fleet()  # the input is not modified
    before = {r["uuid"]: r for r in fleet}
    after = {r["uuid"]: r for r in drifted}
    assert [before[u]["id"] for u in before.keys() - after.keys()] == [47]
    added = [after[u] for u in after.keys() - before.keys()]
    assert [a["id"] for a in added] == [48]
    assert violations_of(added[0]) == []
    changed = {
        before[u]["id"]: sorted(k for k in before[u] if before[u][k] != after[u][k])
        for u in before.keys() & after.keys()
        if before[u] != after[u]
    }
    assert changed == {
        1: ["record", "updated_at"],
        2: ["name", "updated_at"],
        3: ["system_prompt", "updated_at"],
        4: ["max_duration", "updated_at"],
        5: ["tools"],
        6: ["updated_at"],
        7: ["updated_at"],
    }
    by_id = {r["id"]: r for r in drifted}
    assert by_id[1]["record"] is False
    assert by_id[4]["max_duration"] <= 1800
    old_tools = next(r["tools"] for r in fleet if r["id"] == 5)
    assert sorted(map(str, by_id[5]["tools"])) == sorted(map(str, old_tools))
    assert [r["id"] for r in drifted] == sorted(r["id"] for r in drifted)


def test_drift_of_an_empty_or_tiny_fleet_does_not_fail() -> None:
    assert [r["id"] for r in simulate_drift([])] == [1]
    one = simulate_drift(generate_fleet(1))
    assert [r["id"] for r in one] == [2]


@pytest.mark.parametrize("seed", [1, 7])
def test_the_added_assistant_never_reuses_a_uuid_of_the_fleet(seed: int) -> None:
    fleet = generate_fleet(10, seed=seed)
    drifted = simulate_drift(fleet, seed=seed)
    uuids = [r["uuid"] for r in drifted]
    assert len(uuids) == len(set(uuids))
    assert uuids[-1] not in {r["uuid"] for r in fleet}


@pytest.mark.parametrize(("count", "seed"), [(47, 7), (300, 3)])
def test_the_bundled_policy_pack_finds_exactly_the_known_violations(count: int, seed: int) -> None:
    from collections import defaultdict

    from auditor.model import Listing
    from auditor.policy.engine import evaluate
    from auditor.policy.loader import load_policies
    from auditor.snapshot import mask_listing

    fleet = generate_fleet(count, seed)
    listing = mask_listing(Listing("sandbox", "now", {r["uuid"]: r for r in fleet}))
    found: dict[int, list[str]] = defaultdict(list)
    for violation in evaluate(load_policies(), [listing]).violations:
        found[violation.assistant.id].append(violation.rule)
    expected = {i: sorted(rules) for i, rules in known_violations(count).items()}
    assert {i: sorted(rules) for i, rules in found.items()} == expected
