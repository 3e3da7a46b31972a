"""The command room live: ``GET /incidents/<id>/stream`` (server-sent events).

The incident page keeps the response open with ``EventSource``. About every second the
stream looks for timeline entries of the incident newer than the last one sent and sends each
as an ``entry`` event whose data is the entry as the API lists it
(:func:`yingji.incidents.selectors.entry_item`) and whose id is the entry's id. A comment line
every 15 s keeps proxies from closing an idle connection. After about ten minutes the
response ends and the browser reconnects by itself, sending the last id it saw
(``Last-Event-ID``), from which the new stream resumes, so nothing is missed across
reconnects; the page passes ``?after=`` (the newest entry it rendered) for its first connection.

Entry ids are taken before their transaction commits, so on PostgreSQL a lower id can become
visible after a higher one was sent. Each look therefore starts at a *floor* that trails the
newest id sent by :data:`LAG_S` seconds and skips the ids already sent: an entry committed up to
that long after a later one still goes out, once. (SQLite commits one writer at a time, in
id order.) Whether the user may still see the incident is checked again every minute: a
deactivated account, a lost role or a changed jurisdiction ends the stream.

The database work runs in the request's worker thread (``sync_to_async``): one short query per
second per open page when nothing happens (a range on the primary key within one incident).
"""

from __future__ import annotations

import asyncio
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
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.utils.translation import gettext as _

from yingji.core.permissions import Cap, has
from yingji.core.scoping import scope
from yingji.incidents.models import Entry, Incident
from yingji.incidents.selectors import MAX_PK, entry_item

POLL_S: Final = 1.0
HEARTBEAT_S: Final = 15.0
DURATION_S: Final = 600.0  # then the browser reconnects with Last-Event-ID
RECHECK_S: Final = 60.0  # how often the user's access is checked again
RETRY_MS: Final = 3000  # how long the browser waits before reconnecting
LAG_S: Final = 5.0
MAX_BATCH: Final = 100  # entries per look; the rest follow a second later


@dataclass
class Cursor:
    """Where a stream is: every entry with an id up to ``floor`` has been dealt with; ``sent``
    holds the ids above it already sent, with the (monotonic) time each went out."""

    floor: int
    sent: dict[int, float] = field(default_factory=dict)


def _id(raw: str) -> int | None:
    text = (raw or "").strip()
    if text.isascii() and text.isdigit() and len(text) <= 19 and int(text) <= MAX_PK:
        return int(text)
    return None


def start(incident_id: int, last_event_id: str, after: str) -> Cursor:
    """The cursor of a new stream: the browser's last id, else the page's ``after``, else the
    incident's newest entry (only what happens from now on)."""
    for raw in (last_event_id, after):
        found = _id(raw)
        if found is not None:
            return Cursor(floor=found)
    newest = Entry.objects.filter(incident_id=incident_id).order_by("-pk").values("pk").first()
    return Cursor(floor=newest["pk"] if newest else 0)


def changes(
    incident_id: int, cursor: Cursor, now: float | None = None
) -> list[tuple[int, dict[str, Any]]]:
    """New entries of the incident since ``cursor`` (moving it on): ``(id, entry)``, oldest
    first."""
    now = time.monotonic() if now is None else now
    fresh = list(
        Entry.objects.filter(incident_id=incident_id, pk__gt=cursor.floor)
        .exclude(pk__in=list(cursor.sent))
        .select_related("actor")
        .order_by("pk")[:MAX_BATCH]
    )
    for entry in fresh:
        cursor.sent[entry.pk] = now
    settled = [pk for pk, at in cursor.sent.items() if now - at >= LAG_S]
    if settled:
        cursor.floor = max(cursor.floor, *settled)
        cursor.sent = {pk: at for pk, at in cursor.sent.items() if pk > cursor.floor}
    return [(entry.pk, entry_item(entry)) for entry in fresh]


def event(event_id: int, row: dict[str, Any]) -> str:
    data = json.dumps(row, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))
    return f"id: {event_id}\nevent: entry\ndata: {data}\n\n"


def _visible(user: Any, incident_id: int) -> bool:
    return (
        has(user, Cap.VIEW_INCIDENTS)
        and scope(Incident.objects.filter(pk=incident_id), user).exists()
    )


def _still_allowed(user_id: int, incident_id: int) -> bool:
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    return user is not None and _visible(user, incident_id)


def _release() -> None:
    """Close the database connections this stream's thread held for minutes, unless one is in
    a transaction that belongs to its caller (a test's)."""
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:
            conn.close()


async def events(user: Any, incident_id: int, cursor: Cursor) -> AsyncIterator[str]:
    """The stream's body: new entries every :data:`POLL_S`, heartbeats, then the end."""
    began = time.monotonic()
    beat = checked = began
    yield f"retry: {RETRY_MS}\n: connected\n\n"
    try:
        while time.monotonic() - began < DURATION_S:
            for event_id, row in await sync_to_async(changes)(incident_id, cursor):
                yield event(event_id, row)
            now = time.monotonic()
            if now - beat >= HEARTBEAT_S:
                beat = now
                yield f": heartbeat {int(time.time())}\n\n"
            if now - checked >= RECHECK_S:
                checked = now
                if not await sync_to_async(_still_allowed)(user.pk, incident_id):
                    return
            await asyncio.sleep(POLL_S)
    finally:
        await sync_to_async(_release)()


def _text(message: str, status: int) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


async def incident_stream(request: HttpRequest, pk: int) -> HttpResponseBase:
    """``GET /incidents/<id>/stream``: see the module docstring."""
    user = await request.auser()
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not await sync_to_async(has)(user, Cap.VIEW_INCIDENTS):
        return _text(_("Your roles do not include incidents."), 403)
    if pk > MAX_PK or not await sync_to_async(_visible)(user, pk):
        return _text(_("No such incident in your jurisdiction"), 404)
    cursor = await sync_to_async(start)(
        pk, request.headers.get("Last-Event-ID", ""), request.GET.get("after", "")
    )
    response = StreamingHttpResponse(events(user, pk, cursor), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache, no-store"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response
