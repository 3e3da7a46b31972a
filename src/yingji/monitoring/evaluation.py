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
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
from django.conf import settings
from django.db import connection, transaction

from yingji.kernels import rolling, signals
from yingji.kernels.alarms import Carried, Episode, episodes
from yingji.kernels.arrays import BoolArray, FloatArray
from yingji.monitoring import network, notices, thresholds
from yingji.monitoring.models import (
    Alarm,
    HourlyAggregate,
    Reading,
    Rule,
    Sensor,
    SensorState,
    SensorType,
    Station,
)

logger = logging.getLogger(__name__)
T = SensorType
HOUR: Final = 3600
RAIN_LOOKBACK: Final = 12 * HOUR  # the longest window a rainstorm level uses
RATE_HOURS: Final = 1.0
RAIN_WINDOWS: Final = (3.0, 6.0, 12.0)  # windows whose emptying can change the level
GALE_MEAN_MS: Final = signals.BEAUFORT_FROM_MS[signals.GALE_MEAN_FROM[0] - 1]  # force 6
GALE_GUST_MS: Final = signals.BEAUFORT_FROM_MS[signals.GALE_GUST_FROM[0] - 1]  # force 7
THRESHOLD_LEVELS: Final[Mapping[str, tuple[int, int]]] = {T.TEMPERATURE: (2, 3)}
"""(level of the warn band, level of the alarm band) by type; the rest are 黄 and 红."""
DEFAULT_THRESHOLD_LEVELS: Final = (1, 3)
MIN_SECONDS: Final[Mapping[str, int]] = {
    T.TANK_LEVEL: 60,
    T.TANK_PRESSURE: 60,
    T.TANK_TEMPERATURE: 60,
    T.WATER_LEVEL: 0,
}
"""Minimum duration before a threshold alarm shows: tank readings jitter when filling; gas,
toxic gas and temperature alarm at once (a leak must not wait)."""


# ---------------------------------------------------------------- the sensors' rule settings


@dataclass(frozen=True)
class Config:
    """What the rules need to know of one sensor (a snapshot of the registry)."""

    id: int
    type: str
    path: str
    in_service: bool
    interval: int
    warn_on: float | None = None
    warn_off: float | None = None
    alarm_on: float | None = None
    alarm_off: float | None = None
    rate: float | None = None

    @property
    def rules(self) -> tuple[str, ...]:
        if self.type == T.RAIN:
            return (Rule.RAINSTORM,)
        if self.type in (T.WIND_SPEED, T.WIND_GUST):
            return (Rule.GALE,)
        found = []
        if self.warn_on is not None or self.alarm_on is not None:
            found.append(Rule.THRESHOLD)
        if self.rate is not None:
            found.append(Rule.RATE)
        return tuple(found)


_configs: tuple[tuple[Any, ...], dict[int, Config]] = ((), {})


def configs() -> dict[int, Config]:
    """Every sensor's rule settings by id, reloaded when the registry changed."""
    global _configs  # noqa: PLW0603 - one immutable snapshot, replaced whole
    current = network.version()
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


@dataclass(frozen=True)
class _Pending:
    """Sensors of one rule with their watermark and latest reading time (parallel arrays,
    sorted by sensor id)."""

    ids: rolling.IntArray
    since: rolling.IntArray  # evaluated_to: readings after it are new
    until: rolling.IntArray  # last_ts

    def of(self, codes: rolling.IntArray) -> tuple[rolling.IntArray, rolling.IntArray]:
        at = np.searchsorted(self.ids, codes)
        return self.since[at], self.until[at]

    def take(self, keep: rolling.IntArray) -> _Pending:
        return _Pending(self.ids[keep], self.since[keep], self.until[keep])


@dataclass(frozen=True)
class _Judged:
    """The levels of one rule at the instants judged, and what to show with each."""

    codes: rolling.IntArray
    times: rolling.IntArray
    levels: rolling.IntArray
    values: FloatArray  # the number that decided the level (a window sum, a reading, a rate)
    details: Callable[[int], str] = lambda i: ""


def evaluate(sensor_ids: Collection[int] | None = None) -> Outcome:
    """Judge the pending readings of ``sensor_ids`` (all pending sensors when None, or when
    there are many: a superset is harmless, pending is pending)."""
    outcome = Outcome()
    with transaction.atomic():
        pending = _pending(sensor_ids)
        if not pending.ids.size:
            return outcome
        outcome.sensors = int(pending.ids.size)
        known = configs()
        hold = settings.ALARM_HOLD_MINUTES * 60
        for rule, members in _members().items():
            mine = np.isin(pending.ids, members, assume_unique=True)
            if mine.any():
                _judge(rule, pending.take(np.flatnonzero(mine)), known, hold, outcome)
        _close_stale(pending, outcome)
        whole = sensor_ids is None or len(set(sensor_ids)) > FEW
        _advance(pending, every_pending=whole)
    return outcome


