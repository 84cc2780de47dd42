"""Mail the report to ops: text + HTML alternatives, the JSON report attached.

Standard library only (``smtplib``, ``email.message.EmailMessage``). Inside this module
``email`` is the standard library package: the project uses absolute imports, so
``auditor.email`` never shadows it.

The subject carries the counts (``[auditor] 3 violations, 2 assistants drifted —
<source>``). Every failure — connection refused, TLS, login, refused sender or
recipients, a server that hangs up — is one ``DeliveryError`` line (exit 4) that says
what to check; the SMTP password is registered with ``auditor.redact`` and is never
part of any text, in any form (a relay that echoes ``AUTH PLAIN …`` in its 535 reply
quotes it in base64: masked too), and every registered secret (the API key) is masked
in the message.

``AUDITOR_SMTP_CAFILE`` names an extra CA bundle (PEM) to trust for STARTTLS and SMTPS,
on top of the system's: a private relay's CA, or the tests' self-signed server.
"""

from __future__ import annotations

import email.policy
import ipaddress
import logging
import os
import re
import smtplib
import socket
import ssl
from collections.abc import Iterable, Mapping
from datetime import datetime
from email.header import Header
from email.headerregistry import Address, BaseHeader, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, localtime, make_msgid

from auditor.choices import EMAIL_ON
from auditor.errors import ConfigError, DeliveryError
from auditor.model import Report
from auditor.redact import redact, register_secret
from auditor.settings import EmailSettings

TIMEOUT = 30.0
"""Seconds any one SMTP step (connect, each command) may take."""
CAFILE_ENV = "AUDITOR_SMTP_CAFILE"
"""Environment variable naming an extra CA bundle to trust (PEM)."""
ATTACHMENT_NAME = "auditor-report.json"
"""The file name of the attached JSON report."""
HTML_ATTACHMENT_NAME = "auditor-report.html"
"""The file name of the attached full HTML report."""
SOURCE_LIMIT = 120
"""The longest source shown in the subject; the body has it in full."""

_log = logging.getLogger("auditor")
# Anything that could break a header or reorder what a reader sees: controls, bidi
# marks and overrides, line/paragraph separators, lone surrogates.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]"
)
_SPACES = re.compile(r"\s+")


class _SubjectHeader(UnstructuredHeader, BaseHeader):
    """A Subject that reads back exactly as written.

    The standard folder can end a line with a space and start the next with the encoded
    word for "—", which a reader unfolds into two spaces. When folding would change the
    subject like that, it is written as RFC 2047 encoded words instead, whose folds a
    reader drops.
    """

    def fold(self, *, policy: email.policy.Policy) -> str:
        folded = super().fold(policy=policy)
        value = folded.split(":", 1)[1].replace("\r", "").replace("\n", "").strip()
        if str(email.policy.default.header_factory(self.name, value)) == str(self):
            return folded
        encoded = Header(str(self), "utf-8", header_name=self.name).encode(linesep=policy.linesep)
        return f"{self.name}: {encoded}{policy.linesep}"


_HEADERS = HeaderRegistry()
_HEADERS.map_to_type("subject", _SubjectHeader)
_POLICY = email.policy.default.clone(header_factory=_HEADERS)


def should_send(report: Report, on: str) -> bool:
    """Whether ``--email-on ON`` asks for a mail about ``report``.

    ``always``; ``findings``: violations, drift, or an account that could not be read;
    ``violations``: at least one (unwaived) violation; ``drift``: at least one assistant
    added, removed or changed (never without a baseline).
    """
    drifted = report.drift is not None and not report.drift.empty
    if on == "always":
        return True
    if on == "findings":
        return bool(report.violations) or drifted or bool(report.errors)
    if on == "violations":
        return bool(report.violations)
    if on == "drift":
        return drifted
    raise ConfigError(f"unknown --email-on value {on!r} (choose from {', '.join(EMAIL_ON)})")


def subject(report: Report) -> str:
    """``[auditor] FAILED: 2 new, 3 violations, 2 assistants drifted — https://…``.

    The gate's verdict first when a gate was asked for (``FAILED`` / ``passed``); new
    violations when they are known (a baseline or a history); violations always (``no
    violations`` when clean); drift when a baseline was given (``no drift`` when nothing
    moved); failed accounts when there are any. The source is made one safe line and
    shortened to ``SOURCE_LIMIT`` characters.
    """
    from auditor.report.digest import verdict

    summary = report.summary()
    parts = [_count(summary["violations"], "violation") or "no violations"]
    if summary.get("new") is not None:
        parts.insert(0, f"{summary['new']} new")
    if summary["drift"] is not None:
        total = sum(summary["drift"].values())
        parts.append(f"{_count(total, 'assistant')} drifted" if total else "no drift")
    if report.errors:
        parts.append(f"{_count(len(report.errors), 'account')} failed")
    source = _one_line(report.source, SOURCE_LIMIT) or "?"
    gate = verdict(report)
    lead = f"{gate}: " if gate else ""
    return redact(f"[auditor] {lead}{', '.join(parts)} — {source}")


