"""Compiled rules and the policy set that ``load_policies`` returns."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.errors import ConfigError
from auditor.model import RuleInfo, Severity
from auditor.policy.conditions import Node, undecided_reason
from auditor.policy.operators import did_you_mean
from auditor.policy.waivers import Waiver
from auditor.settings import DriftIgnore


@dataclass(frozen=True, eq=False)
class CompiledRule:
    """A rule ready to run: its description plus its compiled ``when`` and ``require``."""

    info: RuleInfo
    require: Node
    when: Node | None = None
    missing_pass: bool = False
    """``missing: pass``: a field the rule needs that is absent or null passes."""
    enabled: bool = True
    """``enabled: false`` rules are checked by ``validate`` but only run when selected."""
    lenient_when: Node | None = None
    """``when`` with its undecidable leaves read as holding (``conditions.lenient``):
    the rule also applies when only this holds, and the finding says why."""

    def applies(self, record: Any) -> bool:
        """Does the precondition hold, or could it not be decided (fail closed)?"""
        if self.when is None or self.when.check(record) is True:
            return True
        return self.lenient_when is not None and self.lenient_when.check(record) is True

    def undecided(self, record: Any) -> str | None:
        """Why the rule applies to this record although its ``when`` does not hold."""
        if self.when is None or self.lenient_when is None or self.when.check(record) is True:
            return None
        return undecided_reason(self.when, record)

    @property
    def id(self) -> str:
        return self.info.id

    @property
    def severity(self) -> Severity:
        return self.info.severity

    @property
    def title(self) -> str:
        return self.info.title

    @property
    def params(self) -> tuple[str, ...]:
        """The parameters its conditions use."""
        names = (self.when.params if self.when else ()) + self.require.params
        return tuple(dict.fromkeys(names))

    def describe(self) -> str:
        """What the rule checks, in words: ``when `status` is 'active': `record` is true``."""
        text = self.require.text
        if self.when is not None:
            text = f"when {self.when.text}: {text}"
        if self.missing_pass:
            text += " (absent or null fields pass)"
        return text


@dataclass(frozen=True)
class Param:
    """A named value rules refer to with ``{param: NAME}``; later files override earlier."""

    name: str
    value: Any
    source: str
    """Where the value in force was set, ``file:line``."""


@dataclass(frozen=True)
class PolicySet:
    """Everything loaded from the policy files: rules, waivers, parameters, drift settings."""

    rules: tuple[CompiledRule, ...]
    """Every rule, enabled or not, in load order (includes first)."""
    files: tuple[Path, ...]
    """Every file read, includes included, in load order."""
    drift_ignore_fields: tuple[str, ...] = ()
    """From ``drift: {ignore_fields: […]}``: fields whose changes are not drift."""
    drift_unordered_lists: tuple[str, ...] = ()
    """From ``drift: {unordered_lists: […]}``: lists whose order carries no meaning."""
    drift_scoped: tuple[DriftIgnore, ...] = ()
    """From ``ignore_drift: […]``: paths ignored for some assistants only."""
    waivers: tuple[Waiver, ...] = ()
    params: Mapping[str, Param] = field(default_factory=dict)

    def rule(self, rule_id: str) -> CompiledRule | None:
        """The rule with this id, if any."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        return None

    def selected(
        self, select: Sequence[str] = (), ignore: Sequence[str] = ()
    ) -> tuple[CompiledRule, ...]:
        """The rules in force: enabled ones (or exactly ``select``), minus ``ignore``.

        Ids may be globs (``*-range``). An id or glob that matches no rule is a
        ``ConfigError`` naming it, the closest id and the known ones. Selecting a rule
        that says ``enabled: false`` runs it.
        """
        ids = [r.id for r in self.rules]
        chosen = set(self._expand(select, "--select", ids)) if select else None
        dropped = set(self._expand(ignore, "--ignore", ids))
        return tuple(
            r
            for r in self.rules
            if (r.id in chosen if chosen is not None else r.enabled) and r.id not in dropped
        )

    @staticmethod
    def _expand(patterns: Sequence[str], option: str, ids: list[str]) -> list[str]:
        found: list[str] = []
        unknown: list[str] = []
        for pattern in patterns:
            matched = (
                fnmatch.filter(ids, pattern)
                if _is_glob(pattern)
                else [p for p in ids if p == pattern]
            )
            if matched:
                found.extend(matched)
            else:
                unknown.append(pattern)
        if unknown:
            first = unknown[0]
            names = ", ".join(repr(u) for u in unknown)
            raise ConfigError(
                f"{option}: unknown rule id {names}{did_you_mean(first, ids)}; "
                f"known rule ids: {', '.join(ids) or 'none'}"
            )
        return found


def _is_glob(text: str) -> bool:
    return any(ch in text for ch in "*?[")
