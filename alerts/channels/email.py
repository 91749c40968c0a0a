"""E-mail over SMTP (``smtplib``): a plain-text message per delivery.

SMTP replies are classified like HTTP statuses: a 4xx reply (temporary), a timeout or a
refused connection is retried; a 5xx reply (a rejected recipient or sender, failed
authentication) fails at once. The delivery's ``webhook_id`` becomes the ``Message-ID``,
so a retried message is recognisably the same one.
"""

from __future__ import annotations

import smtplib
import ssl
import time
from email.message import EmailMessage
from email.utils import formatdate

from alerts.channels.base import SendOutcome, redact
from alerts.channels.text import subject, summary_lines
from monitor.config.alerts import EmailChannel
from monitor.store import Delivery

__all__ = ["EmailSender", "email_message"]


def email_message(config: EmailChannel, delivery: Delivery) -> EmailMessage:
    """The message for ``delivery``."""
    payload = delivery.payload
    message = EmailMessage()
    message["Subject"] = subject(payload)
    message["From"] = config.sender
    message["To"] = ", ".join(config.to)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = f"<{delivery.webhook_id}@driftline>"
    lines = summary_lines(payload)
    if payload.get("dashboard_url"):
        lines.append(f"Dashboard: {payload['dashboard_url']}")
    message.set_content("\n".join(lines) + "\n")
    return message


class EmailSender:
    """Sends deliveries as e-mail through the channel's SMTP server."""

    def __init__(self, config: EmailChannel) -> None:
        self._config = config

    def send(self, delivery: Delivery) -> SendOutcome:
        config = self._config
        secrets = [config.password.get_secret_value()] if config.password else []
        started = time.perf_counter()

        def outcome(ok: bool, retryable: bool, detail: str, code: int | None) -> SendOutcome:
            latency = time.perf_counter() - started
            return SendOutcome(ok, retryable, redact(detail, secrets), code, latency)

        try:
            with smtplib.SMTP(
                config.host, config.port, timeout=config.timeout.total_seconds()
            ) as smtp:
                if config.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if config.username and config.password:
                    smtp.login(config.username, config.password.get_secret_value())
                smtp.send_message(email_message(config, delivery))
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            code = max(codes) if codes else None
            retryable = code is not None and 400 <= code < 500
            return outcome(False, retryable, f"recipients refused: {exc.recipients}", code)
        except smtplib.SMTPResponseException as exc:
            retryable = 400 <= exc.smtp_code < 500
            message = (
                exc.smtp_error.decode(errors="replace")
                if isinstance(exc.smtp_error, bytes)
                else str(exc.smtp_error)
            )
            return outcome(False, retryable, f"SMTP {exc.smtp_code}: {message}", exc.smtp_code)
        except (smtplib.SMTPException, OSError) as exc:
            return outcome(False, True, f"{type(exc).__name__}: {exc}", None)
        return outcome(True, False, "SMTP 250 accepted", 250)