def build_message(
    report: Report, settings: EmailSettings, *, now: datetime | None = None
) -> EmailMessage:
    """The mail for ``report``: ``multipart/mixed`` holding a ``multipart/alternative``
    (a digest, ``auditor.report.digest``: plain text and HTML under ``BODY_LIMIT`` bytes
    whatever the fleet) and the full reports as attachments, ``auditor-report.html``
    and ``auditor-report.json``.

    ``From`` is ``settings.sender`` (default ``auditor@<hostname>``), ``To`` every
    recipient, ``Date`` is ``now`` (default: the local time now). Registered secrets
    are masked in every part. Raises ``DeliveryError`` for an unusable address.
    """
    from auditor.report import digest, render

    sender = settings.sender or f"auditor@{_hostname()}"
    message = EmailMessage(policy=_POLICY)
    message["Subject"] = subject(report)
    message["From"] = _address_header(sender, "--email-from")
    message["To"] = _address_header(", ".join(settings.to), "--email-to")
    message["Date"] = format_datetime(now if now is not None else localtime())
    message["Message-ID"] = make_msgid("auditor", domain=_domain_of(sender))
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
    message.set_content(_body(digest.render_text(report)), cte="quoted-printable")
    message.add_alternative(
        _body(digest.render_html(report)), subtype="html", cte="quoted-printable"
    )
    message.add_attachment(
        _body(render(report, "html")),
        subtype="html",
        cte="quoted-printable",
        filename=HTML_ATTACHMENT_NAME,
    )
    message.add_attachment(
        _body(render(report, "json")).encode("utf-8"),
        maintype="application",
        subtype="json",
        filename=ATTACHMENT_NAME,
    )
    return message


def deliver_report(report: Report, settings: EmailSettings) -> str | None:
    """Send the report mail (or, with ``dry_run``, write it as an ``.eml`` file).

    Returns ``None`` when there are no recipients; one line saying why no mail was sent
    when ``settings.on`` does not ask for one about this report; otherwise one line
    saying what was done. Raises ``DeliveryError`` (exit 4) with one line naming the
    cause on any failure.
    """
    if not settings.to:
        return None
    if not should_send(report, settings.on):
        return f"no email sent: --email-on {settings.on} and {_nothing(settings.on)}"
    register_secret(settings.smtp_password)
    message = build_message(report, settings)
    if settings.dry_run is not None:
        return _write_eml(message, settings)
    if settings.smtp_user and not settings.smtp_password:
        raise DeliveryError(
            f"--smtp-user {settings.smtp_user} needs a password: set AUDITOR_SMTP_PASSWORD"
        )
    host = settings.smtp_host or "localhost"
    port = settings.smtp_port or (465 if settings.ssl else 587 if settings.starttls else 25)
    where = f"{host}:{port}"
    recipients = _recipients(settings.to)
    session = _Session(settings, host, port)
    try:
        refused = session.send(message)
    except DeliveryError:
        raise
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(redact(_explain(exc, session.stage, where, settings))) from None
    if refused:
        delivered = [r for r in recipients if r not in refused]
        raise DeliveryError(
            redact(
                f"SMTP server {where} refused the recipients {_refusals(refused)}; "
                f"the mail went to {', '.join(delivered) or 'nobody'} only; "
                f"{_check(settings, 'email_to')}"
            )
        )
    return f"emailed the report to {', '.join(recipients)} via {where}"


class _Session:
    """One SMTP conversation; ``stage`` says how far it got, for the error line."""

    def __init__(self, settings: EmailSettings, host: str, port: int) -> None:
        self.settings = settings
        self.host = host
        self.port = port
        self.stage = "connect"

    def send(self, message: EmailMessage) -> dict[str, tuple[int, bytes]]:
        """Connect, secure, log in, send; the recipients the server refused (if some
        were accepted — all refused raises ``SMTPRecipientsRefused``)."""
        settings = self.settings
        context = _tls_context() if settings.ssl or settings.starttls else None
        client: smtplib.SMTP
        if settings.ssl:
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=TIMEOUT, context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT)
        try:
            self.stage = "greeting"
            client.ehlo_or_helo_if_needed()
            if settings.starttls:
                self.stage = "starttls"
                client.starttls(context=context)
                client.ehlo()
            if settings.smtp_user:
                self.stage = "login"
                if not (settings.ssl or settings.starttls) and not _is_loopback(self.host):
                    _log.warning(
                        "sending the SMTP login to %s without TLS; use --smtp-starttls or "
                        "--smtp-ssl",
                        self.host,
                    )
                client.login(settings.smtp_user, settings.smtp_password or "")
            self.stage = "send"
            refused = client.send_message(message)
        except BaseException:
            client.close()  # no QUIT: the server may be gone or stuck (another TIMEOUT)
            raise
        _quit(client)
        return refused


