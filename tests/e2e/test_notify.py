"""Slack, Teams and webhook notices, posted by the real CLI to a real local HTTP server.

The receiver is a ``ThreadingHTTPServer`` on 127.0.0.1 that records every POST and
answers what the test scripts (200, 503 with ``Retry-After``, 404). Payloads are checked
against each service's documented shape: Slack's incoming webhooks (``text`` plus
Block Kit ``blocks``, at most 50, section text at most 3,000 characters, header at most
150) and a Teams Workflows message (one attachment of content type
``application/vnd.microsoft.card.adaptive`` holding an ``AdaptiveCard``).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from auditor import notify
from auditor.cli import cli
from auditor.sandbox.server import RunningSandbox

SECRET_PATH = "/services/T0SECRET/B0SECRET/XoXoSeCrEtToKeN"


@dataclass
class Receiver:
    """A local webhook receiver: what it got, and what it answers next."""

    port: int = 0
    posts: list[tuple[str, Any]] = field(default_factory=list)
    answers: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    """Statuses (and headers) to answer, in order; 200 once they run out."""

    def url(self, kind: str) -> str:
        return f"http://127.0.0.1:{self.port}{SECRET_PATH}/{kind}"

    def bodies(self, kind: str) -> list[Any]:
        return [body for path, body in self.posts if path.endswith(f"/{kind}")]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length))
            with lock:
                state.posts.append((self.path, body))
                status, headers = state.answers.pop(0) if state.answers else (200, {})
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def audit(sandbox: RunningSandbox, tmp_path: Path, *args: str, **env: str) -> Result:
    target = ["--base-url", sandbox.base_url, "--api-key", sandbox.api_key]
    report = ["--format", "json", "-o", str(tmp_path / "report.json")]
    return CliRunner().invoke(cli, ["audit", *target, *report, *args], env=env or None)


def assert_no_secret(result: Result, tmp_path: Path) -> None:
    everything = result.output + "".join(p.read_text() for p in tmp_path.glob("*.json"))
    for piece in ("T0SECRET", "B0SECRET", "XoXoSeCrEtToKeN"):
        assert piece not in everything


def check_slack(body: dict[str, Any]) -> None:
    assert isinstance(body["text"], str)
    assert body["text"]
    blocks = body["blocks"]
    assert 1 <= len(blocks) <= 50
    assert blocks[0]["type"] == "header"
    assert blocks[0]["text"]["type"] == "plain_text"
    assert len(blocks[0]["text"]["text"]) <= 150
    for block in blocks:
        assert block["type"] in {"header", "section", "divider", "context"}
        if block["type"] == "section":
            assert block["text"]["type"] == "mrkdwn"
            assert len(block["text"]["text"]) <= 3000


def check_teams(body: dict[str, Any]) -> None:
    assert body["type"] == "message"
    (attachment,) = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    assert card["version"] == "1.4"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert {item["type"] for item in card["body"]} <= {"TextBlock", "FactSet"}
    assert len(json.dumps(body).encode()) <= 28_000


def test_all_three_notices_reach_a_local_server(
    sandbox: RunningSandbox, receiver: Receiver, tmp_path: Path
) -> None:
    result = audit(
        sandbox,
        tmp_path,
        "--fail-on-violation",
        "--slack-webhook",
        receiver.url("slack"),
        "--teams-webhook",
        receiver.url("teams"),
        "--webhook",
        receiver.url("hook"),
    )
    assert result.exit_code == 1, result.output  # the gate: notices do not change it
    report = json.loads((tmp_path / "report.json").read_text())
    violations = report["summary"]["violations"]

    (slack,) = receiver.bodies("slack")
    check_slack(slack)
    assert slack["blocks"][0]["text"]["text"].startswith("auditor: gate FAILED")
    assert f"*violations* {violations}" in slack["blocks"][1]["text"]["text"]

    (teams,) = receiver.bodies("teams")
    check_teams(teams)
    facts = teams["attachments"][0]["content"]["body"][1]["facts"]
    assert {"title": "violations", "value": str(violations)} in facts

    (hook,) = receiver.bodies("hook")
    assert hook["schema_version"] == 1
    assert hook["gate"]["failed"] is True
    assert hook["summary"]["violations"] == violations
    top = hook["top_findings"]
    assert len(top) == min(10, violations)
    assert hook["more_findings"] == violations - len(top)
    severities = [f["severity"] for f in top]
    order = ["critical", "high", "medium", "low", "info"]
    assert severities == sorted(severities, key=order.index), "most severe first"

    host = f"127.0.0.1:{receiver.port}"
    assert f"notified Slack ({host})" in result.stderr
    assert f"notified Teams ({host})" in result.stderr
    assert f"notified webhook ({host})" in result.stderr
    assert_no_secret(result, tmp_path)


def test_a_failing_post_is_retried_then_succeeds(
    sandbox: RunningSandbox, receiver: Receiver, tmp_path: Path
) -> None:
    receiver.answers = [(503, {"Retry-After": "0"}), (429, {"Retry-After": "0"})]
    result = audit(sandbox, tmp_path, "--webhook", receiver.url("hook"))
    assert result.exit_code == 0, result.output
    assert len(receiver.bodies("hook")) == 3


def test_a_refused_post_is_exit_4_with_the_reports_written(
    sandbox: RunningSandbox, receiver: Receiver, tmp_path: Path
) -> None:
    receiver.answers = [(404, {})]
    result = audit(sandbox, tmp_path, "-v", "--slack-webhook", receiver.url("slack"))
    assert result.exit_code == 4, result.output
    assert (tmp_path / "report.json").is_file()
    assert len(receiver.bodies("slack")) == 1, "a 404 is not retried"
    assert (
        f"error: notification failed: Slack (127.0.0.1:{receiver.port}): HTTP 404; check the "
        "webhook URL (not retried) (the reports were written)"
    ) in result.stderr.splitlines()
    assert_no_secret(result, tmp_path)


def test_an_unreachable_receiver_gives_up_within_its_tries(
    sandbox: RunningSandbox, receiver: Receiver, tmp_path: Path
) -> None:
    receiver.answers = [(503, {"Retry-After": "0"})] * notify.POST_TRIES
    result = audit(sandbox, tmp_path, "--teams-webhook", receiver.url("teams"))
    assert result.exit_code == 4
    assert len(receiver.bodies("teams")) == notify.POST_TRIES
    assert f"HTTP 503 after {notify.POST_TRIES} tries" in result.stderr


def test_on_choice_and_env_and_the_gate_exit_wins(
    sandbox: RunningSandbox, receiver: Receiver, tmp_path: Path
) -> None:
    result = audit(
        sandbox, tmp_path, "--slack-on", "drift", AUDITOR_SLACK_WEBHOOK=receiver.url("slack")
    )
    assert result.exit_code == 0, result.output
    assert receiver.posts == []
    assert (
        f"Slack (127.0.0.1:{receiver.port}): not notified (--slack-on drift: nothing to say)"
        in result.stderr
    )


def test_webhooks_from_the_config_file_and_config_show_masks_them(
    sandbox: RunningSandbox, receiver: Receiver, tmp_path: Path
) -> None:
    config = tmp_path / "auditor.yaml"
    config.write_text(
        f"notify:\n  webhook: {receiver.url('hook')}\n  webhook_on: always\n", encoding="utf-8"
    )
    result = audit(sandbox, tmp_path, "--config", str(config))
    assert result.exit_code == 0, result.output
    assert len(receiver.bodies("hook")) == 1
    shown = CliRunner().invoke(cli, ["config", "show", "--config", str(config)])
    assert shown.exit_code == 0, shown.output
    assert "XoXoSeCrEtToKeN" not in shown.output
    row = next(line for line in shown.stdout.splitlines() if line.startswith("notify.webhook "))
    assert row.split()[1:3] == [f"http://127.0.0.1:{receiver.port}/…", "file"]


def test_a_bad_webhook_url_is_a_usage_error_that_does_not_show_it(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    result = audit(sandbox, tmp_path, "--slack-webhook", "hooks.example/XoXoSeCrEtToKeN")
    assert result.exit_code == 2
    assert "--slack-webhook: not an http(s) URL" in result.stderr
    assert "XoXoSeCrEtToKeN" not in result.output
    assert not (tmp_path / "report.json").exists()


# -- payloads at fleet size ------------------------------------------------------------------


def _big_report(n: int) -> Any:
    from auditor.model import AssistantRef, Gate, Report, Severity, Violation

    violations = tuple(
        Violation(
            rule=f"rule-{i % 7}",
            severity=Severity(i % 5),
            title="t",
            assistant=AssistantRef(i, f"uuid-{i:05d}", f"<!channel> Assistant {i} " + "x" * 80),
            path="system_prompt",
            actual="y" * 50,
            expected="z",
            message="m" * 200,
        )
        for i in range(n)
    )
    return Report(
        tool_version="0",
        generated_at="2026-12-01T00:00:00Z",
        source="https://api.example/api",
        assistants=tuple(v.assistant for v in violations),
        rules=(),
        violations=violations,
        gate=Gate(True, "violations at or above low"),
    )


def test_payloads_stay_within_each_services_limits_at_2000_findings() -> None:
    report = _big_report(2000)
    slack = notify.slack_payload(report)
    check_slack(slack)
    assert "<!channel>" not in json.dumps(slack), "fleet text cannot mention the channel"
    assert "&lt;!channel&gt;" in json.dumps(slack)
    check_teams(notify.teams_payload(report))
    hook = notify.webhook_payload(report)
    assert len(hook["top_findings"]) == notify.TOP_FINDINGS
    assert hook["more_findings"] == 2000 - notify.TOP_FINDINGS
    assert hook["top_findings"][0]["severity"] == "critical"
