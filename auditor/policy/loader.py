"""Reading policy files: every problem in every file, as ``file:line: message``, at once.

``load_policies`` reads the files (and what they ``include``), checks every key, type,
operator, regex, severity, parameter and waiver, compiles every rule once, and returns
a ``PolicySet``, or raises one ``PolicyError`` that lists all the problems found, in
file order and line order, so a user fixes them in one go. No exception other than
``PolicyError`` escapes, whatever the files contain.

Load order: for each path given, its includes first (depth first), then the file
itself; a file reached twice is read once; an include cycle is an error that shows the
chain. Parameters set in later files override earlier ones, so a team file that
includes ``builtin:default`` and sets ``params: {max_duration_seconds: 3600}`` changes
the bundled limit. ``defaults`` apply to the rules of their own file only.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from auditor.choices import SEVERITY_CHOICES
from auditor.errors import PolicyError
from auditor.model import RuleInfo, Severity
from auditor.policy.conditions import (
    CompileContext,
    Mode,
    Problems,
    compile_condition,
    lenient,
)
from auditor.policy.operators import did_you_mean
from auditor.policy.rules import CompiledRule, Param, PolicySet
from auditor.policy.waivers import Waiver, parse_selector
from auditor.policy.wording import describe
from auditor.settings import DriftIgnore
from auditor.yamlio import YamlError, line_of, load_yaml_file, plain_value

BUILTIN_DIR = Path(__file__).resolve().parent.parent / "policies"
"""Where the bundled packs live (inside the package, so they ship in the wheel)."""
DEFAULT_PACK = BUILTIN_DIR / "default.yaml"
"""The bundled policy pack, used when no ``--policy`` is given."""
BUILTIN_PREFIX = "builtin:"
COMPLIANCE_DIR = BUILTIN_DIR / "compliance"
"""The bundled compliance pack (``builtin:voice-compliance``): in a folder of its own so
that loading ``policies/`` does not turn on its rules."""

POLICY_VERSION = 1
TOP_KEYS = (
    "version",
    "defaults",
    "include",
    "params",
    "rules",
    "exceptions",
    "drift",
    "ignore_drift",
    "waivers",
)
DEFAULT_KEYS = ("severity", "missing")
RULE_KEYS = (
    "id",
    "title",
    "severity",
    "description",
    "rationale",
    "when",
    "require",
    "remediation",
    "tags",
    "missing",
    "enabled",
    "frameworks",
)
WAIVER_KEYS = ("rule", "assistants", "account", "reason", "expires", "owner")
WAIVER_POLICY_KEYS = ("require_owner", "max_days")
FRAMEWORK_REF_KEYS = ("id", "ref")
DRIFT_KEYS = ("ignore_fields", "unordered_lists")
IGNORE_DRIFT_KEYS = ("assistants", "paths", "reason")
MISSING_CHOICES = ("fail", "pass")

RULE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
PARAM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def is_test_file(path: Path) -> bool:
    """``*_test.yaml`` / ``*_test.yml``: policy test files, skipped when loading a folder."""
    return path.name.endswith(("_test.yaml", "_test.yml"))


def policy_files_in(folder: Path) -> list[Path]:
    """The policy files of a folder: ``*.yaml`` and ``*.yml`` except tests, sorted."""
    return sorted(
        p
        for p in folder.iterdir()
        if p.suffix in (".yaml", ".yml") and p.is_file() and not is_test_file(p)
    )


def display_path(path: Path) -> str:
    """How a file is named in messages: relative to the working directory when inside it."""
    text = os.path.normpath(str(path))
    if os.path.isabs(text):
        try:
            rel = os.path.relpath(text)
        except ValueError:
            return text
        return rel if not rel.startswith("..") else text
    return text


@dataclass
class _File:
    path: Path
    name: str
    order: int
    doc: Any = None
    problems: Problems = field(init=False)

    def __post_init__(self) -> None:
        self.problems = Problems(self.name)


class _Loader:
    def __init__(self) -> None:
        self.files: list[_File] = []  # parsed, in load order (includes first)
        self.seen: dict[Path, _File] = {}
        self.stack: list[Path] = []
        self.all_files: list[_File] = []  # every file met, for problem order
        self.loose: list[tuple[int, str]] = []  # problems not inside any file
        self.params: dict[str, Param] = {}
        self.param_sites: dict[str, tuple[_File, int]] = {}
        self.rules: list[CompiledRule] = []
        self.rule_sources: dict[str, str] = {}
        self.waivers: list[Waiver] = []
        self.ignore_fields: list[str] = []
        self.unordered_lists: list[str] = []
        self.drift_scoped: list[DriftIgnore] = []
        self.require_owner = False
        self.max_days: int | None = None
        self.today = date.today()

    # -- phase 1: read files and includes ------------------------------------------------

    def load_target(self, target: Path) -> None:
        if target.is_dir():
            found = policy_files_in(target)
            if not found:
                self._loose(
                    f"{display_path(target)}: no policy files (*.yaml, *.yml) in this folder"
                )
            for path in found:
                self.load_file(path, None, 0)
        else:
            self.load_file(target, None, 0)

    def _loose(self, message: str) -> None:
        self.loose.append((len(self.all_files), message))

    def load_file(self, path: Path, parent: _File | None, line: int) -> None:
        try:
            key = path.resolve()
        except (OSError, RuntimeError):
            key = path.absolute()
        if key in self.stack:
            chain = [*self.stack[self.stack.index(key) :], key]
            names = " → ".join(display_path(p) for p in chain)
            assert parent is not None  # a top-level file cannot be on the stack
            parent.problems.add(line, f"include cycle: {names}")
            return
        if key in self.seen:
            return
        file = _File(path, display_path(path), len(self.all_files))
        self.seen[key] = file
        self.all_files.append(file)
        try:
            doc = load_yaml_file(path)
        except YamlError as exc:
            if parent is not None and not path.exists():
                parent.problems.add(line, f"include {display_path(path)}: no such file")
            else:
                file.problems.add(exc.line, exc.reason)
            return
        except RecursionError:
            file.problems.add(0, "invalid YAML: nested too deeply")
            return
        if doc is None:
            file.problems.add(
                0, "the file is empty; a policy file is a mapping with version and rules"
            )
            return
        if not isinstance(doc, dict):
            file.problems.add(
                getattr(doc, "line", 1),
                f"a policy file must be a mapping (version, rules, …), not {describe(doc)}",
            )
            return
        file.doc = doc
        self._check_keys(doc, TOP_KEYS, file.problems, "top-level")
        if "version" in doc and doc["version"] != POLICY_VERSION:
            file.problems.add(
                line_of(doc, "version"),
                f"version is {describe(doc['version'])}, but "
                f"this auditor reads version {POLICY_VERSION}",
            )
        self.stack.append(key)
        try:
            self._includes(file)
        finally:
            self.stack.pop()
        self.files.append(file)

    def _includes(self, file: _File) -> None:
        doc = file.doc
        if "include" not in doc:
            return
        entries = doc["include"]
        if isinstance(entries, str):
            entries = [entries]
        if not isinstance(entries, list):
            file.problems.add(
                line_of(doc, "include"), f"include takes a list of paths, not {describe(entries)}"
            )
            return
        for i, entry in enumerate(entries):
            line = line_of(entries, i) if hasattr(entries, "line_of") else line_of(doc, "include")
            if not isinstance(entry, str) or not entry.strip():
                file.problems.add(
                    line, f"include entries are paths (strings), not {describe(entry)}"
                )
                continue
            if entry.startswith(BUILTIN_PREFIX):
                name = entry[len(BUILTIN_PREFIX) :]
                target = BUILTIN_DIR / f"{name}.yaml"
                if not target.is_file():  # the compliance pack, kept out of policies/ loads
                    target = COMPLIANCE_DIR / f"{name}.yaml"
                if not re.fullmatch(r"[A-Za-z0-9_-]+", name) or not target.is_file():
                    packs = [*policy_files_in(BUILTIN_DIR), *policy_files_in(COMPLIANCE_DIR)]
                    known = ", ".join(BUILTIN_PREFIX + p.stem for p in packs)
                    file.problems.add(line, f"unknown bundled pack {entry!r} (bundled: {known})")
                    continue
            else:
                target = file.path.parent / entry
            unusable = _unusable(target)
            if unusable == _NOT_FOUND:
                file.problems.add(
                    line, f"include {entry!r}: no such file or folder ({display_path(target)})"
                )
                continue
            if unusable:
                file.problems.add(line, f"include {entry!r}: {unusable}")
                continue
            if target.is_dir():
                inner = policy_files_in(target)
                if not inner:
                    file.problems.add(line, f"include {entry}: no policy files in this folder")
                for p in inner:
                    self.load_file(p, file, line)
            else:
                self.load_file(target, file, line)

    # -- phase 2: parameters ---------------------------------------------------------------

    def merge_params(self) -> None:
        for file in self.files:
            params = self._section(file, "params", "a mapping of name → value")
            if params is None:
                continue
            for name, value in params.items():
                line = line_of(params, name)
                if not isinstance(name, str) or not PARAM_NAME.match(name):
                    file.problems.add(
                        line, f"parameter name {describe(name)} must be letters, digits and _"
                    )
                    continue
                self.params[name] = Param(name, plain_value(value), f"{file.name}:{line}")
                self.param_sites[name] = (file, line)

    # -- phase 3: rules ----------------------------------------------------------------------

    def compile_rules(self) -> set[str]:
        used: set[str] = set()
        for file in self.files:
            doc = file.doc
            severity, missing = self._defaults(file)
            if "rules" not in doc:
                continue
            rules = doc["rules"]
            if rules is None:
                continue
            if not isinstance(rules, list):
                file.problems.add(
                    line_of(doc, "rules"), f"rules must be a list of rules, not {describe(rules)}"
                )
                continue
            ctx = CompileContext(file.problems, {n: p.value for n, p in self.params.items()})
            for i, raw in enumerate(rules):
                rule = self._rule(file, raw, line_of(rules, i), ctx, severity, missing)
                if rule is not None:
                    self.rules.append(rule)
            used |= ctx.used_params
        return used

    def _defaults(self, file: _File) -> tuple[Severity, bool]:
        doc = file.doc
        severity, missing = Severity.MEDIUM, False
        if "defaults" not in doc:
            return severity, missing
        defaults = doc["defaults"]
        if not isinstance(defaults, dict):
            file.problems.add(
                line_of(doc, "defaults"),
                f"defaults must be a mapping like {{severity: medium}}, not {describe(defaults)}",
            )
            return severity, missing
        self._check_keys(defaults, DEFAULT_KEYS, file.problems, "defaults")
        if "severity" in defaults:
            parsed = self._severity(defaults["severity"], line_of(defaults, "severity"), file)
            severity = parsed if parsed is not None else severity
        if "missing" in defaults:
            missing = (
                self._missing(defaults["missing"], line_of(defaults, "missing"), file) or False
            )
        return severity, missing

    def _severity(self, value: Any, line: int, file: _File) -> Severity | None:
        if isinstance(value, str) and value in SEVERITY_CHOICES:
            return Severity.parse(value)
        hint = did_you_mean(value, SEVERITY_CHOICES) if isinstance(value, str) else ""
        what = repr(value) if isinstance(value, str) else describe(value)
        file.problems.add(
            line, f"unknown severity {what}{hint}; use one of: {', '.join(SEVERITY_CHOICES)}"
        )
        return None

    def _missing(self, value: Any, line: int, file: _File) -> bool | None:
        if value in MISSING_CHOICES and isinstance(value, str):
            return value == "pass"
        file.problems.add(line, f"missing takes fail or pass, not {describe(value)}")
        return None

    def _text(self, raw: Any, key: str, file: _File) -> str | None:
        if key not in raw:
            return None
        value = raw[key]
        if isinstance(value, str):
            return value.strip()
        file.problems.add(line_of(raw, key), f"{key} must be text, not {describe(value)}")
        return None

    def _rule(
        self,
        file: _File,
        raw: Any,
        line: int,
        ctx: CompileContext,
        default_severity: Severity,
        default_missing: bool,
    ) -> CompiledRule | None:
        problems = file.problems
        if not isinstance(raw, dict):
            problems.add(line, f"a rule must be a mapping with id and require, not {describe(raw)}")
            return None
        before = len(problems.items)
        self._check_keys(raw, RULE_KEYS, problems, "rule")
        rule_id = raw.get("id")
        if "id" not in raw:
            problems.add(line, "rule without id: give it a unique id like my-rule")
            rule_id = None
        elif not isinstance(rule_id, str) or not RULE_ID.match(rule_id):
            problems.add(
                line_of(raw, "id"),
                f"rule id {describe(rule_id)} must be letters, digits, '-', '_' or '.' "
                "(like max-duration), at most 100 characters",
            )
            rule_id = None
        else:
            first = self.rule_sources.get(rule_id)
            if first is not None:
                problems.add(
                    line_of(raw, "id"), f"duplicate rule id {rule_id!r} (first defined at {first})"
                )
            else:
                self.rule_sources[rule_id] = f"{file.name}:{line}"
        label = f"rule {rule_id}" if rule_id else "rule"
        title = self._text(raw, "title", file)
        description = self._text(raw, "description", file)
        rationale = self._text(raw, "rationale", file)
        if description is not None and rationale is not None:
            problems.add(
                line_of(raw, "rationale"),
                "give either description or rationale (they mean the same)",
            )
        remediation = self._text(raw, "remediation", file)
        severity = default_severity
        if "severity" in raw:
            # Not ``or``: Severity.INFO is 0, and "info" given is not "not given".
            parsed_severity = self._severity(raw["severity"], line_of(raw, "severity"), file)
            severity = parsed_severity if parsed_severity is not None else severity
        missing = default_missing
        if "missing" in raw:
            parsed = self._missing(raw["missing"], line_of(raw, "missing"), file)
            missing = parsed if parsed is not None else missing
        enabled = True
        if "enabled" in raw:
            if isinstance(raw["enabled"], bool):
                enabled = raw["enabled"]
            else:
                problems.add(
                    line_of(raw, "enabled"),
                    f"enabled takes true or false, not {describe(raw['enabled'])}",
                )
        tags: tuple[str, ...] = ()
        if "tags" in raw:
            value = raw["tags"]
            if isinstance(value, list) and all(isinstance(t, str) and t for t in value):
                tags = tuple(value)
            else:
                problems.add(
                    line_of(raw, "tags"), f"tags must be a list of words, not {describe(value)}"
                )
        frameworks = self._frameworks(raw, file) if "frameworks" in raw else ()
        when = None
        if "when" in raw:
            when = compile_condition(
                raw["when"], ctx, Mode.WHEN, line_of(raw, "when"), f"{label}: when"
            )
        if "require" not in raw:
            problems.add(line, f"{label} has no require: say what must hold, like {{record: true}}")
            return None
        require = compile_condition(
            raw["require"], ctx, Mode.REQUIRE, line_of(raw, "require"), f"{label}: require"
        )
        if rule_id is None or len(problems.items) > before:
            return None
        info = RuleInfo(
            id=rule_id,
            title=title or rule_id,
            severity=severity,
            description=description or rationale or "",
            remediation=remediation or "",
            tags=tags,
            source=f"{file.name}:{line}",
            frameworks=frameworks,
        )
        return CompiledRule(
            info,
            require,
            when,
            missing_pass=missing,
            enabled=enabled,
            lenient_when=lenient(when) if when is not None else None,
        )

    def _frameworks(self, raw: Any, file: _File) -> tuple[tuple[str, str], ...]:
        """``frameworks: [{id: eu-ai-act, ref: "Art. 50(1)"}]`` → ((id, ref), …)."""
        value = raw["frameworks"]
        line = line_of(raw, "frameworks")
        if not isinstance(value, list):
            file.problems.add(
                line,
                'frameworks takes a list like [{id: eu-ai-act, ref: "Art. 50(1)"}], '
                f"not {describe(value)}",
            )
            return ()
        found: list[tuple[str, str]] = []
        for i, entry in enumerate(value):
            entry_line = line_of(value, i)
            if not isinstance(entry, dict):
                file.problems.add(
                    entry_line,
                    f"a framework reference is a mapping {{id, ref}}, not {describe(entry)}",
                )
                continue
            self._check_keys(entry, FRAMEWORK_REF_KEYS, file.problems, "framework reference")
            fid, ref = entry.get("id"), entry.get("ref")
            if not isinstance(fid, str) or not RULE_ID.match(fid):
                file.problems.add(
                    entry_line, f"framework id must be a word like eu-ai-act, not {describe(fid)}"
                )
                continue
            if not isinstance(ref, str) or not ref.strip():
                file.problems.add(
                    entry_line,
                    f'framework reference needs ref, the article or section (like "Art. 50(1)"), '
                    f"not {describe(ref)}",
                )
                continue
            known = _bundled_framework_refs().get(fid)
            if known is not None and ref.strip() not in known:
                file.problems.add(
                    entry_line,
                    f"framework {fid} has no requirement {ref.strip()!r}"
                    f"{did_you_mean(ref.strip(), known)}; its requirements: {', '.join(known)} "
                    f"(auditor framework show {fid})",
                )
                continue
            found.append((fid, ref.strip()))
        return tuple(found)

    # -- phase 4: waivers ----------------------------------------------------------------------

    def waiver_policy(self) -> tuple[bool, int | None]:
        """``waivers: {require_owner, max_days}`` over every file: the strictest wins."""
        require_owner, max_days = False, None
        for file in self.files:
            value = self._section(
                file, "waivers", "a mapping like {require_owner: true, max_days: 180}"
            )
            if value is None:
                continue
            self._check_keys(value, WAIVER_POLICY_KEYS, file.problems, "waivers")
            if "require_owner" in value:
                flag = value["require_owner"]
                if isinstance(flag, bool):
                    require_owner = require_owner or flag
                else:
                    file.problems.add(
                        line_of(value, "require_owner"),
                        f"require_owner takes true or false, not {describe(flag)}",
                    )
            if "max_days" in value:
                days = value["max_days"]
                if isinstance(days, int) and not isinstance(days, bool) and days >= 1:
                    max_days = days if max_days is None else min(max_days, days)
                else:
                    file.problems.add(
                        line_of(value, "max_days"),
                        f"max_days takes a whole number of days (1 or more), not {describe(days)}",
                    )
        return require_owner, max_days

    def compile_waivers(self, today: date) -> None:
        ids = list(self.rule_sources)
        self.require_owner, self.max_days = self.waiver_policy()
        self.today = today
        for file in self.files:
            entries = self._section(file, "exceptions", "a list of waivers", list, null_ok=True)
            if entries is None:
                continue
            for i, raw in enumerate(entries):
                waiver = self._waiver(file, raw, line_of(entries, i), ids)
                if waiver is not None:
                    self.waivers.append(waiver)

    def _waiver(self, file: _File, raw: Any, line: int, ids: list[str]) -> Waiver | None:
        import fnmatch

        problems = file.problems
        if not problems.mapping(raw, line, "a waiver", "rule, assistants and reason"):
            return None
        before = len(problems.items)
        self._check_keys(raw, WAIVER_KEYS, problems, "waiver")
        patterns: list[str] = []
        matched: set[str] = set()
        value = raw.get("rule")
        if "rule" not in raw:
            problems.add(line, "waiver without rule: name the rule id(s) it waives")
        else:
            listed = [value] if isinstance(value, str) else value
            if (
                not isinstance(listed, list)
                or not listed
                or not all(isinstance(p, str) and p for p in listed)
            ):
                problems.add(
                    line_of(raw, "rule"),
                    f"rule takes a rule id (or a list of them), not {describe(value)}",
                )
            else:
                for pattern in listed:
                    hits = (
                        fnmatch.filter(ids, pattern)
                        if any(c in pattern for c in "*?[")
                        else [i for i in ids if i == pattern]
                    )
                    if not hits:
                        problems.add(
                            line_of(raw, "rule"),
                            f"waiver names rule {pattern!r}, which is not defined"
                            + did_you_mean(pattern, ids),
                        )
                    patterns.append(pattern)
                    matched.update(hits)
        selectors = []
        if "assistants" not in raw:
            problems.add(
                line, 'waiver without assistants: list them, like ["id:127", "name:Support *"]'
            )
        else:
            value = raw["assistants"]
            if not isinstance(value, list) or not value:
                problems.add(
                    line_of(raw, "assistants"),
                    'assistants takes a list like ["id:127", "uuid:…", "name:Support *"], '
                    f"not {describe(value)}",
                )
            else:
                for i, item in enumerate(value):
                    item_line = line_of(value, i)
                    if not isinstance(item, (str, int)) or isinstance(item, bool):
                        problems.add(
                            item_line,
                            f'assistant selector must be text like "id:127", not {describe(item)}',
                        )
                        continue
                    try:
                        selectors.append(parse_selector(str(item)))
                    except ValueError as exc:
                        problems.add(item_line, str(exc))
        reason = raw.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            problems.add(
                line_of(raw, "reason") if "reason" in raw else line,
                "waiver needs a reason (who approved it and why, e.g. a ticket)",
            )
        account = raw.get("account")
        if account is not None and not isinstance(account, str):
            problems.add(
                line_of(raw, "account"), f"account must be an account name, not {describe(account)}"
            )
        owner = raw.get("owner")
        if owner is not None and (not isinstance(owner, str) or not owner.strip()):
            problems.add(
                line_of(raw, "owner"),
                f"owner must name a person or team (like team-voice), not {describe(owner)}",
            )
            owner = None
        elif owner is None and self.require_owner:
            problems.add(
                line,
                "waiver without owner, and the policy says waivers: {require_owner: true}; "
                "add owner: <person or team> who renews it",
            )
        expires = self._date(raw, file)
        if expires is not None and self.max_days is not None:
            days = (expires - self.today).days
            if days > self.max_days:
                problems.add(
                    line_of(raw, "expires"),
                    f"waiver expires {expires.isoformat()}, {days} days from today, beyond "
                    f"the policy's max_days: {self.max_days}; pick a date on or before "
                    f"{(self.today + timedelta(days=self.max_days)).isoformat()}",
                )
        elif expires is None and self.max_days is not None and "expires" not in raw:
            problems.add(
                line,
                f"waiver without expires, and the policy says waivers: {{max_days: "
                f"{self.max_days}}}; add expires: <a date at most {self.max_days} days away>",
            )
        if len(problems.items) > before:
            return None
        assert isinstance(reason, str)
        return Waiver(
            rules=tuple(patterns),
            rule_ids=frozenset(matched),
            assistants=tuple(selectors),
            reason=reason.strip(),
            expires=expires,
            source=f"{file.name}:{line}",
            account=account,
            owner=owner.strip() if isinstance(owner, str) else None,
        )

    def _date(self, raw: Any, file: _File) -> date | None:
        if "expires" not in raw or raw["expires"] is None:
            return None
        value = raw["expires"]
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        why = ""
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError as exc:
                # "month must be in 1..12", "day is out of range for month": say which.
                why = f" ({exc})" if "must be" in str(exc) or "out of range" in str(exc) else ""
        file.problems.add(
            line_of(raw, "expires"),
            f"expires takes a date like 2027-01-31, not {describe(value)}{why}",
        )
        return None

    # -- phase 5: drift settings ----------------------------------------------------------------

    def merge_drift(self) -> None:
        for file in self.files:
            self._scoped_drift(file)
            drift = self._section(file, "drift", "a mapping like {ignore_fields: [updated_at]}")
            if drift is None:
                continue
            self._check_keys(drift, DRIFT_KEYS, file.problems, "drift")
            for key, target in (
                ("ignore_fields", self.ignore_fields),
                ("unordered_lists", self.unordered_lists),
            ):
                if key not in drift:
                    continue
                value = drift[key]
                if isinstance(value, list) and all(isinstance(v, str) and v for v in value):
                    target.extend(v for v in value if v not in target)
                else:
                    file.problems.add(
                        line_of(drift, key),
                        f"{key} must be a list of field paths, not {describe(value)}",
                    )

    def _scoped_drift(self, file: _File) -> None:
        """``ignore_drift: [{assistants, paths, reason}]``, as in the config file."""
        entries = file.doc.get("ignore_drift")
        if entries is None:
            return
        if not isinstance(entries, list):
            file.problems.add(
                line_of(file.doc, "ignore_drift"),
                "ignore_drift must be a list like [{assistants: ['name:Support *'], "
                f"paths: [max_duration], reason: …}}], not {describe(entries)}",
            )
            return
        for index, entry in enumerate(entries):
            line = line_of(entries, index)
            if not isinstance(entry, dict):
                file.problems.add(
                    line, f"an ignore_drift entry is a mapping, not {describe(entry)}"
                )
                continue
            self._check_keys(entry, IGNORE_DRIFT_KEYS, file.problems, "ignore_drift")
            paths, assistants = entry.get("paths"), entry.get("assistants", [])
            if not (isinstance(paths, list) and paths and all(_text(p) for p in paths)):
                file.problems.add(
                    line, f"ignore_drift paths must be a list of field paths, not {describe(paths)}"
                )
                continue
            if not (isinstance(assistants, list) and all(_text(a) for a in assistants)):
                file.problems.add(
                    line,
                    "ignore_drift assistants must be a list of selectors, "
                    f"not {describe(assistants)}",
                )
                continue
            bad = False
            for text in assistants:
                try:
                    parse_selector(text)
                except ValueError as exc:
                    file.problems.add(line_of(entry, "assistants"), f"ignore_drift: {exc}")
                    bad = True
            if not bad:
                reason = entry.get("reason", "")
                where = f"{file.name}:{line}"
                self.drift_scoped.append(
                    DriftIgnore(tuple(paths), tuple(assistants), str(reason), where)
                )

    # -- helpers ---------------------------------------------------------------------------------

    @staticmethod
    def _section(
        file: _File, key: str, wanted: str, kind: type = dict, *, null_ok: bool = False
    ) -> Any:
        """The value a file sets at ``key`` if it is a ``kind`` (a mapping); ``None`` and
        the problem "``key`` must be ``wanted``" if it is another kind of value; ``None``
        alone if the file does not set it (or, ``null_ok``, sets it to null)."""
        if key not in file.doc:
            return None
        value = file.doc[key]
        if isinstance(value, kind):
            return value
        if not (null_ok and value is None):
            file.problems.add(
                line_of(file.doc, key), f"{key} must be {wanted}, not {describe(value)}"
            )
        return None

    @staticmethod
    def _check_keys(node: Any, known: Sequence[str], problems: Problems, where: str) -> None:
        for key in node:
            if key not in known:
                hint = did_you_mean(key, known) if isinstance(key, str) else ""
                name = repr(key) if isinstance(key, str) else describe(key)
                problems.add(
                    line_of(node, key),
                    f"unknown {where} key {name}{hint}; known keys: {', '.join(known)}",
                )

    def check_params_used(self, used: set[str]) -> None:
        for name, (file, line) in self.param_sites.items():
            if name not in used:
                file.problems.add(
                    line, f"parameter {name!r} is not used by any rule{did_you_mean(name, used)}"
                )

    def problems(self) -> list[str]:
        ordered: list[tuple[int, int, int, str]] = []
        for file in self.all_files:
            rendered = file.problems.rendered()
            for n, (line, _msg) in enumerate(file.problems.items):
                ordered.append((file.order, line, n, rendered[n]))
        for n, (order, message) in enumerate(self.loose):
            ordered.append((order, 0, -1 - n, message))
        ordered.sort(key=lambda item: (item[0], item[1], item[2]))
        return [item[3] for item in ordered]


def _bundled_framework_refs() -> dict[str, list[str]]:
    """The requirement refs of each bundled framework (a rule's reference to one of them
    must name one; ids of other frameworks are the user's own)."""
    from auditor.frameworks import bundled

    return {f.id: [r.ref for r in f.requirements] for f in bundled().values()}


_NOT_FOUND = "no such file or folder"


def _unusable(path: Path) -> str:
    """Why ``path`` cannot be read ("" if it can): missing, or what the system says
    (a name too long, a loop of links), never an exception."""
    try:
        path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return _NOT_FOUND
    except OSError as exc:
        return (exc.strerror or str(exc)).lower()
    except ValueError:  # a NUL byte in the name
        return "not a usable file name"
    return ""


def load_policies(paths: Sequence[Path] = (), *, today: date | None = None) -> PolicySet:
    """Load policy files and folders (default: the bundled pack) into a ``PolicySet``.

    A folder means every ``*.yaml``/``*.yml`` in it except ``*_test.yaml``, sorted.
    Raises ``PolicyError`` listing every problem, each ``file:line: message``.
    ``today`` is the day ``waivers: {max_days}`` counts from (default: the local date).
    """
    loader = _Loader()
    try:
        for target in paths or (DEFAULT_PACK,):
            target = Path(target)
            unusable = _unusable(target)
            if unusable:
                loader._loose(f"{display_path(target)}: {unusable}")
                continue
            loader.load_target(target)
        loader.merge_params()
        used = loader.compile_rules()
        loader.compile_waivers(today or date.today())
        loader.merge_drift()
        loader.check_params_used(used)
    except RecursionError:
        raise PolicyError(["a policy file is nested too deeply to read"]) from None
    problems = loader.problems()
    if problems:
        raise PolicyError(problems)
    return PolicySet(
        rules=tuple(loader.rules),
        files=tuple(f.path for f in loader.files),
        drift_ignore_fields=tuple(loader.ignore_fields),
        drift_unordered_lists=tuple(loader.unordered_lists),
        drift_scoped=tuple(loader.drift_scoped),
        waivers=tuple(loader.waivers),
        params=dict(loader.params),
    )


def _text(value: Any) -> bool:
    """A non-empty string (a field path or a selector)."""
    return isinstance(value, str) and bool(value.strip())