def _quit(client: smtplib.SMTP) -> None:
    """Say QUIT politely; a server that hangs up instead is no failure once the mail is in."""
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()


def _tls_context() -> ssl.SSLContext:
    """The system's trust store plus the CA bundle named by ``AUDITOR_SMTP_CAFILE``."""
    context = ssl.create_default_context()
    cafile = os.environ.get(CAFILE_ENV)
    if cafile:
        try:
            context.load_verify_locations(cafile=cafile)
        except (OSError, ssl.SSLError) as exc:
            reason = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or exc
            raise DeliveryError(
                f"cannot use the CA bundle {cafile} named by {CAFILE_ENV}: {reason}; "
                "point it at a readable PEM file or unset it"
            ) from None
    return context


_STAGES = {
    "connect": "connecting",
    "greeting": "greeting it (EHLO)",
    "starttls": "starting TLS",
    "login": "logging in",
    "send": "sending the message",
}


_REFUSALS: tuple[tuple[type[smtplib.SMTPResponseException], str, tuple[str, ...]], ...] = (
    (smtplib.SMTPSenderRefused, "refused the sender", ("email_from",)),
    (smtplib.SMTPDataError, "refused the message", ()),
    (smtplib.SMTPConnectError, "turned the connection away", ("smtp_host", "smtp_port")),
)
"""Replies that refuse one thing: what the server did, the settings to check (none: ask
the server's administrator)."""


def _check(settings: EmailSettings, *names: str) -> str:
    """``check --smtp-host/--smtp-port``, naming instead where each value was given when
    that was not a flag (``check email.smtp_host (auditor.yaml:4)``, ``check
    AUDITOR_SMTP_HOST``)."""
    from auditor.settings_table import BY_NAME

    shown = []
    for name in names:
        row = BY_NAME[name]
        where = settings.given_at.get(name, "")
        if not where or where.startswith("-"):
            shown.append(row.flags[0].split("/")[0])
        elif where == row.env:
            shown.append(where)
        else:
            shown.append(f"{row.shown} ({where})")
    return "check " + "/".join(shown)