def _advance(pending: _Pending, *, every_pending: bool) -> None:
    """Move the judged sensors' watermarks to the latest reading that was judged."""
    table = connection.ops.quote_name(SensorState._meta.db_table)
    with connection.cursor() as cursor:
        if every_pending and connection.vendor == "sqlite":
            # The transaction holds SQLite's one write lock (IMMEDIATE): no reading could have
            # arrived since the pending rows were read, so one statement moves them all.
            sql = f"UPDATE {table} SET evaluated_to = last_ts WHERE last_ts > evaluated_to"  # noqa: S608 - quoted
            cursor.execute(sql)
            return
        cursor.executemany(
            f"UPDATE {table} SET evaluated_to = %s WHERE sensor_id = %s",  # noqa: S608 - quoted
            list(zip(pending.until.tolist(), pending.ids.tolist(), strict=True)),
        )


FEW: Final = 500  # up to this many sensor ids go into the query; more: every pending sensor


def _pending(sensor_ids: Iterable[int] | None) -> _Pending:
    """The pending sensors' (id, watermark, latest) rows, locked (others skip them on
    PostgreSQL; SQLite's write lock is already held by the transaction)."""
    table = connection.ops.quote_name(SensorState._meta.db_table)
    sql = f"SELECT sensor_id, evaluated_to, last_ts FROM {table} WHERE last_ts > evaluated_to"  # noqa: S608 - quoted
    params: list[int] = []
    if sensor_ids is not None:
        ids = sorted(set(sensor_ids))
        if not ids:
            return _Pending(*(np.zeros(0, dtype=np.int64) for _ in range(3)))
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
    return _Pending(table_of[:, 0].copy(), table_of[:, 1].copy(), table_of[:, 2].copy())


_member_cache: tuple[int, dict[str, rolling.IntArray]] = (0, {})


def _members() -> dict[str, rolling.IntArray]:
    """Per rule: the sorted ids of the in-service sensors it applies to (per registry snapshot)."""
    global _member_cache  # noqa: PLW0603 - derived from the configs snapshot, replaced whole
    known = configs()
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


_RULES: dict[str, Callable[[_Pending, Mapping[int, Config], set[int]], _Judged | None]] = {}


def _rule(name: str) -> Callable[[Any], Any]:
    def register(fn: Any) -> Any:
        _RULES[name] = fn
        return fn

    return register


def _judge(
    rule: str, group: _Pending, known: Mapping[int, Config], hold: int, outcome: Outcome
) -> None:
    ids = set(group.ids.tolist())
    open_alarms = {
        alarm.sensor_id: alarm
        for alarm in Alarm.objects.filter(rule=rule, ended_at__isnull=True)
        if alarm.sensor_id in ids
    }
    judged = _RULES[rule](group, known, set(open_alarms))
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


# ---------------------------------------------------------------- loading


def _readings(
    group: _Pending, lookback: int
) -> tuple[rolling.IntArray, rolling.IntArray, FloatArray]:
    """(sensor, ts, value) of the group's sensors in (since − lookback, until], sorted."""
    if not group.ids.size:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    table = connection.ops.quote_name(Reading._meta.db_table)
    low = int(group.since.min()) - lookback
    high = int(group.until.max())
    parts = []
    with connection.cursor() as cursor:
        for start in range(0, group.ids.size, 900):
            chunk = group.ids[start : start + 900].tolist()
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT sensor_id, ts, value FROM {table} WHERE sensor_id IN ({marks})"  # noqa: S608 - quoted
                " AND ts > %s AND ts <= %s ORDER BY sensor_id, ts",
                [*chunk, low, high],
            )
            parts.extend(cursor.fetchall())
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    data = np.asarray(parts, dtype=np.float64)
    codes, times = data[:, 0].astype(np.int64), data[:, 1].astype(np.int64)
    since, _ = group.of(codes)
    keep = times > since - lookback  # each sensor's own look-back
    return codes[keep], times[keep], data[keep, 2]


