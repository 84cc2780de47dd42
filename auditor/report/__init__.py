"""Report formats: one module per format behind one interface, rendered from one ``Report``.

``render(report, fmt)`` gives a format's text; ``write_reports(report, outputs)`` writes
every ``--format``/``--output`` pair (files atomically, stdout through click) and, for
the ``github`` format inside GitHub Actions, appends the Markdown step summary to
``$GITHUB_STEP_SUMMARY``. Adding a format is one new module and one line below.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from auditor.errors import ConfigError
from auditor.model import Report
from auditor.report.github import GithubFormat
from auditor.report.html import HtmlFormat
from auditor.report.interface import ReportFormat
from auditor.report.json_report import JsonFormat
from auditor.report.junit import JunitFormat
from auditor.report.markdown import MarkdownFormat
from auditor.report.sarif import SarifFormat
from auditor.report.text import TextFormat

_REGISTRY: dict[str, ReportFormat] = {
    f.name: f
    for f in (
        TextFormat(),
        JsonFormat(),
        MarkdownFormat(),
        HtmlFormat(),
        JunitFormat(),
        SarifFormat(),
        GithubFormat(),
    )
}
FORMATS: tuple[str, ...] = tuple(_REGISTRY)
SCHEMA_PATH = Path(__file__).with_name("report.schema.json")


def get(name: str) -> ReportFormat:
    """The format called ``name``; a clear error for anything else."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ConfigError(
            f"no such report format: {name!r} (choose from {', '.join(FORMATS)})"
        ) from None


def render(report: Report, fmt: str, *, color: bool = False) -> str:
    """``report`` as format ``fmt``."""
    return get(fmt).render(report, color=color)


def use_color(mode: str) -> bool:
    """``always``, ``never``, or ``auto``: stdout is a terminal and ``NO_COLOR`` is unset."""
    if mode == "always":
        return True
    if mode == "never":
        return False
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def write_reports(
    report: Report, outputs: Sequence[object], *, color: str = "auto", quiet: bool = False
) -> list[Path]:
    """Write each output (``OutputSpec``: a format and a path, ``None`` for stdout).

    Files are written atomically, parent folders created; an unwritable path is a
    ``ConfigError`` (exit 2). Returns the files written.
    """
    from auditor.atomic import atomic_write

    written: list[Path] = []
    for spec in outputs:
        fmt: str = getattr(spec, "format")  # noqa: B009 - OutputSpec, kept import-light
        path: Path | None = getattr(spec, "path")  # noqa: B009
        if path is None:
            click.echo(render(report, fmt, color=fmt == "text" and use_color(color)), nl=False)
        else:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError(f"cannot write report to {path}: {exc.strerror or exc}") from None
            atomic_write(path, render(report, fmt))
            written.append(path)
        if fmt == "github":
            _step_summary(report)
    return written


def _step_summary(report: Report) -> None:
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    try:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(render(report, "markdown"))
    except OSError as exc:
        raise ConfigError(f"cannot write the step summary to {target}: {exc.strerror}") from None


__all__ = ["FORMATS", "SCHEMA_PATH", "ReportFormat", "get", "render", "use_color", "write_reports"]
