"""Loading policy files: every problem with its file:line, all at once; includes, params."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.errors import EXIT_USAGE, PolicyError
from auditor.model import Severity
from auditor.policy import DEFAULT_PACK, PolicySet, load_policies
from auditor.policy.loader import BUILTIN_DIR, display_path

DATA = Path(__file__).resolve().parent.parent / "data" / "policies"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def problems(*paths: Path) -> list[str]:
    with pytest.raises(PolicyError) as caught:
        load_policies(paths)
    assert caught.value.exit_code == EXIT_USAGE
    return caught.value.problems


def load_text(tmp_path: Path, text: str) -> PolicySet:
    return load_policies([write(tmp_path, "p.yaml", text)])


def test_the_bundled_pack_loads_by_default() -> None:
    policy_set = load_policies()
    assert policy_set.files == (DEFAULT_PACK,)
    assert DEFAULT_PACK.parent == BUILTIN_DIR
    assert len(policy_set.rules) >= 21
    assert policy_set.rule("max-duration") is not None
    assert policy_set.params["max_duration_seconds"].value == 1800


def test_a_small_file(tmp_path: Path) -> None:
    policy_set = load_text(
        tmp_path,
        """
version: 1
defaults: {severity: high, missing: pass}
rules:
  - id: recording-enabled
    title: Calls must be recorded
    when: {status: active}
    require: {record: true}
    remediation: Turn on recording.
    tags: [compliance]
  - id: low-one
    severity: low
    rationale: because
    missing: fail
    enabled: false
    require: {x: 1}
