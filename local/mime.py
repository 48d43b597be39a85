"""The message as SES delivers it: multipart/alternative, plain text first, then HTML, UTF-8."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from local.runtime import SentEmail


def to_eml(email: SentEmail) -> bytes:
    message = EmailMessage(policy=SMTP)
    message["From"] = email.request["FromEmailAddress"]
    message["To"] = ", ".join(email.to)
    message["Subject"] = email.subject
    message["Date"] = format_datetime(email.sent_at)
    # SES puts its message id into the Message-ID header this way.
    message["Message-ID"] = f"<{email.message_id}@email.amazonses.com>"
    message.set_content(email.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(email.html, subtype="html", charset="utf-8", cte="quoted-printable")
    return message.as_bytes()
