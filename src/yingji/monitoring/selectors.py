"""Reads of alarms shared by the API, the pages and the live stream, so an alarm has one shape
everywhere: what the actor may see, the filters of the list, the queue's priority order, one
alarm as a JSON-ready item and its handling record from the audit trail."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any, Final, Protocol

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from yingji.core.errors import InvalidInput
from yingji.core.models import AuditEntry
from yingji.core.permissions import Cap, require
from yingji.core.scoping import get_scoped, scope
from yingji.kernels import codes, signals
from yingji.monitoring.models import Alarm, Rule
from yingji.regions.models import Region

MAX_PK: Final = 2**63 - 1
MAX_LIMIT: Final = 200
CODE_PATTERN: Final = r"^[0-9A-Za-z][0-9A-Za-z_.\-]*$"
STATES: Final = ("all", "open", "closed", "unacknowledged")
ORDERS: Final = ("newest", "priority")
EARLIEST: Final = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
LATEST: Final = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
AUDIT_ACTIONS: Final = {
    "alarm_acknowledge": "确认",
    "alarm_dispose": "处置",
    "alarm_escalate": "升级",
}


def visible(actor: Any) -> QuerySet[Alarm]:
    """Every alarm the actor may see."""
    require(actor, Cap.VIEW_ALARMS)
    return scope(Alarm.objects.all(), actor)


def _moment(value: dt.datetime | None, field: str) -> dt.datetime | None:
    if value is None:
        return None
    if timezone.is_naive(value):  # a time without an offset is China time, as users write it
        value = timezone.make_aware(value, timezone.get_default_timezone())
    if not EARLIEST <= value < LATEST:
        raise InvalidInput(f"{field}: must lie between 2000 and 2100", field=field)
    return value


def _code(value: str, field: str) -> str:
    if not re.fullmatch(CODE_PATTERN, value):
        raise InvalidInput(
            f"{field}: {value[:20]!r} is not a code (letters, digits and - _ . only)", field=field
        )
    return value.upper()


STATE_FILTERS: Final = {
    "all": Q(),
    "open": Q(ended_at__isnull=True),
    "closed": Q(ended_at__isnull=False),
    "unacknowledged": Q(acknowledged_at__isnull=True),
}


def _one_of(value: str, allowed: Iterable[str], field: str) -> str:
    allowed = tuple(allowed)
    if value not in allowed:
        raise InvalidInput(
            f"{field}: {value[:20]!r} is not one of {', '.join(allowed)}", field=field
        )
    return value


class AlarmFilters(Protocol):
    """What the alarm list filters on (the API's query schema has these fields)."""

    state: str
    rule: str
    level: int | None
    sensor: str
    station: str
    region: str
    since: dt.datetime | None
    until: dt.datetime | None
    q: str
    order: str


def alarms_for(actor: Any, filters: AlarmFilters) -> QuerySet[Alarm]:
    """The alarms matching ``filters`` within the actor's jurisdiction, in the asked order."""
    qs = visible(actor).filter(STATE_FILTERS[_one_of(filters.state or "all", STATES, "state")])
    if filters.rule:
        qs = qs.filter(rule=_one_of(filters.rule, Rule.values, "rule"))
    if filters.level is not None:
        qs = qs.filter(peak__gte=filters.level)
    if filters.sensor:
        qs = qs.filter(sensor__code=_code(filters.sensor, "sensor"))
    if filters.station:
        qs = qs.filter(sensor__station__code=_code(filters.station, "station"))
    if filters.region:
        low, high = region_bounds(filters.region)
        qs = qs.filter(region_path__gte=low, region_path__lt=high)
    since, until = _moment(filters.since, "since"), _moment(filters.until, "until")
    if since is not None:
        qs = qs.filter(started_at__gte=since)
    if until is not None:
        qs = qs.filter(started_at__lt=until)
    if filters.q:
        qs = qs.filter(
            Q(sensor__code__icontains=filters.q)
            | Q(sensor__station__name__icontains=filters.q)
            | Q(detail__icontains=filters.q)
        )
    if _one_of(filters.order, ORDERS, "order") == "priority":
        return prioritised(qs)
    return qs.order_by("-started_at", "-pk")


def region_bounds(region: str) -> tuple[str, str]:
    """The subtree range of a region code, or 422 naming ``region``."""
    try:
        return codes.subtree_bounds(codes.short(region))
    except codes.CodeError as exc:
        raise InvalidInput(f"region {region[:20]!r}: {exc}", field="region") from exc


def prioritised(qs: QuerySet[Alarm]) -> QuerySet[Alarm]:
    """The queue's order: open and unacknowledged first, then the other open ones, then the
    closed but unacknowledged, then the rest; newest first within each."""
    group = Case(
        When(ended_at__isnull=True, acknowledged_at__isnull=True, then=Value(0)),
        When(ended_at__isnull=True, then=Value(1)),
        When(acknowledged_at__isnull=True, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    return qs.annotate(queue_group=group).order_by("queue_group", "-started_at", "-pk")


def with_related(qs: QuerySet[Alarm]) -> QuerySet[Alarm]:
    return qs.select_related("sensor__station", "acknowledged_by", "disposed_by")


def level_info(level: int | None) -> dict[str, Any]:
    """Code 0..3 → its colour name and Chinese label; anything else (-1: none) → nulls."""
    if level is None or not 0 <= level < len(signals.LEVELS):
        return {"name": None, "label": None}
    name = signals.LEVELS[level]
    return {"name": name, "label": signals.LEVEL_ZH[name]}


def epoch_time(value: Any) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(int(value), dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _who(user: Any) -> str | None:
    if user is None:
        return None
    return str(user.display_name or user.username)


def region_names(paths: Iterable[str]) -> dict[str, str]:
    """Region name by short code, in one query."""
    wanted = {p for p in paths if p}
    if not wanted:
        return {}
    return dict(Region.objects.filter(path__in=wanted).values_list("path", "name"))


def item(alarm: Alarm, regions: dict[str, str]) -> dict[str, Any]:
    """One alarm as lists, the live stream and the detail show it."""
    sensor = alarm.sensor
    station = sensor.station
    level, peak = level_info(alarm.level), level_info(alarm.peak)
    history = []
    for pair in alarm.levels or []:
        if isinstance(pair, list | tuple) and len(pair) == 2:
            info = level_info(pair[0] if isinstance(pair[0], int) else None)
            history.append({"level": pair[0], **info, "at": epoch_time(pair[1])})
    return {
        "id": alarm.pk,
        "rule": alarm.rule,
        "rule_label": alarm.get_rule_display(),
        "level": alarm.level,
        "level_name": level["name"],
        "level_label": level["label"],
        "peak": alarm.peak,
        "peak_name": peak["name"],
        "peak_label": peak["label"],
        "levels": history,
        "value": alarm.value,
        "peak_value": alarm.peak_value,
        "unit": sensor.unit,
        "detail": alarm.detail,
        "open": alarm.ended_at is None,
        "started_at": alarm.started_at,
        "last_at": alarm.last_at,
        "cleared_at": alarm.cleared_at,
        "ended_at": alarm.ended_at,
        "raised_at": alarm.raised_at,
        "updated_at": alarm.updated_at,
        "sensor": {
            "id": sensor.pk,
            "code": sensor.code,
            "type": sensor.type,
            "type_label": sensor.get_type_display(),
            "unit": sensor.unit,
        },
        "station": {
            "id": station.pk,
            "code": station.code,
            "name": station.name,
            "lon": station.lon,
            "lat": station.lat,
        },
        "region": {
            "path": alarm.region_path,
            "name": regions.get(alarm.region_path, ""),
        },
        "acknowledged": alarm.acknowledged_at is not None,
        "acknowledged_at": alarm.acknowledged_at,
        "acknowledged_by": _who(alarm.acknowledged_by),
        "disposition": alarm.disposition or None,
        "disposition_label": alarm.get_disposition_display() if alarm.disposition else None,
        "note": alarm.note,
        "disposed_at": alarm.disposed_at,
        "disposed_by": _who(alarm.disposed_by),
        "escalations": alarm.escalations,
        "escalated_at": alarm.escalated_at,
        "link": f"/monitoring/alarms/{alarm.pk}/",
    }


def items(alarms: Iterable[Alarm]) -> list[dict[str, Any]]:
    rows = list(alarms)
    regions = region_names(a.region_path for a in rows)
    return [item(a, regions) for a in rows]


def get_alarm(actor: Any, pk: int) -> Alarm:
    if not 1 <= pk <= MAX_PK:
        raise InvalidInput("id: out of range", field="id")
    return get_scoped(with_related(visible(actor)), actor, label="alarm", pk=pk)


def handling(alarm: Alarm) -> list[dict[str, Any]]:
    """The alarm's handling record from the audit trail: every acknowledgement, disposition
    (corrections included) and escalation, oldest first."""
    entries = AuditEntry.objects.filter(
        object_type=Alarm._meta.label_lower,
        object_id=str(alarm.pk),
        action__in=list(AUDIT_ACTIONS),
    ).order_by("at", "id")
    return [
        {
            "action": entry.action,
            "label": AUDIT_ACTIONS[entry.action],
            "actor": entry.actor_label,
            "at": entry.at,
            "disposition": (entry.after or {}).get("disposition") or None,
            "note": (entry.after or {}).get("note") or "",
            "escalations": (entry.after or {}).get("escalations"),
            "office": (entry.after or {}).get("office"),
        }
        for entry in entries[:200]
    ]


def detail(actor: Any, pk: int) -> dict[str, Any]:
    alarm = get_alarm(actor, pk)
    body = items([alarm])[0]
    body["history"] = handling(alarm)
    return body
