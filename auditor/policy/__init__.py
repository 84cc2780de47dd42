"""The policy engine: YAML rules compiled once, evaluated over every assistant.

Public surface (everything else is internal):

- ``load_policies(paths)`` → ``PolicySet`` (raises ``PolicyError`` listing every
  ``file:line: message``); ``DEFAULT_PACK`` is the bundled pack.
- ``evaluate(policy_set, listings, …)`` → ``Evaluation`` (violations, waived, warnings);
  ``Evaluator`` does the same a page at a time (``scan(account).add(records)``, then
  ``result(scans)``), for fleets that are not held in memory.
- ``parse_filters(filters)`` → a predicate for ``--filter FIELD=VALUE``.

The language is SPEC §3; ``auditor policy list --format markdown`` (``docs/policies.md``)
is its reference, generated from the operator registry.
"""

from auditor.policy.conditions import Failure
from auditor.policy.engine import Evaluation, Evaluator, Scan, compile_checker, evaluate
from auditor.policy.filters import parse_filters
from auditor.policy.loader import DEFAULT_PACK, load_policies
from auditor.policy.rules import CompiledRule, Param, PolicySet
from auditor.policy.waivers import Waiver

__all__ = [
    "DEFAULT_PACK",
    "CompiledRule",
    "Evaluation",
    "Evaluator",
    "Failure",
    "Param",
    "PolicySet",
    "Scan",
    "Waiver",
    "compile_checker",
    "evaluate",
    "load_policies",
    "parse_filters",
]
