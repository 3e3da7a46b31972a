"""A threaded HTTP server on a free local port, the base of the HTTP fakes.

A fake is a context manager; tests wait on its condition (``wait_for``), never on sleeps.
Hostile answers for adapter robustness (``then(mode, …)``): ``"malformed"`` (a body that is
not JSON), ``"shape"`` (JSON of the wrong shape), ``"huge"`` (a body far over any sane cap),
``"hang"`` (no answer until the test ends).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

HUGE = 8 << 20  # bytes a "huge" answer announces and streams


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        fake = self.server.fake
        mode = fake.take_mode()
        if mode == "hang":
            fake.release.wait(10)
            return
        if mode == "malformed":
            self._answer(200, b"{this is not json", "application/json")
            return
        if mode == "shape":
            self._answer(200, b'[1, "two", {"id": null}]', "application/json")
            return
        if mode == "huge":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(HUGE))
            self.end_headers()
            chunk = b" " * 65536
            try:
                for _ in range(HUGE // len(chunk)):
                    self.wfile.write(chunk)
            except OSError:
                pass  # the client stopped reading at its cap, as it should
            return
        status, payload = fake.handle(self.path, dict(self.headers.items()), body)
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self._answer(status, data, "application/json")

    def _answer(self, status: int, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeHttp


class FakeHttp:
    """Subclasses implement ``handle(path, headers, body) -> (status, json-able or bytes)``."""

    modes: ClassVar[tuple[str, ...]] = ("malformed", "shape", "huge", "hang")

    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.release = threading.Event()
        self._modes: list[str] = []
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeHttp:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def then(self, *modes: str) -> None:
        """The next requests get these hostile answers, one each, in order."""
        assert all(m in self.modes for m in modes), modes
        with self.lock:
            self._modes.extend(modes)

    def take_mode(self) -> str:
        with self.lock:
            return self._modes.pop(0) if self._modes else ""

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        with self.lock:
            self.requests.append((path, headers, body))
            result = self.answer(path, headers, body)
            self.lock.notify_all()
            return result

    def answer(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        raise NotImplementedError

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 5) -> bool:
        with self.lock:
            return self.lock.wait_for(predicate, timeout)
