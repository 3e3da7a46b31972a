"""Reads of incidents shared by the API, the pages and the live stream, always scoped.

The shapes here (:func:`item`, :func:`detail`, :func:`entry_item` …) are what the API returns
and what the pages render, so an incident looks the same everywhere. Nothing here writes:
every change goes through :mod:`yingji.incidents.services`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final

from django.db.models import Max, Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yingji.core.errors import InvalidInput
from yingji.core.models import Photo, User, UserRole
from yingji.core.permissions import ROLE_CAPABILITIES, Cap, has, require
from yingji.core.scoping import scope
from yingji.incidents import catalogue
from yingji.incidents.models import (
    LEVEL_CHOICES,
    Entry,
    Incident,
    Receipt,
    Report,
    Status,
    Task,
    TaskStatus,
)
from yingji.incidents.services import LEVEL_OF_PATH, deadlines, room
from yingji.kernels import accidents, codes

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

TIMELINE_PAGE: Final = 50
MAX_PK: Final = 2**63 - 1
FIGURES: Final = ("dead", "missing", "seriously_injured", "direct_loss_yuan")
LEVEL_LABELS: Final = dict(LEVEL_CHOICES)
DECIDED_BY: Final = {
    "dead": gettext_lazy("deaths"),
    "seriously_injured": gettext_lazy("serious injuries"),
    "loss_yuan": gettext_lazy("direct loss"),
    "duty officer": gettext_lazy("the duty officer's judgement"),
}
ENTRY_KINDS: Final = {
    "report": gettext_lazy("Reporting"),
    "grade": gettext_lazy("Grading"),
    "forward": gettext_lazy("Reported up"),
    "role": gettext_lazy("Role"),
    "task": gettext_lazy("Task"),
    "overdue": gettext_lazy("Overdue"),
    "photo": gettext_lazy("Photo"),
}


# ---------------------------------------------------------------- the list


def visible(actor: User | AnonymousUser) -> QuerySet[Incident]:
    """The incidents the actor may see: their jurisdiction's, with ``Cap.VIEW_INCIDENTS``."""
    require(actor, Cap.VIEW_INCIDENTS)
    return scope(Incident.objects.all(), actor)


def filtered(
    actor: User | AnonymousUser, *, status: str = "", category: str = "", event_type: str = "",
    grade: int | None = None, region: str = "", q: str = "",
) -> QuerySet[Incident]:  # fmt: skip
    """The list's incidents, newest first; a bad filter is 422 naming it."""
    qs = visible(actor)
    if status:
        if status not in Status.values:
            raise InvalidInput(
                f"status: {status[:20]!r} is not one of {', '.join(Status.values)}", field="status"
            )
        qs = qs.filter(status=status)
    if category:
        if category not in catalogue.TYPES:
            raise InvalidInput(f"category: unknown category {category[:20]!r}", field="category")
        qs = qs.filter(category=category)
    if event_type:
        if event_type not in catalogue.TYPE_NAMES:
            raise InvalidInput(f"event_type: unknown type {event_type[:20]!r}", field="event_type")
        qs = qs.filter(event_type=event_type)
    if grade is not None:
        qs = qs.filter(grade=grade)
    if region:
        try:
            path = codes.short(region)
        except codes.CodeError as exc:
            raise InvalidInput(f"region: {exc}", field="region") from None
        low, high = codes.subtree_bounds(path)
        qs = qs.filter(region_path__gte=low, region_path__lt=high)
    words = q.strip()
    if words:
        qs = qs.filter(Q(title__icontains=words) | Q(code__icontains=words))
    return qs.order_by("-occurred_at", "-pk")


def overdue_ids(incidents: Iterable[Incident], now: dt.datetime | None = None) -> set[int]:
    """The open incidents with a time limit passed and not met, for a page of rows (one
    query for their last reports, one for their receipts unless they were prefetched)."""
    now = now or timezone.now()
    rows = list(incidents)
    # The last report of every open incident in one query, not one query per incident.
    opened = [i.pk for i in rows if i.status == Status.OPEN]
    last = dict(
        Report.objects.filter(incident_id__in=opened).order_by().values("incident_id")
        .annotate(at=Max("at")).values_list("incident_id", "at")
    ) if opened else {}  # fmt: skip
    for incident in rows:
        incident.__dict__[deadlines.LAST_REPORT_AT] = last.get(incident.pk)
    unread = [i for i in rows if i.status == Status.OPEN
              and "receipts" not in getattr(i, "_prefetched_objects_cache", {})]  # fmt: skip
    if unread:  # their receipts in one query too, as plain (level, time) pairs
        received: dict[int, dict[str, dt.datetime]] = {i.pk: {} for i in unread}
        found = Receipt.objects.filter(incident_id__in=list(received)).order_by()
        for pk, level, at in found.values_list("incident_id", "level", "received_at"):
            received[pk][level] = at
        for incident in unread:
            incident.__dict__[deadlines.RECEIVED] = received[incident.pk]
    late = set()
    for incident in rows:
        if incident.status != Status.OPEN:
            continue
        if any(limit.done_at is None and now > limit.due and limit.what != deadlines.WINDOW
               for limit in deadlines.limits(incident)):  # fmt: skip
            late.add(incident.pk)
    return late


