"""The bundled pack: its own tests pass, every rule documents itself, the docs are current."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli
from auditor.policy import DEFAULT_PACK, load_policies
from auditor.policy.testing import bundled_tests, run_test_files

ROOT = Path(__file__).resolve().parents[2]
PACK = load_policies()

REQUIRED = (
    "recording-enabled",
    "webhook-https",
    "inbound-webhook-https",
    "webhook-active-needs-url",
    "max-duration",
    "outbound-voicemail",
    "outbound-ai-disclosure",
    "no-secrets-in-prompt",
    "initial-message-length",
    "name-length",
    "active-needs-phone-number",
    "knowledgebase-mode-valid",
    "model-matches-mode",
    "temperature-range",
    "stability-range",
    "similarity-range",
    "speech-speed-range",
    "endpoint-sensitivity-range",
    "interrupt-sensitivity-range",
    "ambient-volume-range",
    "min-interrupt-words-range",
    "documented-values",
)


def test_the_pack_has_the_documented_rules() -> None:
    assert sorted(r.id for r in PACK.rules) == sorted(REQUIRED)
    assert all(r.enabled for r in PACK.rules)


@pytest.mark.parametrize("rule", PACK.rules, ids=lambda r: r.id)
def test_every_rule_says_why_and_how_to_fix(rule: object) -> None:
    info = rule.info  # type: ignore[attr-defined]
    assert info.title
    assert info.title != info.id
    assert len(info.description) > 60, "the rationale says why the rule exists"
    assert info.remediation
    assert info.tags


def test_severities_follow_the_stakes() -> None:
    by_id = {r.id: str(r.severity) for r in PACK.rules}
    assert by_id["no-secrets-in-prompt"] == "critical"
    for rule in ("recording-enabled", "webhook-https", "inbound-webhook-https"):
        assert by_id[rule] == "high"
    assert {by_id[r] for r in REQUIRED if r.endswith("-range")} == {"low"}


def test_the_pack_passes_its_own_tests() -> None:
    assert [p.name for p in bundled_tests()] == ["default_test.yaml"]
    run = run_test_files([])
    assert run.results
    assert run.failed == [], [(r.where, r.problems) for r in run.failed]


def test_every_rule_has_a_failing_and_a_passing_case() -> None:
    run = run_test_files([])
    assert run.untested() == []
    assert set(REQUIRED) <= run.failed_rules
    assert set(REQUIRED) <= run.passed_rules


def test_the_duration_limit_is_a_parameter() -> None:
    assert PACK.params["max_duration_seconds"].value == 1800
    rule = PACK.rule("max-duration")
    assert rule is not None
    assert rule.params == ("max_duration_seconds",)


def test_docs_page_is_the_generated_markdown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no config file around
    result = CliRunner().invoke(cli, ["policy", "list", "--format", "markdown"])
    assert result.exit_code == 0, result.output
    docs = (ROOT / "docs" / "policies.md").read_text(encoding="utf-8")
    assert result.stdout == docs, (
        "regenerate: auditor policy list --format markdown > docs/policies.md"
    )
    for rule in REQUIRED:
        assert f"### `{rule}`" in docs
    for operator in ("between", "no_secrets", "matches", "length"):
        assert f"| `{operator}` |" in docs


def test_policies_folder_at_the_root_is_the_bundled_pack() -> None:
    link = ROOT / "policies"
    if not link.exists() and not (ROOT / ".git").exists():
        pytest.skip("an unpacked sdist has no policies/ link; the pack is in auditor/policies")
    assert link.is_symlink()
    assert (link / "default.yaml").resolve() == DEFAULT_PACK.resolve()
