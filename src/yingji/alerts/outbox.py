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
import hmac
import logging
import os
import socket
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Final

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from yingji.alerts import reach
from yingji.alerts.channels.base import Channel, Outgoing, Receipt
from yingji.alerts.models import Delivery, DeliveryState, Warning

logger = logging.getLogger(__name__)
ACK_MINUTES: Final = {3: 15, 2: 30, 1: 60, 0: 120}
"""叫应 time limit by level (红 15 minutes … 蓝 2 hours)."""
MAX_ATTEMPTS: Final = 6
LEASE: Final = dt.timedelta(seconds=60)  # default of YINGJI_OUTBOX_LEASE_SECONDS
BACKOFF_S: Final = (5, 30, 120, 600, 1800)
ACK_PATH: Final = "/alerts/ack/"
SMS_KEYWORD: Final = "1"
TERMINAL: Final = "terminal"  # purpose of a broadcast terminal's row
PUBLIC: Final = "public:"  # purpose prefix of a subscriber's row: "public:<subscriber id>"
UNSUBSCRIBE_PATH: Final = "/alerts/unsubscribe/"
D = DeliveryState


def _mac(message: str) -> str:
    """HMAC-SHA256 with the site's secret key, 128 bits, URL-safe base64."""
    mac = hmac.digest(settings.SECRET_KEY.encode(), message.encode(), "sha256")[:16]
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def reply_token(warning_id: int, contact_id: int) -> str:
    """The reply link's credential: ``<warning>-<contact>-<MAC>``. The MAC makes it
    unguessable without storing anything."""
    return f"{warning_id}-{contact_id}-{_mac(f'ack:{warning_id}:{contact_id}')}"


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


def unsubscribe_token(subscriber_id: int) -> str:
    """The 退订 link's credential: ``<subscriber>-<MAC>``, like :func:`reply_token`."""
    return f"{subscriber_id}-{_mac(f'unsubscribe:{subscriber_id}')}"


def read_unsubscribe_token(token: str) -> int | None:
    """The subscriber id of a genuine 退订 token, else None."""
    head = token.split("-", 1)[0] if isinstance(token, str) and len(token) <= 64 else ""
    if not head.isdigit() or not hmac.compare_digest(unsubscribe_token(int(head)), token):
        return None
    return int(head)


def render_public(warning: Warning, channel: str, subscriber_id: int) -> str:
    """A subscriber's text: the warning, and how to stop receiving them (退订)."""
    link = f"{getattr(settings, 'PUBLIC_URL', '').rstrip('/')}{UNSUBSCRIBE_PATH}" + (
        f"{unsubscribe_token(subscriber_id)}/"
    )
    head = f"【{warning.sender.name}】{warning.headline}"
    if channel == "sms":
        return f"{head}。{warning.instruction or warning.description}退订：{link}"
    return (
        f"{head}\n\n{warning.description}\n\n{warning.instruction}\n\n退订（unsubscribe）：{link}"
    )


def enqueue(warning: Warning, now: dt.datetime | None = None) -> dict[str, int]:
    """Write the messages and 叫应 rows of an issued warning (call inside its transaction).

    The rows are written by the database from the registries (``INSERT … SELECT``,
    :func:`yingji.alerts.reach.write`); the text is composed when sent (render + the
    person's reply token), so a province-wide warning does not store the same paragraph 10⁶
    times."""
    now = now or timezone.now()
    due = now + dt.timedelta(minutes=ACK_MINUTES[warning.level])
    adapt = connection.ops.adapt_datetimefield_value
    return reach.write(warning, adapt(now), adapt(due))


# ---------------------------------------------------------------- draining


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Claimed:
    """A row a worker has claimed: what composing, sending and recording need."""

    pk: int
    warning_id: int
    contact_id: int | None
    channel: str
    address: str
    purpose: str
    text: str
    attempts: int


_CLAIMED: Final = ("id", "warning_id", "contact_id", "channel", "address", "purpose", "text",
                   "attempts")  # fmt: skip


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "OUTBOX_LEASE_SECONDS", LEASE.total_seconds()))


