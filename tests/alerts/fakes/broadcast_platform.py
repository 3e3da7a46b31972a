"""A fake IP emergency-broadcast platform: plays text on registered terminals.

It requires the bearer token, answers 404 for an unknown terminal and 423 for one marked
offline, and plays a repeated ``request_id`` once (answering the same ``play_id``)."""

from __future__ import annotations

import json
from typing import Any

from tests.alerts.fakes.httpfake import FakeHttp

PATH = "/api/v1/broadcast/play"
TOKEN = "bc-token"


class FakeBroadcastPlatform(FakeHttp):
    def __init__(self, terminals: set[str], token: str = TOKEN) -> None:
        super().__init__()
        self.terminals = terminals
        self.offline: set[str] = set()
        self.token = token
        self.play_ids: dict[str, str] = {}  # request_id → play_id
        self.plays: list[dict[str, Any]] = []  # {"terminal", "text", "repeat"}

    @property
    def endpoint(self) -> str:
        return self.url + PATH

    def answer(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        if path != PATH:
            return 404, {"message": "no such endpoint"}
        if headers.get("Authorization") != f"Bearer {self.token}":
            return 401, {"message": "bad token"}
        try:
            request = json.loads(body)
            terminal, text = str(request["terminal"]), str(request["text"])
            repeat, request_id = int(request["repeat"]), str(request["request_id"])
        except (ValueError, KeyError, TypeError):
            return 400, {"message": "malformed request"}
        if terminal not in self.terminals:
            return 404, {"message": f"unknown terminal {terminal}"}
        if terminal in self.offline:
            return 423, {"message": "terminal offline"}
        if request_id not in self.play_ids:
            self.play_ids[request_id] = f"play-{len(self.play_ids) + 1}"
            self.plays.append({"terminal": terminal, "text": text, "repeat": repeat})
        return 200, {"play_id": self.play_ids[request_id]}
