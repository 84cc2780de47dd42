"""Compliance frameworks: what a law or standard asks of a voice assistant, and which
rules check it.

A framework is a data file in the bundled pack (``auditor/policies/frameworks/*.yaml``):
``id``, ``title``, ``version``, ``date``, ``source`` (URL), ``notes`` (scope and
uncertainty) and ``requirements``, each with ``ref`` (the article or section), ``title``,
``requires`` (what the text says), ``source``, and either ``checked_by`` (how the rules
check it) or ``manual: true``; ``verify`` says what a person must check. Rules map
themselves to requirements with ``frameworks: [{id, ref}]``, so the mapping is written
once, next to the check.

``score(frameworks, rules, violations)`` turns an audit into the report's scorecard:
per requirement ``fail`` (a rule mapped to it found a violation), ``pass`` (rules mapped
to it ran and found none) or ``manual`` (no rule in force checks it).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from auditor.errors import ConfigError
from auditor.model import FrameworkScore, RequirementScore, RuleInfo, Violation

FRAMEWORKS_DIR = Path(__file__).resolve().parent / "policies" / "frameworks"
"""Where the bundled framework files live (inside the package, so they ship in the wheel)."""
COMPLIANCE_PACK = FRAMEWORKS_DIR.parent / "compliance" / "voice-compliance.yaml"
"""The bundled pack with the framework rules; ``--framework`` loads it by default."""

_TOP_KEYS = ("id", "title", "version", "date", "source", "notes", "requirements")
_REQ_KEYS = ("ref", "title", "requires", "source", "checked_by", "manual", "verify")


@dataclass(frozen=True)
class Requirement:
    """One article or section of a framework."""

    ref: str
    """``Art. 50(1)``, ``47 CFR 64.1200(b)(1)``: what rules name in ``frameworks``."""
    title: str
    requires: str
    """What the text requires, in short."""
    source: str
    """The URL of the text."""
    checked_by: str = ""
    """How auditor's rules check it (empty when manual)."""
    manual: bool = False
    """No setting shows it: a person must verify it."""
    verify: str = ""
    """What a person must verify (for manual requirements, and beyond what rules see)."""


@dataclass(frozen=True)
class Framework:
    id: str
    title: str
    version: str
    date: str
    source: str
    notes: str
    requirements: tuple[Requirement, ...]
    file: str

    def requirement(self, ref: str) -> Requirement | None:
        return next((r for r in self.requirements if r.ref == ref), None)


def _text(data: Any, key: str, where: str, *, required: bool = True) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, (str, int)) or isinstance(value, bool) or str(value) == "":
        raise ConfigError(f"{where}: {key} must be text")
    return " ".join(str(value).split())


def _parse(path: Path) -> Framework:
    from auditor.yamlio import YamlError, load_yaml_file

    where = str(path)
    try:
        data = load_yaml_file(path)
    except YamlError as exc:
        raise ConfigError(f"{where}:{exc.line}: {exc.reason}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: a framework file is a mapping (id, title, requirements)")
    unknown = [k for k in data if k not in _TOP_KEYS]
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r}; known: {', '.join(_TOP_KEYS)}")
    requirements = []
    for i, raw in enumerate(data.get("requirements") or ()):
        at = f"{where}: requirement {i + 1}"
        if not isinstance(raw, dict) or any(k not in _REQ_KEYS for k in raw):
            raise ConfigError(f"{at}: a mapping of {', '.join(_REQ_KEYS)}")
        manual = raw.get("manual", False)
        requirements.append(
            Requirement(
                ref=_text(raw, "ref", at),
                title=_text(raw, "title", at),
                requires=_text(raw, "requires", at),
                source=_text(raw, "source", at),
                checked_by=_text(raw, "checked_by", at, required=False),
                manual=manual is True,
                verify=_text(raw, "verify", at, required=False),
            )
        )
    return Framework(
        id=_text(data, "id", where),
        title=_text(data, "title", where),
        version=_text(data, "version", where),
        date=_text(data, "date", where, required=False),
        source=_text(data, "source", where),
        notes=_text(data, "notes", where, required=False),
        requirements=tuple(requirements),
        file=path.name,
    )


@functools.cache
def bundled() -> dict[str, Framework]:
    """Every bundled framework by id, sorted by id."""
    found = [_parse(p) for p in sorted(FRAMEWORKS_DIR.glob("*.yaml"))]
    return {f.id: f for f in sorted(found, key=lambda f: f.id)}


def get(framework_id: str) -> Framework:
    """The framework with this id; ``ConfigError`` naming the known ones otherwise."""
    from auditor.policy.operators import did_you_mean

    known = bundled()
    if framework_id not in known:
        raise ConfigError(
            f"unknown framework {framework_id!r}{did_you_mean(framework_id, list(known))}; "
            f"known frameworks: {', '.join(known)} (auditor framework list)"
        )
    return known[framework_id]


def mapped_rules(frameworks: Sequence[Framework], rules: Iterable[RuleInfo]) -> tuple[str, ...]:
    """The ids of the rules that name any of these frameworks, in rule order."""
    ids = {f.id for f in frameworks}
    return tuple(r.id for r in rules if any(fid in ids for fid, _ in r.frameworks))


def rules_for(framework: Framework, ref: str, rules: Iterable[RuleInfo]) -> tuple[str, ...]:
    """The ids of the rules that check one requirement."""
    return tuple(r.id for r in rules if (framework.id, ref) in r.frameworks)


def in_force(rules: Iterable[RuleInfo]) -> tuple[Framework, ...]:
    """The bundled frameworks that the checked rules map to (the default scorecard)."""
    ids = {fid for r in rules for fid, _ in r.frameworks}
    return tuple(f for f in bundled().values() if f.id in ids)


def score(
    frameworks: Sequence[Framework],
    rules: Sequence[RuleInfo],
    violations: Sequence[Violation],
) -> tuple[FrameworkScore, ...]:
    """The scorecard: per framework, per requirement, pass, fail or manual."""
    per_rule: dict[str, int] = {}
    for v in violations:
        per_rule[v.rule] = per_rule.get(v.rule, 0) + 1
    scores = []
    for framework in frameworks:
        requirements = []
        for req in framework.requirements:
            ids = rules_for(framework, req.ref, rules)
            count = sum(per_rule.get(i, 0) for i in ids)
            status = "manual" if not ids else "fail" if count else "pass"
            requirements.append(
                RequirementScore(
                    ref=req.ref,
                    title=req.title,
                    status=status,
                    rules=ids,
                    violations=count,
                    verify=req.verify,
                )
            )
        scores.append(FrameworkScore(framework.id, framework.title, tuple(requirements)))
    return tuple(scores)
