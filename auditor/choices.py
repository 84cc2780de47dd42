"""The words options may take, in a module light enough for the CLI to import at start-up.

``auditor --version`` and ``--help`` load only click and this; the settings and domain
classes (dozens of dataclasses) are imported when a command runs.
"""

from __future__ import annotations

FORMATS = ("text", "json", "markdown", "html", "junit", "sarif", "github")
"""Report formats, in the order ``--help`` lists them."""
EMAIL_ON = ("findings", "always", "drift", "violations")
"""When ``--email-on`` sends the report."""
NOTIFY_ON = ("findings", "always", "drift", "violations", "new")
"""When ``--slack-on``, ``--teams-on`` and ``--webhook-on`` post: as email, plus ``new``."""
COLOR_MODES = ("auto", "always", "never")
SEVERITY_CHOICES = ("info", "low", "medium", "high", "critical")
"""Severities, lowest first."""
EXTENSION_FORMATS = {
    ".json": "json",
    ".html": "html",
    ".htm": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".xml": "junit",
    ".sarif": "sarif",
    ".txt": "text",
}
"""A report file's extension → the format it holds: ``-o report.html`` without
``--format`` writes HTML, and ``--format json -o report.html`` is refused as a mix-up."""
