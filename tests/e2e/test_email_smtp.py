"""The ops email against a real SMTP server (aiosmtpd on 127.0.0.1): parts, subject,
attachment, auth, refusals, and no secret anywhere in the message."""

from __future__ import annotations

import email
import email.policy
import json
import socket
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from auditor.email import deliver_report, should_send, subject
from auditor.errors import DeliveryError
from auditor.model import Drift, Report
from auditor.settings import EmailSettings
from tests.unit.report.conftest import A1, RULES, violation

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
PASSWORD = "smtp-pw-CANARY-123456"
API_KEY = "api-key-CANARY-654321"


class Inbox:
    def __init__(self, refuse: str | None = None) -> None:
        self.messages: list[Envelope] = []
        self.refuse = refuse

    async def handle_RCPT(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address == self.refuse:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        self.messages.append(envelope)
        return "250 Message accepted"


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, data: Any
) -> AuthResult:
    ok = (
        isinstance(data, LoginPassword)
        and data.login == b"bot"
        and data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox(refuse="nobody@example.com")
    port = _port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=_authenticator,
        auth_require_tls=False,
    )
    controller.start()
    yield inbox, port
    controller.stop()


def report(name: str = "Zoë – Réception", drift: bool = True) -> Report:
    who = replace(A1, name=name)
    return Report(
        "0.1.0",
        "2026-11-25T03:00:00Z",
        "https://api.example/api",
        (who,),
        RULES,
        (violation(RULES[0], who), violation(RULES[1], who, actual=API_KEY[:3])),
        drift=Drift(added=(who,)) if drift else None,
    )


def settings(port: int, **extra: Any) -> EmailSettings:
    base = EmailSettings(
        to=("ops@example.com",), sender="auditor@example.com", smtp_host="127.0.0.1", smtp_port=port
    )
    return replace(base, **extra)


def test_delivers_a_readable_multipart_report(smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    sent = deliver_report(report(), settings(port, smtp_user="bot", smtp_password=PASSWORD))
    assert sent == "emailed the report to ops@example.com via 127.0.0.1:" + str(port)
    (envelope,) = inbox.messages
    raw = envelope.original_content or b""
    assert PASSWORD.encode() not in raw
    assert API_KEY.encode() not in raw
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Subject"] == (
        "[auditor] 2 violations, 1 assistant drifted — https://api.example/api"
    )
    assert message["Date"]
    assert message["Message-ID"]
    body = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert body is not None
    assert html is not None
    assert "Zoë – Réception" in body.get_content()
    assert "Zoë – Réception" in html.get_content()
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "auditor-report.json"
    data = json.loads(attachment.get_content())
    assert data["summary"]["violations"] == 2


def test_wrong_password_names_the_user_not_the_password(smtp: tuple[Inbox, int]) -> None:
    _, port = smtp
    with pytest.raises(DeliveryError) as caught:
        deliver_report(report(), settings(port, smtp_user="bot", smtp_password="wrong-pw-999"))
    assert "bot" in caught.value.message
    assert "wrong-pw-999" not in caught.value.message


def test_refused_recipient(smtp: tuple[Inbox, int]) -> None:
    _, port = smtp
    with pytest.raises(DeliveryError, match=r"nobody@example\.com"):
        deliver_report(report(), settings(port, to=("nobody@example.com",)))


def test_unreachable_server() -> None:
    with pytest.raises(DeliveryError, match=r"cannot connect to SMTP server 127\.0\.0\.1"):
        deliver_report(report(), settings(_port()))


def test_dry_run_writes_a_parseable_eml(tmp_path: Path) -> None:
    target = tmp_path / "mail.eml"
    assert deliver_report(report(), settings(1, dry_run=target)) is not None
    message = email.message_from_bytes(target.read_bytes(), policy=email.policy.default)
    assert message.get_content_type() == "multipart/mixed"


def test_when_to_send() -> None:
    clean = replace(report(), violations=(), drift=Drift())
    assert not should_send(clean, "findings")
    assert should_send(clean, "always")
    assert should_send(report(), "violations")
    assert not should_send(replace(report(), drift=Drift()), "drift")
    assert (
        subject(clean) == "[auditor] no violations, no drift — https://api.example/api"
    )
