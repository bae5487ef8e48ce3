"""Web archives (.mht/.mhtml): a page saved with its images as one MIME message, as browsers on
Windows save government pages. The HTML part is read like any saved page."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kg.errors import InputError
from kg.ingest.formats.html import read_html_text
from kg.ingest.formats.text import decode_text

if TYPE_CHECKING:
    from kg.ingest.read import RawDocument


def read_mhtml(raw: RawDocument) -> None:
    import email
    from email import policy

    message = email.message_from_bytes(raw.data, policy=policy.compat32)
    for part in message.walk():
        if part.get_content_type() != "text/html":
            continue
        payload = part.get_payload(decode=True)  # undoes quoted-printable/base64
        if not isinstance(payload, bytes) or not payload.strip():
            continue
        read_html_text(raw, decode_text(payload, raw.path, part.get_content_charset()))
        return
    raise InputError(f"{raw.path}: no HTML page inside this web archive; expected an .mht saved by a browser")
