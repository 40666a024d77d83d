"""E-mail messages: .eml through the stdlib parser; Outlook .msg is refused clearly."""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage

from flexorch_local.processing.errors import ExtractionFailed
from flexorch_local.processing.html import html_to_text

_HEADERS = ("From", "To", "Cc", "Subject", "Date")


def _part_text(part: EmailMessage) -> str:
    try:
        content = part.get_content()
    except (LookupError, ValueError):
        payload = part.get_payload(decode=True)
        content = payload.decode("latin-1") if isinstance(payload, bytes) else ""
    return content if isinstance(content, str) else ""


def eml_to_text(data: bytes) -> tuple[str, list[str]]:
    """The message as text (headers, body, attachment list) and its attachment names."""
    message = email.message_from_bytes(data, policy=policy.default)
    if not isinstance(message, EmailMessage) or not any(message.get(h) for h in _HEADERS):
        raise ExtractionFailed("not an e-mail message: no From/To/Subject/Date header found")
    lines = [f"{h}: {message.get(h)}" for h in _HEADERS if message.get(h)]
    body = message.get_body(preferencelist=("plain",))
    text = ""
    if isinstance(body, EmailMessage):
        text = _part_text(body)
    else:
        html_part = message.get_body(preferencelist=("html",))
        if isinstance(html_part, EmailMessage):
            text = html_to_text(_part_text(html_part))
    attachments = [
        part.get_filename() or "unnamed attachment"
        for part in message.iter_attachments()
        if isinstance(part, EmailMessage)
    ]
    parts = ["\n".join(lines), text.strip()]
    if attachments:
        parts.append("Attachments: " + ", ".join(attachments))
    return "\n\n".join(p for p in parts if p), attachments


def msg_to_text(data: bytes) -> str:
    # Reading the OLE compound format needs a parser we do not ship; say so instead of guessing.
    raise ExtractionFailed(
        "Outlook .msg files cannot be read by this server; save the message as .eml and upload that"
    )