def _explain(exc: BaseException, stage: str, where: str, settings: EmailSettings) -> str:
    """One line for an SMTP or network failure: what happened, where, what to check."""
    doing = _STAGES.get(stage, stage)
    if isinstance(exc, smtplib.SMTPServerDisconnected) and isinstance(
        exc.__context__, TimeoutError
    ):
        # smtplib words a read timeout as a disconnect
        if stage == "connect" and not settings.ssl:
            return (
                f"SMTP server {where} sent no greeting within {TIMEOUT:g} s; if it expects "
                "TLS from the start (usually port 465) use --smtp-ssl, else "
                f"{_check(settings, 'smtp_host', 'smtp_port')}"
            )
        exc = exc.__context__
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return (
            f"SMTP server {where} rejected the login for {settings.smtp_user} "
            f"({_reply(exc.smtp_code, exc.smtp_error)}); {_check(settings, 'smtp_user')} and "
            "AUDITOR_SMTP_PASSWORD"
        )
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return (
            f"SMTP server {where} refused the recipients {_refusals(exc.recipients)}; "
            f"{_check(settings, 'email_to')}"
        )
    if isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code == 530:
        return (
            f"SMTP server {where} wants TLS or a login before it takes mail "
            f"({_reply(exc.smtp_code, exc.smtp_error)}); add --smtp-starttls (or --smtp-ssl) "
            "and/or --smtp-user as its reply says"
        )
    for kind, what, names in _REFUSALS:
        if isinstance(exc, kind):
            advice = _check(settings, *names) if names else "ask its administrator why"
            if isinstance(exc, smtplib.SMTPSenderRefused):
                what = f"{what} {_text(exc.sender)}"
            return f"SMTP server {where} {what} ({_reply(exc.smtp_code, exc.smtp_error)}); {advice}"
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        if stage == "starttls":
            return (
                f"SMTP server {where} does not offer STARTTLS; drop --smtp-starttls, or use "
                "--smtp-ssl if it expects TLS from the start"
            )
        if stage == "login":
            return (
                f"SMTP server {where} does not offer a login (AUTH); drop --smtp-user, or add "
                "--smtp-starttls / --smtp-ssl (many servers offer AUTH only over TLS)"
            )
        return f"SMTP server {where} cannot take this message: {_one_line(str(exc))}"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return (
            f"SMTP server {where} closed the connection while {doing}; {_hint_for_hangup(settings)}"
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"SMTP server {where} answered {_reply(exc.smtp_code, exc.smtp_error)} while {doing}"
    if isinstance(exc, ssl.SSLError):
        if isinstance(exc, ssl.SSLCertVerificationError):
            detail = exc.verify_message or str(exc)
            advice = (
                f"{_check(settings, 'smtp_host')} matches its certificate, or trust its CA "
                f"with {CAFILE_ENV}"
            )
        else:
            detail = exc.reason or str(exc)
            advice = (
                "check --smtp-ssl (TLS from the start, usually port 465) versus "
                "--smtp-starttls (usually port 587)"
            )
        return f"TLS with SMTP server {where} failed: {_one_line(detail)}; {advice}"
    if isinstance(exc, smtplib.SMTPException):
        return f"sending mail through SMTP server {where} failed: {_one_line(str(exc))}"
    reason = _os_reason(exc)
    if stage == "connect":
        return (
            f"cannot connect to SMTP server {where}: {reason}; "
            f"{_check(settings, 'smtp_host', 'smtp_port')}"
        )
    return f"lost the connection to SMTP server {where} while {doing}: {reason}"


def _hint_for_hangup(settings: EmailSettings) -> str:
    if settings.ssl:
        return "check that it expects TLS from the start (--smtp-ssl), or use --smtp-starttls"
    return f"{_check(settings, 'smtp_port')}, --smtp-starttls / --smtp-ssl and the server's log"


def _os_reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return f"no answer within {TIMEOUT:g} s"
    if isinstance(exc, OSError) and exc.strerror:
        return _one_line(exc.strerror)
    return _one_line(str(exc)) or type(exc).__name__


def _refusals(refused: Mapping[str, tuple[int, bytes | str]]) -> str:
    return ", ".join(
        f"{address} ({_reply(code, text)})" for address, (code, text) in sorted(refused.items())
    )


def _reply(code: int, text: bytes | str) -> str:
    return f"{code} {_text(text)}".strip()


def _text(value: bytes | str) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return _one_line(text, 200)


def _one_line(text: str, limit: int = 300) -> str:
    """``text`` as one safe line: controls and bidi marks become spaces, runs collapse."""
    line = _SPACES.sub(" ", _UNSAFE.sub(" ", text)).strip()
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _body(text: str) -> str:
    """A rendered report, secrets masked, encodable as UTF-8 whatever the renderer let by."""
    return redact(text).encode("utf-8", "replace").decode("utf-8")


def _nothing(on: str) -> str:
    """Why ``--email-on ON`` found nothing to mail about."""
    return {
        "findings": "the run found no violations, drift or unreadable accounts",
        "violations": "the run found no violations",
        "drift": "nothing drifted from the baseline (or no --baseline was given)",
    }.get(on, "nothing to report")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}" if n else ""


def address_problem(value: str, option: str) -> str | None:
    """Why ``value`` is no usable address list for ``option``, or ``None`` when it is."""
    pairs = getaddresses([value])
    if _UNSAFE.search(value) or not pairs or any("@" not in a for _, a in pairs):
        return f"{_one_line(value)!r} is not an email address; check {option}"
    return None


def _address_header(value: str, option: str) -> str:
    """Check an address list parses; ``DeliveryError`` naming the option otherwise."""
    problem = address_problem(value, option)
    if problem:
        raise DeliveryError(problem)
    return value


def _domain_of(sender: str) -> str:
    """The domain for ``Message-ID``: the sender's, or this host's."""
    addresses = [a for _, a in getaddresses([sender]) if "@" in a]
    if addresses:
        try:
            return Address(addr_spec=addresses[0]).domain or _hostname()
        except (ValueError, IndexError):
            pass
    return _hostname()


def _hostname() -> str:
    """This machine's name (``gethostname``: no DNS lookup that could hang the run)."""
    name = socket.gethostname().strip().rstrip(".")
    return name if name and name.isascii() and "@" not in name else "localhost"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _write_eml(message: EmailMessage, settings: EmailSettings) -> str:
    """Write the message (CRLF line ends, as on the wire) to the dry-run path atomically."""
    from auditor.atomic import atomic_write

    assert settings.dry_run is not None
    try:
        atomic_write(settings.dry_run, message.as_bytes(policy=email.policy.SMTP))
    except ConfigError as exc:
        raise DeliveryError(f"{exc.message} (--email-dry-run)") from None
    return f"wrote the email to {settings.dry_run} (dry run, not sent)"


def _recipients(values: Iterable[str]) -> list[str]:
    """The bare addresses in ``--email-to`` values (display names dropped)."""
    return [address for _, address in getaddresses(list(values)) if address]
