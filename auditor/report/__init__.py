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
from auditor.settings import OutputSpec

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
"""``("text", "json", "markdown", "html", "junit", "sarif", "github")``, as the CLI offers."""
SCHEMA_PATH = Path(__file__).with_name("report.schema.json")
"""The JSON Schema (draft 2020-12) of the ``json`` format."""


def get(name: str) -> ReportFormat:
    """The format called ``name``; a ``ConfigError`` naming the known ones for anything else."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ConfigError(
            f"no such report format: {name!r} (choose from {', '.join(FORMATS)})"
        ) from None


def render(report: Report, fmt: str, *, color: bool = False) -> str:
    """``report`` as format ``fmt`` (``color`` only changes ``text``)."""
    return get(fmt).render(report, color=color)


def use_color(mode: str) -> bool:
    """``always``, ``never``, or ``auto``: stdout is a terminal and ``NO_COLOR`` is unset.

    ``NO_COLOR`` counts when it is set to anything but the empty string (no-color.org).
    """
    if mode == "always":
        return True
    if mode == "never":
        return False
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def check_outputs(outputs: Sequence[OutputSpec]) -> None:
    """Fail (``ConfigError``, exit 2) when a report file plainly cannot be written.

    ``audit`` and ``diff`` call this before any request or file is read, so a typo in
    ``--output`` costs no fetch and never leaves some reports written and others not.
    """
    from auditor.atomic import check_writable

    for spec in outputs:
        if spec.path is None:
            continue
        try:
            check_writable(spec.path, create_folders=True)
        except ConfigError as exc:
            reason = exc.message.removeprefix(f"cannot write {spec.path}: ")
            raise ConfigError(f"cannot write report to {spec.path}: {reason}") from None


def write_reports(
    report: Report,
    outputs: Sequence[OutputSpec],
    *,
    color: str = "auto",
) -> list[Path]:
    """Write each output: a format and a path, or ``None`` for stdout. Returns the files.

    Files are written atomically (temp file + rename) with their parent folders
    created; a path that cannot be written is a ``ConfigError`` (exit 2) and leaves any
    previous file as it was. Colour (``auto``/``always``/``never``) applies to ``text``
    on stdout only. A report that was asked for is always written, under ``-q`` too
    (``-q`` without ``--output`` is resolved by the config into no stdout report at
    all); the "wrote PATH" lines are the caller's.
    """
    from auditor.atomic import atomic_write, utf8_chunks

    check_outputs(outputs)
    written: list[Path] = []
    summary_done = False
    for spec in outputs:
        if spec.path is None:
            colour = spec.format == "text" and use_color(color)
            if spec.format == "text":
                _echo(render(report, spec.format, color=colour), colour=colour)
            else:  # machine formats: UTF-8 bytes whatever the locale (the XML even says so)
                for chunk in utf8_chunks(get(spec.format).chunks(report)):
                    click.echo(chunk, nl=False)
        else:
            document = utf8_chunks(get(spec.format).chunks(report))
            try:
                spec.path.parent.mkdir(parents=True, exist_ok=True)
                atomic_write(spec.path, document)
            except OSError as exc:
                raise ConfigError(
                    f"cannot write report to {spec.path}: {exc.strerror or exc}"
                ) from None
            except ConfigError as exc:
                reason = exc.message.removeprefix(f"cannot write {spec.path}: ")
                raise ConfigError(f"cannot write report to {spec.path}: {reason}") from None
            written.append(spec.path)
        if spec.format == "github" and not summary_done:
            _step_summary(report)
            summary_done = True
    return written


def _echo(document: str, *, colour: bool) -> None:
    """Print the text report: it is for the terminal, in its encoding, unencodable
    characters replaced rather than failing the run."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        document.encode(encoding)
    except UnicodeEncodeError:
        document = document.encode(encoding, "replace").decode(encoding)
    except LookupError:
        pass
    click.echo(document, nl=False, color=colour)


STEP_SUMMARY_LIMIT = 1_000_000
"""Bytes of Markdown written to ``$GITHUB_STEP_SUMMARY``: GitHub refuses a step's summary
over 1 MiB (1,048,576 bytes) and shows none of it, so a bigger one is cut short of that."""


def fit_step_summary(markdown: str, limit: int = STEP_SUMMARY_LIMIT) -> str:
    """``markdown`` whole when it fits in ``limit`` UTF-8 bytes, else cut at a line end with
    a last line that says so and where the full report is."""
    data = markdown.encode("utf-8", "replace")
    if len(data) <= limit:
        return markdown
    note = (
        "\n\n_The summary is cut here: GitHub shows at most 1 MiB per step. "
        "The full list is in the JSON, HTML or SARIF report._\n"
    )
    cut = data[: limit - len(note.encode())].rsplit(b"\n", 1)[0]
    return cut.decode("utf-8", "ignore") + note


def _step_summary(report: Report) -> None:
    """Append the Markdown report to ``$GITHUB_STEP_SUMMARY`` when running in Actions."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    summary = fit_step_summary(render(report, "markdown"))
    try:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(summary)
    except OSError as exc:
        raise ConfigError(
            f"cannot write the step summary to {target} ($GITHUB_STEP_SUMMARY): "
            f"{exc.strerror or exc}"
        ) from None


__all__ = [
    "FORMATS",
    "SCHEMA_PATH",
    "ReportFormat",
    "check_outputs",
    "get",
    "render",
    "use_color",
    "write_reports",
]