""",
    )
    first, second = policy_set.rules
    assert first.info.title == "Calls must be recorded"
    assert first.severity is Severity.HIGH
    assert first.missing_pass is True
    assert first.info.remediation == "Turn on recording."
    assert first.info.tags == ("compliance",)
    assert first.info.source == f"{display_path(tmp_path / 'p.yaml')}:5"
    assert second.severity is Severity.LOW
    assert second.info.description == "because"
    assert second.info.title == "low-one"
    assert second.missing_pass is False
    assert second.enabled is False
    assert [r.id for r in policy_set.selected()] == ["recording-enabled"]
    assert [r.id for r in policy_set.selected(select=["low-one"])] == ["low-one"]


WAIVE_A = "rules:\n  - {id: a, require: {x: 1}}\nexceptions:\n"
WAIVE_ABC = "rules:\n  - {id: abc, require: {x: 1}}\nexceptions:\n"
ONE = "    assistants: ['id:1']\n    reason: r\n"

LOADER_ERRORS = [
    # (file text, line, message fragment)
    ("rules: []\nextra: 1\n", 2, "unknown top-level key 'extra'"),
    ("rulez: []\n", 1, "did you mean 'rules'?"),
    (
        "version: 2\nrules: []\n",
        1,
        "version is the number 2, but this auditor reads version 1",
    ),
    (
        "rules:\n  - id: a\n    require: {x: 1}\n    severty: high\n",
        4,
        "unknown rule key 'severty' (did you mean 'severity'?)",
    ),
    (
        "rules:\n  - id: a\n    severity: urgent\n    require: {x: 1}\n",
        3,
        "unknown severity 'urgent'",
    ),
    ("rules:\n  - id: a\n    severity: hihg\n    require: {x: 1}\n", 3, "did you mean 'high'?"),
    (
        "rules:\n  - id: a\n    severity: 3\n    require: {x: 1}\n",
        3,
        "unknown severity the number 3",
    ),
    (
        "rules:\n  - id: a\n    require: {x: {lte: nope, lessthan: 4}}\n",
        3,
        "unknown operator 'lessthan' (did you mean 'lt'?)",
    ),
    (
        "rules:\n  - id: a\n    require:\n      x:\n        matches: '(a'\n",
        5,
        "bad regular expression '(a': missing ) at position 2",
    ),
    ("rules:\n  - id: a\n", 2, "rule a has no require"),
    ("rules:\n  - require: {x: 1}\n", 2, "rule without id"),
    (
        "rules:\n  - id: 'has space'\n    require: {x: 1}\n",
        2,
        "rule id the string 'has space' must be letters",
    ),
    ("rules:\n  - id: [a]\n    require: {x: 1}\n", 2, "rule id a list"),
    (
        "rules:\n  - id: a\n    title: [x]\n    require: {x: 1}\n",
        3,
        "title must be text, not a list",
    ),
    (
        "rules:\n  - id: a\n    tags: compliance\n    require: {x: 1}\n",
        3,
        "tags must be a list of words",
    ),
    (
        "rules:\n  - id: a\n    missing: ignore\n    require: {x: 1}\n",
        3,
        "missing takes fail or pass",
    ),
    (
        "rules:\n  - id: a\n    enabled: 'no'\n    require: {x: 1}\n",
        3,
        "enabled takes true or false",
    ),
    (
        "rules:\n  - id: a\n    description: x\n    rationale: y\n    require: {x: 1}\n",
        4,
        "give either description or rationale",
    ),
    (
        "rules:\n  - id: a\n    require: {x: 1}\n  - id: a\n    require: {y: 1}\n",
        4,
        "duplicate rule id 'a' (first defined at",
    ),
    ("rules: {id: a}\n", 1, "rules must be a list of rules, not an object"),
    ("rules:\n  - just text\n", 2, "a rule must be a mapping with id and require, not the string"),
    (
        "rules:\n  - id: a\n    when: active\n    require: {x: 1}\n",
        3,
        "rule a: when must be a mapping",
    ),
    ("defaults: {severity: mega}\nrules: []\n", 1, "unknown severity 'mega'"),
    ("defaults: {colour: red}\nrules: []\n", 1, "unknown defaults key 'colour'"),
    ("defaults: high\nrules: []\n", 1, "defaults must be a mapping"),
    ("params: [1]\nrules: []\n", 1, "params must be a mapping"),
    (
        "params:\n  limit: 5\nrules:\n  - {id: a, require: {x: 1}}\n",
        2,
        "parameter 'limit' is not used by any rule",
    ),
    (
        "params:\n  limit: 5\nrules:\n  - {id: a, require: {x: {lte: {param: limt}}}}\n",
        4,
        "unknown parameter 'limt' (did you mean 'limit'?)",
    ),
    ("params:\n  2x: 5\nrules: []\n", 2, "parameter name the string '2x' must be letters"),
    ("include: [nope.yaml]\nrules: []\n", 1, "include 'nope.yaml': no such file or folder ("),
    ("include: 5\nrules: []\n", 1, "include takes a list of paths, not the number 5"),
    (
        "include: [builtin:nope]\nrules: []\n",
        1,
        "unknown bundled pack 'builtin:nope' (bundled: builtin:default, builtin:voice-compliance)",
    ),
    ("rules: []\nexceptions: {rule: a}\n", 2, "exceptions must be a list of waivers"),
    (
        WAIVE_A + "  - rule: b\n" + ONE,
        4,
        "waiver names rule 'b', which is not defined",
    ),
    (
        WAIVE_ABC + "  - rule: abd\n" + ONE,
        4,
        "did you mean 'abc'?",
    ),
    (
        WAIVE_A + "  - rule: a\n    assistants: ['id:1']\n",
        4,
        "waiver needs a reason",
    ),
    (
        WAIVE_A + "  - rule: a\n    assistants: ['id:1']\n    reason: '  '\n",
        6,
        "waiver needs a reason",
    ),
    (
        WAIVE_A + "  - rule: a\n    reason: r\n",
        4,
        "waiver without assistants",
    ),
    (
        WAIVE_A + "  - rule: a\n    assistants: ['127']\n    reason: r\n",
        5,
        "assistant selector '127' must be id:NUMBER, uuid:UUID or name:GLOB",
    ),
    (
        WAIVE_A + "  - rule: a\n    assistants:\n      - id: 127\n    reason: r\n",
        6,
        'assistant selector must be text like "id:127"',
    ),
    (
        WAIVE_A + "  - rule: a\n" + ONE + "    expires: soon\n",
        7,
        "expires takes a date like 2027-01-31",
    ),
    (
        WAIVE_A + "  - rule: a\n" + ONE + "    until: 2027-01-01\n",
        7,
        "unknown waiver key 'until'",
    ),
    (
        "rules: []\ndrift: {ignore_fields: updated_at}\n",
        2,
        "ignore_fields must be a list of field paths",
    ),
    ("rules: []\ndrift: {ignore: [x]}\n", 2, "unknown drift key 'ignore'"),
    ("- a\n- b\n", 1, "a policy file must be a mapping (version, rules, …), not a list"),
    ("rules: [\n", 2, "invalid YAML"),
    ("rules: []\nrules: []\n", 2, "duplicate key 'rules' (first given on line 1)"),
]


@pytest.mark.parametrize(("text", "line", "message"), LOADER_ERRORS)
def test_loader_errors_name_the_file_and_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    path = write(tmp_path, "p.yaml", text)
    found = problems(path)
    prefix = f"{display_path(path)}:{line}: "
    matching = [p for p in found if message in p]
    assert matching, found
    assert matching[0].startswith(prefix), (matching[0], prefix)


def test_an_empty_file_is_an_error(tmp_path: Path) -> None:
    (problem,) = problems(write(tmp_path, "p.yaml", "# nothing\n"))
    assert "the file is empty" in problem


def test_a_missing_path_is_an_error(tmp_path: Path) -> None:
    (problem,) = problems(tmp_path / "nope.yaml")
    assert problem.endswith("nope.yaml: no such file or folder")


def test_five_mistakes_give_five_problems_in_line_order() -> None:
    found = problems(DATA / "broken" / "five_mistakes.yaml")
    assert len(found) == 5
    lines = [int(p.split(":")[1]) for p in found]
    assert lines == sorted(lines) == [6, 7, 9, 10, 11]
    assert "unknown severity 'urgent'" in found[0]
    assert "unknown operator 'lessthan' (did you mean 'lt'?)" in found[1]
    assert "bad regular expression" in found[2]
    assert "unknown rule key 'remediaton' (did you mean 'remediation'?)" in found[3]
    assert "duplicate rule id 'max-duration-custom'" in found[4]


def test_problems_of_every_file_are_reported_together() -> None:
    found = problems(DATA / "broken")
    assert len(found) == 6
    assert found[-1].startswith(
        display_path(DATA / "broken" / "not_yaml.yaml") + ":4: invalid YAML"
    )


def test_include_cycle_shows_the_chain() -> None:
    (problem,) = problems(DATA / "cycle" / "a.yaml")
    a, b = display_path(DATA / "cycle" / "a.yaml"), display_path(DATA / "cycle" / "b.yaml")
    assert problem == f"{b}:3: include cycle: {a} → {b} → {a}"


def test_self_include_is_a_cycle(tmp_path: Path) -> None:
    (problem,) = problems(write(tmp_path, "p.yaml", "include: [p.yaml]\nrules: []\n"))
    assert "include cycle" in problem


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    one = write(tmp_path, "one.yaml", "rules:\n  - {id: same, require: {x: 1}}\n")
    two = write(
        tmp_path,
        "two.yaml",
        "rules:\n  - id: other\n    require: {x: 1}\n  - id: same\n    require: {y: 2}\n",
    )
    (problem,) = problems(one, two)
    first = f"{display_path(one)}:2"
    assert problem == f"{display_path(two)}:4: duplicate rule id 'same' (first defined at {first})"


def test_a_rule_of_the_bundled_pack_cannot_be_redefined(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "p.yaml",
        "include: [builtin:default]\nrules:\n  - {id: max-duration, require: {x: 1}}\n",
    )
    (problem,) = problems(path)
    assert "duplicate rule id 'max-duration' (first defined at" in problem
    assert "default.yaml:" in problem


def test_a_file_reached_twice_is_read_once(tmp_path: Path) -> None:
    write(tmp_path, "common.yaml", "rules:\n  - {id: common, require: {x: 1}}\n")
    a = write(tmp_path, "a.yaml", "include: [common.yaml]\nrules:\n  - {id: a, require: {x: 1}}\n")
    b = write(
        tmp_path,
        "b.yaml",
        "include: [common.yaml, builtin:default]\nrules:\n  - {id: b, require: {x: 1}}\n",
    )
    policy_set = load_policies([a, b, DEFAULT_PACK])
    ids = [r.id for r in policy_set.rules]
    assert ids[:2] == ["common", "a"]
    assert ids.count("max-duration") == 1
    assert ids[-1] == "b"
    assert len(policy_set.files) == 4


def test_a_folder_loads_its_yaml_files_sorted_without_tests(tmp_path: Path) -> None:
    write(tmp_path, "b.yml", "rules:\n  - {id: b, require: {x: 1}}\n")
    write(tmp_path, "a.yaml", "rules:\n  - {id: a, require: {x: 1}}\n")
    write(tmp_path, "a_test.yaml", "this: is not a policy\n")
    write(tmp_path, "notes.txt", "ignored\n")
    policy_set = load_policies([tmp_path])
    assert [r.id for r in policy_set.rules] == ["a", "b"]


def test_an_empty_folder_is_an_error(tmp_path: Path) -> None:
    (problem,) = problems(tmp_path)
    assert "no policy files (*.yaml, *.yml) in this folder" in problem


def test_a_folder_include(tmp_path: Path) -> None:
    write(tmp_path, "extra/x.yaml", "rules:\n  - {id: x, require: {x: 1}}\n")
    path = write(tmp_path, "main.yaml", "include: [extra]\nrules: []\n")
    assert [r.id for r in load_policies([path]).rules] == ["x"]


def test_the_symlinked_policies_folder_is_the_bundled_pack() -> None:
    root = Path(__file__).resolve().parents[2]
    if not (root / "policies").exists() and not (root / ".git").exists():
        pytest.skip("an unpacked sdist has no policies/ link; the pack is in auditor/policies")
    policy_set = load_policies([root / "policies"])
    assert [f.resolve() for f in policy_set.files] == [DEFAULT_PACK.resolve()]
    both = load_policies([root / "policies" / "default.yaml", DEFAULT_PACK])
    assert len(both.rules) == len(policy_set.rules)


def test_params_later_files_win(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "team.yaml",
        "include: [builtin:default]\nparams: {max_duration_seconds: 3600}\nrules: []\n",
    )
    policy_set = load_policies([path])
    param = policy_set.params["max_duration_seconds"]
    assert param.value == 3600
    assert param.source == f"{display_path(path)}:2"
    rule = policy_set.rule("max-duration")
    assert rule is not None
    assert rule.require.check({"max_duration": 3000}) is None
    assert rule.require.check({"max_duration": 3601}) is not None
    assert "≤ 3600" in rule.describe()


def test_params_can_be_overridden_by_a_later_policy_argument(tmp_path: Path) -> None:
    override = write(tmp_path, "o.yaml", "params: {ai_disclosure_pattern: '(?i)\\bKI\\b'}\n")
    policy_set = load_policies([DEFAULT_PACK, override])
    rule = policy_set.rule("outbound-ai-disclosure")
    assert rule is not None
    assert rule.require.check({"initial_message": "Hallo, hier ist eine KI"}) is None
    assert rule.require.check({"initial_message": "Hi, I am an AI"}) is not None


def test_defaults_apply_to_their_own_file_only(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "p.yaml",
        "include: [builtin:default]\ndefaults: {severity: critical}\n"
        "rules:\n  - {id: mine, require: {x: 1}}\n",
    )
    policy_set = load_policies([path])
    assert policy_set.rule("mine").severity is Severity.CRITICAL  # type: ignore[union-attr]
    assert policy_set.rule("temperature-range").severity is Severity.LOW  # type: ignore[union-attr]


def test_drift_settings_are_collected(tmp_path: Path) -> None:
    policy_set = load_policies([DATA / "team" / "team.yaml"])
    assert policy_set.drift_ignore_fields == ("widget_settings",)
    assert policy_set.drift_unordered_lists == ("variables.tags",)


def test_waivers_are_compiled(tmp_path: Path) -> None:
    policy_set = load_text(
        tmp_path,
        """
