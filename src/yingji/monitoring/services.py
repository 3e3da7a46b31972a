"""Alarm handling and the monitoring housekeeping: acknowledge (确认) and dispose of alarms,
the periodic sweep (catch-up evaluation, auto-recovery, 数据中断 / 数据不变, escalation), raw
reading retention and the alarm statistics.

Handling rules:

- Only users with ``Cap.HANDLE_ALARMS`` (duty officers, staff) may acknowledge or dispose, and
  only alarms within their jurisdiction (others are "not found").
- Acknowledging records who and when, once; acknowledging again is refused with who did it.
- A disposition (真实告警, 误报, 测试, 设备维护, 重复告警) with a note may be given on an open or a
  closed alarm and acknowledges it if nobody had; it may be corrected later (the audit trail
  keeps every version). A false alarm, test or maintenance needs a note saying why.
- An alarm not acknowledged within ``settings.ALARM_ESCALATE_MINUTES`` of being raised escalates
  to the office one level up (county → city → province), and again after each further period.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Any, Final

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Max, Min, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core import audit, jobs
from yingji.core.errors import Conflict, InvalidInput
from yingji.core.permissions import Cap, require
from yingji.core.scoping import get_scoped, scope
from yingji.monitoring import evaluation, notices
from yingji.monitoring.models import (
    Alarm,
    Disposition,
    HourlyAggregate,
    Reading,
    Rule,
    Sensor,
    SensorState,
    SensorType,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User

logger = logging.getLogger(__name__)
SWEEP_KIND: Final = "monitoring.sweep"
PURGE_KIND: Final = "monitoring.purge"
NOTE_NEEDED: Final = frozenset({Disposition.FALSE, Disposition.TEST, Disposition.MAINTENANCE})
MAX_NOTE: Final = 2000
STUCK_HOURS: Final = 6
STUCK_MIN_READINGS: Final = 10
STUCK_TYPES: Final = (
    SensorType.WATER_LEVEL,
    SensorType.TANK_LEVEL,
    SensorType.TANK_PRESSURE,
    SensorType.TANK_TEMPERATURE,
    SensorType.TEMPERATURE,
)
"""Types whose readings always vary a little: the same value for hours is a stuck sensor.
Rain, wind and gas read a constant 0 for days in fine weather, so they are not judged."""
HANDLED_FIELDS: Final = ("acknowledged_at", "acknowledged_by", "disposition", "note")


# ---------------------------------------------------------------- handling


def _alarm_for(actor: User | AnonymousUser, alarm_id: int) -> Alarm:
    require(actor, Cap.HANDLE_ALARMS)
    return get_scoped(
        Alarm.objects.select_for_update(of=("self",)).select_related("sensor"),
        actor,
        label="alarm",
        pk=alarm_id,
    )


def acknowledge(actor: User, alarm_id: int, *, note: str = "") -> Alarm:
    """确认: the duty officer has seen the alarm and takes it in hand."""
    note = _clean_note(note)
    with transaction.atomic():
        alarm = _alarm_for(actor, alarm_id)
        if alarm.acknowledged_at is not None:
            who = alarm.acknowledged_by.display_name or alarm.acknowledged_by.username  # type: ignore[union-attr]
            raise Conflict(
                _("Already acknowledged by %(who)s at %(when)s")
                % {"who": who, "when": timezone.localtime(alarm.acknowledged_at).strftime("%H:%M")},
                code="already_acknowledged",
            )
        before = audit.snapshot(alarm, HANDLED_FIELDS)
        alarm.acknowledged_at, alarm.acknowledged_by = timezone.now(), actor
        if note:
            alarm.note = note
        alarm.save(update_fields=["acknowledged_at", "acknowledged_by", "note", "updated_at"])
        audit.record(
            actor=actor,
            action="alarm_acknowledge",
            obj=alarm,
            region_path=alarm.region_path,
            before=before,
            after=audit.snapshot(alarm, HANDLED_FIELDS),
        )
    return alarm


def dispose(actor: User, alarm_id: int, *, disposition: str, note: str = "") -> Alarm:
    """处置: the verdict on the alarm with a note; acknowledges it if nobody had."""
    if disposition not in Disposition.values:
        choices = ", ".join(f"{value} ({label})" for value, label in Disposition.choices)
        raise InvalidInput(
            _("Unknown disposition %(given)r; use one of %(choices)s")
            % {"given": str(disposition)[:20], "choices": choices},
            field="disposition",
        )
    note = _clean_note(note)
    if disposition in NOTE_NEEDED and not note:
        raise InvalidInput(
            _("Say in the note why this is %(what)s") % {"what": Disposition(disposition).label},
            field="note",
        )
    with transaction.atomic():
        alarm = _alarm_for(actor, alarm_id)
        before = audit.snapshot(alarm, HANDLED_FIELDS)
        now = timezone.now()
        if alarm.acknowledged_at is None:
            alarm.acknowledged_at, alarm.acknowledged_by = now, actor
        alarm.disposition, alarm.disposed_at, alarm.disposed_by = disposition, now, actor
        alarm.note = note or alarm.note
        alarm.save()
        audit.record(
            actor=actor,
            action="alarm_dispose",
            obj=alarm,
            region_path=alarm.region_path,
            before=before,
            after=audit.snapshot(alarm, HANDLED_FIELDS),
        )
    return alarm


def _clean_note(note: Any) -> str:
    if not isinstance(note, str):
        raise InvalidInput(_("The note must be text"), field="note")
    text: str = note.strip()
    if len(text) > MAX_NOTE:
        raise InvalidInput(
            _("The note is %(n)d characters; at most %(max)d") % {"n": len(text), "max": MAX_NOTE},
            field="note",
        )
    return text


# ---------------------------------------------------------------- the sweep


@jobs.job_kind(SWEEP_KIND, "监测告警巡检 monitoring alarm sweep")
def sweep_job(ctx: jobs.JobContext) -> dict[str, int]:
    return sweep()


def sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """Everything time does to alarms; safe to run at any moment and from several workers."""
    now = now or timezone.now()
    done = {"evaluated_sensors": evaluation.evaluate().sensors}
    done["recovered"] = close_recovered(now)
    done["stale_opened"], done["stale_closed"] = stale_sensors(now)
    done["stuck_opened"], done["stuck_closed"] = stuck_sensors(now)
    done["escalated"] = escalate(now)
    return done


def close_recovered(now: dt.datetime) -> int:
    """Close the alarms whose condition stayed clear for the hold time (自动恢复), also when
    their sensor fell silent meanwhile; the end is the instant the hold ran out."""
    hold = dt.timedelta(minutes=settings.ALARM_HOLD_MINUTES)
    closed = 0
    with transaction.atomic():
        due = Alarm.objects.select_for_update().filter(
            ended_at__isnull=True, cleared_at__isnull=False, cleared_at__lte=now - hold
        )
        for alarm in due:
            cleared = alarm.cleared_at
            if cleared is None:  # excluded by the query; keeps the types honest
                continue
            alarm.ended_at = cleared + hold
            alarm.save(update_fields=["ended_at", "updated_at"])
            closed += 1
    return closed


def stale_sensors(now: dt.datetime) -> tuple[int, int]:
    """数据中断: a sensor in service silent for more than k × its interval gets a 蓝 alarm; the
    alarm closes when data comes back (evaluation) or the sensor is taken out of service."""
    k = settings.STALE_INTERVALS
    epoch = int(now.timestamp())
    configs = evaluation.configs()
    states = SensorState.objects.values_list("sensor_id", "last_ts")
    silent = {
        sensor: last
        for sensor, last in states
        if (c := configs.get(sensor)) is not None and c.in_service and epoch - last > k * c.interval
    }
    opened = closed = 0
    with transaction.atomic():
        open_now = dict(
            Alarm.objects.filter(rule=Rule.STALE, ended_at__isnull=True).values_list(
                "sensor_id", "pk"
            )
        )
        gone = [
            pk
            for sensor, pk in open_now.items()
            if not configs.get(sensor) or not configs[sensor].in_service
        ]
        closed = Alarm.objects.filter(pk__in=gone).update(ended_at=now, level=-1, updated_at=now)
        new = [
            _condition_alarm(
                sensor, Rule.STALE, configs[sensor].path, now, last,
                _("No data for %(minutes)d minutes (expected every %(interval)d s)")
                % {"minutes": (epoch - last) // 60, "interval": configs[sensor].interval},
            )
            for sensor, last in silent.items()
            if sensor not in open_now
        ]  # fmt: skip
        Alarm.objects.bulk_create(new)
        opened = len(new)
    for alarm in new:
        transaction.on_commit(functools.partial(notices.announce, alarm, rose=False))
    return opened, closed


def _condition_alarm(  # noqa: PLR0917 - a row constructor
    sensor: int, rule: str, path: str, now: dt.datetime, since: int, detail: str
) -> Alarm:
    """A 蓝 device alarm (data stopped or stuck) starting at ``since`` (epoch seconds)."""
    start = dt.datetime.fromtimestamp(since, dt.UTC)
    return Alarm(
        sensor_id=sensor, rule=rule, region_path=path, level=0, peak=0,
        levels=[[0, since]], started_at=start, last_at=now, detail=detail[:200],
    )  # fmt: skip


def stuck_sensors(now: dt.datetime) -> tuple[int, int]:
    """数据不变: over the last :data:`STUCK_HOURS` complete hours every reading of a sensor that
    should vary was the same value (from the hourly aggregates: one value, min = max)."""
    epoch = int(now.timestamp())
    end = epoch - epoch % 3600
    start = end - STUCK_HOURS * 3600
    sensors = Sensor.objects.filter(type__in=STUCK_TYPES).values("pk")
    hours = (
        HourlyAggregate.objects.filter(sensor__in=sensors, hour__gte=start, hour__lt=end)
        .values("sensor_id")
        .annotate(
            n=Count("hour"), readings=Sum("count"), low=Min("min"), high=Max("max"),
        )
    )  # fmt: skip
    stuck = {
        row["sensor_id"]: row["low"]
        for row in hours
        if row["n"] == STUCK_HOURS
        and row["readings"] >= STUCK_MIN_READINGS
        and row["low"] == row["high"]
    }
    configs = evaluation.configs()
    with transaction.atomic():
        open_now = dict(
            Alarm.objects.filter(rule=Rule.STUCK, ended_at__isnull=True).values_list(
                "sensor_id", "pk"
            )
        )
        fixed = [pk for sensor, pk in open_now.items() if sensor not in stuck]
        closed = Alarm.objects.filter(pk__in=fixed).update(ended_at=now, level=-1, updated_at=now)
        new = [
            _condition_alarm(
                sensor, Rule.STUCK, configs[sensor].path, now, start,
                _("Every reading for %(hours)d hours was %(value)g")
                % {"hours": STUCK_HOURS, "value": value},
            )
            for sensor, value in stuck.items()
            if sensor not in open_now and sensor in configs and configs[sensor].in_service
        ]  # fmt: skip
        Alarm.objects.bulk_create(new)
    return len(new), closed


def escalate(now: dt.datetime) -> int:
    """Escalate each alarm unacknowledged for another full period (county → city → province)."""
    period = dt.timedelta(minutes=settings.ALARM_ESCALATE_MINUTES)
    escalated = 0
    with transaction.atomic():
        due = (
            Alarm.objects.select_for_update(of=("self",))
            .select_related("sensor")
            .filter(acknowledged_at__isnull=True, raised_at__lte=now - period)
            .exclude(rule__in=(Rule.STALE, Rule.STUCK), ended_at__isnull=False)
        )
        for alarm in due:
            if alarm.raised_at + period * (alarm.escalations + 1) > now:
                continue
            if alarm.escalations >= len(notices.LADDER) - 1:
                continue  # the province has been told; nothing is above it
            alarm.escalations += 1
            alarm.escalated_at = now
            alarm.save(update_fields=["escalations", "escalated_at", "updated_at"])
            audit.record(
                actor=None,
                action="alarm_escalate",
                obj=alarm,
                region_path=alarm.region_path,
                after={
                    "escalations": alarm.escalations,
                    "office": notices.office_path(alarm.region_path, alarm.escalations),
                },
            )
            transaction.on_commit(functools.partial(notices.escalate, alarm))
            escalated += 1
    return escalated


# ---------------------------------------------------------------- retention


@jobs.job_kind(PURGE_KIND, "原始读数清理 raw reading retention")
def purge_job(ctx: jobs.JobContext) -> dict[str, int]:
    return {"deleted": purge_readings()}


def purge_readings(now: dt.datetime | None = None, *, chunk: int = 50_000) -> int:
    """Delete raw readings older than ``settings.READING_RETENTION_DAYS`` (the hourly aggregates
    stay), in chunks so the database is never locked for long."""
    now = now or timezone.now()
    cutoff = int((now - dt.timedelta(days=settings.READING_RETENTION_DAYS)).timestamp())
    table = connection.ops.quote_name(Reading._meta.db_table)
    deleted = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {table} WHERE (sensor_id, ts) IN"  # noqa: S608 - quoted
                f" (SELECT sensor_id, ts FROM {table} WHERE ts < %s LIMIT %s)",
                [cutoff, chunk],
            )
            count = int(cursor.rowcount)
        deleted += count
        if count < chunk:
            return deleted


# ---------------------------------------------------------------- statistics


def alarm_stats(
    actor: User | AnonymousUser, *, days: int = 30, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Alarms per day and rule, and the noisy sensors (the most false / test / maintenance
    dispositions, with their false-alarm rate) over the last ``days`` days."""
    require(actor, Cap.VIEW_ALARMS)
    if not 1 <= days <= 366:
        raise InvalidInput(_("days must be from 1 to 366"), field="days")
    now = now or timezone.now()
    since = now - dt.timedelta(days=days)
    alarms = scope(Alarm.objects.filter(started_at__gte=since), actor)
    per_day: dict[str, Counter[str]] = defaultdict(Counter)
    for row in (
        alarms.annotate(day=TruncDate("started_at"))
        .values("day", "rule")
        .annotate(n=Count("pk"))
        .order_by("day")
    ):
        per_day[row["day"].isoformat()][row["rule"]] += row["n"]
    noisy = (
        alarms.values("sensor_id", "sensor__code", "sensor__type", "sensor__station__name")
        .annotate(
            total=Count("pk"),
            disposed=Count("pk", filter=~Q(disposition="")),
            false=Count("pk", filter=Q(disposition__in=NOTE_NEEDED | {Disposition.DUPLICATE})),
        )
        .filter(total__gte=2)
        .order_by(F("false").desc(), F("total").desc())[:50]
    )
    return {
        "days": days,
        "since": since.isoformat(),
        "total": alarms.count(),
        "unacknowledged": alarms.filter(acknowledged_at__isnull=True).count(),
        "by_disposition": dict(
            alarms.exclude(disposition="").values_list("disposition").annotate(n=Count("pk"))
        ),
        "per_day": [{"day": day, **counts} for day, counts in sorted(per_day.items())],
        "noisy_sensors": [
            {
                "sensor_id": row["sensor_id"],
                "code": row["sensor__code"],
                "type": row["sensor__type"],
                "station": row["sensor__station__name"],
                "alarms": row["total"],
                "disposed": row["disposed"],
                "false": row["false"],
                "false_rate": round(row["false"] / row["disposed"], 3) if row["disposed"] else None,
            }
            for row in noisy
        ],
    }
