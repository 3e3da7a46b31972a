"""A fake HTTP SMS gateway speaking the API of :mod:`yingji.alerts.channels.http_sms`.

It behaves as a real gateway should: a bearer token is required; a client message id seen
before is acknowledged again with the same provider id but delivered only once; numbers
marked invalid are refused per message; ``fail_next(n)`` answers 503 to the next n requests;
delivery reports (DLR) are POSTed to the callback a batch named, on ``send_reports()``.
"""

from __future__ import annotations

import json
import urllib.request
from collections import defaultdict
from typing import Any

from tests.alerts.fakes.httpfake import FakeHttp

PATH = "/v1/sms/send"
TOKEN = "gw-token"


class FakeSmsGateway(FakeHttp):
    def __init__(self, token: str = TOKEN) -> None:
        super().__init__()
        self.token = token
        self.invalid: set[str] = set()
        self.failures = 0
        self.accepted: dict[str, str] = {}  # client message id → provider id
        self.deliveries: dict[str, list[str]] = defaultdict(list)  # phone → texts, in order
        self.pending_reports: list[tuple[str, dict[str, Any]]] = []  # (callback, report)

    @property
    def endpoint(self) -> str:
        return self.url + PATH

    def fail_next(self, count: int) -> None:
        with self.lock:
            self.failures += count

    def delivered_count(self) -> int:
        with self.lock:
            return sum(len(texts) for texts in self.deliveries.values())

    def answer(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        if path != PATH:
            return 404, {"error": "no such endpoint"}
        if headers.get("Authorization") != f"Bearer {self.token}":
            return 401, {"error": "bad token"}
        if self.failures:
            self.failures -= 1
            return 503, {"error": "gateway busy"}
        try:
            payload = json.loads(body)
            messages = payload["messages"]
        except (ValueError, KeyError, TypeError):
            return 400, {"error": "malformed request"}
        callback = payload.get("callback", "")
        results = [self._accept(m, callback) for m in messages]
        return 200, {"results": results}

    def _accept(self, message: dict[str, Any], callback: str) -> dict[str, Any]:
        client_id, phone, text = str(message["id"]), str(message["to"]), str(message["text"])
        if phone in self.invalid:
            return {"id": client_id, "status": "invalid_number", "error": "空号"}
        if client_id in self.accepted:  # a resend: acknowledge, do not deliver again
            return {"id": client_id, "status": "accepted", "provider_id": self.accepted[client_id]}
        provider_id = f"gw-{len(self.accepted) + 1:06d}"
        self.accepted[client_id] = provider_id
        self.deliveries[phone].append(text)
        if callback:
            report = {
                "id": client_id,
                "provider_id": provider_id,
                "status": "delivered",
                "error": "",
                "at": "2026-06-01T08:00:00Z",
            }
            self.pending_reports.append((callback, report))
        return {"id": client_id, "status": "accepted", "provider_id": provider_id}

    def send_reports(self) -> int:
        """POST the pending delivery reports, one request per callback URL."""
        with self.lock:
            pending, self.pending_reports = self.pending_reports, []
        by_url: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for url, report in pending:
            by_url[url].append(report)
        for url, reports in by_url.items():
            request = urllib.request.Request(  # noqa: S310 - the test's own local server
                url,
                data=json.dumps({"reports": reports}).encode(),
                headers={"Content-Type": "application/json"},
                method="POST",
            )
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                response.read()
        return len(pending)