def _hourly(group: _Pending, lookback: int, column: str) -> dict[int, float]:
    """Per sensor: SUM or MAX (``column``) of the hourly aggregates touching
    (since − lookback, until] — an upper bound of any window sum or reading in it."""
    if not group.ids.size:
        return {}
    table = connection.ops.quote_name(HourlyAggregate._meta.db_table)
    what = {"sum": "SUM(h.sum)", "max": "MAX(h.max)"}[column]
    low = int(group.since.min()) - lookback - HOUR
    out: dict[int, float] = {}
    with connection.cursor() as cursor:
        if group.ids.size > FEW:  # join the pending states: each sensor's own bounds, no id list
            state = connection.ops.quote_name(SensorState._meta.db_table)
            cursor.execute(
                f"SELECT h.sensor_id, {what} FROM {table} h JOIN {state} s"  # noqa: S608 - quoted
                " ON s.sensor_id = h.sensor_id WHERE s.last_ts > s.evaluated_to"
                " AND h.hour > s.evaluated_to - %s AND h.hour <= s.last_ts GROUP BY h.sensor_id",
                [lookback + HOUR],
            )
            return {int(s): float(v) for s, v in cursor.fetchall() if v is not None}
        for start in range(0, group.ids.size, 900):
            chunk = group.ids[start : start + 900].tolist()
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT h.sensor_id, {what} FROM {table} h WHERE sensor_id IN ({marks})"  # noqa: S608 - quoted
                " AND hour > %s AND hour <= %s GROUP BY sensor_id",
                [*chunk, low, int(group.until.max())],
            )
            out.update({int(s): float(v) for s, v in cursor.fetchall() if v is not None})
    return out


def _worth_loading(
    group: _Pending, open_ids: set[int], bound: Mapping[int, float], lowest: Mapping[int, float]
) -> _Pending:
    """The sensors with an open alarm, or whose bound reaches their lowest level."""
    keep = [
        i
        for i, sensor in enumerate(group.ids.tolist())
        if sensor in open_ids or bound.get(sensor, -np.inf) >= lowest[sensor]
    ]
    return group.take(np.asarray(keep, dtype=np.int64))


def _new_points(group: _Pending, codes: rolling.IntArray, times: rolling.IntArray) -> BoolArray:
    """The points after each sensor's watermark (up to its latest reading): the ones to judge."""
    since, until = group.of(codes)
    return (times > since) & (times <= until)


# ---------------------------------------------------------------- the rules


@_rule(Rule.RAINSTORM)
def _rainstorm(group: _Pending, known: Mapping[int, Config], open_ids: set[int]) -> _Judged | None:
    lowest = dict.fromkeys(group.ids.tolist(), signals.RAINSTORM_OBSERVED[0].mm)
    group = _worth_loading(group, open_ids, _hourly(group, RAIN_LOOKBACK, "sum"), lowest)
    codes, times, rain = _readings(group, RAIN_LOOKBACK)
    if not codes.size:
        return None
    at_codes, at_times = rolling.evaluation_points(codes, times, rain, RAIN_WINDOWS)
    keep = _new_points(group, at_codes, at_times)
    at_codes, at_times = at_codes[keep], at_times[keep]
    if not at_codes.size:
        return None
    sums, levels = signals.rainstorm(codes, times, rain, at=(at_codes, at_times))
    column = {float(h): j for j, h in enumerate(rolling.DEFAULT_HOURS)}
    decided = np.asarray(
        [column[float(t.hours)] for t in sorted(signals.RAINSTORM_OBSERVED, key=lambda r: r.level)]
    )
    values = sums[np.arange(levels.size), decided[np.maximum(levels, 0)]]

    def detail(i: int) -> str:
        return " · ".join(f"{h}h {sums[i, column[float(h)]]:g} mm" for h in (1, 3, 6, 12))

    return _Judged(at_codes, at_times, levels.astype(np.int64), values, detail)


@_rule(Rule.GALE)
def _gale(group: _Pending, known: Mapping[int, Config], open_ids: set[int]) -> _Judged | None:
    lowest = {
        s: GALE_GUST_MS if known[s].type == T.WIND_GUST else GALE_MEAN_MS
        for s in group.ids.tolist()
    }
    group = _worth_loading(group, open_ids, _hourly(group, 0, "max"), lowest)
    codes, times, speed = _readings(group, 0)
    if not codes.size:
        return None
    gust = np.asarray([known[int(c)].type == T.WIND_GUST for c in np.unique(codes)])
    is_gust = gust[np.searchsorted(np.unique(codes), codes)]
    force = signals.beaufort(speed)
    levels = signals.gale_levels(np.where(is_gust, -1, force), np.where(is_gust, force, -1))
    return _Judged(codes, times, levels.astype(np.int64), speed)