def claim(channel: str, limit: int, worker: str, now: dt.datetime | None = None) -> list[Claimed]:
    """Take up to ``limit`` due rows of ``channel`` for ``worker`` (a lease of
    ``settings.OUTBOX_LEASE_SECONDS``),
    oldest due first: queued, then failed and due for retry, then rows whose lease ran out.

    Each part is one ``UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING`` over a range of
    the (channel, state, next_at) index, so claiming stays cheap however many rows were sent
    before; on PostgreSQL the inner select skips rows other workers hold (``FOR UPDATE SKIP
    LOCKED``)."""
    now = now or timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    table = connection.ops.quote_name(Delivery._meta.db_table)
    lock = (
        " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    )
    found: list[Claimed] = []
    with transaction.atomic(), connection.cursor() as cursor:
        for condition, order in _CLAIM_PARTS:
            if len(found) >= limit:
                break
            cursor.execute(
                f"UPDATE {table} SET state = 'sending', lease_until = %s, worker = %s"  # noqa: S608
                f" WHERE id IN (SELECT id FROM {table} WHERE channel = %s AND {condition}"
                f" ORDER BY {order}, id LIMIT %s{lock}) RETURNING {', '.join(_CLAIMED)}",
                [adapt(now + _lease()), worker[:64], channel, adapt(now), limit - len(found)],
            )
            found += (Claimed(*row) for row in cursor.fetchall())
    return sorted(found, key=lambda r: r.pk)


_CLAIM_PARTS: Final = (
    ("state = 'queued' AND next_at <= %s", "next_at"),
    ("state = 'failed' AND next_at <= %s", "next_at"),
    ("state = 'sending' AND lease_until < %s", "lease_until"),
)


def record(
    receipts: Sequence[Receipt],
    worker: str,
    now: dt.datetime | None = None,
    attempts: Mapping[int, int] | None = None,
) -> dict[str, int]:
    """Store what the channel answered; rows another worker took over meanwhile are left alone.

    ``attempts`` (row → attempts before this one, known from the claim) decides retry or dead
    letter without reading the rows again; rows not in it are read."""
    now = now or timezone.now()
    if attempts is None:
        attempts = dict(
            Delivery.objects.filter(pk__in=[r.id for r in receipts]).values_list("pk", "attempts")
        )
    adapt = connection.ops.adapt_datetimefield_value
    at = adapt(now)
    sent, failed, dead = [], [], []
    for receipt in receipts:
        tried = attempts.get(receipt.id, 0) + 1
        if receipt.ok:
            sent.append((D.DELIVERED if receipt.delivered else D.SENT, at,
                         at if receipt.delivered else None, receipt.provider_id[:100],
                         receipt.id, worker[:64]))  # fmt: skip
        elif receipt.retry and tried < MAX_ATTEMPTS:
            retry_at = now + dt.timedelta(seconds=BACKOFF_S[min(tried, len(BACKOFF_S)) - 1])
            failed.append((adapt(retry_at), receipt.error[:300], receipt.id, worker[:64]))
        else:
            dead.append((receipt.error[:300], receipt.id, worker[:64]))
    table = connection.ops.quote_name(Delivery._meta.db_table)
    mine = "WHERE id = %s AND worker = %s AND state = 'sending'"
    done = "attempts = attempts + 1, lease_until = NULL"
    counts = {"sent": 0, "failed": 0, "dead": 0}
    with transaction.atomic(), connection.cursor() as cursor:
        for key, rows, sql in (
            ("sent", sent, f"state = %s, {done}, sent_at = %s, delivered_at = %s,"
                           " provider_id = %s, error = ''"),
            ("failed", failed, f"state = 'failed', {done}, next_at = %s, error = %s"),
            ("dead", dead, f"state = 'dead', {done}, error = %s"),
        ):  # fmt: skip
            if rows:
                cursor.executemany(f"UPDATE {table} SET {sql} {mine}", rows)  # noqa: S608
                counts[key] = max(cursor.rowcount, 0)
    return counts


def drain(
    channel: Channel,
    *,
    worker: str | None = None,
    stop_when_idle: bool = True,
    max_seconds: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, int]:
    """Send everything due on ``channel``; paced to its rate. Returns the counts.

    A channel that talks to a remote service (``remote = True``) sends each batch from a
    second thread while this one claims and composes the next, so the database and the
    network overlap; receipts are still recorded here, in order, one batch in flight."""
    worker = worker or worker_name()
    totals = {"sent": 0, "failed": 0, "dead": 0, "batches": 0}
    started = time.monotonic()
    overlap = bool(getattr(channel, "remote", False))
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"send-{channel.name}") as pool:
        flight: tuple[Future[list[Receipt]], list[Claimed], float] | None = None
        while True:
            expired = max_seconds is not None and time.monotonic() - started >= max_seconds
            rows = [] if expired else claim(channel.name, channel.batch_size, worker)
            warnings = _warnings_of(rows) if rows else {}
            if flight is not None:
                _finish(flight, channel, worker, totals, sleep)
                flight = None
            if not rows:
                if expired or stop_when_idle:
                    break
                sleep(0.5)
                continue
            clock = time.monotonic()
            if overlap:
                flight = (pool.submit(_send, channel, rows, warnings), rows, clock)
            else:
                done: Future[list[Receipt]] = Future()
                done.set_result(_send(channel, rows, warnings))
                _finish((done, rows, clock), channel, worker, totals, sleep)
    return totals


