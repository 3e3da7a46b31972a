"""The facts of an event's 复盘 report, gathered set-based and within the user's jurisdiction.

Every figure uses the definition of the module that owns it, computed for all the event's
rows at once (a few grouped queries, never one query per warning, county or alarm):

- **Lead time** as :func:`yingji.alerts.measures.measures`: minutes from 签发 to the onset
  recorded on the warning, one decimal.
- **Deliveries** as ``measures``: the outbox rows of the warning except 叫应 reminders
  (``escalation:``); sent = sent or delivered; waiting = queued or sending.
- **叫应** as :func:`yingji.alerts.services.acks.rates`: the 叫应 rows of the unit, answered
  when ``acked_at`` is set.

A warning counts for the event when it was issued in the window and its sender or one of its
areas lies in the event's region, or one of its areas contains the region. Its figures are
those of the event's region (people elsewhere are another region's report). The *units* of
the report are the counties of the region (or the region itself when it is a county or
smaller); a warning covers a unit its areas name or contain, or where it reached people.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Any, Final

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.utils.translation import gettext as _

from yingji.alerts.catalogue import LEVEL_NAMES
from yingji.alerts.measures import ESCALATION
from yingji.alerts.models import Ack, Area, Delivery, DeliveryState, MsgType, Warning
from yingji.core.scoping import scope
from yingji.kernels import codes
from yingji.monitoring.models import Alarm
from yingji.regions.models import Level, Region
from yingji.review.report import response
from yingji.review.report.event import Event

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User

D = DeliveryState
MAX_ROWS: Final = 500  # rows of a long table shown on the page and in the documents
MAX_TIMELINE: Final = 400
DELIVERY_FIELDS: Final = ("messages", "sent", "delivered", "failed", "dead", "waiting")


def within(queryset: QuerySet[Any], field: str, path: str) -> QuerySet[Any]:
    low, high = codes.subtree_bounds(path)
    return queryset.filter(**{f"{field}__gte": low, f"{field}__lt": high})


def minutes(later: dt.datetime | None, earlier: dt.datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return round((later - earlier).total_seconds() / 60, 1)


def unit_length(event: Event) -> int:
    return max(6, len(event.region.path))


def units(user: User | AnonymousUser, event: Event) -> dict[str, str]:
    """path → name of the report's units: the region's counties, or the region itself."""
    path = event.region.path
    if len(path) >= 6:
        return {path: event.region.name}
    rows = within(scope(Region.objects.filter(level=Level.COUNTY), user), "path", path)
    return dict(rows.order_by("path").values_list("path", "name"))


def gather(user: User | AnonymousUser, event: Event) -> dict[str, Any]:
    """Everything the page, the documents and the workbook show."""
    names = units(user, event)
    warned = warnings(user, event, names)
    alarm_facts = alarms(user, event)
    resp = response.gather(user, event)
    facts: dict[str, Any] = {
        "event": event,
        "units": names,
        **warned,
        "alarms": alarm_facts,
        **resp,
    }
    facts["timeline"] = timeline(facts)
    return facts


# ---------------------------------------------------------------- warnings


def _warnings(user: User | AnonymousUser, event: Event) -> QuerySet[Warning]:
    path = event.region.path
    low, high = codes.subtree_bounds(path)
    ancestors = [path[:n] for n in (2, 4, 6, 9, 12) if n <= len(path)]
    ids = (
        scope(Warning.objects.all(), user)
        .filter(issued_at__gte=event.start, issued_at__lt=event.end)
        .filter(
            Q(region_path__gte=low, region_path__lt=high)
            | Q(areas__region__path__gte=low, areas__region__path__lt=high)
            | Q(areas__region__path__in=ancestors)
        )
        .values("pk")
    )
    return Warning.objects.filter(pk__in=ids).select_related("sender").order_by("issued_at", "pk")


def warnings(user: User | AnonymousUser, event: Event, names: dict[str, str]) -> dict[str, Any]:
    path, size = event.region.path, unit_length(event)
    rows = list(_warnings(user, event))
    ids = [w.pk for w in rows]
    covered: dict[int, set[str]] = defaultdict(set)
    for wid, area_path in Area.objects.filter(warning_id__in=ids, region__isnull=False).values_list(
        "warning_id", "region__path"
    ):
        covered[wid] |= _units_of(area_path, path, size, names)
    acks: dict[tuple[int, str], list[int]] = {}
    for row in (
        within(Ack.objects.filter(warning_id__in=ids), "region_path", path)
        .annotate(unit=Substr("region_path", 1, size))
        .values("warning_id", "unit")
        .annotate(people=Count("pk"), answered=Count("pk", filter=Q(acked_at__isnull=False)))
        .order_by()
    ):
        acks[(row["warning_id"], row["unit"])] = [row["people"], row["answered"]]
        covered[row["warning_id"]].add(row["unit"])
    sent = Q(state__in=(D.SENT, D.DELIVERED))
    waiting = Q(state__in=(D.QUEUED, D.SENDING))
    deliveries: dict[tuple[int, str], Counter[str]] = defaultdict(Counter)
    channels: dict[str, Counter[str]] = defaultdict(Counter)
    for row in (
        within(Delivery.objects.filter(warning_id__in=ids), "region_path", path)
        .exclude(purpose__startswith=ESCALATION)
        .annotate(unit=Substr("region_path", 1, size))
        .values("warning_id", "unit", "channel")
        .annotate(
            messages=Count("pk"),
            sent=Count("pk", filter=sent),
            delivered=Count("pk", filter=Q(state=D.DELIVERED)),
            failed=Count("pk", filter=Q(state=D.FAILED)),
            dead=Count("pk", filter=Q(state=D.DEAD)),
            waiting=Count("pk", filter=waiting),
        )
        .order_by()
    ):
        figures = {k: row[k] for k in DELIVERY_FIELDS}
        deliveries[(row["warning_id"], row["unit"])].update(figures)
        channels[row["channel"]].update(figures)
        covered[row["warning_id"]].add(row["unit"])
    listed = []
    for w in rows:
        if len(w.region_path) >= size and w.region_path.startswith(path):
            covered[w.pk].add(w.region_path[:size])
        mine = sorted(u for u in covered[w.pk] if u in names)
        people = sum(acks.get((w.pk, u), [0, 0])[0] for u in mine)
        answered = sum(acks.get((w.pk, u), [0, 0])[1] for u in mine)
        sums: Counter[str] = Counter()
        for u in mine:
            sums.update(deliveries.get((w.pk, u), Counter()))
        listed.append(
            {
                "pk": w.pk,
                "identifier": w.identifier,
                "title": w.title,
                "headline": w.headline,
                "level": w.level,
                "colour": LEVEL_NAMES[w.level],
                "msg_type": w.msg_type,
                "alert": w.msg_type == MsgType.ALERT,
                "state": w.get_state_display(),
                "sender": w.sender.name,
                "sender_path": w.sender.path,
                "issued_at": w.issued_at,
                "onset": w.onset,
                "lead": minutes(w.onset, w.issued_at),
                "units": mine,
                "unit_names": [names[u] for u in mine],
                "people": people,
                "answered": answered,
                "ack_rate": round(answered / people, 3) if people else None,
                **{k: sums[k] for k in DELIVERY_FIELDS},
            }
        )
    return {
        "warnings": listed,
        "by_unit": _by_unit(listed, names, acks, deliveries),
        "channels": [
            {"channel": c, **{k: v[k] for k in DELIVERY_FIELDS}}
            for c, v in sorted(channels.items())
        ],
    }


def _units_of(area: str, path: str, size: int, names: dict[str, str]) -> set[str]:
    """The report's units an area region covers."""
    if path.startswith(area):  # the area contains the event's region
        return set(names)
    if not area.startswith(path):
        return set()
    if len(area) >= size:
        return {area[:size]}
    return {u for u in names if u.startswith(area)}  # a city inside a province event


