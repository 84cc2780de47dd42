"""Every command's --help shows examples, as the README promises."""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from auditor.cli import cli


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in group.commands.items():
        path = (*prefix, name)
        yield path
        if isinstance(command, click.Group):
            yield from _commands(command, path)


@pytest.mark.parametrize("path", list(_commands(cli)), ids=" ".join)
def test_help_has_examples(path: tuple[str, ...]) -> None:
    shown = CliRunner().invoke(cli, [*path, "--help"])
    assert shown.exit_code == 0, shown.output
    assert "Example" in shown.output, f"auditor {' '.join(path)} --help has no example"
