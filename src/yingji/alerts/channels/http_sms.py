"""SMS through a generic HTTP gateway (the shape most Chinese SMS platforms offer).

Request, one per batch::

    POST {url}
    Authorization: Bearer {token}
    Content-Type: application/json; charset=utf-8

    {"messages": [{"id": "123", "to": "13800000000", "text": "…", "campaign": "CAP id"}],
     "callback": "{dlr_url}"}                      # only when dlr_url is configured

``id`` is the client message id: the outbox row id (``"123-2"`` for part 2 when the gateway
wants plain-text numbered parts), which the gateway uses to deduplicate a resend.

Answer ``200``: ``{"results": [{"id": "123", "status": "accepted", "provider_id": "…"}, …]}``
with ``status`` one of ``accepted``; ``invalid_number`` / ``rejected`` (permanent);
``throttled`` / ``failed`` (transient). A ``429`` or ``5xx`` answer, no answer, or an answer that
cannot be read makes every row of the batch transient; the gateway deduplicates the resend.

Delivery reports arrive later on the callback (see :func:`parse_reports`)::

    {"reports": [{"id": "123", "provider_id": "…", "status": "delivered" | "failed",
                  "error": "", "at": "2026-06-01T08:00:00Z"}]}

Settings ``CHANNELS["sms"]``: ``url``, ``token``, ``timeout`` (s, 10), ``rate_per_second`` (100),
``batch_size`` (100), ``numbered`` (false: the gateway concatenates long texts itself),
``dlr_url`` (""), ``max_response_bytes`` (1 MiB).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from yingji.alerts.channels import _support
from yingji.alerts.channels.base import Outgoing, Receipt
from yingji.kernels import sms

PERMANENT = {"invalid_number", "rejected"}


@dataclass(frozen=True)
class DeliveryReport:
    """One delivery report from the gateway's callback."""

    id: int  # the outbox row
    part: int  # 0 for a whole message, k for numbered part k
    provider_id: str
    delivered: bool
    error: str = ""
    at: str = ""


def parse_reports(body: bytes) -> list[DeliveryReport]:
    """The reports in a callback body; ValueError naming the fault if it is malformed."""
    try:
        data = json.loads(body)
        rows = data["reports"]
        if not isinstance(rows, list):
            raise TypeError("reports is not a list")
        reports = []
        for row in rows:
            row_id, _, part = str(row["id"]).partition("-")
            reports.append(
                DeliveryReport(
                    id=int(row_id),
                    part=int(part or 0),
                    provider_id=str(row.get("provider_id", "")),
                    delivered=row["status"] == "delivered",
                    error=str(row.get("error", "")),
                    at=str(row.get("at", "")),
                )
            )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"malformed delivery report: {exc}") from None
    return reports


class HttpSms:
    name = "sms"
    remote = True  # the outbox overlaps sending with claiming the next batch

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        conf = _support.channel_settings(self.name, config)
        self.url = str(conf.get("url", ""))
        self.token = str(conf.get("token", ""))
        self.timeout = _support.number(conf, "timeout", 10)
        self.rate_per_second = _support.number(conf, "rate_per_second", 100)
        self.batch_size = _support.whole(conf, "batch_size", 100)
        self.numbered = _support.flag(conf, "numbered", False)
        self.dlr_url = str(conf.get("dlr_url", ""))
        self.max_response_bytes = _support.whole(
            conf, "max_response_bytes", _support.DEFAULT_MAX_RESPONSE
        )

    def _messages(self, item: Outgoing) -> list[dict[str, str]]:
        base = {"to": item.address, "campaign": item.warning}
        if not self.numbered:
            return [{"id": str(item.id), "text": item.text, **base}]
        parts = sms.numbered_parts(item.text)
        if len(parts) == 1:
            return [{"id": str(item.id), "text": item.text, **base}]
        return [{"id": f"{item.id}-{k}", "text": p, **base} for k, p in enumerate(parts, 1)]

    def send(self, batch: Sequence[Outgoing]) -> list[Receipt]:
        if not batch:
            return []
        try:
            _support.check_url(self.url, 'CHANNELS["sms"]["url"]')
        except ValueError as exc:
            return [Receipt(item.id, ok=False, error=str(exc)) for item in batch]
        plan: dict[int, list[str]] = {}  # outbox id → client message ids
        messages: list[dict[str, str]] = []
        failed: dict[int, Receipt] = {}
        for item in batch:
            try:
                rows = self._messages(item)
            except sms.MessageTooLong as exc:
                failed[item.id] = Receipt(item.id, ok=False, error=str(exc), retry=False)
                continue
            plan[item.id] = [r["id"] for r in rows]
            messages.extend(rows)
        results = self._post(messages) if messages else {}
        if isinstance(results, str):  # the whole request failed transiently
            return [
                failed.get(item.id) or Receipt(item.id, ok=False, error=results) for item in batch
            ]
        return [failed.get(item.id) or _combine(item.id, plan[item.id], results) for item in batch]

    def _post(self, messages: list[dict[str, str]]) -> dict[str, dict[str, Any]] | str:
        """Per client id, the gateway's result; or the error that applies to them all."""
        payload: dict[str, Any] = {"messages": messages}
        if self.dlr_url:
            payload["callback"] = self.dlr_url
        reply = _support.post_json(
            self.url, payload, token=self.token, timeout=self.timeout,
            max_bytes=self.max_response_bytes,
        )  # fmt: skip
        if reply.error:
            return f"SMS gateway: {reply.error}"
        if reply.status != 200:
            # Every non-200 is reported as transient: throttling and outages pass, and a
            # refused token or a wrong URL is a configuration fault that the outbox
            # dead-letters after its attempts once nobody fixes it.
            return f"SMS gateway answered HTTP {reply.status}"
        try:
            rows = reply.json()["results"]
            return {str(row["id"]): row for row in rows if isinstance(row, dict)}
        except (ValueError, KeyError, TypeError) as exc:
            return f"SMS gateway: unreadable answer ({exc})"


def _combine(outbox_id: int, client_ids: list[str], results: Mapping[str, Any]) -> Receipt:
    """One receipt from the results of a message's parts: ok only if every part is."""
    provider_ids: list[str] = []
    for client_id in client_ids:
        row = results.get(client_id)
        if row is None:
            return Receipt(outbox_id, ok=False, error=f"no result for {client_id} in answer")
        status = str(row.get("status", ""))
        if status != "accepted":
            error = f"{client_id}: {status or 'no status'} {row.get('error', '')}".strip()
            return Receipt(outbox_id, ok=False, error=error, retry=status not in PERMANENT)
        provider_ids.append(str(row.get("provider_id", ""))[:200])
    return Receipt(outbox_id, ok=True, provider_id=",".join(provider_ids))
