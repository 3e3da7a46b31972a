"""Live alarms for the pages: ``GET /monitoring/alarms/stream`` (server-sent events).

The browser's ``EventSource`` keeps the response open. About every second the stream looks
for alarms in the user's jurisdiction whose ``updated_at`` moved since the last look and sends
each as an ``alarm`` event whose data is the alarm as the API lists it
(:func:`yingji.monitoring.selectors.item`) and whose id is ``updated_at`` in epoch
milliseconds. A comment line every 15 s keeps proxies from closing an idle connection. After
about ten minutes the response ends and the browser reconnects by itself, sending the last id
it saw (``Last-Event-ID``), from which the new stream resumes, so nothing is missed across
reconnects; a page that has just rendered its list passes ``?since=`` (epoch ms) instead.

Transactions may commit in another order than their ``updated_at`` (the time is taken before
the commit), so each look goes :data:`LAG` back and skips what was already sent with the same
``updated_at``: an alarm is sent again only when it changed again. The client updates rows by
id, so a repeat does no harm. Whether the user may still see alarms is checked again every
minute (a deactivated account stops receiving).

The database work runs in the request's worker thread (``sync_to_async``), one short query per
second per open page when nothing changes (a range on the ``updated_at`` index).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Final

from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core.permissions import Cap, has
from yingji.monitoring.models import Alarm
from yingji.monitoring.selectors import items, visible, with_related

POLL_S: Final = 1.0
HEARTBEAT_S: Final = 15.0
DURATION_S: Final = 600.0  # then the browser reconnects with Last-Event-ID
RECHECK_S: Final = 60.0  # how often the user's access is checked again
RETRY_MS: Final = 3000  # how long the browser waits before reconnecting
LAG: Final = dt.timedelta(seconds=5)
MAX_BATCH: Final = 200  # alarms per look; the rest follow a second later
MAX_BACK: Final = dt.timedelta(hours=24)  # how far back a resumed stream may start


@dataclass
class Cursor:
    """Where a stream is: the newest ``updated_at`` sent, and what was sent within :data:`LAG`
    of it (alarm id → the ``updated_at`` sent)."""

    at: dt.datetime
    sent: dict[int, dt.datetime] = field(default_factory=dict)


def start(last_event_id: str, since: str, now: dt.datetime | None = None) -> Cursor:
    """The cursor of a new stream: the browser's last id, else the page's ``since``, else now;
    each an epoch-milliseconds integer no more than :data:`MAX_BACK` old (older is clamped)."""
    now = now or timezone.now()
    for raw in (last_event_id, since):
        text = (raw or "").strip()
        if text.isascii() and text.isdigit() and len(text) <= 16:
            at = dt.datetime.fromtimestamp(int(text) / 1000, dt.UTC)
            return Cursor(at=min(max(at, now - MAX_BACK), now))
    return Cursor(at=now)


def changes(user: Any, cursor: Cursor) -> list[tuple[int, dict[str, Any]]]:
    """Alarms changed since ``cursor`` (moving it on): ``(event id, alarm item)``, oldest first."""
    recent = (
        visible(user)
        .filter(updated_at__gt=cursor.at - LAG)
        .order_by("updated_at", "pk")
        .values_list("pk", "updated_at")
    )
    fresh = [(pk, at) for pk, at in recent if cursor.sent.get(pk) != at][:MAX_BATCH]
    if not fresh:
        return []
    stamps = dict(fresh)
    found = {a.pk: a for a in with_related(Alarm.objects.filter(pk__in=stamps))}
    alarms = [found[pk] for pk, _ in fresh if pk in found]
    for pk, at in fresh:
        cursor.sent[pk] = at
        cursor.at = max(cursor.at, at)
    horizon = cursor.at - LAG
    cursor.sent = {pk: at for pk, at in cursor.sent.items() if at > horizon}
    return [(int(row["updated_at"].timestamp() * 1000), row) for row in items(alarms)]


def event(event_id: int, row: dict[str, Any]) -> str:
    data = json.dumps(row, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))
    return f"id: {event_id}\nevent: alarm\ndata: {data}\n\n"


def _still_allowed(user_id: int) -> bool:
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    return user is not None and has(user, Cap.VIEW_ALARMS)


def _release() -> None:
    """Close the database connections this stream's thread held for minutes, unless one is in
    a transaction that belongs to its caller (a test's)."""
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:
            conn.close()


async def events(user: Any, cursor: Cursor) -> AsyncIterator[str]:
    """The stream's body: changed alarms every :data:`POLL_S`, heartbeats, then the end."""
    began = time.monotonic()
    beat = checked = began
    yield f"retry: {RETRY_MS}\n: connected\n\n"
    try:
        while time.monotonic() - began < DURATION_S:
            for event_id, row in await sync_to_async(changes)(user, cursor):
                yield event(event_id, row)
            now = time.monotonic()
            if now - beat >= HEARTBEAT_S:
                beat = now
                yield f": heartbeat {int(time.time())}\n\n"
            if now - checked >= RECHECK_S:
                checked = now
                if not await sync_to_async(_still_allowed)(user.pk):
                    return
            await asyncio.sleep(POLL_S)
    finally:
        await sync_to_async(_release)()


async def alarm_stream(request: HttpRequest) -> HttpResponse:
    """``GET /monitoring/alarms/stream``: see the module docstring."""
    user = await request.auser()
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not await sync_to_async(has)(user, Cap.VIEW_ALARMS):
        return HttpResponse(
            _("Your roles do not include sensor alarms."),
            status=403,
            content_type="text/plain; charset=utf-8",
        )
    cursor = start(request.headers.get("Last-Event-ID", ""), request.GET.get("since", ""))
    response = StreamingHttpResponse(events(user, cursor), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache, no-store"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response
