"""The response half of a 复盘 report: incidents and their reports against the legal time
limits, dispatch, evacuation, shelter use and relief — within the user's jurisdiction.

Report timeliness is :func:`yingji.incidents.services.deadlines.limits` for each incident
(receipts prefetched; an open incident costs one query for its last report, which the 续报
limit needs). Relief time is from the incident's ``occurred_at`` to ``met_at`` against
:data:`yingji.incidents.services.relief.BASIC_NEEDS_WITHIN`, as the relief service counts it.
Shelter use is the highest number of people placed at once during the window, over every
incident's placements in the shelter (the relief service's room counts every incident too).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING, Any, Final

from django.db.models import Q, QuerySet
from django.utils import timezone

from yingji.core.scoping import scope
from yingji.incidents.models import DispatchOrder, Evacuation, Incident, Placement, Relief
from yingji.incidents.services.deadlines import WINDOW, limits
from yingji.incidents.services.relief import BASIC_NEEDS_WITHIN
from yingji.kernels import codes
from yingji.regions.models import Region
from yingji.review.report.event import Event

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User

RELIEF_HOURS: Final = BASIC_NEEDS_WITHIN.total_seconds() / 3600


def _minutes(later: dt.datetime | None, earlier: dt.datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return round((later - earlier).total_seconds() / 60, 1)


def incidents_of(user: User | AnonymousUser, event: Event) -> QuerySet[Incident]:
    found = scope(Incident.objects.all(), user)
    if event.incident_id is not None:
        return found.filter(pk=event.incident_id)
    low, high = codes.subtree_bounds(event.region.path)
    return found.filter(
        region_path__gte=low,
        region_path__lt=high,
        occurred_at__gte=event.start,
        occurred_at__lt=event.end,
    )


def gather(
    user: User | AnonymousUser, event: Event, now: dt.datetime | None = None
) -> dict[str, Any]:
    now = now or timezone.now()
    incidents = list(
        incidents_of(user, event)
        .select_related("region")
        .prefetch_related("receipts")
        .order_by("occurred_at", "pk")
    )
    by_pk = {i.pk: i for i in incidents}
    return {
        "incidents": [_incident(i, now) for i in incidents],
        "dispatch": _dispatch(by_pk, now),
        "evacuation": _evacuation(by_pk),
        "shelters": _shelters(by_pk, event),
        "relief": _relief(by_pk, now),
        "now": now,
    }


def _incident(incident: Incident, now: dt.datetime) -> dict[str, Any]:
    rows = []
    for limit in limits(incident):
        if limit.what == WINDOW:
            continue
        late = limit.overdue(now)
        rows.append(
            {
                "what": limit.what,
                "label": str(limit.label),
                "due": limit.due,
                "done": limit.done_at,
                "missed": late,
                "late_minutes": _minutes(limit.done_at or now, limit.due) if late else None,
            }
        )
    return {
        "pk": incident.pk,
        "code": incident.code,
        "title": incident.title,
        "type": incident.type_name,
        "grade": incident.grade_name,
        "region": incident.region.name,
        "region_path": incident.region_path,
        "occurred_at": incident.occurred_at,
        "reported_at": incident.reported_at,
        "report_minutes": _minutes(incident.reported_at, incident.occurred_at),
        "status": incident.get_status_display(),
        "exercise": incident.exercise,
        "dead": incident.dead,
        "missing": incident.missing,
        "limits": rows,
        "missed": [r for r in rows if r["missed"]],
    }


def _dispatch(incidents: dict[int, Incident], now: dt.datetime) -> list[dict[str, Any]]:
    orders = (
        DispatchOrder.objects.filter(incident_id__in=list(incidents))
        .select_related("force")
        .order_by("dispatched_at", "pk")
    )
    out = []
    for o in orders:
        incident = incidents[o.incident_id]
        arrival = _minutes(o.on_scene_at, o.dispatched_at)
        out.append(
            {
                "pk": o.pk,
                "incident": incident.title,
                "incident_pk": incident.pk,
                "force": o.force.name,
                "force_path": o.force.region_path,
                "status": o.get_status_display(),
                "cancelled": o.status == "cancelled",
                "dispatched_at": o.dispatched_at,
                "on_scene_at": o.on_scene_at,
                "dispatch_minutes": _minutes(o.dispatched_at, incident.occurred_at),
                "eta_minutes": round(o.eta_minutes, 1),
                "arrival_minutes": arrival,
                "waiting_minutes": _minutes(now, o.dispatched_at)
                if arrival is None and o.status in ("dispatched", "en_route")
                else None,
            }
        )
    return out


def _evacuation(incidents: dict[int, Incident]) -> dict[str, Any]:
    """The latest figure of each village (each report states the village's current total)."""
    latest: dict[tuple[int, str], int] = {}
    rows = (
        Evacuation.objects.filter(incident_id__in=list(incidents))
        .order_by("incident_id", "village_id", "-reported_at", "-pk")
        .values_list("incident_id", "village_id", "village__path", "people")
    )
    paths: dict[str, str] = {}
    for incident_id, village, path, people in rows:
        if (incident_id, village) not in latest:
            latest[(incident_id, village)] = people
            paths[village] = path
    counties: dict[str, int] = defaultdict(int)
    for (_incident_id, village), people in latest.items():
        counties[paths[village][:6]] += people
    names = dict(Region.objects.filter(path__in=list(counties)).values_list("path", "name"))
    return {
        "total": sum(latest.values()),
        "villages": len(paths),
        "by_county": [
            {"path": p, "name": names.get(p, p), "people": n} for p, n in sorted(counties.items())
        ],
    }


def _shelters(incidents: dict[int, Incident], event: Event) -> list[dict[str, Any]]:
    used = Placement.objects.filter(incident_id__in=list(incidents)).values("shelter_id")
    rows = (
        Placement.objects.filter(shelter_id__in=used, at__lt=event.end)
        .filter(Q(left_at__isnull=True) | Q(left_at__gt=event.start))
        .values_list(
            "shelter_id",
            "shelter__name",
            "shelter__capacity",
            "shelter__region_path",
            "incident_id",
            "people",
            "at",
            "left_at",
        )
    )
    moves: dict[int, list[tuple[dt.datetime, int]]] = defaultdict(list)
    info: dict[int, dict[str, Any]] = {}
    for shelter, name, capacity, path, incident_id, people, at, left in rows:
        entry = info.setdefault(
            shelter,
            {"pk": shelter, "name": name, "capacity": capacity, "region_path": path, "placed": 0},
        )
        if incident_id in incidents:
            entry["placed"] += people
        moves[shelter].append((at, people))
        if left is not None:
            moves[shelter].append((left, -people))
    out = []
    for shelter, entry in info.items():
        level = peak = 0
        for _at, change in sorted(moves[shelter], key=lambda m: (m[0], m[1])):
            level += change
            peak = max(peak, level)
        entry["peak"] = peak
        entry["overflow"] = max(0, peak - entry["capacity"])
        entry["use"] = round(peak / entry["capacity"], 3) if entry["capacity"] else None
        out.append(entry)
    return sorted(out, key=lambda e: (-e["overflow"], e["name"]))


def _relief(incidents: dict[int, Incident], now: dt.datetime) -> list[dict[str, Any]]:
    out = []
    rows = (
        Relief.objects.filter(incident_id__in=list(incidents))
        .select_related("village")
        .order_by("started_at", "pk")
    )
    for r in rows:
        incident = incidents[r.incident_id]
        due = incident.occurred_at + BASIC_NEEDS_WITHIN
        hours = (
            round((r.met_at - incident.occurred_at).total_seconds() / 3600, 1) if r.met_at else None
        )
        out.append(
            {
                "pk": r.pk,
                "incident": incident.title,
                "incident_pk": incident.pk,
                "group": r.group,
                "village": r.village.name if r.village else "",
                "people": r.people,
                "needs": r.needs,
                "started_at": r.started_at,
                "met_at": r.met_at,
                "hours": hours,
                "late": (r.met_at > due) if r.met_at else now > due,
                "open_hours": round((now - incident.occurred_at).total_seconds() / 3600, 1)
                if r.met_at is None
                else None,
            }
        )
    return out
