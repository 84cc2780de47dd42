"""The one interface every report format implements (pip-audit's ``VulnerabilityFormat``)."""

from __future__ import annotations

import abc

from auditor.model import Report


class ReportFormat(abc.ABC):
    """Turns a ``Report`` into text; never recomputes a finding or a count."""

    name: str
    """The ``--format`` value."""
    extension: str
    """The usual file extension, for the docs and the demo."""

    @abc.abstractmethod
    def render(self, report: Report, *, color: bool = False) -> str:
        """The whole document for ``report``."""
