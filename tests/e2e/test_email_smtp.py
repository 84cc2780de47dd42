"""The ops email against a real SMTP server (aiosmtpd on 127.0.0.1, a free port).

Each test starts its own server, sends through ``deliver_report`` (or the real CLI) and
parses what the server received with the ``email`` package: parts, subject counts, the
JSON attachment, UTF-8 names, and no secret anywhere in the bytes. Also: login,
STARTTLS and SMTPS with a throwaway CA made at test time, and every way delivery fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import ipaddress
import json
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage, MIMEPart
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from click.testing import CliRunner

from auditor.cli import cli
from auditor.email import CAFILE_ENV, deliver_report
from auditor.errors import DeliveryError
from auditor.model import AccountError, AssistantChanges, AssistantRef, Change, Drift, Report
from auditor.redact import register_secret
from auditor.sandbox.server import RunningSandbox
from auditor.settings import EmailSettings
from tests.unit.report.conftest import DURATION, RECORDING, RULES, SECRETS, violation

PASSWORD = "smtp-pw-CANARY-123456"
API_KEY = "api-key-CANARY-654321"
SOURCE = "https://api.example/api"
ZOE = AssistantRef(1, "uuid-1", "Zoë – Réception 受付")
OTTO = AssistantRef(2, "uuid-2", "Otto Ölgaard")
NEW = AssistantRef(3, "uuid-3", "Nouvelle ligne")


# -- a real SMTP server -----------------------------------------------------------------------


class Inbox:
    """An aiosmtpd handler keeping every envelope; it can refuse some addresses or data."""

    def __init__(self, refuse: frozenset[str] = frozenset(), data_reply: str | None = None) -> None:
        self.messages: list[Envelope] = []
        self.refuse = refuse
        self.data_reply = data_reply

    async def handle_RCPT(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        if self.data_reply is not None:
            return self.data_reply
        self.messages.append(envelope)
        return "250 Message accepted"

    def only(self) -> tuple[bytes, EmailMessage, Envelope]:
        """The one message received: its raw bytes, parsed, and its envelope."""
        (envelope,) = self.messages
        raw = envelope.original_content or b""
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        return raw, message, envelope


class FreePortController(Controller):
    """A ``Controller`` listening on port 0: the kernel picks a free port, no race.

    aiosmtpd 1.4 connects to ``self.port`` once after binding (``_trigger_server``);
    the bound port is read from the listening socket just before that.
    """

    def _trigger_server(self) -> None:
        assert isinstance(self.server, asyncio.Server)
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def _authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, data: Any
) -> AuthResult:
    ok = (
        isinstance(data, LoginPassword)
        and data.login == b"bot"
        and data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


@dataclass
class Server:
    inbox: Inbox
    port: int


StartServer = Callable[..., Server]


@pytest.fixture
def start_smtp() -> Iterator[StartServer]:
    """``start_smtp(inbox=None, **controller_options)``: an SMTP server on 127.0.0.1."""
    running: list[Controller] = []

    def start(inbox: Inbox | None = None, **options: Any) -> Server:
        inbox = inbox or Inbox()
        controller = FreePortController(inbox, hostname="127.0.0.1", port=0, **options)
        controller.start()
        running.append(controller)
        return Server(inbox, controller.port)

    yield start
    for controller in running:
        controller.stop()


@pytest.fixture
def smtp(start_smtp: StartServer) -> Server:
    """A plain server that offers AUTH without TLS (user ``bot``, password ``PASSWORD``)."""
    return start_smtp(authenticator=_authenticator, auth_require_tls=False)


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- a throwaway CA and server certificate ------------------------------------------------------


@dataclass(frozen=True)
class TlsFiles:
    ca: Path
    """The CA certificate the client trusts (via AUDITOR_SMTP_CAFILE)."""
    cert: Path
    """The server certificate for 127.0.0.1 and localhost, signed by the CA."""
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context


def _tls_with_cryptography(folder: Path) -> TlsFiles:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.now(timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "auditor test CA")])
    usage = dict.fromkeys(
        (
            "content_commitment",
            "key_encipherment",
            "data_encipherment",
            "key_agreement",
            "encipher_only",
            "decipher_only",
        ),
        False,
    )
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, **usage),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    files = TlsFiles(folder / "ca.pem", folder / "server.pem", folder / "server.key")
    files.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return files


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    """A throwaway CA and a server certificate for 127.0.0.1, made at test time."""
    return _tls_with_cryptography(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def trust_test_ca(tls: TlsFiles, monkeypatch: pytest.MonkeyPatch) -> TlsFiles:
    monkeypatch.setenv(CAFILE_ENV, str(tls.ca))
    return tls


# -- reports and settings -----------------------------------------------------------------------


def make(
    violations: int = 2, drifted: int | None = 1, errors: int = 0, source: str = SOURCE
) -> Report:
    """A report with ``violations`` findings, ``drifted`` changed assistants (``None``: no
    baseline) and ``errors`` unreadable accounts."""
    rules = (RECORDING, DURATION, SECRETS)
    found = tuple(
        violation(rules[i % 3], (ZOE, OTTO)[i % 2], "record", False) for i in range(violations)
    )
    drift = None
    if drifted is not None:
        changes = (Change("max_duration", 900, 3600),)
        drift = Drift(
            added=(NEW,) if drifted else (),
            changed=tuple(AssistantChanges(ZOE, changes) for _ in range(max(drifted - 1, 0))),
        )
    return Report(
        "0.1.0",
        "2026-11-25T03:00:00Z",
        source,
        (ZOE, OTTO),
        RULES,
        found,
        drift=drift,
        errors=tuple(
            AccountError(f"acct{i}", "the API rejected the key (401)") for i in range(errors)
        ),
    )


def settings(port: int, **extra: Any) -> EmailSettings:
    base = EmailSettings(
        to=("ops@example.com",), sender="auditor@example.com", smtp_host="127.0.0.1", smtp_port=port
    )
    return replace(base, **extra)


def text_of(part: MIMEPart | None) -> str:
    assert part is not None
    content = part.get_content()
    assert isinstance(content, str)
    return content.replace("\r\n", "\n")


def failure(report: Report, email_settings: EmailSettings) -> str:
    """The one line ``deliver_report`` fails with."""
    with pytest.raises(DeliveryError) as caught:
        deliver_report(report, email_settings)
    message = caught.value.message
    assert "\n" not in message
    assert caught.value.exit_code == 4
    assert PASSWORD not in message
    return message


# -- delivery -----------------------------------------------------------------------------------


def test_delivers_a_readable_multipart_report(smtp: Server) -> None:
    register_secret(API_KEY)  # as the CLI does with the key it reads
    report = replace(
        make(),
        warnings=(f"retried GET /assistants?key={API_KEY}",),  # a leak the mail must mask
    )
    said = deliver_report(
        report,
        settings(smtp.port, to=("ops@example.com", "Zoë <zoe@example.org>"), smtp_user="bot",
                 smtp_password=PASSWORD),
    )  # fmt: skip
    assert (
        said == f"emailed the report to ops@example.com, zoe@example.org via 127.0.0.1:{smtp.port}"
    )
    raw, message, envelope = smtp.inbox.only()
    assert envelope.mail_from == "auditor@example.com"
    assert envelope.rcpt_tos == ["ops@example.com", "zoe@example.org"]
    assert PASSWORD.encode() not in raw
    assert API_KEY.encode() not in raw
    assert raw.isascii()
    assert message["Subject"] == f"[auditor] 2 violations, 1 assistant drifted — {SOURCE}"
    assert message["From"] == "auditor@example.com"
    assert message["To"].addresses[1].display_name == "Zoë"
    assert message["Date"].datetime.tzinfo is not None
    assert message["Message-ID"].endswith("@example.com>")
    assert [p.get_content_type() for p in message.walk()] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "text/html",
        "application/json",
    ]
    plain = text_of(message.get_body(("plain",)))
    html = text_of(message.get_body(("html",)))
    for name in ("Zoë – Réception 受付", "Otto Ölgaard", "Nouvelle ligne"):
        assert name in plain
        assert name in html
    assert "***" in plain
    _full_html, attachment = message.iter_attachments()
    assert attachment.get_filename() == "auditor-report.json"
    assert attachment.get_content_type() == "application/json"
    data = json.loads(attachment.get_content())
    assert data == json.loads(json.dumps(report.to_dict()).replace(API_KEY, "***"))


SUBJECTS = {
    "clean": (make(0, None), "no violations"),
    "clean with a baseline": (make(0, 0), "no violations, no drift"),
    "violations only": (make(3, None), "3 violations"),
    "one violation, no drift": (make(1, 0), "1 violation, no drift"),
    "drift only": (make(0, 2), "no violations, 2 assistants drifted"),
    "both": (make(3, 2), "3 violations, 2 assistants drifted"),
    "account failed": (make(0, None, 1), "no violations, 1 account failed"),
    "everything": (make(1, 1, 2), "1 violation, 1 assistant drifted, 2 accounts failed"),
}


@pytest.mark.parametrize("case", list(SUBJECTS))
def test_subject_counts_as_received(smtp: Server, case: str) -> None:
    report, counts = SUBJECTS[case]
    assert deliver_report(report, settings(smtp.port, on="always")) is not None
    _, message, _ = smtp.inbox.only()
    assert message["Subject"] == f"[auditor] {counts} — {SOURCE}"
    _full_html, attachment = message.iter_attachments()
    assert json.loads(attachment.get_content()) == report.to_dict()


def test_long_utf8_subject_survives_folding(smtp: Server) -> None:
    source = "north=https://a.example/api, south=https://b.example/api/équipe-du-soir"
    deliver_report(make(3, 2, 1, source=source), settings(smtp.port))
    _, message, _ = smtp.inbox.only()
    assert message["Subject"] == (
        f"[auditor] 3 violations, 2 assistants drifted, 1 account failed — {source}"
    )


def test_nothing_is_sent_when_not_due(smtp: Server) -> None:
    assert (deliver_report(make(0, 0), settings(smtp.port)) or "").startswith("no email sent")
    said = deliver_report(make(2, None), settings(smtp.port, on="drift")) or ""
    assert said.startswith("no email sent: --email-on drift")
    assert smtp.inbox.messages == []


# -- login -------------------------------------------------------------------------------------


def test_wrong_password_names_the_user_not_the_password(smtp: Server) -> None:
    line = failure(make(), settings(smtp.port, smtp_user="bot", smtp_password="wrong-pw-999"))
    assert line.startswith(f"SMTP server 127.0.0.1:{smtp.port} rejected the login for bot (535 ")
    assert line.endswith("check --smtp-user and AUDITOR_SMTP_PASSWORD")
    assert "wrong-pw-999" not in line
    assert smtp.inbox.messages == []


def test_login_on_a_server_without_auth(start_smtp: StartServer) -> None:
    server = start_smtp()
    line = failure(make(), settings(server.port, smtp_user="bot", smtp_password=PASSWORD))
    assert line.startswith(f"SMTP server 127.0.0.1:{server.port} does not offer a login (AUTH)")


# -- STARTTLS and SMTPS -------------------------------------------------------------------------


def test_starttls_with_login(start_smtp: StartServer, trust_test_ca: TlsFiles) -> None:
    server = start_smtp(
        tls_context=trust_test_ca.server_context(),
        require_starttls=True,
        authenticator=_authenticator,
    )
    said = deliver_report(
        make(), settings(server.port, starttls=True, smtp_user="bot", smtp_password=PASSWORD)
    )
    assert said == f"emailed the report to ops@example.com via 127.0.0.1:{server.port}"
    raw, message, _ = server.inbox.only()
    assert message["Subject"].startswith("[auditor] 2 violations")
    assert PASSWORD.encode() not in raw


def test_starttls_without_trusting_the_ca(start_smtp: StartServer, tls: TlsFiles) -> None:
    server = start_smtp(tls_context=tls.server_context(), require_starttls=True)
    line = failure(make(), settings(server.port, starttls=True))
    assert line.startswith(f"TLS with SMTP server 127.0.0.1:{server.port} failed: ")
    assert "certificate" in line
    assert line.endswith(f"or trust its CA with {CAFILE_ENV}")
    assert server.inbox.messages == []


def test_plain_session_on_a_server_that_requires_starttls(
    start_smtp: StartServer, tls: TlsFiles
) -> None:
    server = start_smtp(tls_context=tls.server_context(), require_starttls=True)
    line = failure(make(), settings(server.port))
    assert line.startswith(f"SMTP server 127.0.0.1:{server.port} wants TLS or a login")
    assert "(530 " in line
    assert "--smtp-starttls" in line


def test_starttls_on_a_server_without_tls(smtp: Server) -> None:
    line = failure(make(), settings(smtp.port, starttls=True))
    assert line.startswith(f"SMTP server 127.0.0.1:{smtp.port} does not offer STARTTLS")


def test_smtps(start_smtp: StartServer, trust_test_ca: TlsFiles) -> None:
    server = start_smtp(ssl_context=trust_test_ca.server_context())
    said = deliver_report(make(), settings(server.port, ssl=True))
    assert said == f"emailed the report to ops@example.com via 127.0.0.1:{server.port}"
    _, message, _ = server.inbox.only()
    assert message.get_content_type() == "multipart/mixed"


def test_plain_session_against_an_smtps_server(
    start_smtp: StartServer, tls: TlsFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("auditor.email.TIMEOUT", 0.3)
    server = start_smtp(ssl_context=tls.server_context())
    line = failure(make(), settings(server.port))
    assert line == (
        f"SMTP server 127.0.0.1:{server.port} sent no greeting within 0.3 s; if it expects "
        "TLS from the start (usually port 465) use --smtp-ssl, else check "
        "--smtp-host/--smtp-port"
    )


def test_smtps_against_a_plain_server(smtp: Server, trust_test_ca: TlsFiles) -> None:
    line = failure(make(), settings(smtp.port, ssl=True))
    assert line.startswith(f"TLS with SMTP server 127.0.0.1:{smtp.port} failed: ")
    assert "--smtp-ssl" in line


# -- refusals and broken connections ----------------------------------------------------------


def test_refused_recipient(start_smtp: StartServer) -> None:
    server = start_smtp(Inbox(refuse=frozenset({"nobody@example.com"})))
    line = failure(make(), settings(server.port, to=("nobody@example.com",)))
    assert line == (
        f"SMTP server 127.0.0.1:{server.port} refused the recipients nobody@example.com "
        "(550 5.1.1 no such user here); check --email-to"
    )


def test_some_recipients_refused(start_smtp: StartServer) -> None:
    server = start_smtp(Inbox(refuse=frozenset({"nobody@example.com"})))
    line = failure(make(), settings(server.port, to=("ops@example.com", "nobody@example.com")))
    assert line == (
        f"SMTP server 127.0.0.1:{server.port} refused the recipients nobody@example.com "
        "(550 5.1.1 no such user here); the mail went to ops@example.com only; check --email-to"
    )
    _, _, envelope = server.inbox.only()
    assert envelope.rcpt_tos == ["ops@example.com"]


def test_refused_sender(start_smtp: StartServer) -> None:
    class NoSender(Inbox):
        async def handle_MAIL(
            self, server: Any, session: Session, envelope: Envelope, address: str, options: Any
        ) -> str:
            return "553 5.7.1 sender not allowed"

    server = start_smtp(NoSender())
    line = failure(make(), settings(server.port))
    assert line == (
        f"SMTP server 127.0.0.1:{server.port} refused the sender auditor@example.com "
        "(553 5.7.1 sender not allowed); check --email-from"
    )


def test_refused_message(start_smtp: StartServer) -> None:
    server = start_smtp(Inbox(data_reply="554 5.7.1 looks like spam"))
    line = failure(make(), settings(server.port))
    assert line.startswith(
        f"SMTP server 127.0.0.1:{server.port} refused the message (554 5.7.1 looks like spam)"
    )


def test_unreachable_server() -> None:
    port = closed_port()
    line = failure(make(), settings(port))
    assert line.startswith(f"cannot connect to SMTP server 127.0.0.1:{port}: ")
    assert line.endswith("; check --smtp-host/--smtp-port")


def test_unknown_host() -> None:
    line = failure(make(), settings(25, smtp_host="smtp.invalid"))
    assert line.startswith("cannot connect to SMTP server smtp.invalid:25: ")


@contextlib.contextmanager
def raw_server(behave: Callable[[socket.socket], None]) -> Iterator[int]:
    """A one-connection TCP server on 127.0.0.1 that does ``behave(connection)``."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()

        def serve() -> None:
            connection, _ = listener.accept()
            with connection:
                behave(connection)

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        yield int(listener.getsockname()[1])
        thread.join(5)