def grade_basis(incident: Incident) -> str:
    """What decided the grade, in words (死亡人数 / 值班员研判 …)."""
    parts = [p for p in incident.grade_decided_by.split(",") if p]
    return "、".join(str(DECIDED_BY.get(p, p)) for p in parts)


def item(incident: Incident, *, overdue: bool = False) -> dict[str, Any]:
    """A list row."""
    region = incident.region
    level = incident.response_level
    return {
        "id": incident.pk,
        "code": incident.code,
        "title": incident.title,
        "category": incident.category,
        "category_label": incident.get_category_display(),
        "event_type": incident.event_type,
        "type_label": incident.type_name,
        "grade": incident.grade,
        "grade_label": incident.grade_name,
        "grade_decided_by": [p for p in incident.grade_decided_by.split(",") if p],
        "grade_basis": grade_basis(incident),
        "work_safety": catalogue.work_safety(incident.event_type),
        "response_level": level,
        "response_level_label": "" if level is None else catalogue.RESPONSE_LEVELS[level],
        "status": incident.status,
        "status_label": incident.get_status_display(),
        "source": incident.source,
        "source_label": incident.get_source_display(),
        "region": {"code": codes.display(region.code), "name": region.name, "path": region.path},
        "occurred_at": incident.occurred_at,
        "reported_at": incident.reported_at,
        "closed_at": incident.closed_at,
        **{name: getattr(incident, name) for name in FIGURES},
        "direct_loss_text": f"{incident.direct_loss_yuan:,.0f}",
        "overdue": overdue,
    }


# ---------------------------------------------------------------- one incident


def _person(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "name": user.display_name or user.username}


def report_item(report: Report) -> dict[str, Any]:
    return {
        "id": report.pk,
        "number": report.number,
        "kind": report.kind,
        "kind_label": report.get_kind_display(),
        "at": report.at,
        "by": _person(report.by),
        "description": report.description,
        "unit": report.unit,
        "measures": report.measures,
        "other": report.other,
        "grade_after": report.grade_after,
        "grade_after_label": ""
        if report.grade_after is None
        else catalogue.GRADE_NAMES[report.grade_after],
        **{name: getattr(report, name) for name in FIGURES},
        "direct_loss_text": f"{report.direct_loss_yuan:,.0f}",
    }


def receipt_item(receipt: Receipt) -> dict[str, Any]:
    return {
        "level": receipt.level,
        "level_label": LEVEL_LABELS.get(receipt.level, receipt.level),
        "received_at": receipt.received_at,
        "by": _person(receipt.by),
    }


def limit_item(limit: deadlines.Limit, now: dt.datetime) -> dict[str, Any]:
    """A countdown: ``met`` in time, ``late`` (met after the limit), ``overdue`` or ``pending``."""
    if limit.what == deadlines.WINDOW:
        state = "closed" if now > limit.due else "pending"
    elif limit.done_at is not None:
        state = "met" if limit.done_at <= limit.due else "late"
    else:
        state = "overdue" if now > limit.due else "pending"
    return {
        "what": limit.what,
        "label": str(limit.label),
        "due": limit.due,
        "done_at": limit.done_at,
        "state": state,
    }


def task_item(task: Task, now: dt.datetime) -> dict[str, Any]:
    late = task.status == TaskStatus.OPEN and task.due_at is not None and now > task.due_at
    return {
        "id": task.pk,
        "title": task.title,
        "role": task.role,
        "owner": _person(task.owner),
        "due_at": task.due_at,
        "status": task.status,
        "status_label": task.get_status_display(),
        "source": task.source,
        "created_at": task.created_at,
        "done_at": task.done_at,
        "note": task.note,
        "priority": task.priority,
        "overdue": late,
    }


def entry_item(entry: Entry) -> dict[str, Any]:
    data = entry.data if isinstance(entry.data, dict) else {}
    photo = data.get("photo")
    return {
        "id": entry.pk,
        "at": entry.at,
        "kind": entry.kind,
        "kind_label": str(ENTRY_KINDS.get(entry.kind, entry.kind)),
        "text": entry.text,
        "actor": _person(entry.actor),
        "data": data,
        "photo_url": f"/incidents/{entry.incident_id}/photos/{photo}" if photo else None,
    }


def timeline(
    incident: Incident, *, before: int | None = None, limit: int = TIMELINE_PAGE
) -> list[Entry]:
    """Entries newest first; ``before`` is the id of the last entry of the previous page."""
    qs = incident.entries.select_related("actor").order_by("-at", "-pk")
    if before is not None:
        anchor = incident.entries.filter(pk=before).values_list("at", flat=True).first()
        if anchor is None:
            raise InvalidInput(_("before: no such entry of this incident"), field="before")
        qs = qs.filter(Q(at__lt=anchor) | Q(at=anchor, pk__lt=before))
    return list(qs[:limit])