@_rule(Rule.THRESHOLD)
def _threshold(group: _Pending, known: Mapping[int, Config], open_ids: set[int]) -> _Judged | None:
    lowest = {
        s: min(v for v in (known[s].warn_on, known[s].alarm_on) if v is not None)
        for s in group.ids.tolist()
    }
    longest = max((MIN_SECONDS.get(known[s].type, 0) for s in group.ids.tolist()), default=0)
    group = _worth_loading(group, open_ids, _hourly(group, longest, "max"), lowest)
    codes, times, values = _readings(group, longest)
    codes, times, values, seeded = _seed_open(codes, times, values, group, known, open_ids)
    if not codes.size:
        return None
    index = rolling.SeriesIndex(codes, times)
    sensors = np.unique(codes)
    table = np.asarray([_threshold_row(known[int(s)]) for s in sensors.tolist()])
    per = table[np.searchsorted(sensors, codes)]  # one row of settings per reading
    warn_on, warn_off, alarm_on, alarm_off, minimum, low_level, high_level = per.T
    warn = signals.hysteresis(codes, times, values, on=warn_on, off=warn_off,
                              min_seconds=minimum.astype(np.int64), index=index)  # fmt: skip
    alarm = signals.hysteresis(codes, times, values, on=alarm_on, off=alarm_off,
                               min_seconds=minimum.astype(np.int64), index=index)  # fmt: skip
    levels = np.where(alarm, high_level, np.where(warn, low_level, -1))
    keep = _new_points(group, codes, times) & ~seeded
    return _Judged(codes[keep], times[keep], levels[keep].astype(np.int64), values[keep])


def _threshold_row(config: Config) -> tuple[float, ...]:
    """warn on/off, alarm on/off (an unset band never switches on), minimum seconds, levels."""
    low, high = THRESHOLD_LEVELS.get(config.type, DEFAULT_THRESHOLD_LEVELS)

    def band(on: float | None, off: float | None) -> tuple[float, float]:
        if on is None:
            return np.inf, np.inf
        return on, min(off if off is not None else on, on)

    return (
        *band(config.warn_on, config.warn_off),
        *band(config.alarm_on, config.alarm_off),
        float(MIN_SECONDS.get(config.type, 0)),
        float(low),
        float(high),
    )


def _seed_open(  # noqa: PLR0917 - the arrays and their context
    codes: rolling.IntArray,
    times: rolling.IntArray,
    values: FloatArray,
    group: _Pending,
    known: Mapping[int, Config],
    open_ids: set[int],
) -> tuple[rolling.IntArray, rolling.IntArray, FloatArray, Any]:
    """Put a virtual reading at the on threshold before the readings of each sensor whose
    threshold alarm is open and not clearing, so the hysteresis resumes switched on."""
    seeds = Alarm.objects.filter(
        rule=Rule.THRESHOLD, ended_at__isnull=True, cleared_at__isnull=True,
        sensor_id__in=sorted(open_ids & set(group.ids.tolist())),
    ).values_list("sensor_id", "level", "started_at")  # fmt: skip
    extra_c, extra_t, extra_v = [], [], []
    for sensor_id, level, started in seeds:
        config = known[sensor_id]
        high = THRESHOLD_LEVELS.get(config.type, DEFAULT_THRESHOLD_LEVELS)[1]
        on = config.alarm_on if level >= high else config.warn_on
        if on is None:
            continue
        mine = times[codes == sensor_id]
        first = int(mine.min()) if mine.size else int(started.timestamp()) + 1
        extra_c.append(sensor_id)
        extra_t.append(min(int(started.timestamp()), first - 1))
        extra_v.append(on)
    seeded = np.zeros(codes.size + len(extra_c), dtype=bool)
    if not extra_c:
        return codes, times, values, seeded[: codes.size]
    all_c = np.concatenate([codes, np.asarray(extra_c, dtype=np.int64)])
    all_t = np.concatenate([times, np.asarray(extra_t, dtype=np.int64)])
    all_v = np.concatenate([values, np.asarray(extra_v, dtype=np.float64)])
    seeded[codes.size :] = True
    order = np.lexsort((all_t, all_c))
    return all_c[order], all_t[order], all_v[order], seeded[order]


@_rule(Rule.RATE)
def _rate(group: _Pending, known: Mapping[int, Config], open_ids: set[int]) -> _Judged | None:
    codes, times, values = _readings(group, int(RATE_HOURS * HOUR))
    if not codes.size:
        return None
    rate = rolling.rate_of_change(codes, times, values, RATE_HOURS)
    limit = np.asarray([known[int(c)].rate or np.inf for c in codes.tolist()])
    levels = np.where(np.nan_to_num(np.abs(rate), nan=-1.0) >= limit, 3, -1)
    keep = _new_points(group, codes, times)
    return _Judged(codes[keep], times[keep], levels[keep].astype(np.int64), rate[keep])


# ---------------------------------------------------------------- saving


def _moment(epoch: int | None) -> dt.datetime | None:
    return None if epoch is None else dt.datetime.fromtimestamp(epoch, dt.UTC)


def _save(  # noqa: PLR0917 - one call site, all needed
    rule: str,
    found: list[Episode],
    judged: _Judged,
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


def _close_stale(pending: _Pending, outcome: Outcome) -> None:
    """Data arrived: a sensor's open 数据中断 alarm closes at its first new reading."""
    ids = set(pending.ids.tolist())
    stale = [
        alarm
        for alarm in Alarm.objects.filter(rule=Rule.STALE, ended_at__isnull=True)
        if alarm.sensor_id in ids
    ]
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
