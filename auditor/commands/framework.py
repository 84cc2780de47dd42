"""`auditor framework list | show ID`: the bundled compliance frameworks, their
requirements, the rules that check each one and the manual controls."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

from auditor.errors import EXIT_OK
from auditor.frameworks import Framework, bundled, get, rules_for
from auditor.model import RuleInfo


def _rules() -> tuple[RuleInfo, ...]:
    """Every rule of the bundled compliance pack (which includes the default pack)."""
    from auditor.frameworks import COMPLIANCE_PACK
    from auditor.policy import load_policies

    return tuple(r.info for r in load_policies([COMPLIANCE_PACK]).rules)


def run_list(fmt: str = "table") -> int:
    """One line per framework: id, requirements checked by rules / manual, title."""
    rules = _rules()
    rows = []
    for framework in bundled().values():
        checked = sum(1 for r in framework.requirements if rules_for(framework, r.ref, rules))
        rows.append((framework, checked, len(framework.requirements) - checked))
    if fmt == "json":
        data = [
            {"id": f.id, "title": f.title, "source": f.source, "checked": c, "manual": m}
            for f, c, m in rows
        ]
        sys.stdout.write(json.dumps({"frameworks": data}, indent=2) + "\n")
        return EXIT_OK
    width = max(len(f.id) for f, _, _ in rows)
    for f, checked, manual in rows:
        sys.stdout.write(f"{f.id:<{width}}  {checked} checked, {manual} manual  {f.title}\n")
    return EXIT_OK


def show_lines(framework: Framework, rules: Sequence[RuleInfo]) -> list[str]:
    """A framework in words: its source, notes, and each requirement with its rules."""
    lines = [
        f"{framework.id}: {framework.title}",
        f"  version: {framework.version}" + (f" ({framework.date})" if framework.date else ""),
        f"  source:  {framework.source}",
    ]
    if framework.notes:
        lines.append(f"  notes:   {framework.notes}")
    for req in framework.requirements:
        ids = rules_for(framework, req.ref, rules)
        how = "checked by " + ", ".join(ids) if ids else "manual control"
        lines += ["", f"{req.ref}  {req.title}  [{how}]", f"  requires: {req.requires}"]
        if req.checked_by and ids:
            lines.append(f"  auditor:  {req.checked_by}")
        if req.verify:
            lines.append(f"  verify:   {req.verify}")
        lines.append(f"  source:   {req.source}")
    lines += ["", "This is not legal advice (docs/frameworks.md)."]
    return lines


def run_show(framework_id: str, fmt: str = "table") -> int:
    """A framework's requirements, the rules that check each one and the manual controls."""
    framework = get(framework_id)
    rules = _rules()
    if fmt == "json":
        data = {
            "id": framework.id,
            "title": framework.title,
            "version": framework.version,
            "date": framework.date,
            "source": framework.source,
            "notes": framework.notes,
            "requirements": [
                {
                    "ref": r.ref,
                    "title": r.title,
                    "requires": r.requires,
                    "source": r.source,
                    "rules": list(rules_for(framework, r.ref, rules)),
                    "manual": not rules_for(framework, r.ref, rules),
                    "checked_by": r.checked_by,
                    "verify": r.verify,
                }
                for r in framework.requirements
            ],
        }
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return EXIT_OK
    sys.stdout.write("\n".join(show_lines(framework, rules)) + "\n")
    return EXIT_OK
