"""The dissemination outbox: written at 签发, drained by workers, receipts recorded.

Writing (:func:`enqueue`, inside the issue transaction): one :class:`Delivery` per recipient ×
channel with the text of that channel, and one :class:`Ack` (叫应) per responsible person
with the time limit of the warning's level (:data:`ACK_MINUTES`). Rows are
database-ready tuples inserted with ``executemany``: a province-wide red warning is hundreds of
thousands of rows.

Draining (:func:`drain`): a worker claims up to a channel's batch of due rows (queued, failed
and due for retry, or claimed by a worker whose lease ran out), marks them ``sending`` with a
lease, sends them outside any transaction, and records each receipt: ``sent`` (or
``delivered`` when the channel confirms at once), ``failed`` with exponential backoff, or
``dead`` after :data:`MAX_ATTEMPTS` or a permanent error. Claiming uses ``SELECT … FOR UPDATE
SKIP LOCKED`` on PostgreSQL (workers on many hosts take disjoint rows) and SQLite's single
write lock. A worker killed between sending and recording leaves rows ``sending``; when the
lease runs out they are sent again with the same id, which the provider de-duplicates.
The drain paces itself to the channel's ``rate_per_second``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import logging
import os
import socket
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Final

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from yingji.alerts import selectors
from yingji.alerts.channels.base import Channel, Outgoing, Receipt
from yingji.alerts.models import Ack, Delivery, DeliveryState, Warning
from yingji.core.bulk import insert_rows

if TYPE_CHECKING:
    from yingji.alerts.selectors import Recipient

logger = logging.getLogger(__name__)
ACK_MINUTES: Final = {3: 15, 2: 30, 1: 60, 0: 120}
"""叫应 time limit by level (红 15 minutes … 蓝 2 hours)."""
MAX_ATTEMPTS: Final = 6
LEASE: Final = dt.timedelta(seconds=60)
BACKOFF_S: Final = (5, 30, 120, 600, 1800)
ACK_PATH: Final = "/alerts/ack/"
SMS_KEYWORD: Final = "1"
D = DeliveryState


def reply_token(warning_id: int, contact_id: int) -> str:
    """The reply link's credential: ``<warning>-<contact>-<MAC>``. The MAC (HMAC-SHA256 with
    the site's secret key, 128 bits) makes it unguessable without storing anything."""
    mac = hmac.new(settings.SECRET_KEY.encode(), f"ack:{warning_id}:{contact_id}".encode(),
                   hashlib.sha256).digest()[:16]  # fmt: skip
    return f"{warning_id}-{contact_id}-{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"


def read_token(token: str) -> tuple[int, int] | None:
    """(warning id, contact id) of a genuine reply token, else None."""
    parts = token.split("-", 2) if isinstance(token, str) and len(token) <= 64 else []
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    warning_id, contact_id = int(parts[0]), int(parts[1])
    if not hmac.compare_digest(reply_token(warning_id, contact_id), token):
        return None
    return warning_id, contact_id


def ack_url(token: str) -> str:
    return f"{getattr(settings, 'PUBLIC_URL', '').rstrip('/')}{ACK_PATH}{token}/"


def render(warning: Warning, channel: str, token: str) -> str:
    """The text of one channel: SMS and voice short, with the 叫应 instruction."""
    sender = warning.sender.name
    head = f"【{sender}】{warning.headline}"
    if channel in ("sms", "voice", "broadcast"):
        reply = f"请回复{SMS_KEYWORD}确认收到或点击{ack_url(token)}" if channel == "sms" else ""
        return f"{head}。{warning.instruction or warning.description}{reply}"
    return (
        f"{head}\n\n{warning.description}\n\n{warning.instruction}\n\n"
        f"确认收到（叫应）：{ack_url(token)}"
    )


def enqueue(warning: Warning, now: dt.datetime | None = None) -> dict[str, int]:
    """Write the messages and 叫应 rows of an issued warning (call inside its transaction)."""
    now = now or timezone.now()
    people: list[Recipient] = selectors.recipients(warning)
    due = now + dt.timedelta(minutes=ACK_MINUTES[warning.level])
    adapt = connection.ops.adapt_datetimefield_value
    at, due_at = adapt(now), adapt(due)
    acks, deliveries = [], []
    pk = warning.pk
    for person in people:
        acks.append((pk, person.contact_id, person.region_path, due_at, "", 0))
        for channel in person.channels:
            # The text is composed when sent (render + the person's reply token): a
            # province-wide warning would otherwise store the same paragraph 10⁶ times.
            deliveries.append((pk, person.contact_id, person.region_path, channel, person.phone,
                               "warning", "", D.QUEUED, 0, at, "", "", "", at))  # fmt: skip
    insert_rows(Ack, ["warning_id", "contact_id", "region_path", "due_at", "via", "escalations"],
                acks)  # fmt: skip
    insert_rows(
        Delivery,
        ["warning_id", "contact_id", "region_path", "channel", "address", "purpose", "text",
         "state", "attempts", "next_at", "worker", "provider_id", "error", "created_at"],
        deliveries,
    )  # fmt: skip
    return {"recipients": len(people), "messages": len(deliveries)}