def roles(incident: Incident) -> list[dict[str, Any]]:
    return [
        {"role": r.role, "user": _person(r.user), "since": r.since} for r in room.holders(incident)
    ]


def tasks(incident: Incident, now: dt.datetime) -> list[dict[str, Any]]:
    found = incident.tasks.select_related("owner").order_by("status", "due_at", "pk")
    return [task_item(t, now) for t in found]


def next_level(actor: User | AnonymousUser) -> str | None:
    """The level the actor's office forwards to (上报), or None when it does not forward."""
    if not has(actor, Cap.COMMAND_INCIDENTS):
        return None
    region = getattr(actor, "region", None)
    path = region.path if region is not None else ""
    mine = "province" if actor.is_superuser and not path else LEVEL_OF_PATH.get(len(path))
    if mine is None or mine == accidents.CHAIN[-1]:
        return None
    return accidents.CHAIN[accidents.CHAIN.index(mine) + 1]


def allowed(actor: User | AnonymousUser, incident: Incident) -> dict[str, Any]:
    """What the actor's roles allow on the incident (the services still decide)."""
    is_open = incident.status == Status.OPEN
    command = has(actor, Cap.COMMAND_INCIDENTS)
    upward = next_level(actor)
    reached = {r.level for r in incident.receipts.all()}
    return {
        "report": is_open and has(actor, Cap.REPORT_INCIDENT),
        "final": is_open and command,
        "forward": upward if is_open and upward and upward not in reached else None,
        "grade": is_open and command and not catalogue.work_safety(incident.event_type),
        "command": is_open and command,
    }


def _receipts(incident: Incident) -> list[Receipt]:
    """The incident's receipts with who received them, oldest first, read once: the time
    limits, what the actor may do and the file all use them (``incident.receipts.all()``)."""
    if "receipts" not in getattr(incident, "_prefetched_objects_cache", {}):
        ordered = Receipt.objects.select_related("by").order_by("received_at", "pk")
        prefetch_related_objects([incident], Prefetch("receipts", queryset=ordered))
        return list(incident.receipts.all())
    return sorted(incident.receipts.all(), key=lambda r: (r.received_at, r.pk))


def _limits(incident: Incident, reports: list[Report]) -> list[deadlines.Limit]:
    """:func:`deadlines.limits` with the last report taken from the reports already read."""
    if deadlines.LAST_REPORT_AT in incident.__dict__:
        return deadlines.limits(incident)
    incident.__dict__[deadlines.LAST_REPORT_AT] = max((r.at for r in reports), default=None)
    try:
        return deadlines.limits(incident)
    finally:
        del incident.__dict__[deadlines.LAST_REPORT_AT]


def detail(
    actor: User | AnonymousUser, incident: Incident, *, entries: list[Entry] | None = None
) -> dict[str, Any]:
    """The incident's whole file as the actor sees it. ``entries``: its newest timeline
    entries (at least 20, or all of them) when the caller has read them already."""
    now = timezone.now()
    receipts = _receipts(incident)
    reports = list(incident.reports.select_related("by").order_by("number"))
    limits = [limit_item(x, now) for x in _limits(incident, reports)]
    body = item(incident, overdue=any(x["state"] == "overdue" for x in limits))
    may = allowed(actor, incident)
    newest = entries[:20] if entries is not None else timeline(incident, limit=20)
    body.update(
        description=incident.description,
        address=incident.address,
        lon=incident.lon,
        lat=incident.lat,
        reported_by=_person(incident.reported_by),
        grade_raised_at=incident.grade_raised_at,
        source_alarm=incident.source_alarm_id,
        reports=[report_item(r) for r in reports],
        receipts=[receipt_item(r) for r in receipts],
        limits=limits,
        roles=roles(incident),
        tasks=tasks(incident, now),
        timeline=[entry_item(e) for e in newest],
        allowed={**may, "forward_label": LEVEL_LABELS.get(may["forward"] or "")},
    )
    return body


# ---------------------------------------------------------------- people and photos


def members(actor: User | AnonymousUser, incident: Incident) -> list[User]:
    """Who may hold a role or own a task: active people of the actor's jurisdiction whose
    roles see incidents and whose home region covers the incident's place."""
    path = incident.region_path
    prefixes = [path[:n] for n in codes.SHORT_LENGTHS if n <= len(path)]
    roles_seeing = [r for r, caps in ROLE_CAPABILITIES.items() if Cap.VIEW_INCIDENTS in caps]
    ids = UserRole.objects.filter(role__in=roles_seeing).values("user_id")
    people = scope(User.objects.select_related("region"), actor).filter(
        pk__in=ids, is_active=True, is_machine=False, region__path__in=prefixes
    )
    return list(people.order_by("region__path", "username")[:300])


def photo_of(incident: Incident, photo_id: str) -> Photo | None:
    """A photo attached to one of the incident's timeline entries."""
    if not incident.entries.filter(data__photo=photo_id).exists():
        return None
    return Photo.objects.filter(pk=photo_id).first()
