"""A fake webhook receiver: verifies the HMAC-SHA256 signature over the exact body, drops a
repeated Idempotency-Key, and records what it accepted. Unsigned or badly signed requests are
answered 401 and counted in ``rejected``. With ``secret=None`` it checks no signature (used as
a delivery-report callback)."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from tests.alerts.fakes.httpfake import FakeHttp

SECRET = "hook-secret"


class FakeWebhookReceiver(FakeHttp):
    def __init__(self, secret: str | None = SECRET) -> None:
        super().__init__()
        self.secret = secret
        self.status = 204  # what it answers to a good request
        self.seen_keys: set[str] = set()
        self.received: list[dict[str, Any]] = []  # accepted bodies, once per key
        self.rejected = 0

    def answer(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        if self.secret is not None:
            expected = "sha256=" + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
            if not hmac.compare_digest(headers.get("X-Yingji-Signature", ""), expected):
                self.rejected += 1
                return 401, {"error": "bad signature"}
        if self.status >= 300:
            return self.status, {"error": f"configured to answer {self.status}"}
        key = headers.get("Idempotency-Key", "")
        if key and key in self.seen_keys:
            return 200, {"duplicate": True}
        self.seen_keys.add(key)
        self.received.append(json.loads(body))
        return self.status, b""
