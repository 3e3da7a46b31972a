"""Webhooks: one signed JSON POST per message to the address (a URL) of the recipient system.

::

    POST {address}
    Content-Type: application/json; charset=utf-8
    Idempotency-Key: 123                       # the outbox row: the receiver drops a repeat
    X-Yingji-Signature: sha256=<hex HMAC-SHA256 of the exact body with the shared secret>

    {"id": 123, "warning": "CAP identifier", "subject": "…", "text": "…"}

The body is the same bytes on a resend, so is its signature. A ``2xx`` answer means the
receiving system has the message (``delivered``); ``408``/``425``/``429``/``5xx``, no answer or
a refused connection are transient; any other answer (a ``3xx`` is not followed, a ``4xx``)
is permanent for that address.

Settings ``CHANNELS["webhook"]``: ``secret`` (required), ``timeout`` (s, 10),
``rate_per_second`` (20), ``batch_size`` (20), ``max_response_bytes`` (64 KiB).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from typing import Any

from yingji.alerts.channels import _support
from yingji.alerts.channels.base import Outgoing, Receipt

SIGNATURE_HEADER = "X-Yingji-Signature"


def sign(secret: str, body: bytes) -> str:
    """The signature header's value; receivers compare it with :func:`hmac.compare_digest`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class Webhook:
    name = "webhook"
    remote = True  # the outbox overlaps sending with claiming the next batch

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        conf = _support.channel_settings(self.name, config)
        self.secret = str(conf.get("secret", ""))
        self.timeout = _support.number(conf, "timeout", 10)
        self.rate_per_second = _support.number(conf, "rate_per_second", 20)
        self.batch_size = _support.whole(conf, "batch_size", 20)
        self.max_response_bytes = _support.whole(conf, "max_response_bytes", 64 << 10)

    def send(self, batch: Sequence[Outgoing]) -> list[Receipt]:
        if not self.secret:
            error = 'CHANNELS["webhook"]["secret"] is not set: refusing to send unsigned'
            return [Receipt(item.id, ok=False, error=error) for item in batch]
        return [self._send_one(item) for item in batch]

    def body(self, item: Outgoing) -> bytes:
        payload = {
            "id": item.id,
            "warning": item.warning,
            "subject": item.subject,
            "text": item.text,
        }
        return json.dumps(payload, ensure_ascii=False).encode()

    def _send_one(self, item: Outgoing) -> Receipt:
        try:
            url = _support.check_url(item.address, "webhook address")
        except ValueError as exc:
            return Receipt(item.id, ok=False, error=str(exc), retry=False)
        body = self.body(item)
        reply = _support.post(
            url,
            body,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Idempotency-Key": str(item.id),
                SIGNATURE_HEADER: sign(self.secret, body),
                "User-Agent": "Yingji-Webhook/1",
            },
            timeout=self.timeout,
            max_bytes=self.max_response_bytes,
        )
        if reply.status and 200 <= reply.status < 300:  # the body does not matter, nor its size
            return Receipt(item.id, ok=True, delivered=True)
        error = reply.error or f"receiver answered HTTP {reply.status}"
        return Receipt(item.id, ok=False, error=error, retry=reply.transient)
