"""The HTML report rendered once in headless Chromium (skipped where no browser exists)."""

from __future__ import annotations

import dataclasses
import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from auditor.model import AssistantRef, Report
from auditor.report import render
from tests.unit.report.conftest import RECORDING, SECRETS, make_full_report, violation

pytestmark = pytest.mark.browser


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _run(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            *args,
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )


class _Dom(HTMLParser):
    """What the browser built: element ids, tags, and the text under each id'd section."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.ids: list[str] = []
        self.open_details = 0
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        found = dict(attrs)
        if found.get("id"):
            self.ids.append(found["id"] or "")
        if tag == "details" and "open" in found:
            self.open_details += 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _fleet_report() -> Report:
    """The full fixture report with 1,400 findings over two rules: a fleet, not a toy."""
    base = make_full_report()
    refs = [AssistantRef(i, f"u{i}", f"Assistant {i}") for i in range(100, 1_500)]
    many = tuple(
        violation(RECORDING if i % 2 else SECRETS, ref, "record", False, "true")
        for i, ref in enumerate(refs)
    )
    return dataclasses.replace(base, violations=base.violations + many)


def test_html_report_renders_in_chromium(tmp_path: Path) -> None:
    browser = _chromium()
    if browser is None:
        pytest.skip("no Chromium found: install the 'chromium' package to run this test")
    page = tmp_path / "report.html"
    page.write_text(render(_fleet_report(), "html"), encoding="utf-8")
    # The DOM the browser built (scripts are off by nature: the page has none).
    dom = _Dom()
    dom.feed(_run(browser, tmp_path / "p1", "--dump-dom", page.as_uri()).stdout)
    assert "script" not in dom.tags
    for section in ("contents", "overview", "severity-chart", "changed", "drift", "findings"):
        assert section in dom.ids, section
    ids = dom.ids
    assert ids.index("overview") < ids.index("drift") < ids.index("findings")
    assert dom.tags.count("rect") == 5  # one bar per severity, drawn as SVG by the browser
    groups = [i for i in ids if i.startswith("rule-")]
    assert groups == [
        "rule-no-secrets-in-prompt",
        "rule-recording-enabled",
        "rule-max-duration",
        "rule-initial-message-length",
        "rule-timezone-set",
    ]
    assert dom.open_details == 1  # only the drift section; 1,406 findings start folded
    text = " ".join(dom.text)
    assert "Drift since the baseline (4)" in text
    assert "~ changed: [north] Acme – Reception (id 1)" in text
    joined = "".join(dom.text)
    assert "No secrets in prompts — 701 assistants" in joined
    assert "Calls must be recorded — 702 assistants" in joined
    # And what a person sees: a screenshot of the first screen.
    shot = tmp_path / "report.png"
    _run(browser, tmp_path / "p2", f"--screenshot={shot}", "--window-size=1280,2000", page.as_uri())
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (1280, 2000)
    assert shot.stat().st_size > 10_000
