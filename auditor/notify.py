"""Notices to Slack, Microsoft Teams and any webhook: the verdict, the counts, the top findings.

Each target is an incoming-webhook URL (``--slack-webhook``, ``--teams-webhook``,
``--webhook``). The message names the gate verdict, the counts, the top findings (new
ones first when the run knows which are new, then by severity) and what drifted, sized
to what each service accepts:

- Slack: Block Kit ``blocks`` with a plain ``text`` fallback; at most ``SLACK_BLOCKS``
  blocks, each section's text under Slack's 3,000 characters.
- Teams: a message whose one attachment is an Adaptive Card (version 1.4), the shape a
  Teams "Workflows" webhook takes; kept under ``TEAMS_BYTES`` (Teams refuses ~28 KB).
- webhook: a JSON summary (``WEBHOOK_SCHEMA_VERSION``) with the top findings, for
  anything else.

A webhook URL's path is its credential: URLs are registered as secrets (redacted from
every line and log) and only the host is ever shown. A failed post is retried like an
API request (connection errors, timeouts, 429 with ``Retry-After``, 5xx), within
``POST_TRIES`` tries and ``POST_BUDGET`` seconds per target; then one line, and the run
exits 4 with its reports already written.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

from auditor._version import __version__
from auditor.errors import ConfigError, DeliveryError
from auditor.model import Report, Violation
from auditor.settings import NotifySettings, NotifyTarget

TOP_FINDINGS = 10
"""Findings named in a notice; the rest are counted ("… and N more")."""
SLACK_BLOCKS = 50
"""Slack's limit on blocks in one message."""
SLACK_TEXT = 2900
"""Characters in one Slack section (Slack's limit is 3,000)."""
TEAMS_BYTES = 24_000
"""Bytes of a Teams message (Teams refuses a card much over 28 KB)."""
WEBHOOK_SCHEMA_VERSION = 1
POST_TRIES = 4
"""Tries per target, the first included."""
POST_BUDGET = 60.0
"""Seconds a target may take, waits between tries included."""
POST_TIMEOUT = (5.0, 15.0)
"""Connect and read timeout of one post, in seconds."""
KINDS = {"slack": "Slack", "teams": "Teams", "webhook": "webhook"}


def host_of(url: str) -> str:
    """The host (and port) of a webhook URL: all of it that may be shown."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    return f"{host}:{parts.port}" if parts.port else host


def shown_url(url: str) -> str:
    """``https://hooks.slack.com/…``: how a webhook URL is shown, its path left out."""
    return f"{urlsplit(url).scheme or '?'}://{host_of(url)}/…"


