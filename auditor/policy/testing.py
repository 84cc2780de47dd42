"""Policy test files (``*_test.yaml``): example assistants and the outcomes they must get.

Like ``opa test`` or ``conftest verify``, a test file pins down what a policy pack does,
so a change to a rule that breaks an expectation fails in CI, not in the nightly audit::

    policy: default.yaml          # or policies: [a.yaml, builtin:default]; relative to this file
    today: 2026-06-01             # optional: the day waivers are judged on
    base:                         # optional: every case's assistant starts from this one
      {id: 1, uuid: a-1, name: Reception, status: active, record: true, ...}
    cases:
      - name: an active assistant that does not record
        assistant: {record: false}          # merged over base, key by key
        unset: [phone_number_id]            # optional: keys of base to leave out
        account: north                      # optional: the account it belongs to
        expect:
          violations: [recording-enabled]   # exactly these rules fail ([] = none fails)
          waived: []                        # exactly these findings are waived
          fail: [recording-enabled]         # at least these fail
          pass: [max-duration]              # these do not fail
          messages: {recording-enabled: "record must be true"}   # text in the finding

Without ``policy``/``policies`` the pack is the file next to the test with ``_test``
removed (``default_test.yaml`` tests ``default.yaml``). A broken test file is a
``PolicyError`` (exit 2) with ``file:line``; a case whose outcome differs is a failure
(exit 1), reported with what was expected and what happened.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from auditor.errors import PolicyError
from auditor.model import Listing, Violation
from auditor.policy.conditions import Problems
from auditor.policy.engine import evaluate
from auditor.policy.loader import BUILTIN_DIR, BUILTIN_PREFIX, display_path, load_policies
from auditor.policy.operators import did_you_mean
from auditor.policy.rules import PolicySet
from auditor.policy.wording import describe
from auditor.yamlio import YamlError, line_of, load_yaml_file, plain_value

TEST_KEYS = ("policy", "policies", "today", "base", "cases")
CASE_KEYS = ("name", "assistant", "unset", "account", "expect")
EXPECT_KEYS = ("violations", "waived", "fail", "pass", "messages")


def is_policy_test(path: Path) -> bool:
    """``*_test.yaml`` / ``*_test.yml``."""
    return path.name.endswith(("_test.yaml", "_test.yml"))


def policy_test_files_in(folder: Path) -> list[Path]:
    """The test files of a folder, sorted."""
    return sorted(p for p in folder.iterdir() if p.is_file() and is_policy_test(p))


def bundled_tests() -> list[Path]:
    """The bundled pack's own tests."""
    return policy_test_files_in(BUILTIN_DIR)


@dataclass(frozen=True)
class CaseResult:
    """The outcome of one test case."""

    file: str
    line: int
    name: str
    problems: tuple[str, ...] = ()
    """Each way the outcome differs from the expectation (empty: the case passed)."""

    @property
    def passed(self) -> bool:
        return not self.problems

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class PolicyTestRun:
    """All cases of all test files, and which rules the cases made fail."""

    results: list[CaseResult] = field(default_factory=list)
    rules: dict[str, set[str]] = field(default_factory=dict)
    """Per test file: the ids of the rules in force."""
    failed_rules: set[str] = field(default_factory=set)
    """Rules some case expected to fail (coverage)."""
    passed_rules: set[str] = field(default_factory=set)
    """Rules some case expected to pass."""

    @property
    def failed(self) -> list[CaseResult]:
        return [r for r in self.results if not r.passed]

    def untested(self) -> list[str]:
        """Rules in force that no case expects to fail, or none expects to pass."""
        every: set[str] = set().union(*self.rules.values()) if self.rules else set()
        return sorted(r for r in every if r not in self.failed_rules or r not in self.passed_rules)


@dataclass
class _Case:
    line: int
    name: str
    record: dict[str, Any]
    account: str | None
    expect: dict[str, Any]
    expect_line: int


