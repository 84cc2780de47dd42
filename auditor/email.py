"""Mail the report to ops: text + HTML alternatives, the JSON report attached.

Standard library only (``smtplib``, ``email.message.EmailMessage``). The subject carries
the counts (``[auditor] 3 violations, 2 assistants drifted — <source>``). Every failure
— connection refused, TLS, login, refused recipients — is one ``DeliveryError`` line
(exit 4); the SMTP password is never part of any text. ``AUDITOR_SMTP_CAFILE`` names
an extra CA bundle to trust (a private relay, or the tests' self-signed server).
"""

from __future__ import annotations

import os
import smtplib
import socket
import ssl
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from auditor.errors import DeliveryError
from auditor.model import Report
from auditor.redact import redact, register_secret
from auditor.settings import EmailSettings

TIMEOUT = 30.0
CAFILE_ENV = "AUDITOR_SMTP_CAFILE"


def should_send(report: Report, on: str) -> bool:
    """``always``; ``findings`` (violations, drift or unreadable accounts); ``violations``;
    ``drift``."""
    drifted = report.drift is not None and not report.drift.empty
    if on == "always":
        return True
    if on == "violations":
        return bool(report.violations)
    if on == "drift":
        return drifted
    return bool(report.violations) or drifted or bool(report.errors)


def subject(report: Report) -> str:
    """``[auditor] 3 violations, 2 assistants drifted — https://…``."""
    count = len(report.violations)
    parts = [f"{count} violation{'' if count == 1 else 's'}" if count else "no violations"]
    if report.drift is not None:
        total = report.drift.total
        parts.append(f"{total} assistant{'' if total == 1 else 's'} drifted")
    if report.errors:
        failed = len(report.errors)
        parts.append(f"{failed} account{'' if failed == 1 else 's'} failed")
    if report.gate.failed:
        parts.append("gate failed")
    return f"[auditor] {', '.join(parts)} — {report.source}"


def build_message(
    report: Report, settings: EmailSettings, *, now: datetime | None = None
) -> EmailMessage:
    """The multipart message: text and HTML alternatives plus ``auditor-report.json``."""
    from auditor.report import render

    message = EmailMessage()
    message["Subject"] = subject(report)
    message["From"] = settings.sender or f"auditor@{socket.getfqdn() or 'localhost'}"
    message["To"] = ", ".join(settings.to)
    message["Date"] = format_datetime(now or datetime.now(timezone.utc))
    message["Message-ID"] = make_msgid(domain="auditor.local")
    message.set_content(render(report, "text"))
    message.add_alternative(render(report, "html"), subtype="html")
    message.add_attachment(
        render(report, "json").encode("utf-8"),
        maintype="application",
        subtype="json",
        filename="auditor-report.json",
    )
    return message


def deliver_report(report: Report, settings: EmailSettings) -> str | None:
    """Send (or, with ``dry_run``, write) the report mail; ``None`` when not due.

    Returns one line saying what was done; raises ``DeliveryError`` on any failure.
    """
    if not settings.to or not should_send(report, settings.on):
        return None
    register_secret(settings.smtp_password)
    message = build_message(report, settings)
    if settings.dry_run is not None:
        from auditor.atomic import atomic_write

        atomic_write(settings.dry_run, bytes(message))
        return f"wrote the email to {settings.dry_run} (dry run, not sent)"
    host = settings.smtp_host or "localhost"
    port = settings.smtp_port or (465 if settings.ssl else 587 if settings.starttls else 25)
    where = f"{host}:{port}"
    try:
        _send(message, settings, host, port)
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(
            f"SMTP server {where} rejected the login for {settings.smtp_user} "
            f"({exc.smtp_code} {_text(exc.smtp_error)}); check --smtp-user and "
            "AUDITOR_SMTP_PASSWORD"
        ) from None
    except smtplib.SMTPRecipientsRefused as exc:
        refused = ", ".join(sorted(exc.recipients))
        raise DeliveryError(
            f"SMTP server {where} refused the recipients {refused}; check --email-to"
        ) from None
    except smtplib.SMTPSenderRefused as exc:
        raise DeliveryError(
            f"SMTP server {where} refused the sender {exc.sender} "
            f"({exc.smtp_code} {_text(exc.smtp_error)}); check --email-from"
        ) from None
    except ssl.SSLError as exc:
        raise DeliveryError(
            f"TLS with SMTP server {where} failed: {exc.reason or exc}; check --smtp-ssl / "
            f"--smtp-starttls and the server certificate (extra CAs: {CAFILE_ENV})"
        ) from None
    except smtplib.SMTPNotSupportedError as exc:
        raise DeliveryError(f"SMTP server {where} does not support {exc}") from None
    except smtplib.SMTPException as exc:
        raise DeliveryError(redact(f"sending mail through {where} failed: {exc}")) from None
    except OSError as exc:
        raise DeliveryError(
            f"cannot connect to SMTP server {where}: {exc.strerror or exc}; "
            "check --smtp-host/--smtp-port"
        ) from None
    return f"emailed the report to {', '.join(settings.to)} via {where}"


def _send(message: EmailMessage, settings: EmailSettings, host: str, port: int) -> None:
    context = ssl.create_default_context(cafile=os.environ.get(CAFILE_ENV) or None)
    client: smtplib.SMTP
    if settings.ssl:
        client = smtplib.SMTP_SSL(host, port, timeout=TIMEOUT, context=context)
    else:
        client = smtplib.SMTP(host, port, timeout=TIMEOUT)
    with client:
        client.ehlo()
        if settings.starttls:
            client.starttls(context=context)
            client.ehlo()
        if settings.smtp_user:
            if not settings.smtp_password:
                raise DeliveryError(
                    f"--smtp-user {settings.smtp_user} needs a password: set AUDITOR_SMTP_PASSWORD"
                )
            client.login(settings.smtp_user, settings.smtp_password)
        client.send_message(message)


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
