"""The one place the version lives (read by hatch at build time and by ``--version``)."""

__version__ = "0.1.0"
