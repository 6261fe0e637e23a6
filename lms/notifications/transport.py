"""Turning an outbox row into an e-mail and handing it to SMTP (or the console in development)."""
import smtplib
import ssl
import sys
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid


def build_message(row, *, sender: str, now) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = row.recipient
    message["Subject"] = row.subject
    message["Date"] = format_datetime(now)
    if row.request_id:
        message["X-Request-ID"] = row.request_id  # joins the mail to the log lines of what sent it
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip(">") or "localhost")
    message.set_content(row.body)
    if row.calendar:
        message.add_alternative(row.calendar, subtype="calendar", params={"method": row.calendar_method or "PUBLISH"})
        message.add_attachment(
            row.calendar.encode(), maintype="application", subtype="ics", filename="einladung.ics"
        )
    return message


class SmtpTransport:
    """Delivers through one SMTP connection per batch."""

    def __init__(self, config):
        self.config = config
        self.connection = None

    def __enter__(self):
        config = self.config
        if config["MAIL_USE_SSL"]:
            self.connection = smtplib.SMTP_SSL(
                config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"],
                context=ssl.create_default_context(),
            )
        else:
            self.connection = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"])
            if config["MAIL_USE_TLS"]:
                self.connection.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            self.connection.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        return self

    def send(self, message: EmailMessage) -> None:
        self.connection.send_message(message)

    def __exit__(self, *exc):
        try:
            self.connection.quit()
        except smtplib.SMTPException:
            self.connection.close()


class ConsoleTransport:
    """Development: print mails instead of sending them."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def __enter__(self):
        return self

    def send(self, message: EmailMessage) -> None:
        body = message.get_body(preferencelist=("plain",))
        print(
            f"--- Mail an {message['To']}: {message['Subject']}\n{body.get_content()}---",
            file=self.stream,
            flush=True,
        )

    def __exit__(self, *exc):
        return None


def transport_for(config):
    return SmtpTransport(config) if config.get("MAIL_SERVER") else ConsoleTransport()
