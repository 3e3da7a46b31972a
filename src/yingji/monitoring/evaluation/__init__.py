"""The rules on stored readings: new readings in, alarms raised, updated and closed.

Runs after every ingest (for the sensors of the batch) and from the periodic sweep (for any
sensor still pending after a crash). Its own module, like ingest, because it is on the hot
path; the business rules it applies live in the kernels (:mod:`yingji.kernels.signals`,
:mod:`yingji.kernels.rolling`, :mod:`yingji.kernels.alarms`) and in
:mod:`yingji.monitoring.thresholds`.

What is judged
--------------
Each sensor has a watermark, ``SensorState.evaluated_to``: readings after it are pending. One
evaluation takes every pending sensor (rows locked, so two processes never judge the same
sensor at once), loads what its rules need — the new readings plus a look-back (12 h for the
rainstorm windows, 1 h for the displacement rate, the minimum duration for thresholds) — and
evaluates, vectorised over all sensors of a rule at once:

- ``rainstorm`` (rain gauges): CMA 暴雨 observed levels from 3/6/12-hour window sums, at every
  new reading and every instant a wet reading leaves a window, exactly like the replay CLI;
- ``gale`` (wind speed / gust sensors): CMA 大风 observed level from the Beaufort force; a mean
  wind sensor and a gust sensor are separate sensors with an alarm each;
- ``threshold`` (every other type with a warn or alarm threshold): on/off hysteresis per band
  (warn → 黄, alarm → 红; 高温 温度 warn → 橙) with the type's minimum duration;
- ``rate`` (displacement with a rate threshold): movement per hour over the last hour ≥ the
  threshold → 红.

Levels become alarms through :func:`yingji.kernels.alarms.episodes`, carrying each sensor's
open alarm into the batch, so a series judged batch by batch gives the same alarms (start,
level history, end) as the whole series judged at once. The hold time is
``settings.ALARM_HOLD_MINUTES``; an alarm whose hold runs out while its sensor is silent is
closed by the sweep (:func:`yingji.monitoring.services.sweep`).

Cheap when nothing happens: a sensor with no open alarm whose stored hourly aggregates show
that no reading (or window sum) can reach its lowest level is skipped without loading its
readings: the bound is exact, never an approximation (a 12-hour sum is at most the sum of the
13 hours it touches; a reading is at most its hour's maximum).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection, transaction

from yingji.kernels import rolling
from yingji.kernels.alarms import Carried, Episode, episodes
from yingji.monitoring import network, notices, thresholds
from yingji.monitoring.evaluation.rules import (
    DEFAULT_THRESHOLD_LEVELS,
    FEW,
    RULES,
    THRESHOLD_LEVELS,
    Config,
    Judged,
    Pending,
)
from yingji.monitoring.models import Alarm, Reading, Rule, Sensor, SensorState, Station

__all__ = [
    "DEFAULT_THRESHOLD_LEVELS",
    "THRESHOLD_LEVELS",
    "Config",
    "Outcome",
    "configs",
    "evaluate",
]

logger = logging.getLogger(__name__)

_configs: tuple[tuple[Any, ...], dict[int, Config]] = ((), {})
FEW_AT_ONCE = 300  # watermarks moved by one statement (3 parameters each, under SQLite's 999)


def configs(version: tuple[Any, ...] | None = None) -> dict[int, Config]:
    """Every sensor's rule settings by id, reloaded when the registry changed; ``version`` is
    :func:`yingji.monitoring.network.version` when the caller has just read it (one query a
    batch, not one per use)."""
    global _configs  # noqa: PLW0603 - one immutable snapshot, replaced whole
    current = network.version() if version is None else version
    if _configs[0] == current:
        return _configs[1]
    found: dict[int, Config] = {}
    rows = Sensor.objects.select_related("station").only(
        "id", "type", "unit", "active", "voided_at", "expected_interval_s",
        *thresholds.FIELDS, "station__region_path", "station__active", "station__voided_at",
    )  # fmt: skip
    for sensor in rows.iterator(chunk_size=5000):
        station: Station = sensor.station
        limits = thresholds.effective(sensor)
        in_service = bool(
            sensor.active and station.active and not sensor.voided_at and not station.voided_at
        )
        found[sensor.pk] = Config(
            id=sensor.pk,
            type=sensor.type,
            path=station.region_path,
            in_service=in_service,
            interval=sensor.expected_interval_s,
            warn_on=limits["warn_on"],
            warn_off=limits["warn_off"],
            alarm_on=limits["alarm_on"],
            alarm_off=limits["alarm_off"],
            rate=limits["rate_per_hour"],
        )
    _configs = (current, found)
    return found


# ---------------------------------------------------------------- evaluation


@dataclass
class Outcome:
    """What one evaluation did (for logs, the sweep's job result and tests)."""

    sensors: int = 0
    raised: list[Alarm] = field(default_factory=list)
    updated: int = 0
    closed: int = 0


def evaluate(
    sensor_ids: Collection[int] | None = None, *, version: tuple[Any, ...] | None = None
) -> Outcome:
    """Judge the pending readings of ``sensor_ids`` (all pending sensors when None, or when
    there are many: a superset is harmless, pending is pending); ``version`` as for
    :func:`configs`."""
    outcome = Outcome()
    with transaction.atomic():
        pending = _pending(sensor_ids)
        if not pending.ids.size:
            return outcome
        outcome.sensors = int(pending.ids.size)
        known = configs(version)
        hold = settings.ALARM_HOLD_MINUTES * 60
        open_alarms = _open_alarms(pending)
        for rule, members in _members(known).items():
            mine = np.isin(pending.ids, members, assume_unique=True)
            if mine.any():
                group = pending.take(np.flatnonzero(mine))
                _judge(rule, group, known, hold, outcome, open_alarms.get(rule, []))
        _close_stale(pending, outcome, open_alarms.get(Rule.STALE, []))
        whole = sensor_ids is None or len(set(sensor_ids)) > FEW
        _advance(pending, every_pending=whole)
    return outcome


def _advance(pending: Pending, *, every_pending: bool) -> None:
    """Move the judged sensors' watermarks to the latest reading that was judged."""
    table = connection.ops.quote_name(SensorState._meta.db_table)
    with connection.cursor() as cursor:
        if every_pending and connection.vendor == "sqlite":
            # The transaction holds SQLite's one write lock (IMMEDIATE): no reading could have
            # arrived since the pending rows were read, so one statement moves them all.
            sql = f"UPDATE {table} SET evaluated_to = last_ts WHERE last_ts > evaluated_to"  # noqa: S608 - quoted
            cursor.execute(sql)
            return
        ids, until = pending.ids.tolist(), pending.until.tolist()
        if len(ids) <= FEW_AT_ONCE:  # an ingest's sensors: one statement, one round trip
            cases = " ".join(["WHEN %s THEN %s"] * len(ids))
            marks = ", ".join(["%s"] * len(ids))
            cursor.execute(
                f"UPDATE {table} SET evaluated_to = CASE sensor_id {cases} END"  # noqa: S608 - quoted
                f" WHERE sensor_id IN ({marks})",
                [*(v for pair in zip(ids, until, strict=True) for v in pair), *ids],
            )
            return
        cursor.executemany(
            f"UPDATE {table} SET evaluated_to = %s WHERE sensor_id = %s",  # noqa: S608 - quoted
            list(zip(until, ids, strict=True)),
        )


def _pending(sensor_ids: Iterable[int] | None) -> Pending:
    """The pending sensors' (id, watermark, latest) rows, locked (others skip them on
    PostgreSQL; SQLite's write lock is already held by the transaction)."""
    table = connection.ops.quote_name(SensorState._meta.db_table)
    sql = f"SELECT sensor_id, evaluated_to, last_ts FROM {table} WHERE last_ts > evaluated_to"  # noqa: S608 - quoted
    params: list[int] = []
    if sensor_ids is not None:
        ids = sorted(set(sensor_ids))
        if not ids:
            return Pending(*(np.zeros(0, dtype=np.int64) for _ in range(3)))
        if len(ids) <= FEW:
            sql += f" AND sensor_id IN ({', '.join(['%s'] * len(ids))})"
            params = ids
    sql += " ORDER BY sensor_id"
    if connection.features.has_select_for_update_skip_locked:
        sql += " FOR UPDATE SKIP LOCKED"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    table_of = np.asarray(rows, dtype=np.int64).reshape(-1, 3)
    return Pending(table_of[:, 0].copy(), table_of[:, 1].copy(), table_of[:, 2].copy())


_member_cache: tuple[int, dict[str, rolling.IntArray]] = (0, {})


def _members(known: dict[int, Config]) -> dict[str, rolling.IntArray]:
    """Per rule: the sorted ids of the in-service sensors it applies to (per registry snapshot)."""
    global _member_cache  # noqa: PLW0603 - derived from the configs snapshot, replaced whole
    if _member_cache[0] != id(known):
        by_rule: dict[str, list[int]] = defaultdict(list)
        for sensor_id, config in known.items():
            if config.in_service:
                for rule in config.rules:
                    by_rule[rule].append(sensor_id)
        _member_cache = (
            id(known),
            {rule: np.asarray(sorted(ids), dtype=np.int64) for rule, ids in by_rule.items()},
        )
    return _member_cache[1]


def _open_alarms(pending: Pending) -> dict[str, list[Alarm]]:
    """The open alarms of the pending sensors by rule: for a few sensors (an ingest) a cheap
    probe of their ids and the models only of those found; for many (the sweep) every open
    alarm, sifted here."""
    ids = set(pending.ids.tolist())
    found = Alarm.objects.filter(ended_at__isnull=True)
    if len(ids) <= FEW:  # usually none: a cheap probe first, models only for the ones found
        table = connection.ops.quote_name(Alarm._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {table} WHERE ended_at IS NULL"  # noqa: S608 - quoted
                f" AND sensor_id IN ({', '.join(['%s'] * len(ids))})",
                sorted(ids),
            )
            probed = [pk for (pk,) in cursor.fetchall()]
        if not probed:
            return {}
        found = found.filter(pk__in=probed)
    by_rule: dict[str, list[Alarm]] = defaultdict(list)
    for alarm in found:
        if alarm.sensor_id in ids:
            by_rule[alarm.rule].append(alarm)
    return by_rule


def _judge(  # noqa: PLR0917 - one call site, all needed
    rule: str,
    group: Pending,
    known: Mapping[int, Config],
    hold: int,
    outcome: Outcome,
    candidates: list[Alarm],
) -> None:
    """Run ``rule`` on ``group``, carrying its sensors' open alarms (``candidates``: open
    alarms of the rule, a superset is fine)."""
    ids = set(group.ids.tolist())
    open_alarms = {alarm.sensor_id: alarm for alarm in candidates if alarm.sensor_id in ids}
    judged = RULES[rule](group, known, set(open_alarms))
    if judged is None or not judged.codes.size:
        return
    carry = {sensor: _carried(alarm) for sensor, alarm in open_alarms.items()}
    until = dict(zip(group.ids.tolist(), group.until.tolist(), strict=True))
    found = episodes(
        judged.codes, judged.times, judged.levels, hold_seconds=hold, until=until, carry=carry
    )
    _save(rule, found, judged, open_alarms, known, outcome)


def _carried(alarm: Alarm) -> Carried:
    levels = tuple((int(level), int(at)) for level, at in alarm.levels)
    cleared = int(alarm.cleared_at.timestamp()) if alarm.cleared_at else None
    return Carried(int(alarm.started_at.timestamp()), levels, cleared)


# ---------------------------------------------------------------- saving


def _moment(epoch: int | None) -> dt.datetime | None:
    return None if epoch is None else dt.datetime.fromtimestamp(epoch, dt.UTC)


def _save(  # noqa: PLR0917 - one call site, all needed
    rule: str,
    found: list[Episode],
    judged: Judged,
    open_alarms: Mapping[int, Alarm],
    known: Mapping[int, Config],
    outcome: Outcome,
) -> None:
    """Create the new alarms and update the continued ones (closing those whose hold ran out)."""
    changed: list[Alarm] = []
    created: list[Alarm] = []
    for episode in found:
        part = slice(episode.first, episode.stop)
        values = judged.values[part]
        finite = values[np.isfinite(values)]
        last_value = float(values[-1]) if values.size and np.isfinite(values[-1]) else None
        peak_value = float(finite.max()) if finite.size else None
        old = open_alarms.get(episode.sensor)
        alarm = old if old is not None and _carried(old).start == episode.start else None
        fields = {
            "level": episode.levels[-1][0],
            "peak": episode.peak,
            "levels": [list(pair) for pair in episode.levels],
            "value": last_value,
            "detail": judged.details(episode.stop - 1)[:200]
            if episode.stop > episode.first
            else "",
            "last_at": _moment(int(judged.times[episode.stop - 1]))
            if episode.stop > episode.first
            else None,
            "cleared_at": _moment(episode.cleared),
            "ended_at": _moment(episode.end),
        }
        if alarm is None:
            alarm = Alarm(
                sensor_id=episode.sensor,
                rule=rule,
                region_path=known[episode.sensor].path,
                started_at=dt.datetime.fromtimestamp(episode.start, dt.UTC),
                peak_value=peak_value,
                **{
                    k: v
                    for k, v in fields.items()
                    if v is not None or k in ("cleared_at", "ended_at", "value")
                },
            )
            if alarm.last_at is None:
                alarm.last_at = alarm.started_at
            created.append(alarm)
            continue
        if fields["last_at"] is None:
            fields["last_at"] = alarm.last_at
        if peak_value is not None and (alarm.peak_value is None or peak_value > alarm.peak_value):
            fields["peak_value"] = peak_value
        rose = episode.peak > alarm.peak
        for name, value in fields.items():
            setattr(alarm, name, value)
        changed.append(alarm)
        if rose:
            _announce(alarm, rose=True)
        if episode.end is not None:
            outcome.closed += 1
    if changed:
        now = dt.datetime.now(dt.UTC)
        for alarm in changed:
            alarm.updated_at = now
        Alarm.objects.bulk_update(
            changed,
            ["level", "peak", "levels", "value", "peak_value", "detail", "last_at",
             "cleared_at", "ended_at", "updated_at"],
        )  # fmt: skip
        outcome.updated += len(changed)
    if created:
        Alarm.objects.bulk_create(created)
        outcome.raised.extend(created)
        outcome.closed += sum(1 for a in created if a.ended_at is not None)
        for alarm in created:
            _announce(alarm, rose=False)


def _announce(alarm: Alarm, *, rose: bool) -> None:
    """Tell the county's duty officers of a new alarm or a rise (after the commit)."""
    transaction.on_commit(lambda: notices.announce(alarm, rose=rose))


def _close_stale(pending: Pending, outcome: Outcome, candidates: list[Alarm]) -> None:
    """Data arrived: a sensor's open 数据中断 alarm closes at its first new reading
    (``candidates``: open 数据中断 alarms, a superset is fine)."""
    ids = set(pending.ids.tolist())
    stale = [alarm for alarm in candidates if alarm.sensor_id in ids]
    if not stale:
        return
    since = dict(zip(pending.ids.tolist(), pending.since.tolist(), strict=True))
    table = connection.ops.quote_name(Reading._meta.db_table)
    with connection.cursor() as cursor:
        for alarm in stale:
            cursor.execute(
                f"SELECT MIN(ts) FROM {table} WHERE sensor_id = %s AND ts > %s",  # noqa: S608 - quoted
                [alarm.sensor_id, since[alarm.sensor_id]],
            )
            (first,) = cursor.fetchone()
            alarm.ended_at = _moment(first) or dt.datetime.now(dt.UTC)
            alarm.level = -1
    Alarm.objects.bulk_update(stale, ["ended_at", "level"])
    outcome.closed += len(stale)
