"""auditor: audit a fleet of Intellixent voice assistants against policies and a baseline.

Importing the package must stay cheap: ``auditor --version`` imports it, so nothing here
may pull in requests, yaml, deepdiff or jinja2.
"""

from auditor._version import __version__

__all__ = ["__version__"]
