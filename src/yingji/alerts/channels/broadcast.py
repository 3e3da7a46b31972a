"""Emergency broadcast terminals (应急广播): a text-to-speech play request per terminal.

The generic pattern of IP broadcast platforms: the platform holds the terminals (loudspeakers
in villages, registered per village) and plays a text on one of them on request::

    POST {url}
    Authorization: Bearer {token}
    Content-Type: application/json; charset=utf-8

    {"terminal": "330106001001-01", "text": "…", "repeat": 3, "request_id": "123"}

``request_id`` is the outbox row, so the platform plays a repeated request once. Answers:
``200 {"play_id": "…"}`` accepted (queued for playing: not yet heard, so not ``delivered``);
``404`` an unknown terminal, other ``4xx`` refused (permanent); ``409`` terminal busy, ``423``
terminal offline, ``429``, ``5xx``, no answer (transient).

Settings ``CHANNELS["broadcast"]``: ``url``, ``token``, ``repeat`` (3), ``timeout`` (s, 10),
``rate_per_second`` (10), ``batch_size`` (10), ``max_response_bytes`` (64 KiB).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from yingji.alerts.channels import _support
from yingji.alerts.channels.base import Outgoing, Receipt

TRANSIENT = {409, 423}  # busy or offline: the terminal will be back


class Broadcast:
    name = "broadcast"
    remote = True  # the outbox overlaps sending with claiming the next batch

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        conf = _support.channel_settings(self.name, config)
        self.url = str(conf.get("url", ""))
        self.token = str(conf.get("token", ""))
        self.repeat = _support.whole(conf, "repeat", 3)
        self.timeout = _support.number(conf, "timeout", 10)
        self.rate_per_second = _support.number(conf, "rate_per_second", 10)
        self.batch_size = _support.whole(conf, "batch_size", 10)
        self.max_response_bytes = _support.whole(conf, "max_response_bytes", 64 << 10)

    def send(self, batch: Sequence[Outgoing]) -> list[Receipt]:
        try:
            _support.check_url(self.url, 'CHANNELS["broadcast"]["url"]')
        except ValueError as exc:
            return [Receipt(item.id, ok=False, error=str(exc)) for item in batch]
        return [self._play(item) for item in batch]

    def _play(self, item: Outgoing) -> Receipt:
        body = {
            "terminal": item.address,
            "text": item.text,
            "repeat": self.repeat,
            "request_id": str(item.id),
        }
        reply = _support.post_json(
            self.url, body, token=self.token, timeout=self.timeout,
            max_bytes=self.max_response_bytes,
        )  # fmt: skip
        if reply.error:
            return Receipt(item.id, ok=False, error=f"broadcast platform: {reply.error}")
        if reply.status != 200:
            transient = reply.transient or reply.status in TRANSIENT
            detail = _message(reply)
            error = f"broadcast platform answered HTTP {reply.status}{detail}"
            return Receipt(item.id, ok=False, error=error, retry=transient)
        try:
            play_id = reply.json()["play_id"]
        except (ValueError, KeyError, TypeError) as exc:
            # Accepted or not is unknown: send again, the platform drops the repeat.
            return Receipt(
                item.id, ok=False, error=f"broadcast platform: unreadable answer ({exc})"
            )
        return Receipt(item.id, ok=True, provider_id=str(play_id)[:200])


def _message(reply: _support.Reply) -> str:
    try:
        message = reply.json().get("message", "")
    except (ValueError, AttributeError):
        return ""
    return f": {str(message)[:200]}" if message else ""
