"""The errors auditor raises on purpose, each tied to the exit code the CLI returns for it.

Errors are raised deep in the program and turned into one stderr line and an exit code
in exactly one place (``auditor.cli``). Their messages must say what went wrong, where,
and what to do, and must never contain a secret (the API key, the SMTP password).
"""

from __future__ import annotations

from collections.abc import Sequence

EXIT_OK = 0
EXIT_GATE = 1
EXIT_USAGE = 2
EXIT_FETCH = 3
EXIT_DELIVERY = 4
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141
"""128 + SIGPIPE, as a shell reports ``yes | head``: the reader of stdout went away."""


class AuditorError(Exception):
    """Base of every expected failure; ``exit_code`` is what the process returns."""

    exit_code: int = EXIT_USAGE

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(AuditorError):
    """Bad options, a bad config file or an unusable path (exit 2)."""

    exit_code = EXIT_USAGE


class ProblemsError(ConfigError):
    """One or more problems in files people write (exit 2).

    ``problems`` holds every ``file:line: message`` found, so a user fixes them all in
    one go; the message is the first of them plus a count. The CLI prints them all.
    """

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        first = self.problems[0] if self.problems else "invalid input"
        more = len(self.problems) - 1
        suffix = f" (and {more} more problem{'s' if more != 1 else ''})" if more > 0 else ""
        super().__init__(first + suffix)


class PolicyError(ProblemsError):
    """One or more policy files are invalid."""


class ConfigFileError(ProblemsError):
    """The config file (``auditor.yaml`` or ``[tool.auditor]``) is invalid."""


class SnapshotError(ConfigError):
    """A snapshot file is missing, corrupt, truncated or of an unknown schema (exit 2)."""


class FetchError(AuditorError):
    """The API could not be read completely: auth, network, HTTP or bad data (exit 3)."""

    exit_code = EXIT_FETCH


class AuthError(FetchError):
    """The API rejected the key (401) or refused access (403)."""


class IncompleteListingError(FetchError):
    """Every page answered, but the records do not add up to a complete listing."""


class FleetChangedError(IncompleteListingError):
    """The fleet changed while it was read (pages shifted): read again, a bounded number
    of times (``auditor.api.FLEET_REREADS``)."""


class DeliveryError(AuditorError):
    """The audit ran and its reports were written, but the email could not be sent (exit 4)."""

    exit_code = EXIT_DELIVERY
