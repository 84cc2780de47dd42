"""The history reaches the human reports: the trend chart and how long findings are open."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from xml.etree import ElementTree

from click.testing import CliRunner, Result

from auditor.cli import cli
from auditor.sandbox.server import RunningSandbox


def audit(sandbox: RunningSandbox, history: Path, out: Path) -> Result:
    return CliRunner().invoke(
        cli,
        [
            "audit",
            "--base-url",
            sandbox.base_url,
            "--api-key",
            sandbox.api_key,
            "--history",
            str(history),
            "--format",
            "text",
            "-o",
            str(out / "report.txt"),
            "--format",
            "html",
            "-o",
            str(out / "report.html"),
            "--format",
            "markdown",
            "-o",
            str(out / "report.md"),
        ],
    )


def test_trend_and_open_nights_after_two_runs(sandbox: RunningSandbox, tmp_path: Path) -> None:
    history = tmp_path / "history.sqlite"
    first = audit(sandbox, history, tmp_path)
    assert first.exit_code == 0, first.output
    html = (tmp_path / "report.html").read_text()
    assert 'id="trend-chart"' not in html, "one run is no trend"
    assert "(open " not in (tmp_path / "report.txt").read_text()

    # make the first run two nights old, as if it ran on an earlier night
    with sqlite3.connect(history) as db:
        tables = {row[0] for row in db.execute("select name from sqlite_master")}
        assert "runs" in tables
        db.execute("update runs set generated_at = '2026-01-01T03:17:00Z'")
    second = audit(sandbox, history, tmp_path)
    assert second.exit_code == 0, second.output

    html = (tmp_path / "report.html").read_text()
    start = html.index('<div id="trend-chart">') + len('<div id="trend-chart">')
    svg = ElementTree.fromstring(html[start : html.index("</div>", start)])  # noqa: S314 - our own output
    assert svg.tag.endswith("svg")
    assert "<script" not in html
    text = (tmp_path / "report.txt").read_text()
    assert "(open " in text
    assert " nights)" in text
    assert "nights)" in (tmp_path / "report.md").read_text()