rules:
  - {id: a-range, require: {x: 1}}
  - {id: b-range, require: {x: 1}}
  - {id: other, require: {x: 1}}
exceptions:
  - rule: '*-range'
    assistants: ["id:127", "uuid:abc", "name:Support *"]
    account: north
    reason: ' approved '
    expires: 2027-01-31
  - rule: [other]
    assistants: ["id:1"]
    reason: r
    expires: '2027-02-01'
""",
    )
    first, second = policy_set.waivers
    assert first.rule_ids == {"a-range", "b-range"}
    assert [str(s) for s in first.assistants] == ["id:127", "uuid:abc", "name:Support *"]
    assert first.account == "north"
    assert first.reason == "approved"
    assert first.expires is not None
    assert first.expires.isoformat() == "2027-01-31"
    assert first.source.endswith("p.yaml:7")
    assert second.expires is not None
    assert second.expires.isoformat() == "2027-02-01"


def test_deeply_nested_conditions_do_not_crash(tmp_path: Path) -> None:
    nested = "{x: 1}"
    for _ in range(400):
        nested = "{not: " + nested + "}"
    path = write(tmp_path, "p.yaml", f"rules:\n  - id: deep\n    require: {nested}\n")
    try:
        policy_set = load_policies([path])
    except PolicyError as exc:
        caught: PolicyError | None = exc
    else:
        caught = None
        assert policy_set.rules[0].require.check({"x": 2}) is not None
    assert caught is None or caught.problems


def test_a_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_bytes(b"rules: [\xff\xfe]\n")
    (problem,) = problems(path)
    assert "not UTF-8 text" in problem


def test_severity_info_on_a_rule_is_not_replaced_by_the_default(tmp_path: Path) -> None:
    policy_set = load_text(
        tmp_path,
        """
defaults: {severity: critical}
rules:
  - {id: fyi, severity: info, require: {x: 1}}
  - {id: unset, require: {x: 1}}
""",
    )
    fyi, unset = policy_set.rules
    assert fyi.severity is Severity.INFO
    assert unset.severity is Severity.CRITICAL


@pytest.mark.parametrize(
    ("expires", "reason"),
    [("2027-13-01", "month must be in 1..12"), ("2027-02-30", "day is out of range for month")],
)
def test_an_impossible_waiver_date_is_a_file_line_error_among_the_others(
    tmp_path: Path, expires: str, reason: str
) -> None:
    path = write(
        tmp_path,
        "p.yaml",
        f"""rules:
  - {{id: a, require: {{x: 1}}, bogus: 1}}
exceptions:
  - rule: a
    assistants: ["id:1"]
    reason: r
    expires: {expires}
""",
    )
    found = problems(path)
    name = display_path(path)
    assert len(found) == 2
    assert found[0].startswith(f"{name}:2: unknown rule key 'bogus'")
    assert found[1] == (
        f"{name}:7: expires takes a date like 2027-01-31, not the string '{expires}' ({reason})"
    )