def check_webhook_url(url: str, option: str) -> None:
    """A usage error (exit 2) for a URL that cannot be a webhook; it never shows the URL."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigError(
            f"{option}: not an http(s) URL (the value is a secret and is not shown); "
            "give the incoming-webhook URL the service made for you"
        )
    if any(ch.isspace() or ord(ch) < 0x20 for ch in url.strip()):
        raise ConfigError(f"{option}: the URL holds whitespace or control characters")


def should_notify(report: Report, on: str) -> bool:
    """Whether ``--*-on ON`` asks for a notice: as ``--email-on``, plus ``new``.

    ``new``: at least one new violation; when the run could not tell new from standing
    (no baseline, no history), any violation counts, so nothing is missed.
    """
    if on == "new":
        new = report.summary().get("new")
        return bool(report.violations) if new is None else bool(new) or bool(report.errors)
    from auditor.email import should_send

    return should_send(report, on)


def notify(report: Report, settings: NotifySettings, *, say: Callable[[str], None]) -> None:
    """Post to every target that its ``on`` asks for; ``DeliveryError`` if any failed.

    Every target is tried even when an earlier one failed; ``say`` gets one line per
    target posted or skipped.
    """
    import requests  # only a run that posts pays for importing it

    failures: list[str] = []
    with requests.Session() as session:
        for target in settings.targets:
            label = f"{KINDS[target.kind]} ({host_of(target.url)})"
            if not should_notify(report, target.on):
                say(f"{label}: not notified (--{target.kind}-on {target.on}: nothing to say)")
                continue
            payload = build_payload(target.kind, report)
            try:
                _post(session, target, payload)
            except DeliveryError as exc:
                failures.append(f"{label}: {exc.message}")
                continue
            say(f"notified {label}")
    if failures:
        raise DeliveryError(
            f"notification failed: {'; '.join(failures)} (the reports were written)"
        )


def _post(
    session: Any,
    target: NotifyTarget,
    payload: dict[str, Any],
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json", "User-Agent": f"auditor/{__version__}"}
    deadline = time.monotonic() + POST_BUDGET
    rng = random.Random()
    problem = ""
    import requests

    for attempt in range(1, POST_TRIES + 1):
        wait: float | None = None
        try:
            response = session.post(
                target.url, data=body, headers=headers, timeout=POST_TIMEOUT, allow_redirects=False
            )
        except requests.Timeout:
            problem = "timed out"
        except requests.ConnectionError:
            problem = "could not connect"
        else:
            if 200 <= response.status_code < 300:
                return
            problem = f"HTTP {response.status_code}"
            if response.status_code == 429 or response.status_code >= 500:
                from auditor.api import _retry_after

                wait = _retry_after(response.headers.get("Retry-After"))
            else:  # 3xx/4xx: a wrong or revoked URL does not get better by retrying
                raise DeliveryError(f"{problem}; check the webhook URL (not retried)")
        if attempt == POST_TRIES:
            break
        delay = wait if wait is not None else rng.uniform(0, 0.5 * 2 ** (attempt - 1))
        if time.monotonic() + delay > deadline:
            break
        sleep(delay)
    raise DeliveryError(f"{problem} after {attempt} tries")


# -- what a notice says ------------------------------------------------------------------------


def build_payload(kind: str, report: Report) -> dict[str, Any]:
    """The JSON body for a target of ``kind`` (``slack``, ``teams`` or ``webhook``)."""
    if kind == "slack":
        return slack_payload(report)
    if kind == "teams":
        return teams_payload(report)
    return webhook_payload(report)


def _status(violation: Violation) -> str | None:
    status = violation.to_dict().get("status")
    return status if isinstance(status, str) else None


def top_findings(report: Report, limit: int = TOP_FINDINGS) -> list[Violation]:
    """The findings a notice names: new ones first, then the most severe, then by rule."""

    def order(v: Violation) -> tuple[int, int, str, str]:
        return (0 if _status(v) == "new" else 1, -int(v.severity), v.rule, v.assistant.uuid)

    return sorted(report.violations, key=order)[:limit]


def verdict(report: Report) -> str:
    """``FAILED: reason``, ``passed`` or ``no gate`` (one line)."""
    gate = report.gate
    if gate.failed:
        return f"FAILED: {gate.reason}"
    return "passed" if gate.reason != "no gate requested" else "no gate"


def _counts(report: Report) -> list[tuple[str, str]]:
    summary = report.summary()
    rows = [
        ("assistants", str(summary["assistants"])),
        ("violations", str(summary["violations"])),
    ]
    if summary.get("new") is not None:
        rows.append(("new", str(summary["new"])))
    if summary.get("fixed") is not None:
        rows.append(("fixed", str(summary["fixed"])))
    severities = ", ".join(f"{n} {s}" for s, n in summary["by_severity"].items() if n)
    if severities:
        rows.append(("by severity", severities))
    drift = summary["drift"]
    if drift is not None:
        rows.append(("drift", ", ".join(f"{n} {k}" for k, n in drift.items())))
    if report.errors:
        rows.append(("accounts failed", str(len(report.errors))))
    return rows


def _finding_line(v: Violation) -> str:
    where = f"{v.assistant.account}: " if v.assistant.account else ""
    new = "NEW " if _status(v) == "new" else ""
    return _clip(f"{new}{v.severity} {v.rule}: {where}{v.assistant.label} — {v.message}", 300)


def _drift_lines(report: Report, limit: int = 5) -> list[str]:
    if report.drift is None:
        return []
    lines = [f"added: {a.name or a.uuid}" for a in report.drift.added]
    lines += [f"removed: {a.name or a.uuid}" for a in report.drift.removed]
    lines += [
        f"changed: {c.assistant.name or c.assistant.uuid} ({', '.join(x.path for x in c.changes)})"
        for c in report.drift.changed
    ]
    more = len(lines) - limit
    return [_clip(line, 200) for line in lines[:limit]] + (
        [f"… and {more} more"] if more > 0 else []
    )


def _mrkdwn(text: str) -> str:
    """Text from the fleet made inert in Slack mrkdwn: no links, mentions or ``<!here>``."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    """One line (control and invisible characters made visible), at most ``limit`` long."""
    from auditor.report.sanitize import terminal

    text = terminal(" ".join(str(text).split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _title(report: Report) -> str:
    return _clip(f"auditor: gate {verdict(report)} — {report.source}", 150)


def _more(report: Report, shown: int) -> str | None:
    rest = len(report.violations) - shown
    return f"… and {rest} more findings (see the full report)" if rest > 0 else None


def slack_payload(report: Report) -> dict[str, Any]:
    """A Slack incoming-webhook message: Block Kit blocks plus a ``text`` fallback."""
    counts = " · ".join(f"*{k}* {v}" for k, v in _counts(report))
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _title(report)}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _clip(counts, SLACK_TEXT)}},
    ]
    findings = top_findings(report)
    if findings:
        lines = "\n".join(f"• {_mrkdwn(_finding_line(v))}" for v in findings)
        blocks.append({"type": "divider"})
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": _clip_lines(lines, SLACK_TEXT)}}
        )
    drift = _drift_lines(report)
    if drift:
        text = "*Drift*\n" + "\n".join(f"• {_mrkdwn(line)}" for line in drift)
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": _clip_lines(text, SLACK_TEXT)}}
        )
    more = _more(report, len(findings))
    if more:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": more}]})
    fallback = _clip(
        f"{_title(report)} — {', '.join(f'{k} {v}' for k, v in _counts(report))}", 3000
    )
    return {"text": fallback, "blocks": blocks[:SLACK_BLOCKS]}


def _clip_lines(text: str, limit: int) -> str:
    """``text`` cut at a line boundary to at most ``limit`` characters."""
    if len(text) <= limit:
        return text
    kept: list[str] = []
    size = 0
    for line in text.split("\n"):
        if size + len(line) + 1 > limit - 2:
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join([*kept, "…"])


def teams_payload(report: Report) -> dict[str, Any]:
    """A Teams Workflows webhook message: one Adaptive Card 1.4 attachment."""
    findings = top_findings(report)
    while True:
        card = _teams_card(report, findings)
        message = {
            "type": "message",
            "attachments": [
                {
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "contentUrl": None,
                    "content": card,
                }
            ],
        }
        if len(json.dumps(message).encode("utf-8")) <= TEAMS_BYTES or not findings:
            return message
        findings = findings[: len(findings) // 2]


def _teams_card(report: Report, findings: Sequence[Violation]) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": _title(report),
            "weight": "Bolder",
            "size": "Medium",
            "wrap": True,
            "color": "Attention" if report.gate.failed else "Good",
        },
        {"type": "FactSet", "facts": [{"title": k, "value": v} for k, v in _counts(report)]},
    ]
    body += _teams_list("Top findings", (_finding_line(v) for v in findings))
    body += _teams_list("Drift", _drift_lines(report))
    more = _more(report, len(findings))
    if more:
        body.append({"type": "TextBlock", "text": more, "isSubtle": True, "wrap": True})
    return {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }


def _teams_list(heading: str, lines: Iterable[str]) -> list[dict[str, Any]]:
    items = [{"type": "TextBlock", "text": f"- {line}", "wrap": True} for line in lines]
    if not items:
        return []
    return [{"type": "TextBlock", "text": heading, "weight": "Bolder", "separator": True}, *items]


def webhook_payload(report: Report) -> dict[str, Any]:
    """A JSON summary for any other receiver (``schema_version`` 1)."""
    summary = report.summary()
    findings = top_findings(report)
    return {
        "schema_version": WEBHOOK_SCHEMA_VERSION,
        "tool_version": report.tool_version,
        "generated_at": report.generated_at,
        "source": report.source,
        "gate": report.gate.to_dict(),
        "summary": {
            key: summary.get(key)
            for key in ("assistants", "rules", "violations", "new", "fixed", "by_severity", "drift")
        },
        "top_findings": [
            {
                "rule": v.rule,
                "severity": str(v.severity),
                "status": _status(v),
                "assistant": v.assistant.to_dict(),
                "path": v.path,
                "message": v.message,
            }
            for v in findings
        ],
        "more_findings": max(0, len(report.violations) - len(findings)),
        "drift": _drift_lines(report, limit=20),
        "errors": [{"account": e.account, "message": e.message} for e in report.errors],
    }
