"""`auditor policy validate | test | list`: check, test and show policy files."""

from __future__ import annotations

import sys
from datetime import date

import click

from auditor.errors import EXIT_GATE, EXIT_OK
from auditor.settings import PolicySettings


def run_validate(settings: PolicySettings) -> int:
    """Load the policy files (default: the bundled pack); 0 when valid.

    Every problem is raised at once as ``PolicyError`` (exit 2, each ``file:line:
    message`` on stderr). Waivers that have already expired are warnings on stderr.
    """
    from auditor.policy import load_policies

    policy_set = load_policies(settings.paths)
    today = date.today()
    for waiver in policy_set.waivers:
        if waiver.expired(today):
            assert waiver.expires is not None
            click.echo(
                f"warning: {waiver.source}: waiver for rule {waiver.rules_text} expired on "
                f"{waiver.expires.isoformat()}",
                err=True,
            )
    if not settings.output.quiet:
        rules, files = len(policy_set.rules), len(policy_set.files)
        click.echo(f"ok: {_count(rules, 'rule')} in {_count(files, 'file')}")
    return EXIT_OK


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def run_test(settings: PolicySettings) -> int:
    """Run policy test files (default: the bundled pack's); 0 all pass, 1 any fails, 2 broken."""
    from auditor.policy.testing import run_test_files

    run = run_test_files(settings.paths)
    verbose = settings.output.verbosity > 0
    for result in run.results:
        if result.passed:
            if verbose:
                click.echo(f"ok   {result.where}: {result.name}")
            continue
        click.echo(f"FAIL {result.where}: {result.name}")
        for problem in result.problems:
            click.echo(f"  {problem}")
    failed = len(run.failed)
    passed = len(run.results) - failed
    if not settings.output.quiet or failed:
        click.echo(f"{passed} passed, {failed} failed")
    untested = run.untested()
    if untested and verbose:
        click.echo(
            "note: rules without both a failing and a passing case: " + ", ".join(untested),
            err=True,
        )
    return EXIT_GATE if failed else EXIT_OK


def run_list(settings: PolicySettings) -> int:
    """Print the rules in force (``--select``/``--ignore`` applied) as table, json or markdown."""
    from auditor.policy import load_policies
    from auditor.policy.docs import render_json, render_markdown, render_table

    if settings.frameworks:
        return _list_framework_rules(settings)
    policy_set = load_policies(settings.paths)
    rules = policy_set.selected(settings.select, settings.ignore)
    if settings.format == "json":
        text = render_json(policy_set, rules)
    elif settings.format == "markdown":
        text = render_markdown(policy_set, rules)
    else:
        text = render_table(rules)
    sys.stdout.write(text)
    sys.stdout.flush()
    return EXIT_OK


def _list_framework_rules(settings: PolicySettings) -> int:
    """``policy list --framework ID``: the rules mapped to the frameworks (enabled or
    not), then, in a table, each framework's requirements and manual controls."""
    from auditor.commands.framework import show_lines
    from auditor.frameworks import COMPLIANCE_PACK, get, mapped_rules
    from auditor.policy import load_policies
    from auditor.policy.docs import render_json, render_markdown, render_table

    frameworks = [get(f) for f in dict.fromkeys(settings.frameworks)]
    policy_set = load_policies(settings.paths or (COMPLIANCE_PACK,))
    infos = [r.info for r in policy_set.rules]
    ids = set(mapped_rules(frameworks, infos))
    chosen = {r.id for r in policy_set.selected(settings.select, settings.ignore)}
    if settings.select:
        ids &= chosen
    ids -= set(settings.ignore)
    rules = tuple(r for r in policy_set.rules if r.id in ids)
    if settings.format == "json":
        text = render_json(policy_set, rules)
    elif settings.format == "markdown":
        text = render_markdown(policy_set, rules)
    else:
        blocks = [render_table(rules).rstrip("\n")]
        blocks += ["\n".join(show_lines(f, infos)) for f in frameworks]
        text = "\n\n".join(blocks) + "\n"
    sys.stdout.write(text)
    sys.stdout.flush()
    return EXIT_OK
