"""The outbox: mails go out through real SMTP, once, and failures are retried."""
import io
import threading
from datetime import timedelta

from sqlalchemy import select

from lms.extensions import db
from lms.notifications.models import OutboxMessage, OutboxStatus
from lms.notifications.services import deliver_due, queue_mail
from lms.notifications.transport import ConsoleTransport
from tests.conftest import free_port


def _queue(now, recipient="empfang@example.org", **extra):
    class _User:
        name = "Erika Empfang"

    message = queue_mail(recipient=recipient, template="password_reset", locale=None, now=now, user=_User(),
                         link="http://lms.test/x", hours=2, **extra)
    db.session.commit()
    return message


def test_queued_mail_is_delivered_through_smtp_in_german(app, smtp_server, now):
    _queue(now)
    assert deliver_due(now=now) == 1
    (mail,) = smtp_server.messages
    assert mail["To"] == "empfang@example.org"
    assert mail["Subject"] == "Passwort zurücksetzen"
    assert "Guten Tag Erika Empfang" in mail.get_body(("plain",)).get_content()
    assert db.session.scalar(select(OutboxMessage.status)) == OutboxStatus.SENT


def test_mail_in_the_recipients_language(app, now):
    class _User:
        name = "Eve"

    message = queue_mail(recipient="e@example.org", template="password_reset", locale="en", now=now, user=_User(),
                         link="http://lms.test/x", hours=2)
    assert message.subject == "Reset your password"


def test_calendar_part_travels_with_its_method(app, smtp_server, now):
    calendar = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
    _queue(now, calendar=calendar, calendar_method="REQUEST")
    deliver_due(now=now)
    (mail,) = smtp_server.messages
    parts = {part.get_content_type(): part for part in mail.walk()}
    assert parts["text/calendar"].get_param("method") == "REQUEST"
    assert "METHOD:REQUEST" in parts["text/calendar"].get_content()


def test_a_sent_mail_is_not_sent_again(app, smtp_server, now):
    _queue(now)
    deliver_due(now=now)
    assert deliver_due(now=now + timedelta(hours=1)) == 0
    assert len(smtp_server.messages) == 1


def test_two_workers_send_each_mail_once(app, smtp_server, now):
    for number in range(10):
        _queue(now, recipient=f"r{number}@example.org")
    barrier = threading.Barrier(2)

    def worker():
        with app.app_context():
            barrier.wait()
            deliver_due(now=now)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    recipients = sorted(mail["To"] for mail in smtp_server.messages)
    assert recipients == sorted(f"r{number}@example.org" for number in range(10))


def test_unreachable_server_keeps_the_mail_for_a_later_try(app, now):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=2)
    message = _queue(now)
    assert deliver_due(now=now) == 0
    db.session.refresh(message)
    assert message.status == OutboxStatus.PENDING and message.attempts == 1
    assert message.not_before > now and message.last_error
    assert deliver_due(now=now) == 0  # not due yet: nothing is tried
    db.session.refresh(message)
    assert message.attempts == 1


def test_mail_fails_for_good_after_the_last_attempt(app, now):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=2, MAIL_MAX_ATTEMPTS=2)
    message = _queue(now)
    deliver_due(now=now)
    deliver_due(now=now + timedelta(hours=1))
    db.session.refresh(message)
    assert message.status == OutboxStatus.FAILED and message.attempts == 2


def test_a_crashed_workers_claim_is_taken_over_later(app, smtp_server, now):
    message = _queue(now)
    message.status, message.claimed_at = OutboxStatus.SENDING, now
    db.session.commit()
    assert deliver_due(now=now + timedelta(minutes=1)) == 0
    assert deliver_due(now=now + timedelta(minutes=20)) == 1


def test_console_transport_prints_the_mail(app, now):
    _queue(now)
    stream = io.StringIO()
    deliver_due(now=now, transport=ConsoleTransport(stream))
    assert "Mail an empfang@example.org: Passwort zurücksetzen" in stream.getvalue()
