"""The ops email without a network: when to send, the subject, the message's shape,
headers, encodings, masked secrets, the dry run and the checks made before connecting.

Delivery over a real SMTP server is in ``tests/e2e/test_email_smtp.py``.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
import socket
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage, MIMEPart
from pathlib import Path

import pytest

from auditor.choices import EMAIL_ON
from auditor.email import (
    ATTACHMENT_NAME,
    CAFILE_ENV,
    SOURCE_LIMIT,
    build_message,
    deliver_report,
    should_send,
    subject,
)
from auditor.errors import EXIT_DELIVERY, ConfigError, DeliveryError
from auditor.model import AccountError, AssistantChanges, AssistantRef, Change, Drift, Report
from auditor.redact import register_secret
from auditor.report import digest, render
from auditor.settings import EmailSettings
from tests.unit.report.conftest import (
    DURATION,
    HOSTILE,
    RECORDING,
    REPORTS,
    RULES,
    make_clean_report,
    make_drift_report,
    make_full_report,
    violation,
)

SOURCE = "https://api.example/api"
ZOE = AssistantRef(1, "uuid-1", "Zoë – Réception 受付")
OTTO = AssistantRef(2, "uuid-2", "Otto")
API_KEY = "ik_live_CANARY_0123456789abcdef"


def make(
    violations: int = 0,
    drifted: int | None = None,
    errors: int = 0,
    *,
    waived: int = 0,
    source: str = SOURCE,
) -> Report:
    """A report with ``violations`` findings, ``drifted`` assistants changed (``None``:
    no baseline) and ``errors`` unreadable accounts."""
    who = (ZOE, OTTO)
    drift = None
    if drifted is not None:
        drift = Drift(
            added=tuple(AssistantRef(10 + i, f"new-{i}", f"New {i}") for i in range(drifted // 2)),
            changed=tuple(
                AssistantChanges(who[i % 2], (Change("max_duration", 900, 3600),))
                for i in range(drifted - drifted // 2)
            ),
        )
    return Report(
        "0.1.0",
        "2026-11-25T03:00:00Z",
        source,
        who,
        RULES,
        tuple(violation(RECORDING, who[i % 2]) for i in range(violations)),
        waived=tuple(violation(DURATION, who[i % 2], "max_duration", 2400) for i in range(waived)),
        drift=drift,
        errors=tuple(
            AccountError(f"acct{i}", "the API rejected the key (401)") for i in range(errors)
        ),
    )


def settings(**extra: object) -> EmailSettings:
    base = EmailSettings(to=("ops@example.com",), sender="auditor@example.com")
    return replace(base, **extra)  # type: ignore[arg-type]


def content(part: MIMEPart | None) -> str:
    """A text part's content with the wire's CRLF line ends turned back into LF."""
    assert part is not None
    text = part.get_content()
    assert isinstance(text, str)
    return text.replace("\r\n", "\n")


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


# -- when to send ---------------------------------------------------------------------------

NEVER = {"always": True, "findings": False, "violations": False, "drift": False}
WHEN = {
    # name: (report, {on: expected})
    "clean, no baseline": (make(), NEVER),
    "clean, no drift": (make(drifted=0), NEVER),
    "only waived findings": (make(waived=2), NEVER),
    "violations": (make(3), {**NEVER, "findings": True, "violations": True}),
    "drift": (make(drifted=2), {**NEVER, "findings": True, "drift": True}),
    "both": (make(3, 2), {"always": True, "findings": True, "violations": True, "drift": True}),
    "account failed": (make(errors=1), {**NEVER, "findings": True}),
}


@pytest.mark.parametrize("case", sorted(WHEN))
@pytest.mark.parametrize("on", EMAIL_ON)
def test_should_send_truth_table(case: str, on: str) -> None:
    report, expected = WHEN[case]
    assert should_send(report, on) is expected[on]


def test_an_unknown_email_on_value_names_the_choices() -> None:
    with pytest.raises(ConfigError, match=r"unknown --email-on value 'sometimes' \(choose from "):
        should_send(make(), "sometimes")


# -- the subject ----------------------------------------------------------------------------

SUBJECTS = [
    (make(), "no violations"),
    (make(drifted=0), "no violations, no drift"),
    (make(1), "1 violation"),
    (make(3), "3 violations"),
    (make(3, 0), "3 violations, no drift"),
    (make(0, 1), "no violations, 1 assistant drifted"),
    (make(3, 2), "3 violations, 2 assistants drifted"),
    (make(1, 5, 1), "1 violation, 5 assistants drifted, 1 account failed"),
    (make(errors=2), "no violations, 2 accounts failed"),
    (make(waived=4), "no violations"),
]


@pytest.mark.parametrize(("report", "counts"), SUBJECTS, ids=[c for _, c in SUBJECTS])
def test_subject_counts(report: Report, counts: str) -> None:
    assert subject(report) == f"[auditor] {counts} — {SOURCE}"


def test_subject_counts_agree_with_the_fixture_reports() -> None:
    assert subject(make_full_report()) == (
        "[auditor] FAILED: 6 violations, 4 assistants drifted, 1 account failed — "
        "north=https://a.example/api, south=https://b.example/api"
    )
    assert subject(make_drift_report()) == (
        f"[auditor] FAILED: 1 violation, 1 assistant drifted — {SOURCE}"
    )
    assert subject(make_clean_report()) == f"[auditor] passed: no violations — {SOURCE}"


def test_a_hostile_source_becomes_one_short_inert_line() -> None:
    line = subject(make(1, source=HOSTILE * 3))
    assert line.startswith("[auditor] 1 violation — <script>alert(1)</script>")
    assert not re.search("[\x00-\x1f\x7f-\x9f\u202a-\u202e\ud800-\udfff]", line)
    assert len(line) <= len("[auditor] 1 violation — ") + SOURCE_LIMIT
    assert line.endswith("…")


def test_secrets_are_masked_in_the_subject() -> None:
    register_secret(API_KEY)
    assert API_KEY not in subject(make(source=f"https://api.example/api?key={API_KEY}"))


# -- the message ----------------------------------------------------------------------------

NOW = datetime(2026, 11, 25, 3, 0, 5, tzinfo=timezone(timedelta(hours=1)))


def test_message_structure_and_parts() -> None:
    report = make(3, 2)
    message = parse(bytes(build_message(report, settings(), now=NOW)))
    assert message.get_content_type() == "multipart/mixed"
    alternative, full_html, attachment = message.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    plain, html = alternative.iter_parts()
    assert plain.get_content_type() == "text/plain"
    assert html.get_content_type() == "text/html"
    assert plain.get_content_charset() == html.get_content_charset() == "utf-8"
    assert plain["Content-Transfer-Encoding"] == "quoted-printable"
    assert content(plain) == digest.render_text(report)
    assert content(html) == digest.render_html(report)
    assert full_html.get_content_type() == "text/html"
    assert full_html.get_content_disposition() == "attachment"
    assert full_html.get_filename() == "auditor-report.html"
    assert full_html.get_content() == render(report, "html")
    assert "\x1b[" not in content(plain)  # no colour in mail
    assert attachment.get_content_type() == "application/json"
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_filename() == ATTACHMENT_NAME
    assert json.loads(attachment.get_content()) == report.to_dict()
    assert message.get_body(("html",)) is not None


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_every_fixture_report_makes_a_7bit_message_that_round_trips(name: str) -> None:
    report = REPORTS[name]()
    raw = build_message(report, settings()).as_bytes(policy=email.policy.SMTP)
    assert raw.isascii(), "headers encoded, bodies quoted-printable or base64"
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    message = parse(raw)
    assert message["Subject"] == subject(report)
    assert "\n" not in message["Subject"]
    expected_text = digest.render_text(report).encode("utf-8", "replace").decode("utf-8")
    assert content(message.get_body(("plain",))) == expected_text
    expected_html = digest.render_html(report).encode("utf-8", "replace").decode("utf-8")
    assert content(message.get_body(("html",))) == expected_html
    _full_html, attachment = message.iter_attachments()
    assert json.loads(attachment.get_content()) == json.loads(render(report, "json"))


def test_headers() -> None:
    message = build_message(make(1), settings(to=("ops@example.com", "dev@example.org")), now=NOW)
    assert message["From"] == "auditor@example.com"
    assert message["To"] == "ops@example.com, dev@example.org"
    assert message["Date"] == "Wed, 25 Nov 2026 03:00:05 +0100"
    assert message["Date"].datetime == NOW
    assert re.fullmatch(r"<[^<>@\s]+@example\.com>", message["Message-ID"])
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["MIME-Version"] == "1.0"


def test_message_ids_are_unique() -> None:
    ids = {build_message(make(), settings())["Message-ID"] for _ in range(20)}
    assert len(ids) == 20


def test_default_sender_is_auditor_at_this_host() -> None:
    message = build_message(make(), settings(sender=None))
    (address,) = message["From"].addresses
    assert address.username == "auditor"
    assert address.domain == (socket.gethostname().rstrip(".") or "localhost")
    assert message["Date"].datetime.tzinfo is not None


def test_utf8_names_round_trip_in_headers_and_bodies() -> None:
    report = make(1, source="https://api.example/api/équipe")
    to = ("Zoë Ops <ops@example.com>", "dev@example.org")
    outgoing = build_message(report, settings(to=to, sender="Audit — Nuit <a@example.com>"))
    raw = outgoing.as_bytes(policy=email.policy.SMTP)
    assert raw.isascii()
    message = parse(raw)
    assert message["Subject"] == "[auditor] 1 violation — https://api.example/api/équipe"
    assert [a.display_name for a in message["To"].addresses] == ["Zoë Ops", ""]
    assert [a.addr_spec for a in message["To"].addresses] == ["ops@example.com", "dev@example.org"]
    assert message["From"].addresses[0].display_name == "Audit — Nuit"
    for kind in ("plain", "html"):
        assert "Zoë – Réception 受付" in content(message.get_body((kind,)))
    _full_html, attachment = message.iter_attachments()
    assert "Zoë – Réception 受付" in attachment.get_content().decode("utf-8")


def test_registered_secrets_are_masked_in_every_part() -> None:
    password = "smtp-CANARY-pw-42"
    leaky = replace(
        make(1),
        errors=(AccountError("north", f"GET /assistants?api_key={API_KEY} failed"),),
        warnings=(f"password {password} seen",),
    )
    register_secret(API_KEY)  # as the CLI does when it reads the key
    register_secret(password)  # as deliver_report does before building
    outgoing = build_message(leaky, settings(smtp_user="bot", smtp_password=password))
    raw = outgoing.as_bytes(policy=email.policy.SMTP)
    message = parse(raw)
    texts = [message.as_string()]
    for part in message.walk():
        if not part.is_multipart():
            content = part.get_content()
            texts.append(content.decode("utf-8") if isinstance(content, bytes) else content)
    assert any("***" in text for text in texts[1:])
    for text in texts:
        assert API_KEY not in text
        assert password not in text


@pytest.mark.parametrize(
    ("field", "value", "option"),
    [
        ("to", ("not an address",), "--email-to"),
        ("to", ("ops@example.com\nBcc: evil@example.com",), "--email-to"),
        ("sender", "auditor", "--email-from"),
    ],
)
def test_unusable_addresses_are_one_line_errors(field: str, value: object, option: str) -> None:
    with pytest.raises(DeliveryError) as caught:
        build_message(make(1), settings(**{field: value}))
    assert caught.value.message.endswith(f"is not an email address; check {option}")
    assert "\n" not in caught.value.message
    assert caught.value.exit_code == EXIT_DELIVERY


# -- deliver_report without a network -------------------------------------------------------


def test_dry_run_writes_a_parseable_eml(tmp_path: Path) -> None:
    target = tmp_path / "mail.eml"
    said = deliver_report(make(2, 1), settings(dry_run=target, smtp_host="unreachable.invalid"))
    assert said == f"wrote the email to {target} (dry run, not sent)"
    raw = target.read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n"), "CRLF line ends, as on the wire"
    message = parse(raw)
    assert message["Subject"] == f"[auditor] 2 violations, 1 assistant drifted — {SOURCE}"
    assert [p.get_content_type() for p in message.walk()] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "text/html",
        "application/json",
    ]
    assert list(tmp_path.iterdir()) == [target], "no temporary file left behind"


def test_dry_run_into_a_missing_folder_is_a_delivery_error(tmp_path: Path) -> None:
    target = tmp_path / "nowhere" / "mail.eml"
    with pytest.raises(DeliveryError, match=r"^cannot write .*mail\.eml: folder .* does not exist"):
        deliver_report(make(1), settings(dry_run=target))


def test_nothing_happens_when_not_due_or_without_recipients(tmp_path: Path) -> None:
    target = tmp_path / "mail.eml"
    assert deliver_report(make(), settings(dry_run=target)) == (
        "no email sent: --email-on findings and the run found no violations, drift or "
        "unreadable accounts"
    )
    assert deliver_report(make(1), settings(dry_run=target, on="drift")) == (
        "no email sent: --email-on drift and nothing drifted from the baseline "
        "(or no --baseline was given)"
    )
    assert deliver_report(make(1), settings(to=(), dry_run=target, on="always")) is None
    assert not target.exists()


def test_a_user_without_a_password_fails_before_connecting() -> None:
    # Port 9 on 127.0.0.1 has no server: the error must be the password, not the network.
    with pytest.raises(DeliveryError) as caught:
        deliver_report(make(1), settings(smtp_host="127.0.0.1", smtp_port=9, smtp_user="bot"))
    assert caught.value.message == "--smtp-user bot needs a password: set AUDITOR_SMTP_PASSWORD"


def test_an_unreadable_ca_bundle_names_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CAFILE_ENV, str(tmp_path / "missing.pem"))
    with pytest.raises(DeliveryError) as caught:
        deliver_report(make(1), settings(smtp_host="127.0.0.1", smtp_port=9, starttls=True))
    assert caught.value.message.startswith(f"cannot use the CA bundle {tmp_path / 'missing.pem'}")
    assert CAFILE_ENV in caught.value.message
    bogus = tmp_path / "bogus.pem"
    bogus.write_text("not a certificate\n")
    monkeypatch.setenv(CAFILE_ENV, str(bogus))
    with pytest.raises(DeliveryError, match=f"cannot use the CA bundle {re.escape(str(bogus))}"):
        deliver_report(make(1), settings(smtp_host="127.0.0.1", smtp_port=9, ssl=True))


def test_settings_never_show_the_password() -> None:
    assert "hunter2-secret" not in repr(settings(smtp_password="hunter2-secret"))