class _TestFile:
    """Reads and checks one test file; problems are collected, then raised together."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = display_path(path)
        self.problems = Problems(self.name)

    def _known_keys(self, node: Any, known: Sequence[str], what: str) -> None:
        for key in node:
            if key not in known:
                self.problems.add(
                    line_of(node, key),
                    f"unknown {what} {key!r}{did_you_mean(key, known)}; known: {', '.join(known)}",
                )

    def read(self) -> tuple[list[Path], date | None, list[_Case]]:
        try:
            doc = load_yaml_file(self.path)
        except YamlError as exc:
            self.problems.add(exc.line, exc.reason)
            return [], None, []
        if not isinstance(doc, dict):
            self.problems.add(
                getattr(doc, "line", 0), f"a test file is a mapping with cases, not {describe(doc)}"
            )
            return [], None, []
        self._known_keys(doc, TEST_KEYS, "key")
        return self._policies(doc), self._today(doc), self._cases(doc)

    def _policies(self, doc: Any) -> list[Path]:
        if "policy" in doc and "policies" in doc:
            self.problems.add(line_of(doc, "policies"), "give either policy or policies")
        value = doc.get("policy", doc.get("policies"))
        key = "policy" if "policy" in doc else "policies"
        if value is None:
            stem = self.path.name.rsplit("_test.", 1)[0]
            for suffix in (".yaml", ".yml"):
                sibling = self.path.with_name(stem + suffix)
                if sibling.is_file():
                    return [sibling]
            self.problems.add(
                0, f"no policy to test: add policy: FILE (no {stem}.yaml next to the test)"
            )
            return []
        entries = [value] if isinstance(value, str) else value
        if (
            not isinstance(entries, list)
            or not entries
            or not all(isinstance(e, str) and e for e in entries)
        ):
            self.problems.add(
                line_of(doc, key), f"{key} takes a path (or a list of paths), not {describe(value)}"
            )
            return []
        paths = []
        for entry in entries:
            if entry.startswith(BUILTIN_PREFIX):
                paths.append(BUILTIN_DIR / f"{entry[len(BUILTIN_PREFIX) :]}.yaml")
            else:
                paths.append(self.path.parent / entry)
        for p in paths:
            if not p.exists():
                self.problems.add(
                    line_of(doc, key), f"{key}: {display_path(p)}: no such file or folder"
                )
        return paths

    def _today(self, doc: Any) -> date | None:
        value = doc.get("today")
        if value is None:
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.problems.add(
            line_of(doc, "today"), f"today takes a date like 2026-06-01, not {describe(value)}"
        )
        return None

    def _cases(self, doc: Any) -> list[_Case]:
        base: dict[str, Any] = {}
        if "base" in doc:
            if isinstance(doc["base"], dict):
                base = plain_value(doc["base"])
            else:
                self.problems.add(
                    line_of(doc, "base"),
                    f"base must be an assistant (a mapping), not {describe(doc['base'])}",
                )
        cases = doc.get("cases")
        if not isinstance(cases, list) or not cases:
            self.problems.add(
                line_of(doc, "cases") if "cases" in doc else 0,
                f"cases must be a non-empty list of test cases, not {describe(cases)}"
                if "cases" in doc
                else "no cases: add cases: [{name, assistant, expect}]",
            )
            return []
        out = []
        for i, raw in enumerate(cases):
            case = self._case(raw, line_of(cases, i), i + 1, base)
            if case is not None:
                out.append(case)
        return out

    def _case(self, raw: Any, line: int, number: int, base: dict[str, Any]) -> _Case | None:
        if not self.problems.mapping(raw, line, "a case", "name, assistant and expect"):
            return None
        before = len(self.problems.items)
        self._known_keys(raw, CASE_KEYS, "case key")
        name = raw.get("name", f"case {number}")
        if not isinstance(name, str):
            self.problems.add(line_of(raw, "name"), f"name must be text, not {describe(name)}")
        assistant = raw.get("assistant", {})
        if not isinstance(assistant, dict):
            self.problems.add(
                line_of(raw, "assistant"),
                f"assistant must be a mapping of fields, not {describe(assistant)}",
            )
            assistant = {}
        record = {**base, **plain_value(assistant)}
        unset = raw.get("unset", [])
        if not isinstance(unset, list) or not all(isinstance(u, str) for u in unset):
            self.problems.add(
                line_of(raw, "unset"), f"unset takes a list of field names, not {describe(unset)}"
            )
        else:
            for key in unset:
                record.pop(key, None)
        record.setdefault("uuid", f"case-{number}")
        account = raw.get("account")
        if account is not None and not isinstance(account, str):
            self.problems.add(
                line_of(raw, "account"), f"account must be a name, not {describe(account)}"
            )
        expect = raw.get("expect")
        if not isinstance(expect, dict) or not expect:
            self.problems.add(
                line_of(raw, "expect") if "expect" in raw else line,
                "expect must say what happens: violations, waived, fail, pass or messages",
            )
            return None
        self._known_keys(expect, EXPECT_KEYS, "expect key")
        for key in ("violations", "waived", "fail", "pass"):
            if key in expect:
                value = expect[key]
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    self.problems.add(
                        line_of(expect, key),
                        f"{key} takes a list of rule ids, not {describe(value)}",
                    )
        if "messages" in expect:
            value = expect["messages"]
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                self.problems.add(
                    line_of(expect, "messages"),
                    f"messages maps rule ids to expected text, not {describe(value)}",
                )
        if len(self.problems.items) > before:
            return None
        return _Case(line, str(name), record, account, dict(expect), line_of(raw, "expect"))


def _check(case: _Case, found: Sequence[Violation], waived: Sequence[Violation]) -> list[str]:
    got = {v.rule: v for v in found}
    got_waived = {v.rule: v for v in waived}
    problems: list[str] = []
    expect = case.expect

    def unexpected(rule: str) -> str:
        return f"+ {rule}: unexpected violation: {got[rule].message}"

    if "violations" in expect:
        wanted = set(expect["violations"])
        problems += [f"- {r}: expected a violation, got none" for r in sorted(wanted - set(got))]
        problems += [unexpected(r) for r in sorted(set(got) - wanted)]
    if "waived" in expect:
        wanted = set(expect["waived"])
        problems += [
            f"- {r}: expected a waived finding, got none" for r in sorted(wanted - set(got_waived))
        ]
        problems += [
            f"+ {r}: unexpectedly waived ({got_waived[r].message})"
            for r in sorted(set(got_waived) - wanted)
        ]
    for rule in expect.get("fail", ()):
        if rule not in got:
            problems.append(f"- {rule}: expected a violation, got none")
    for rule in expect.get("pass", ()):
        if rule in got:
            problems.append(unexpected(rule))
    for rule, text in expect.get("messages", {}).items():
        finding = got.get(rule) or got_waived.get(rule)
        if finding is None:
            problems.append(f"- {rule}: expected a finding with {text!r}, got none")
        elif text not in finding.message:
            problems.append(f"~ {rule}: expected {text!r} in the message, got {finding.message!r}")
    return problems


def run_test_files(paths: Sequence[Path]) -> PolicyTestRun:
    """Run the cases of these test files (folders: their ``*_test.yaml``); default: bundled.

    Raises ``PolicyError`` with every ``file:line`` problem when a test file, or a pack
    it tests, is broken.
    """
    files: list[Path] = []
    problems: list[str] = []
    for target in paths or bundled_tests():
        target = Path(target)
        if target.is_dir():
            found = policy_test_files_in(target)
            if not found:
                problems.append(
                    f"{display_path(target)}: no policy test files (*_test.yaml) in this folder"
                )
            files.extend(found)
        elif target.is_file():
            files.append(target)
        else:
            problems.append(f"{display_path(target)}: no such file or folder")
    run = PolicyTestRun()
    plans: list[tuple[_TestFile, PolicySet, date | None, list[_Case]]] = []
    packs: dict[tuple[Path, ...], PolicySet] = {}
    for path in files:
        test_file = _TestFile(path)
        policy_paths, today, cases = test_file.read()
        policy_set: PolicySet | None = None
        if policy_paths and not test_file.problems.items:
            key = tuple(p.resolve() for p in policy_paths)
            try:
                policy_set = packs[key] if key in packs else load_policies(policy_paths)
                packs[key] = policy_set
            except PolicyError as exc:
                problems.extend(exc.problems)
        if policy_set is not None:
            known = [r.id for r in policy_set.rules]
            for case in cases:
                for part, value in case.expect.items():
                    ids = value if isinstance(value, list) else list(value)
                    for rule in ids:
                        if rule not in known:
                            test_file.problems.add(
                                case.expect_line,
                                f"{case.name}: expect.{part} names rule {rule!r}, which the policy "
                                f"does not define{did_you_mean(rule, known)}",
                            )
        problems.extend(test_file.problems.rendered())
        if policy_set is not None and not test_file.problems.items:
            plans.append((test_file, policy_set, today, cases))
    if problems:
        raise PolicyError(problems)
    for test_file, policy_set, today, cases in plans:
        run.rules[test_file.name] = {r.id for r in policy_set.selected()}
        for case in cases:
            listing = Listing(
                source=test_file.name,
                fetched_at="",
                assistants={case.record["uuid"]: case.record},
                account=case.account,
            )
            evaluation = evaluate(policy_set, [listing], today=today)
            outcome = _check(case, evaluation.violations, evaluation.waived)
            run.results.append(CaseResult(test_file.name, case.line, case.name, tuple(outcome)))
            run.failed_rules.update(case.expect.get("violations", ()))
            run.failed_rules.update(case.expect.get("fail", ()))
            run.passed_rules.update(case.expect.get("pass", ()))
            if "violations" in case.expect:
                listed = set(case.expect["violations"])
                run.passed_rules.update(r for r in run.rules[test_file.name] if r not in listed)
    return run
