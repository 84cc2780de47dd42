"""`auditor init`: the files a repository needs for a nightly audit, written once.

Writes a commented ``auditor.yaml``, a starter ``policies/team.yaml`` that includes the
bundled pack, a ``baselines/`` folder and a CI workflow (GitHub Actions through the
auditor Action, or GitLab CI), then prints the next three commands. It never overwrites:
when any of its files exists, it names them, writes nothing and exits 2. Each file is
written to a temporary name and hard-linked into place, which fails instead of replacing
a file that appeared in the meantime.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import click

from auditor._version import __version__
from auditor.errors import EXIT_OK, ConfigError
from auditor.settings_table import default_of

CI_CHOICES = ("github", "gitlab", "none")
"""What ``--ci`` accepts: which workflow file to write, if any."""

REPOSITORY_PLACEHOLDER = "YOUR-ORG/auditor"
"""Where the auditor repository is hosted: the one placeholder a user replaces."""

AUDITOR_YAML = """\
# auditor.yaml — the settings of the nightly audit (written by `auditor init`).
# `auditor config show` prints what is in force and where each value came from.
# Flags beat environment variables, which beat this file, which beats the defaults.

base_url: {base_url}
# The API key comes from the environment only: INTELLIXENT_API_KEY (a CI secret).
# api_key_env: FLEET_KEY          # or read it from another variable
policies:
  - policies/                     # your pack; policies/team.yaml includes the bundled one
baseline: baselines/fleet.json    # approve with: auditor snapshot approve
ignore_fields: [updated_at]
unordered_lists: [tools]
reports:
  - {{format: html, output: out/report.html}}
  - {{format: json, output: out/report.json}}
gate:
  fail_on_violation: true         # exit 1 on violations at or above the threshold
  severity_threshold: high        # info | low | medium | high | critical
  fail_on_drift: false            # exit 1 when anything changed since the baseline
# email:                          # the morning report to ops (password: env only)
#   to: [ops@example.com]
#   smtp_host: smtp.example.com
#   smtp_port: 587
#   starttls: true
#   user: auditor                 # password: AUDITOR_SMTP_PASSWORD
#   on: findings
"""

TEAM_POLICY = """\
# policies/team.yaml — your rules on top of the bundled pack (written by `auditor init`).
# `auditor policy validate` checks this file; `auditor policy list` shows every rule.
version: 1
include: [builtin:default]        # the bundled voice-AI pack (docs/policies.md)
defaults: {severity: medium}
rules:
  - id: team-max-duration
    title: Calls end within 30 minutes
    severity: low
    require: {max_duration: {lte: 1800}}
    remediation: Lower max_duration in the assistant settings, or waive it below.
exceptions: []
# exceptions:
#   - rule: team-max-duration
#     assistants: ["name:Support *"]
#     reason: Long support calls approved by ops, ticket OPS-42
#     expires: 2027-06-30
"""

BASELINES_README = """\
Approved snapshots of the fleet live here: `auditor snapshot approve` writes
fleet.json (the previous one is kept as fleet.json.prev). Commit them: a change to the
baseline is a reviewed change to what the fleet is allowed to be.
"""

GITHUB_WORKFLOW = """\
# .github/workflows/auditor-nightly.yml — audit the fleet every night (auditor init).
# Add the repository secret INTELLIXENT_API_KEY. Replace {placeholder} with where the
# auditor repository is hosted, at a tag you trust.
name: auditor nightly

on:
  schedule:
    - cron: "17 3 * * *"          # every night at 03:17 UTC
  workflow_dispatch: {{}}

permissions:
  contents: read
  security-events: write          # upload the SARIF report to code scanning

jobs:
  audit:
    runs-on: ubuntu-latest
    timeout-minutes: 15
    steps:
      - uses: actions/checkout@v4
      - id: auditor
        uses: {placeholder}@v{version}
        with:
          config: auditor.yaml
          sarif: out/auditor.sarif
          junit: out/junit.xml
        env:
          INTELLIXENT_API_KEY: ${{{{ secrets.INTELLIXENT_API_KEY }}}}
      - name: Upload reports
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: auditor-reports
          path: out/
          if-no-files-found: ignore
      - name: Upload SARIF to code scanning
        if: always() && hashFiles('out/auditor.sarif') != ''
        uses: github/codeql-action/upload-sarif@v3
        with:
          sarif_file: out/auditor.sarif
