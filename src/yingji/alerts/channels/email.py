"""E-mail over SMTP (optionally STARTTLS or SMTPS, optionally authenticated).

Each message is a UTF-8 ``text/plain`` mail with ``Message-ID: <yingji-{id}@{domain}>``
derived from the outbox row, so a resend carries the same id and mail systems and clients
that deduplicate by Message-ID show it once; ``Auto-Submitted: auto-generated`` (RFC 3834)
keeps auto-responders quiet. One connection serves a batch.

Per recipient, a ``5xx`` refusal is permanent and a ``4xx`` one transient; a refused
connection, a timeout, a failed login or a dropped connection makes the rows not yet sent
transient.

Settings ``CHANNELS["email"]``: ``host`` ("localhost"), ``port`` (25), ``user``, ``password``,
``from`` (required), ``starttls`` (false), ``ssl`` (false: SMTPS from the first byte),
``domain`` (for Message-IDs; default the domain of ``from``), ``timeout`` (s, 10),
``rate_per_second`` (10), ``batch_size`` (50).
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Mapping, Sequence
from email.errors import MessageError
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from yingji.alerts.channels import _support
from yingji.alerts.channels.base import Outgoing, Receipt


class Email:
    name = "email"

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        conf = _support.channel_settings(self.name, config)
        self.host = str(conf.get("host", "localhost"))
        self.port = _support.whole(conf, "port", 25)
        self.user = str(conf.get("user", ""))
        self.password = str(conf.get("password", ""))
        self.sender = str(conf.get("from", ""))
        self.starttls = _support.flag(conf, "starttls", False)
        self.ssl = _support.flag(conf, "ssl", False)
        self.domain = str(conf.get("domain", "")) or self.sender.rpartition("@")[2] or "yingji"
        self.timeout = _support.number(conf, "timeout", 10)
        self.rate_per_second = _support.number(conf, "rate_per_second", 10)
        self.batch_size = _support.whole(conf, "batch_size", 50)
        self.ssl_context = ssl.create_default_context()  # tests may load their own CA

    def message_id(self, outbox_id: int) -> str:
        return f"<yingji-{outbox_id}@{self.domain}>"

    def message(self, item: Outgoing) -> EmailMessage:
        """The mail for one row; ValueError if the address or a header is unusable."""
        local, at, domain = item.address.strip().rpartition("@")
        if not (local and at and domain) or any(c in item.address for c in "\r\n<>,;"):
            raise ValueError(f"not an e-mail address: {item.address!r}")
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = item.address.strip()
        mail["Subject"] = item.subject or item.text.split("\n", 1)[0][:60]
        mail["Date"] = formatdate(usegmt=True)
        mail["Message-ID"] = self.message_id(item.id)
        mail["Auto-Submitted"] = "auto-generated"
        if item.warning:
            mail["X-Yingji-Warning"] = item.warning
        mail.set_content(item.text, charset="utf-8")
        return mail

    def _connect(self) -> smtplib.SMTP:
        smtp: smtplib.SMTP
        if self.ssl:
            smtp = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=self.ssl_context
            )
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.starttls:
                smtp.starttls(context=self.ssl_context)
            if self.user:
                smtp.login(self.user, self.password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, batch: Sequence[Outgoing]) -> list[Receipt]:
        if not batch:
            return []
        if not self.sender:
            error = 'CHANNELS["email"]["from"] is not set'
            return [Receipt(item.id, ok=False, error=error) for item in batch]
        try:
            smtp = self._connect()
        except (OSError, smtplib.SMTPException) as exc:
            error = f"SMTP {self.host}:{self.port}: {_describe(exc)}"
            return [Receipt(item.id, ok=False, error=error) for item in batch]
        receipts: list[Receipt] = []
        try:
            for item in batch:
                receipt, alive = self._send_one(smtp, item)
                receipts.append(receipt)
                if not alive:
                    break
        finally:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()
        error = "SMTP connection lost before this message"
        receipts += [Receipt(item.id, ok=False, error=error) for item in batch[len(receipts) :]]
        return receipts

    def _send_one(self, smtp: smtplib.SMTP, item: Outgoing) -> tuple[Receipt, bool]:
        """The receipt, and whether the connection can carry the next message."""
        try:
            mail = self.message(item)
        except (ValueError, MessageError) as exc:
            return Receipt(item.id, ok=False, error=str(exc), retry=False), True
        try:
            smtp.send_message(mail, from_addr=self.sender, to_addrs=[item.address.strip()])
        except (OSError, smtplib.SMTPException) as exc:
            return self._failed(item.id, exc)
        return Receipt(item.id, ok=True, provider_id=mail["Message-ID"]), True

    def _failed(self, outbox_id: int, exc: OSError | smtplib.SMTPException) -> tuple[Receipt, bool]:
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            code, text = next(iter(exc.recipients.values()), (0, b""))
            return _refused(outbox_id, code, text), True
        if isinstance(exc, smtplib.SMTPDataError):
            return _refused(outbox_id, exc.smtp_code, exc.smtp_error), True
        if isinstance(exc, smtplib.SMTPNotSupportedError):  # a Chinese address, no SMTPUTF8
            return Receipt(outbox_id, ok=False, error=f"SMTP: {exc}", retry=False), True
        if isinstance(exc, smtplib.SMTPSenderRefused):  # configuration: transient for all
            error = f"SMTP refused the sender {self.sender}: {exc.smtp_code}"
            return Receipt(outbox_id, ok=False, error=error), True
        return Receipt(outbox_id, ok=False, error=f"SMTP: {_describe(exc)}"), False


def _refused(outbox_id: int, code: int, text: bytes | str) -> Receipt:
    detail = text.decode(errors="replace") if isinstance(text, bytes) else text
    error = f"SMTP refused {code} {detail[:200]}".strip()
    return Receipt(outbox_id, ok=False, error=error, retry=not 500 <= code < 600)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, TimeoutError | socket.timeout):
        return "timed out"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"login refused ({exc.smtp_code})"
    return f"{exc.__class__.__name__}: {exc}"
