"""Untrusted content (issue 9) end to end: hostile assistants served over HTTP, through
the real CLI, into every report a person or a CI system reads.

The sandbox serves assistants whose names, greetings and prompts hold HTML, ANSI escape
sequences (colour, clear screen, an OSC 8 link), newlines and carriage returns, GitHub
workflow commands (``::error::``, ``::set-output``) and Markdown. They reach the reports
as violations (the greeting breaks ``outbound-ai-disclosure``), as a rename and as a
prompt diff. Each format is read back the way its consumer reads it: the terminal text
has no control character and no line we did not write; the HTML page, once parsed, has
no script, link or image; the Markdown, once rendered, neither; every line of the
``github`` output is one of our own workflow commands, one per finding.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from auditor.cli import cli
from auditor.sandbox.server import RunningSandbox
from tests.unit.report.test_github import parse as parse_commands
from tests.unit.report.test_html import MAIL_SAFE_TAGS
from tests.unit.report.test_html import parse as parse_html
from tests.unit.report.test_markdown import rendered as render_markdown

NAME = "<script>alert(1)</script>\x1b[2J\x1b[31mRED\x1b[0m\n::error file=x.py::pwned | `x`"
GREETING = (
    "Hello <img src=x onerror=alert(1)> \x1b]8;;http://evil.example\x07click\x1b]8;;\x07"
    "\r\n::set-output name=ok::true\n::warning::fake [link](http://evil.example) **bold**"
)
PROMPT = "You are helpful.\n::error::from the prompt\n<iframe src=http://evil.example>\n"
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def invoke(*args: str, **env: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


def hostile(record: dict[str, Any]) -> dict[str, Any]:
    """An outbound assistant whose greeting does not disclose an AI: a violation that
    quotes the greeting, and a name that appears in every section of the report."""
    return {
        **record,
        "name": NAME,
        "type": "outbound",
        "status": "active",
        "initial_message": GREETING,
    }


def test_hostile_assistants_stay_inert_in_every_format(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    api = ["--base-url", sandbox.base_url, "--api-key", sandbox.api_key]
    fleet = sandbox.fleet
    fleet[0] = hostile(fleet[0])
    sandbox.set_fleet(fleet)
    baseline = tmp_path / "baseline.json"
    assert invoke("fetch", "-o", str(baseline), *api).exit_code == 0
    # overnight: the prompt changes (a diff) and another assistant takes the name (a rename)
    sandbox.update(fleet[0]["id"], system_prompt=PROMPT + "Be brief.\n")
    sandbox.update(fleet[1]["id"], name=NAME)

    outputs: list[str] = []
    for fmt, name in [("html", "r.html"), ("markdown", "r.md"), ("github", "r.github")]:
        outputs += ["--format", fmt, "-o", str(tmp_path / name)]
    summary = tmp_path / "step-summary.md"
    result = invoke(
        "audit", *api, "--baseline", str(baseline), *outputs, GITHUB_STEP_SUMMARY=str(summary)
    )
    assert result.exit_code == 0, result.output
    assert "outbound-ai-disclosure" in result.stdout  # the greeting is really quoted

    # text, as a terminal shows it: no escape sequence, no carriage return, no fake line
    text = result.stdout
    assert not CONTROL.search(text), CONTROL.findall(text)
    assert "\\x1b[2J" in text  # shown, not obeyed
    for line in text.splitlines():  # printed in a CI log, no line may be a command
        assert not line.lstrip().startswith("::"), line
    coloured = invoke("audit", *api, "--baseline", str(baseline), "--color", "always").stdout
    assert "\x1b[2J" not in coloured
    assert "\x1b]8;" not in coloured
    assert "\r" not in coloured

    # html: parsed, nothing runs, loads or links
    page = parse_html((tmp_path / "r.html").read_text(encoding="utf-8"))
    assert set(page.tags) <= MAIL_SAFE_TAGS, set(page.tags) - MAIL_SAFE_TAGS
    assert [v for k, v in page.attrs if k in ("src", "onerror")] == []
    assert [v for k, v in page.attrs if k == "href" and not v.startswith("#")] == []
    shown = "".join(page.text)
    assert "<script>alert(1)</script>" in shown  # as text
    assert "<img src=x onerror=alert(1)>" in shown

    # markdown (the ops email, the step summary): rendered, nothing but text and tables
    for markdown in ((tmp_path / "r.md").read_text(encoding="utf-8"), summary.read_text()):
        html = render_markdown(markdown)
        assert html.links == []
        assert not {"script", "img", "iframe", "a"} & set(html.tags)
        assert "<script>alert(1)</script>" in "".join(html.text)

    # github: every line is one of our commands, one per finding and drift entry
    report = invoke("audit", *api, "--baseline", str(baseline), "--format", "json", "-o", "-")
    summary_counts = json.loads(report.stdout)["summary"]
    commands = parse_commands((tmp_path / "r.github").read_text(encoding="utf-8"))
    drifted = sum(summary_counts["drift"].values())
    assert len(commands) == summary_counts["violations"] + drifted + 1  # + the summary notice
    assert {c.name for c in commands} <= {"error", "warning", "notice"}
    assert not any(c.name == "set-output" for c in commands)
    # the name, control characters shown as text, inside one annotation
    assert any("</script>\\x1b[2J\\x1b[31mRED" in c.data for c in commands)
    assert any("\\n::error file=x.py::pwned" in c.data for c in commands)


class _HostileApi(BaseHTTPRequestHandler):
    """An API whose error message tries to clear the screen and plant a link."""

    def do_GET(self) -> None:
        body = json.dumps(
            {"message": "Forbidden\x1b[2J\x1b]8;;http://evil.example\x07x\r\n::error::y"}
        )
        self.send_response(403)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


def test_an_api_error_message_is_shown_inert_on_one_line() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HostileApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/api"
        result = invoke("audit", "--base-url", url, "--api-key", "k" * 12)
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 3
    (line,) = result.stderr.splitlines()
    assert not CONTROL.search(line), line
    assert "Forbidden\\x1b[2J\\x1b]8;;http://evil.example\\x07x" in line
