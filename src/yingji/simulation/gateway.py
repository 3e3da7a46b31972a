"""Local fake gateways for a run: an HTTP SMS gateway and a broadcast-terminal platform.

They speak the protocols of :mod:`yingji.alerts.channels.http_sms` and
:mod:`yingji.alerts.channels.broadcast` (the same as the fakes the alerts tests use), in a
thread on a free local port, and count what they received. A run points
``settings.CHANNELS`` at them, so the outbox's real channels send real HTTP requests.
Every message is accepted; a resent client id is acknowledged again, not delivered twice.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Final

SMS_PATH: Final = "/v1/sms/send"
BROADCAST_PATH: Final = "/v1/broadcast/play"


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, payload = self.server.gateway.handle(
            self.path, self.headers.get("Authorization", ""), body
        )
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    gateway: FakeGateway


class FakeGateway:
    """Both endpoints on one server; ``requests`` and ``messages`` count per endpoint."""

    def __init__(self) -> None:
        self.token = secrets.token_urlsafe(16)
        self.lock = threading.Lock()
        self.requests: Counter[str] = Counter()
        self.messages: Counter[str] = Counter()
        self._seen: dict[str, str] = {}
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.gateway = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def channels(self) -> dict[str, dict[str, Any]]:
        """``settings.CHANNELS`` entries for the run (no pacing: the clock is simulated)."""
        common = {"token": self.token, "rate_per_second": 100_000, "timeout": 10}
        return {
            "sms": {"url": self.url + SMS_PATH, "batch_size": 200, **common},
            "broadcast": {"url": self.url + BROADCAST_PATH, "batch_size": 50, **common},
        }

    def handle(self, path: str, authorization: str, body: bytes) -> tuple[int, Any]:
        if authorization != f"Bearer {self.token}":
            return 401, {"error": "bad token"}
        try:
            payload = json.loads(body)
        except ValueError:
            return 400, {"error": "malformed request"}
        with self.lock:
            if path == SMS_PATH and isinstance(payload, dict):
                self.requests["sms"] += 1
                return 200, {"results": [self._sms(m) for m in payload.get("messages", [])]}
            if path == BROADCAST_PATH and isinstance(payload, dict):
                self.requests["broadcast"] += 1
                key = f"b{payload.get('request_id')}"
                if key not in self._seen:
                    self._seen[key] = f"play-{len(self._seen) + 1:06d}"
                    self.messages["broadcast"] += 1
                return 200, {"play_id": self._seen[key]}
        return 404, {"error": "no such endpoint"}

    def _sms(self, message: dict[str, Any]) -> dict[str, Any]:
        client_id = str(message.get("id"))
        key = f"s{client_id}"
        if key not in self._seen:
            self._seen[key] = f"gw-{len(self._seen) + 1:06d}"
            self.messages["sms"] += 1
        return {"id": client_id, "status": "accepted", "provider_id": self._seen[key]}

    def __enter__(self) -> FakeGateway:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
