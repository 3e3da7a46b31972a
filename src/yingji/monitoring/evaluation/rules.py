"""The rules of :mod:`yingji.monitoring.evaluation`: what each needs loaded, and the levels it
gives at the instants it judges, vectorised over all the sensors of the rule at once.

Each rule (``rainstorm``, ``gale``, ``threshold``, ``rate``) takes the pending sensors of its
kind and answers a :class:`Judged`: sensor, instant, level (-1 none, 0..3 蓝…红) and the value
that decided it. A rule skips the sensors whose stored hourly aggregates prove they cannot
reach their lowest level (an exact bound), so quiet sensors cost no read of their series.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from django.db import connection

from yingji.kernels import rolling, signals
from yingji.kernels.arrays import BoolArray, FloatArray
from yingji.monitoring.models import Alarm, HourlyAggregate, Reading, Rule, SensorState, SensorType

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


@dataclass(frozen=True)
class Pending:
    """Sensors of one rule with their watermark and latest reading time (parallel arrays,
    sorted by sensor id)."""

    ids: rolling.IntArray
    since: rolling.IntArray  # evaluated_to: readings after it are new
    until: rolling.IntArray  # last_ts

    def of(self, codes: rolling.IntArray) -> tuple[rolling.IntArray, rolling.IntArray]:
        at = np.searchsorted(self.ids, codes)
        return self.since[at], self.until[at]

    def take(self, keep: rolling.IntArray) -> Pending:
        return Pending(self.ids[keep], self.since[keep], self.until[keep])


@dataclass(frozen=True)
class Judged:
    """The levels of one rule at the instants judged, and what to show with each."""

    codes: rolling.IntArray
    times: rolling.IntArray
    levels: rolling.IntArray
    values: FloatArray  # the number that decided the level (a window sum, a reading, a rate)
    details: Callable[[int], str] = lambda i: ""


FEW: Final = 500  # up to this many sensor ids go into the query; more: every pending sensor


RULES: dict[str, Callable[[Pending, Mapping[int, Config], set[int]], Judged | None]] = {}


def _rule(name: str) -> Callable[[Any], Any]:
    def register(fn: Any) -> Any:
        RULES[name] = fn
        return fn

    return register


# ---------------------------------------------------------------- loading


def _readings(
    group: Pending, lookback: int
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


def _hourly(group: Pending, lookback: int, column: str) -> dict[int, float]:
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
    group: Pending, open_ids: set[int], bound: Mapping[int, float], lowest: Mapping[int, float]
) -> Pending:
    """The sensors with an open alarm, or whose bound reaches their lowest level."""
    keep = [
        i
        for i, sensor in enumerate(group.ids.tolist())
        if sensor in open_ids or bound.get(sensor, -np.inf) >= lowest[sensor]
    ]
    return group.take(np.asarray(keep, dtype=np.int64))


def _new_points(group: Pending, codes: rolling.IntArray, times: rolling.IntArray) -> BoolArray:
    """The points after each sensor's watermark (up to its latest reading): the ones to judge."""
    since, until = group.of(codes)
    return (times > since) & (times <= until)


# ---------------------------------------------------------------- the rules


@_rule(Rule.RAINSTORM)
def _rainstorm(group: Pending, known: Mapping[int, Config], open_ids: set[int]) -> Judged | None:
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

    return Judged(at_codes, at_times, levels.astype(np.int64), values, detail)


@_rule(Rule.GALE)
def _gale(group: Pending, known: Mapping[int, Config], open_ids: set[int]) -> Judged | None:
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
    return Judged(codes, times, levels.astype(np.int64), speed)


@_rule(Rule.THRESHOLD)
def _threshold(group: Pending, known: Mapping[int, Config], open_ids: set[int]) -> Judged | None:
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
    return Judged(codes[keep], times[keep], levels[keep].astype(np.int64), values[keep])


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
    group: Pending,
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
def _rate(group: Pending, known: Mapping[int, Config], open_ids: set[int]) -> Judged | None:
    codes, times, values = _readings(group, int(RATE_HOURS * HOUR))
    if not codes.size:
        return None
    rate = rolling.rate_of_change(codes, times, values, RATE_HOURS)
    limit = np.asarray([known[int(c)].rate or np.inf for c in codes.tolist()])
    levels = np.where(np.nan_to_num(np.abs(rate), nan=-1.0) >= limit, 3, -1)
    keep = _new_points(group, codes, times)
    return Judged(codes[keep], times[keep], levels[keep].astype(np.int64), rate[keep])