# ---------------------------------------------------------------- draining


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claim(channel: str, limit: int, worker: str, now: dt.datetime | None = None) -> list[Delivery]:
    """Take up to ``limit`` due rows of ``channel`` for ``worker`` (a lease of :data:`LEASE`)."""
    now = now or timezone.now()
    with transaction.atomic():
        due = Delivery.objects.filter(channel=channel).filter(_due(now)).order_by("pk")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        rows = list(due.select_related("warning", "warning__sender")[:limit])
        if rows:
            Delivery.objects.filter(pk__in=[r.pk for r in rows]).update(
                state=D.SENDING, lease_until=now + LEASE, worker=worker[:64]
            )
    return rows


def _due(now: dt.datetime) -> Q:
    return Q(state__in=(D.QUEUED, D.FAILED), next_at__lte=now) | Q(
        state=D.SENDING, lease_until__lt=now
    )


def record(
    receipts: Sequence[Receipt], worker: str, now: dt.datetime | None = None
) -> dict[str, int]:
    """Store what the channel answered; rows another worker took over meanwhile are left alone."""
    now = now or timezone.now()
    counts = {"sent": 0, "failed": 0, "dead": 0}
    by_id = {r.id: r for r in receipts}
    with transaction.atomic():
        for row in Delivery.objects.select_for_update().filter(
            pk__in=list(by_id), worker=worker[:64], state=D.SENDING
        ):
            receipt = by_id[row.pk]
            row.attempts += 1
            row.lease_until = None
            if receipt.ok:
                row.state = D.DELIVERED if receipt.delivered else D.SENT
                row.sent_at = now
                row.delivered_at = now if receipt.delivered else None
                row.provider_id = receipt.provider_id[:100]
                row.error = ""
                counts["sent"] += 1
            elif receipt.retry and row.attempts < MAX_ATTEMPTS:
                row.state = D.FAILED
                row.next_at = now + dt.timedelta(
                    seconds=BACKOFF_S[min(row.attempts, len(BACKOFF_S)) - 1]
                )
                row.error = receipt.error[:300]
                counts["failed"] += 1
            else:
                row.state = D.DEAD
                row.error = receipt.error[:300]
                counts["dead"] += 1
            row.save(update_fields=["state", "attempts", "lease_until", "sent_at", "delivered_at",
                                    "provider_id", "error", "next_at"])  # fmt: skip
    return counts


def drain(
    channel: Channel,
    *,
    worker: str | None = None,
    stop_when_idle: bool = True,
    max_seconds: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, int]:
    """Send everything due on ``channel``; paced to its rate. Returns the counts."""
    worker = worker or worker_name()
    totals = {"sent": 0, "failed": 0, "dead": 0, "batches": 0}
    started = time.monotonic()
    while max_seconds is None or time.monotonic() - started < max_seconds:
        rows = claim(channel.name, channel.batch_size, worker)
        if not rows:
            if stop_when_idle:
                break
            sleep(0.5)
            continue
        clock = time.monotonic()
        batch = compose(rows)
        try:
            receipts = channel.send(batch)
        except Exception as exc:  # an adapter bug must not lose the rows: retry them later
            logger.exception("channel %s failed on a batch of %d", channel.name, len(batch))
            receipts = [
                Receipt(id=o.id, ok=False, error=f"adapter error: {exc}"[:300]) for o in batch
            ]
        counts = record(receipts, worker)
        for key, value in counts.items():
            totals[key] += value
        totals["batches"] += 1
        pause = len(batch) / channel.rate_per_second - (time.monotonic() - clock)
        if pause > 0:
            sleep(pause)
    return totals


def compose(rows: Sequence[Delivery]) -> list[Outgoing]:
    """The messages of claimed rows: a warning row's text is rendered with the person's reply
    token; an escalation row carries its own text."""
    out = []
    for r in rows:
        text = r.text or render(r.warning, r.channel, reply_token(r.warning_id, r.contact_id or 0))
        out.append(Outgoing(id=r.pk, channel=r.channel, address=r.address, text=text,
                            subject=r.warning.headline, warning=r.warning.identifier))  # fmt: skip
    return out


def report(channel: str, row_id: int, ok: bool, error: str = "") -> int:
    """A delivery report naming our outbox id: the row becomes delivered, or dead."""
    rows = Delivery.objects.filter(channel=channel, pk=row_id, state__in=(D.SENT, D.DELIVERED))
    if ok:
        return rows.exclude(state=D.DELIVERED).update(
            state=D.DELIVERED, delivered_at=timezone.now()
        )
    return rows.update(state=D.DEAD, error=(error or "provider reported it undelivered")[:300])


def delivered(channel: str, provider_id: str, ok: bool, at: dt.datetime | None = None) -> int:
    """A delivery report (DLR) from the provider: the row becomes delivered or failed."""
    at = at or timezone.now()
    rows = Delivery.objects.filter(channel=channel, provider_id=provider_id[:100])
    if ok:
        return rows.exclude(state=D.DELIVERED).update(state=D.DELIVERED, delivered_at=at)
    return rows.update(state=D.DEAD, error="provider reported the message undelivered")