def _by_unit(
    listed: list[dict[str, Any]],
    names: dict[str, str],
    acks: dict[tuple[int, str], list[int]],
    deliveries: dict[tuple[int, str], Counter[str]],
) -> list[dict[str, Any]]:
    out = []
    for unit, name in names.items():
        mine = [w for w in listed if unit in w["units"] and w["msg_type"] != MsgType.CANCEL]
        levels = [sum(1 for w in mine if w["level"] == n) for n in range(4)]
        leads = [w["lead"] for w in mine if w["alert"] and w["lead"] is not None]
        people = sum(acks.get((w["pk"], unit), [0, 0])[0] for w in listed)
        answered = sum(acks.get((w["pk"], unit), [0, 0])[1] for w in listed)
        sums: Counter[str] = Counter()
        for w in listed:
            sums.update(deliveries.get((w["pk"], unit), Counter()))
        out.append(
            {
                "path": unit,
                "name": name,
                "warnings": len(mine),
                "levels": levels,
                "min_lead": min(leads) if leads else None,
                "median_lead": round(statistics.median(leads), 1) if leads else None,
                "people": people,
                "answered": answered,
                "ack_rate": round(answered / people, 3) if people else None,
                **{k: sums[k] for k in DELIVERY_FIELDS},
            }
        )
    return out