def _send(channel: Channel, rows: list[Claimed], warnings: Mapping[int, Warning]) -> list[Receipt]:
    """Compose (no database: the warnings are given) and send one batch."""
    try:
        return channel.send(_render(rows, warnings))
    except Exception as exc:  # an adapter bug must not lose the rows: retry them later
        logger.exception("channel %s failed on a batch of %d", channel.name, len(rows))
        return [Receipt(id=r.pk, ok=False, error=f"adapter error: {exc}"[:300]) for r in rows]


def _finish(
    flight: tuple[Future[list[Receipt]], list[Claimed], float],
    channel: Channel,
    worker: str,
    totals: dict[str, int],
    sleep: Callable[[float], None],
) -> None:
    """Record a sent batch's receipts, then pause as the channel's rate requires."""
    future, rows, clock = flight
    counts = record(future.result(), worker, attempts={r.pk: r.attempts for r in rows})
    for key, value in counts.items():
        totals[key] += value
    totals["batches"] += 1
    pause = len(rows) / channel.rate_per_second - (time.monotonic() - clock)
    if pause > 0:
        sleep(pause)


def compose(rows: Sequence[Claimed | Delivery]) -> list[Outgoing]:
    """The messages of claimed rows. A responsible person's text carries their 叫应 reply
    link; a subscriber's its unsubscribe link; a terminal's is read aloud; an escalation
    row carries its own text. Each (warning, channel, kind) is rendered once per batch and
    only the person's token is filled in per row."""
    return _render(rows, _warnings_of(rows))


def _warnings_of(rows: Sequence[Claimed | Delivery]) -> dict[int, Warning]:
    found = Warning.objects.select_related("sender").filter(pk__in={r.warning_id for r in rows})
    return {w.pk: w for w in found}


def _render(rows: Sequence[Claimed | Delivery], warnings: Mapping[int, Warning]) -> list[Outgoing]:
    forms: dict[tuple[int, str, str], tuple[str, str] | str] = {}
    out = []
    for r in rows:
        warning = warnings[r.warning_id]
        text = r.text
        if not text:
            kind = TERMINAL if r.purpose == TERMINAL else PUBLIC if r.purpose.startswith(
                PUBLIC) else "warning"  # fmt: skip
            key = (r.warning_id, r.channel, kind)
            form = forms.get(key)
            if form is None:
                form = forms[key] = _form(warning, r.channel, kind)
            if isinstance(form, str):
                text = form
            elif kind == PUBLIC:
                text = f"{form[0]}{unsubscribe_token(int(r.purpose[len(PUBLIC) :] or 0))}{form[1]}"
            else:
                text = f"{form[0]}{reply_token(r.warning_id, r.contact_id or 0)}{form[1]}"
        out.append(Outgoing(id=r.pk, channel=r.channel, address=r.address, text=text,
                            subject=warning.headline, warning=warning.identifier))  # fmt: skip
    return out


_SLOT: Final = "\x00token\x00"


def _form(warning: Warning, channel: str, kind: str) -> tuple[str, str] | str:
    """The text of one kind of row around its token's slot (or whole, when it has none)."""
    if kind == TERMINAL:
        return render(warning, "broadcast", "")
    if kind == PUBLIC:
        text = render_public(warning, channel, 0).replace(unsubscribe_token(0), _SLOT)
    else:
        text = render(warning, channel, _SLOT)
    before, slot, after = text.partition(_SLOT)
    return (before, after) if slot else text


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
