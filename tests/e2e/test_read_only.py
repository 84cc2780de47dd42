"""Read-only use of the API (SECURITY.md): every request any command makes is a GET of
the listing endpoint, to the configured host, with the key only in the header.

Every HTTP request made by requests in this process is recorded while the commands run
against the sandbox: fetch, snapshot approve, audit (every format, a baseline, a dry-run
email), diff, the demo, and the commands that need no API at all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from click.testing import CliRunner

from auditor.cli import cli
from auditor.sandbox.server import RunningSandbox

FORMATS = ("json", "markdown", "html", "junit", "sarif", "github")


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, Any]]:
    calls: list[tuple[str, str, Any]] = []
    real = requests.Session.request

    def request(self: requests.Session, method: str, url: str, *args: Any, **kw: Any) -> Any:
        calls.append((method, url, kw.get("params")))
        return real(self, method, url, *args, **kw)

    monkeypatch.setattr(requests.Session, "request", request)
    return calls


def test_every_command_only_reads_the_listing(
    sandbox: RunningSandbox, tmp_path: Path, recorded: list[tuple[str, str, Any]]
) -> None:
    api = ["--base-url", sandbox.base_url, "--api-key", sandbox.api_key]
    baseline, tonight = tmp_path / "baseline.json", tmp_path / "tonight.json"
    reports: list[str] = []
    for fmt in FORMATS:
        reports += ["--format", fmt, "-o", str(tmp_path / f"r.{fmt}")]
    mail = ["--email-to", "ops@example.com", "--email-dry-run", str(tmp_path / "m.eml")]
    for args in (
        ["fetch", "-o", str(tonight), *api],
        ["snapshot", "approve", "-o", str(baseline), *api],
        ["audit", *api, "--baseline", str(baseline), *reports, *mail],
        ["diff", str(baseline), str(tonight)],
        ["demo", "--output-dir", str(tmp_path / "demo"), "--count", "5"],
        ["config", "show", *api],
        ["policy", "list"],
    ):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, (args, result.output)

    assert recorded, "no request was recorded: the check would prove nothing"
    for method, url, params in recorded:
        parts = urlsplit(url)
        assert method == "GET", (method, url)
        assert parts.path == "/api/user/assistants/get", url
        assert parts.hostname == "127.0.0.1", url
        assert sandbox.api_key not in url
        assert set(params or {}) <= {"per_page", "page"}
        assert not parse_qs(parts.query).keys() - {"per_page", "page"}