# ---------------------------------------------------------------- alarms


def alarms(user: User | AnonymousUser, event: Event) -> dict[str, Any]:
    """The monitoring alarms that started in the window, and how they were handled."""
    rows = within(
        scope(Alarm.objects.all(), user).filter(
            started_at__gte=event.start, started_at__lt=event.end
        ),
        "region_path",
        event.region.path,
    ).order_by("started_at", "pk")
    fields = (
        "pk",
        "rule",
        "peak",
        "region_path",
        "detail",
        "started_at",
        "acknowledged_at",
        "disposition",
        "disposed_at",
        "ended_at",
        "escalations",
        "sensor__code",
        "sensor__station__name",
    )
    listed = []
    rules = dict(Alarm._meta.get_field("rule").choices or [])
    dispositions = dict(Alarm._meta.get_field("disposition").choices or [])
    for row in rows.values(*fields):
        row["rule_label"] = rules.get(row["rule"], row["rule"])
        row["colour"] = LEVEL_NAMES[max(0, min(3, row["peak"]))]
        row["disposition_label"] = dispositions.get(row["disposition"], "")
        row["ack_minutes"] = minutes(row["acknowledged_at"], row["started_at"])
        row["station"] = row.pop("sensor__station__name")
        row["sensor"] = row.pop("sensor__code")
        listed.append(row)
    acked = [r["ack_minutes"] for r in listed if r["ack_minutes"] is not None]
    return {
        "rows": listed,
        "total": len(listed),
        "acknowledged": len(acked),
        "disposed": sum(1 for r in listed if r["disposition"]),
        "escalated": sum(1 for r in listed if r["escalations"]),
        "median_ack_minutes": round(statistics.median(acked), 1) if acked else None,
        "by_disposition": Counter(r["disposition_label"] or "—" for r in listed).most_common(),
    }


# ---------------------------------------------------------------- timeline


def timeline(facts: dict[str, Any]) -> dict[str, Any]:
    """The event's moments in order: warnings, alarms, incidents, dispatch, relief."""
    items: list[tuple[dt.datetime, str, str, int]] = []  # (at, kind, text, priority)
    for w in facts["warnings"]:
        items.append(
            (
                w["issued_at"],
                "warning",
                f"{w['sender']} · {w['title']}",
                0 if w["level"] >= 2 else 1,
            )
        )
    for a in facts["alarms"]["rows"]:
        text = f"{a['station'] or a['sensor']} · {a['rule_label']} {a['colour']}"
        items.append((a["started_at"], "alarm", text, 5 - a["peak"]))  # red 2 … blue 5
    for i in facts["incidents"]:
        items.append((i["occurred_at"], "incident", i["title"], 0))
    for d in facts["dispatch"]:
        items.append((d["dispatched_at"], "dispatch", f"{d['force']} → {d['incident']}", 2))
        if d["on_scene_at"]:
            items.append((d["on_scene_at"], "on_scene", f"{d['force']} · {d['incident']}", 3))
    for r in facts["relief"]:
        if r["met_at"]:
            items.append((r["met_at"], "relief", f"{r['group']} · {r['incident']}", 3))
    # Too many to list: keep incidents and orange/red warnings, then the rest by weight.
    kept = sorted(sorted(items, key=lambda item: (item[3], item[0]))[:MAX_TIMELINE])
    labels = {
        "warning": _("Warning issued"),
        "alarm": _("Alarm"),
        "incident": _("Incident"),
        "dispatch": _("Force dispatched"),
        "on_scene": _("Force on scene"),
        "relief": _("Relief met"),
    }
    return {
        "items": [
            {"at": at, "kind": kind, "label": labels[kind], "text": text}
            for at, kind, text, _priority in kept
        ],
        "all": [
            {"at": at, "kind": kind, "label": labels[kind], "text": text}
            for at, kind, text, _priority in sorted(items)
        ],
        "total": len(items),
    }
