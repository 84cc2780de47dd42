"""The one interface every report format implements (pip-audit's ``VulnerabilityFormat``)."""

from __future__ import annotations

import abc
from collections.abc import Iterator

from auditor.model import Report


class ReportFormat(abc.ABC):
    """Turns a ``Report`` into text; never recomputes a finding or a count."""

    name: str
    """The ``--format`` value."""

    @abc.abstractmethod
    def render(self, report: Report, *, color: bool = False) -> str:
        """The whole document for ``report``."""

    def chunks(self, report: Report, *, color: bool = False) -> Iterator[str]:
        """``render``'s text in pieces; a format whose documents grow with the fleet
        yields them as it goes, so a big report is written without being one string."""
        yield self.render(report, color=color)