def test_server_that_hangs_up() -> None:
    with raw_server(lambda connection: None) as port:
        line = failure(make(), settings(port))
    assert line.startswith(f"SMTP server 127.0.0.1:{port} closed the connection while connecting")


def test_server_that_stops_answering(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("auditor.email.TIMEOUT", 0.3)

    def greet_then_wait(connection: socket.socket) -> None:
        connection.sendall(b"220 slow.example ESMTP\r\n")
        connection.recv(1024)  # the EHLO, never answered
        connection.recv(1024)  # until the client gives up and closes

    with raw_server(greet_then_wait) as port:
        line = failure(make(), settings(port))
    assert line == (
        f"lost the connection to SMTP server 127.0.0.1:{port} while greeting it (EHLO): "
        "no answer within 0.3 s"
    )


# -- dry run and the CLI ------------------------------------------------------------------------


def test_dry_run_writes_what_would_be_sent(smtp: Server, tmp_path: Path) -> None:
    target = tmp_path / "mail.eml"
    said = deliver_report(make(), settings(smtp.port, dry_run=target, smtp_password=PASSWORD))
    assert said == f"wrote the email to {target} (dry run, not sent)"
    assert smtp.inbox.messages == []
    raw = target.read_bytes()
    assert PASSWORD.encode() not in raw
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Subject"] == f"[auditor] 2 violations, 1 assistant drifted — {SOURCE}"
    assert message.get_content_type() == "multipart/mixed"


def test_nightly_audit_mails_ops(smtp: Server, sandbox: RunningSandbox, tmp_path: Path) -> None:
    """The issue's "done when": ``--email-to ops@example.com --smtp-host 127.0.0.1``."""
    result = CliRunner().invoke(
        cli,
        ["audit", "--base-url", sandbox.base_url, "--format", "json", "-o",
         str(tmp_path / "report.json"), "--email-to", "ops@example.com", "--smtp-host",
         "127.0.0.1", "--smtp-port", str(smtp.port), "--smtp-user", "bot"],
        env={"INTELLIXENT_API_KEY": sandbox.api_key, "AUDITOR_SMTP_PASSWORD": PASSWORD},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"emailed the report to ops@example.com via 127.0.0.1:{smtp.port}" in result.stderr
    written = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    raw, message, _ = smtp.inbox.only()
    assert sandbox.api_key.encode() not in raw
    assert PASSWORD.encode() not in raw
    count = written["summary"]["violations"]
    assert count > 0
    assert message["Subject"] == f"[auditor] {count} violations — {sandbox.base_url}"
    _full_html, attachment = message.iter_attachments()
    assert json.loads(attachment.get_content()) == written
    assert "recording-enabled" in text_of(message.get_body(("plain",)))


def test_a_mail_failure_keeps_the_reports_and_exits_4(
    start_smtp: StartServer, tmp_path: Path
) -> None:
    server = start_smtp(Inbox(refuse=frozenset({"ops@example.com"})))
    before, after = _snapshots(tmp_path)
    result = CliRunner().invoke(
        cli,
        ["diff", str(before), str(after), "--format", "json", "-o", str(tmp_path / "drift.json"),
         "--email-to", "ops@example.com", "--smtp-host", "127.0.0.1", "--smtp-port",
         str(server.port)],
    )  # fmt: skip
    assert result.exit_code == 4, result.output
    assert (tmp_path / "drift.json").exists()
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        f"error: SMTP server 127.0.0.1:{server.port} refused the recipients ops@example.com "
        "(550 5.1.1 no such user here); check --email-to"
    ]


def test_diff_mails_the_drift(smtp: Server, tmp_path: Path) -> None:
    before, after = _snapshots(tmp_path)
    result = CliRunner().invoke(
        cli,
        ["diff", str(before), str(after), "--email-to", "ops@example.com", "--smtp-host",
         "127.0.0.1", "--smtp-port", str(smtp.port), "--email-on", "drift"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    _, message, _ = smtp.inbox.only()
    _full_html, attachment = message.iter_attachments()
    drift = json.loads(attachment.get_content())["summary"]["drift"]
    total = sum(drift.values())
    assert total > 0
    assert message["Subject"].startswith(f"[auditor] no violations, {total} assistants drifted — ")


def _snapshots(folder: Path) -> tuple[Path, Path]:
    from auditor.model import Listing
    from auditor.sandbox.data import generate_fleet, simulate_drift
    from auditor.snapshot import write_snapshot

    fleet = generate_fleet(12)
    before, after = folder / "before.json", folder / "after.json"
    write_snapshot(Listing("http://x/api", "t1", {r["uuid"]: r for r in fleet}), before)
    drifted = simulate_drift(fleet)
    write_snapshot(Listing("http://x/api", "t2", {r["uuid"]: r for r in drifted}), after)
    return before, after


# -- the email settings from the config file and from the environment --------------------------


def _audit(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(cli, ["audit", *args], env=env)


def test_the_config_file_mails_the_nightly_report(
    smtp: Server, sandbox: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's nightly set-up: everything in auditor.yaml, the password in the env."""
    (tmp_path / "auditor.yaml").write_text(
        f"base_url: {sandbox.base_url}\n"
        "reports: [{format: json, output: out/report.json}]\n"
        "email: {to: [ops@example.com], from: auditor@example.com, smtp_host: 127.0.0.1,\n"
        f"        smtp_port: {smtp.port}, user: bot, on: findings}}\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    result = _audit(env={"INTELLIXENT_API_KEY": sandbox.api_key, "AUDITOR_SMTP_PASSWORD": PASSWORD})
    assert result.exit_code == 0, result.output
    raw, message, envelope = smtp.inbox.only()
    assert (envelope.mail_from, envelope.rcpt_tos) == ("auditor@example.com", ["ops@example.com"])
    assert PASSWORD.encode() not in raw
    assert sandbox.api_key.encode() not in raw
    written = json.loads((tmp_path / "out/report.json").read_text(encoding="utf-8"))
    _full_html, attachment = message.iter_attachments()
    assert json.loads(attachment.get_content()) == written
    count = written["summary"]["violations"]
    assert message["Subject"] == f"[auditor] {count} violations — {sandbox.base_url}"


def test_every_email_option_has_an_environment_variable(
    smtp: Server, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    env = {
        "INTELLIXENT_API_KEY": sandbox.api_key,
        "AUDITOR_EMAIL_TO": "ops@example.com, Zoë <zoe@example.org>",
        "AUDITOR_EMAIL_FROM": "Fleet Auditor <fleet@example.net>",
        "AUDITOR_SMTP_HOST": "127.0.0.1",
        "AUDITOR_SMTP_PORT": str(smtp.port),
        "AUDITOR_SMTP_USER": "bot",
        "AUDITOR_SMTP_PASSWORD": PASSWORD,
        "AUDITOR_SMTP_STARTTLS": "false",
        "AUDITOR_SMTP_SSL": "false",
        "AUDITOR_EMAIL_ON": "violations",
    }
    result = _audit("--base-url", sandbox.base_url, "--format", "json", "-o",
                    str(tmp_path / "r.json"), env=env)  # fmt: skip
    assert result.exit_code == 0, result.output
    _, message, envelope = smtp.inbox.only()
    assert envelope.mail_from == "fleet@example.net"
    assert envelope.rcpt_tos == ["ops@example.com", "zoe@example.org"]
    assert message["From"].addresses[0].display_name == "Fleet Auditor"
    dry = tmp_path / "mail.eml"
    result = _audit("--base-url", sandbox.base_url, "-q", env={**env,
                    "AUDITOR_EMAIL_DRY_RUN": str(dry)})  # fmt: skip
    assert result.exit_code == 0, result.output
    assert len(smtp.inbox.messages) == 1  # the dry run sent nothing
    written = email.message_from_bytes(dry.read_bytes(), policy=email.policy.default)
    assert written["To"] == env["AUDITOR_EMAIL_TO"]


def test_starttls_from_the_environment(
    start_smtp: StartServer, trust_test_ca: TlsFiles, sandbox: RunningSandbox
) -> None:
    server = start_smtp(
        tls_context=trust_test_ca.server_context(),
        require_starttls=True,
        authenticator=_authenticator,
    )
    env = {
        "INTELLIXENT_API_KEY": sandbox.api_key,
        "AUDITOR_EMAIL_TO": "ops@example.com",
        "AUDITOR_SMTP_HOST": "127.0.0.1",
        "AUDITOR_SMTP_PORT": str(server.port),
        "AUDITOR_SMTP_USER": "bot",
        "AUDITOR_SMTP_PASSWORD": PASSWORD,
        "AUDITOR_SMTP_STARTTLS": "1",
    }
    result = _audit("--base-url", sandbox.base_url, "-q", env=env)
    assert result.exit_code == 0, result.output
    raw, _, _ = server.inbox.only()
    assert PASSWORD.encode() not in raw


def test_a_mail_failure_never_hides_a_tripped_gate(sandbox: RunningSandbox, tmp_path: Path) -> None:
    port = closed_port()
    result = _audit("--base-url", sandbox.base_url, "--fail-on-violation", "--format", "json",
                    "-o", str(tmp_path / "r.json"), "--email-to", "ops@example.com",
                    "--smtp-host", "127.0.0.1", "--smtp-port", str(port),
                    env={"INTELLIXENT_API_KEY": sandbox.api_key})  # fmt: skip
    assert result.exit_code == 1, result.output
    assert (tmp_path / "r.json").exists()
    lines = result.stderr.splitlines()
    assert any(line.startswith("gate failed: ") for line in lines)
    assert f"error: cannot connect to SMTP server 127.0.0.1:{port}: " in result.stderr
    assert "check --smtp-host/--smtp-port" in result.stderr  # given as flags


def test_a_mail_failure_never_hides_an_unread_account(
    make_sandbox: Callable[..., RunningSandbox], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    north = make_sandbox(count=5, api_key="north-key-0001")
    south = make_sandbox(count=5, api_key="south-key-0002")
    port = closed_port()
    (tmp_path / "auditor.yaml").write_text(
        "reports: [{format: json, output: r.json}]\n"
        f"email: {{to: [ops@example.com], smtp_host: 127.0.0.1, smtp_port: {port}}}\n"
        "accounts:\n"
        f"  - {{name: north, base_url: '{north.base_url}', api_key_env: NORTH_KEY}}\n"
        f"  - {{name: south, base_url: '{south.base_url}', api_key_env: SOUTH_KEY}}\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    result = _audit(env={"NORTH_KEY": "north-key-0001", "SOUTH_KEY": "wrong-key-0000"})
    assert result.exit_code == 3, result.output
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["errors"]
    assert "error: account south: the API rejected the key" in result.stderr
    assert f"error: cannot connect to SMTP server 127.0.0.1:{port}: " in result.stderr
    # the host and port came from the file: the hint says where, not which flag
    assert "check email.smtp_host (auditor.yaml:2)/email.smtp_port (auditor.yaml:2)" in (
        result.stderr
    )


def test_diff_leaves_the_nightly_reports_and_email_of_the_config_file_alone(
    smtp: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before, after = _snapshots(tmp_path)
    (tmp_path / "auditor.yaml").write_text(
        "ignore_fields: [updated_at, max_duration]\n"
        "reports: [{format: json, output: out/report.json}]\n"
        f"email: {{to: [ops@example.com], smtp_host: 127.0.0.1, smtp_port: {smtp.port}, "
        "on: always}\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["diff", str(before), str(after), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "out").exists()
    assert smtp.inbox.messages == []
    changed = json.loads(result.stdout)["drift"]["changed"]
    paths = {c["path"] for entry in changed for c in entry["changes"]}
    assert paths
    assert "max_duration" not in paths  # ignore_fields does apply