"""

GITLAB_CI = """\
# .gitlab-ci.yml — audit the fleet on a pipeline schedule (written by `auditor init`).
# Set INTELLIXENT_API_KEY (masked) as a CI/CD variable and create a schedule
# (CI/CD → Schedules). Replace {placeholder} with where the auditor repository is hosted.
auditor-nightly:
  image: python:3.12-slim
  rules:
    - if: $CI_PIPELINE_SOURCE == "schedule"
    - if: $CI_PIPELINE_SOURCE == "web"
  script:
    - apt-get update -qq && apt-get install -y -qq git >/dev/null
    - python -m pip install "git+https://github.com/{placeholder}@v{version}"
    - auditor audit --config auditor.yaml --format junit -o out/junit.xml
  artifacts:
    when: always
    paths: [out/]
    reports:
      junit: out/junit.xml
    expire_in: 30 days
"""


@dataclass(frozen=True)
class InitSettings:
    """What ``auditor init`` writes, and where."""

    directory: Path
    ci: str = default_of("ci")
    base_url: str = default_of("base_url")
    quiet: bool = False
    base_url_from: str = "--base-url"
    """Where the base URL was given (the flag or the env var), named in its errors."""


def planned_files(settings: InitSettings) -> dict[Path, str]:
    """Every file ``init`` writes (relative to the directory) with its content."""
    files = {
        # quoted: a JSON string is a YAML string, so no URL can add keys or comments
        Path("auditor.yaml"): AUDITOR_YAML.format(base_url=json.dumps(settings.base_url)),
        Path("policies/team.yaml"): TEAM_POLICY,
        Path("baselines/README.md"): BASELINES_README,
    }
    values = {"placeholder": REPOSITORY_PLACEHOLDER, "version": __version__}
    if settings.ci == "github":
        files[Path(".github/workflows/auditor-nightly.yml")] = GITHUB_WORKFLOW.format(**values)
    elif settings.ci == "gitlab":
        files[Path(".gitlab-ci.yml")] = GITLAB_CI.format(**values)
    return files


def run(settings: InitSettings) -> int:
    """Write the starter files; ``ConfigError`` (exit 2) naming any that already exist."""
    from auditor.configcheck import base_url_problem

    given_by = settings.base_url_from
    problem = base_url_problem(settings.base_url, given_by)
    if problem:
        raise ConfigError(problem)
    if any(ch.isspace() or not ch.isprintable() for ch in settings.base_url):
        raise ConfigError(f"{given_by} holds whitespace or control characters; give the URL alone")
    if not settings.base_url.startswith(("https://", "http://")):
        raise ConfigError(
            f"{given_by} must start with https:// (or http://), e.g. {default_of('base_url')}"
        )
    root = settings.directory
    if not root.is_dir():
        raise ConfigError(f"{root} is not a folder; create it first or pass --dir FOLDER")
    files = planned_files(settings)
    existing = [str(name) for name in files if os.path.lexists(root / name)]
    if existing:
        raise ConfigError(
            f"nothing written: {', '.join(existing)} already exist in {root}; "
            "move them away or edit them by hand (auditor init never overwrites)"
        )
    written: list[Path] = []
    try:
        for name, content in files.items():
            _write_new(root / name, content)
            written.append(name)
    except FileExistsError as exc:
        raise ConfigError(f"stopped: {exc.filename} appeared while init was writing") from None
    except OSError as exc:
        raise ConfigError(f"could not write {exc.filename or root}: {exc.strerror}") from None
    if not settings.quiet:
        for name in written:
            click.echo(f"wrote {name}", err=True)
        click.echo(_next_steps(settings))
    return EXIT_OK


def _write_new(path: Path, content: str) -> None:
    """Create ``path`` with ``content``, complete or not at all, never over another file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.link(temporary, path)  # fails with FileExistsError instead of replacing
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def _next_steps(settings: InitSettings) -> str:
    steps = [
        ("export INTELLIXENT_API_KEY=...", "the key, from your secret store"),
        ("auditor snapshot approve", "approve tonight's fleet as the baseline"),
        ("auditor audit", "check it against the policies and the baseline"),
    ]
    if settings.directory != Path("."):
        steps.insert(0, (f"cd {settings.directory}", "where the files are"))
    lines = ["Next:", *(f"  {command:<32} # {why}" for command, why in steps)]
    if settings.ci == "github":
        lines.append(
            "Then commit the files: .github/workflows/auditor-nightly.yml runs nightly once "
            f"the INTELLIXENT_API_KEY secret is set and {REPOSITORY_PLACEHOLDER} names "
            "where auditor is hosted."
        )
    elif settings.ci == "gitlab":
        lines.append(
            "Then commit the files, set the INTELLIXENT_API_KEY CI/CD variable, add a "
            f"pipeline schedule, and replace {REPOSITORY_PLACEHOLDER} in .gitlab-ci.yml."
        )
    return "\n".join(lines)
