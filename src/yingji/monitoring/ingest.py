"""Ingest of sensor readings: the one use case HTTP, MQTT and file replay all go through.

Its own module rather than ``services.py`` because it is the hot path (a million readings in
seconds) and shares nothing with the registry and alarm services.

Policy (returned to callers as :data:`POLICY`): every row is checked; the valid rows are
stored and each invalid row is reported with its 1-based row number in the batch and the
reason. Storing is idempotent on (sensor, timestamp): a reading already stored is counted as
a duplicate and left as it was (the first value wins), so resending a batch changes nothing.
A batch with no valid row stores nothing (the HTTP API answers 422). This deliberately
differs from the registries' all-or-nothing imports: a gateway resending a batch because one
reading of one broken sensor is bad would stall every other sensor's data.

Durability: the rows are written in one transaction, together with the hourly aggregates and
each sensor's latest value (:class:`~yingji.monitoring.models.SensorState`), and
:func:`ingest` returns after it committed, so a caller acknowledges only stored readings. On
SQLite (WAL, ``synchronous=NORMAL``, see ``settings._database``) a committed transaction
survives the process being killed; a power cut or OS crash may lose the last transactions,
which ``synchronous=FULL`` would prevent at a cost. On PostgreSQL the commit waits for the
WAL flush (``synchronous_commit=on``, the default).

Checks, in this order (the first failing one is reported): row shape (three fields: sensor,
ts, value); sensor known, within the caller's jurisdiction (one outside is reported as
unknown, never revealed) and in service (sensor and station not voided nor inactive);
timestamp ISO 8601 with a UTC offset or epoch seconds, at most :data:`FUTURE_SLACK` ahead of
now and not older than the retention period (``settings.READING_RETENTION_DAYS``; a fraction
of a second is dropped: one reading per sensor and second); value a finite number within the
physical range of the sensor's type and unit (:func:`physical_range`); no second reading of
the same sensor at the same instant in the batch. Sensors are resolved from an in-memory
snapshot of the registry (:func:`_network`), each distinct timestamp string is parsed once,
and rows go to the database with one ``executemany`` per chunk.

Readings older than the retention horizon are refused because raw rows that old are deleted
(:func:`yingji.monitoring.services.purge_readings`) and the aggregate of an hour whose raw
rows are gone could no longer be recomputed exactly (see :func:`_recount_hours`).

Alarms: in the same transaction, the rules judge the new readings of the sensors in the batch
(:func:`yingji.monitoring.evaluation.evaluate`), so readings and their alarms commit together
and an alarm is visible when the post is answered. The rules run in a savepoint: a failure
there is logged and undone alone, never refusing the readings; the periodic sweep judges
whatever is still pending.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from yingji.core import metrics
from yingji.core.errors import Forbidden
from yingji.core.permissions import Cap, has
from yingji.core.scoping import jurisdiction_of
from yingji.kernels import codes
from yingji.monitoring import evaluation, network
from yingji.monitoring.models import (
    HourlyAggregate,
    Reading,
    Sensor,
    SensorState,
    SensorType,
    Station,
    Unit,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User

logger = logging.getLogger(__name__)
FUTURE_SLACK: Final = dt.timedelta(minutes=5)  # device clocks drift; more is a wrong clock
CHUNK: Final = 5000
SMALL: Final = 100
"""Rows up to which a write is one multi-row statement (one round trip rather than one per
row; at most 600 parameters, under SQLite's 999); larger batches go by ``executemany``."""
MAX_CODE: Final = 48  # Sensor.code's length
MAX_TEXT: Final = 40  # a timestamp or a number longer than this is not one
FIELDS: Final = ("sensor", "ts", "value")

POLICY: Final = (
    "Valid rows are stored and each invalid row is reported with its 1-based row number "
    "and the reason; a reading already stored for the same sensor and timestamp is counted "
    "as a duplicate and left unchanged, so resending a batch is safe. A batch with no valid "
    "row stores nothing (HTTP 422). The response is sent after the rows are committed."
)

T = SensorType
# Physical ranges of readings: outside them the value is a fault (or a wrong unit), not data.
_UNIT_RANGE: Final[Mapping[str, tuple[float, float]]] = {
    Unit.MM: (0.0, math.inf),
    Unit.M: (-math.inf, math.inf),
    Unit.M_S: (0.0, 150.0),  # the strongest gust measured is 113 m/s
    Unit.CELSIUS: (-273.15, math.inf),
    Unit.LEL: (0.0, 100.0),
    Unit.PPM: (0.0, 1_000_000.0),
    Unit.MPA: (-0.1013, math.inf),  # gauge pressure: no lower than a full vacuum
    Unit.KPA: (-101.3, math.inf),
    Unit.PERCENT: (0.0, 100.0),
}
_TYPE_RANGE: Final[Mapping[str, tuple[float, float]]] = {
    T.RAIN: (0.0, 2000.0),  # per interval; the 24-hour world record is 1,825 mm
    T.TEMPERATURE: (-90.0, 65.0),  # air: the records are −89.2 ℃ and 56.7 ℃
    T.DISPLACEMENT: (-math.inf, math.inf),  # a crack can close: signed millimetres
}


@functools.cache
def physical_range(sensor_type: str, unit: str) -> tuple[float, float]:
    """The closed interval a reading of this type in this unit must fall in."""
    return _TYPE_RANGE.get(sensor_type) or _UNIT_RANGE.get(unit, (-math.inf, math.inf))


@dataclass
class Result:
    accepted: int = 0  # readings newly stored
    duplicates: int = 0  # valid readings that were already stored
    rejected: list[dict[str, Any]] = field(default_factory=list)  # {row, sensor, reason}
    policy: str = POLICY

    @property
    def valid(self) -> int:
        return self.accepted + self.duplicates


@dataclass(frozen=True)
class _Sensor:
    id: int
    problem: str | None  # why its readings are refused, or None
    low: float
    high: float


UNKNOWN: Final = "unknown sensor"
TIME_FORMAT: Final = "timestamp must be ISO 8601 with a UTC offset, or epoch seconds"


def may_post(actor: User | AnonymousUser) -> None:
    """Readings come from sensor gateways (machine accounts) or registry staff, not from any
    signed-in viewer; each sensor must also lie in the poster's jurisdiction."""
    if not actor.is_authenticated:
        raise Forbidden("Sign in, or send a sensor gateway's API token")
    if not (getattr(actor, "is_machine", False) or has(actor, Cap.EDIT_REGISTRY)):
        raise Forbidden(
            "Readings are posted by sensor gateways (machine accounts) or registry staff",
            code="not_a_gateway",
        )


def ingest(
    actor: User | AnonymousUser,
    rows: Iterable[Mapping[str, Any] | Sequence[Any]],
    *,
    now: dt.datetime | None = None,
) -> Result:
    """Check ``rows`` (``{"sensor", "ts", "value"}`` mappings or 3-sequences), store the valid
    ones in one transaction and report the rest; see the module's policy."""
    may_post(actor)
    now = now or timezone.now()
    result = Result()
    triples = _shape(rows, result.rejected)
    version = network.version()  # once a batch: the snapshots of ingest and the rules share it
    wanted = {code for _, code, _, _ in triples if isinstance(code, str)}
    sensors = _sensors(actor, wanted, version)
    oldest = now - dt.timedelta(days=settings.READING_RETENTION_DAYS)
    times = _times({ts for _, _, ts, _ in triples}, oldest, now + FUTURE_SLACK)
    checked = _check(triples, sensors, times, result.rejected)
    result.rejected.sort(key=lambda item: item["row"])
    if checked.rows:
        with transaction.atomic():
            result.accepted = _store(checked.rows)
            if result.accepted == len(checked.rows):
                _add_to_hours(checked.hours)
            else:
                _recount_hours(checked.hours)
            _note_latest(checked.latest)
            _judge([sensor for sensor, _, _ in checked.latest], version)
        result.duplicates = len(checked.rows) - result.accepted
    metrics.count_readings(
        accepted=result.accepted, duplicates=result.duplicates, refused=len(result.rejected)
    )
    return result


def _judge(sensor_ids: list[int], version: tuple[Any, ...]) -> None:
    """Run the rules on the batch in the same transaction (one commit for readings and
    alarms), inside a savepoint: a rule failure is undone alone and never fails the ingest."""
    try:
        with transaction.atomic():
            evaluation.evaluate(sensor_ids, version=version)
    except Exception:  # the readings stay; the sweep retries the pending ones
        # Unless the savepoint could not be undone, or not even made (the connection was
        # lost): then the readings cannot be committed, and the caller must not be told so.
        if transaction.get_rollback() or not connection.is_usable():
            raise
        logger.exception(
            "alarm evaluation failed for %d sensors; the sweep will retry", len(sensor_ids)
        )


def _shape(
    rows: Iterable[Mapping[str, Any] | Sequence[Any]], rejected: list[dict[str, Any]]
) -> list[tuple[int, Any, Any, Any]]:
    """(row number, sensor, ts, value) of each well-formed row; the rest go to ``rejected``."""
    out: list[tuple[int, Any, Any, Any]] = []
    append = out.append
    for number, row in enumerate(rows, 1):
        if type(row) is dict and len(row) == 3:  # the common case, decoded JSON: fast checks
            code, ts, value = row.get("sensor"), row.get("ts"), row.get("value")
            kind = type(ts)
            if (
                code
                and (kind is str or kind is int or kind is float)
                and ts != ""
                and (value is not None and value != "")
            ):
                append((number, code, ts, value))
                continue
        shaped = _shape_one(number, row, rejected)
        if shaped is not None:
            append(shaped)
    return out


def _shape_one(
    number: int, row: Any, rejected: list[dict[str, Any]]
) -> tuple[int, Any, Any, Any] | None:
    """One row the fast path did not take: well-formed, or rejected with the reason."""
    if isinstance(row, Mapping):
        if not (len(row) == 3 and "sensor" in row and "ts" in row and "value" in row):
            _reject(rejected, number, row.get("sensor"), _shape_problem(row))
            return None
        code, ts, value = row["sensor"], row["ts"], row["value"]
    elif isinstance(row, (list, tuple)) and len(row) == 3:
        code, ts, value = row
    else:
        count = len(row) if isinstance(row, (list, tuple)) else 0
        _reject(rejected, number, None, f"expected 3 fields (sensor, ts, value), got {count}")
        return None
    if code is None or code == "":
        _reject(rejected, number, None, "missing field sensor")
    elif ts is None or ts == "":
        _reject(rejected, number, code, "missing field ts")
    elif not isinstance(ts, (str, int, float)) or isinstance(ts, bool):
        _reject(rejected, number, code, TIME_FORMAT)
    elif value is None or value == "":
        _reject(rejected, number, code, "missing field value")
    else:
        return (number, code, ts, value)
    return None


def _shape_problem(row: Mapping[str, Any]) -> str:
    unknown = sorted(str(key)[:20] for key in row if key not in FIELDS)
    if unknown:
        return f"unknown field {unknown[0]!r} (expected sensor, ts, value)"
    missing = [name for name in FIELDS if name not in row]
    return f"missing field {missing[0]}"


def _reject(rejected: list[dict[str, Any]], number: int, code: Any, reason: str) -> None:
    shown = code[:MAX_CODE] if isinstance(code, str) else None
    rejected.append({"row": number, "sensor": shown, "reason": reason})


def _sensors(
    actor: User | AnonymousUser, raw_codes: set[str], version: tuple[Any, ...]
) -> dict[str, _Sensor]:
    """Each raw code's sensor within ``actor``'s jurisdiction, case-insensitive (``version``:
    the registry's, :func:`yingji.monitoring.network.version`)."""
    jurisdiction = jurisdiction_of(actor)
    if jurisdiction.nothing:
        return {}
    low, high = (
        ("", "\uffff") if jurisdiction.everything else codes.subtree_bounds(jurisdiction.path or "")
    )
    by_code = _network(version)
    found: dict[str, _Sensor] = {}
    for raw in raw_codes:
        entry = by_code.get(raw)  # gateways send the code as registered
        if entry is None and len(raw) <= MAX_CODE:
            entry = by_code.get(raw.strip().upper())
        if entry is not None and low <= entry[0] < high:  # outside: as if it did not exist
            found[raw] = entry[1]
    return found


_cache: tuple[tuple[Any, ...], dict[str, tuple[str, _Sensor]]] = ((), {})


def _network(current: tuple[Any, ...]) -> dict[str, tuple[str, _Sensor]]:
    """Every sensor by code, with its station's region path; reloaded when the registry changed
    (``current``: :func:`yingji.monitoring.network.version`, one cheap query per batch)."""
    global _cache  # noqa: PLW0603 - one immutable snapshot, replaced whole
    if _cache[0] == current:
        return _cache[1]
    quote = connection.ops.quote_name
    sensors, stations = quote(Sensor._meta.db_table), quote(Station._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.code, s.id, s.type, s.unit, st.region_path, s.active AND st.active"  # noqa: S608 - quoted names
            f" AND s.voided_at IS NULL AND st.voided_at IS NULL FROM {sensors} s"
            f" JOIN {stations} st ON st.id = s.station_id"
        )
        found = {}
        for code, pk, kind, unit, path, in_service in cursor.fetchall():
            low, high = physical_range(kind, unit)
            problem = None if in_service else "sensor is not in service"
            found[code] = (path, _Sensor(pk, problem, low, high))
    _cache = (current, found)
    return found


# What a timestamp became: (epoch seconds, start of its hour in epoch seconds) or a problem.
_Time = tuple[int, int] | str


def _times(raw_times: set[Any], oldest: dt.datetime, latest: dt.datetime) -> dict[Any, _Time]:
    """Parse each distinct timestamp once (a gateway's batch shares a few instants)."""
    out: dict[Any, _Time] = {}
    too_old = (
        f"timestamp is older than the retention period ({settings.READING_RETENTION_DAYS} "
        "days); readings that old are not kept"
    )
    for raw in raw_times:
        moment = _parse_time(raw)
        if isinstance(moment, str):
            out[raw] = moment
        elif moment > latest:
            out[raw] = "timestamp is in the future (more than 5 minutes ahead of the server)"
        elif moment < oldest:
            out[raw] = too_old
        else:
            epoch = math.floor(moment.timestamp())
            out[raw] = (epoch, epoch - epoch % 3600)
    return out


def _parse_time(raw: Any) -> dt.datetime | str:
    if isinstance(raw, str):
        text = raw.strip()
        if len(text) > MAX_TEXT:
            return "timestamp is not ISO 8601 (too long)"
        if not text.replace(".", "", 1).isdigit():
            return _parse_iso(text)
        raw = float(text)  # epoch seconds, as many loggers write them
    if isinstance(raw, (int, float)):
        try:
            return dt.datetime.fromtimestamp(raw, dt.UTC)
        except (OverflowError, OSError, ValueError):
            return "timestamp is out of range (epoch seconds expected)"
    return TIME_FORMAT


def _parse_iso(text: str) -> dt.datetime | str:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return "timestamp is not ISO 8601 (e.g. 2024-07-01T08:00:00+08:00)"
    if moment.utcoffset() is None:
        return "timestamp has no UTC offset (add +08:00 or Z)"
    return moment


Row = tuple[int, int, float]  # sensor id, epoch seconds, value
HourRow = tuple[int, int, int, float, float, float]  # sensor, hour, count, sum, min, max
_BAD: Final = np.iinfo(np.int64).min


@dataclass(frozen=True)
class Checked:
    """The valid rows in database form, the batch's figures per (sensor, hour), and each
    sensor's latest (ts, value) in the batch."""

    rows: list[Row]
    hours: list[HourRow]
    latest: list[Row]


def _check(
    triples: list[tuple[int, Any, Any, Any]],
    sensors: dict[str, _Sensor],
    times: dict[Any, _Time],
    rejected: list[dict[str, Any]],
) -> Checked:
    """Check every row, vectorised: one pass to look each field up, numpy for the rest.

    A row failing any check goes through :func:`_reason`, which names the first failing
    check in the documented order; the common case (every row valid) never does.
    """
    n = len(triples)
    if not n:
        return Checked([], [], [])
    known = list(sensors.values())
    position = {code: i for i, code in enumerate(sensors)}
    where = [position.get(code, -1) if type(code) is str else -1 for _, code, _, _ in triples]
    epochs = {raw: t[0] for raw, t in times.items() if type(t) is tuple}
    seconds = [epochs.get(ts, _BAD) for _, _, ts, _ in triples]
    values = [v if type(v) is float else _number(v) for _, _, _, v in triples]
    at = np.asarray(where, dtype=np.int64)
    epoch = np.asarray(seconds, dtype=np.int64)
    value = np.asarray(values, dtype=np.float64)
    # one row per known sensor (id, low, high, in service); a placeholder row when none is
    rows = [(float(s.id), s.low, s.high, float(s.problem is None)) for s in known]
    table = np.asarray(rows or [(0.0, 0.0, 0.0, 0.0)])
    own = np.where(at >= 0, at, 0)
    sensor_id = table[own, 0].astype(np.int64)
    with np.errstate(invalid="ignore"):
        good = (
            (at >= 0)
            & table[own, 3].astype(bool)
            & (epoch != _BAD)
            & np.isfinite(value)
            & (value >= table[own, 1])
            & (value <= table[own, 2])
        )
    key = (sensor_id << 32) | (epoch & 0xFFFFFFFF)
    good_rows = np.flatnonzero(good)
    _, first, inverse = np.unique(key[good_rows], return_index=True, return_inverse=True)
    first_row = good_rows[first][inverse.reshape(-1)]
    duplicate = np.zeros(n, dtype=bool)
    duplicate[good_rows] = first_row != good_rows
    for i in np.flatnonzero(~good | duplicate).tolist():
        number, code, ts, _ = triples[i]
        if duplicate[i]:
            original = triples[int(first_row[np.searchsorted(good_rows, i)])][0]
            reason = f"duplicate of row {original} in this batch"
        else:
            reason = _reason(
                sensors.get(code) if isinstance(code, str) else None, times[ts], values[i]
            )
        _reject(rejected, number, code, reason)
    keep = good & ~duplicate
    return _figures(sensor_id[keep], epoch[keep], value[keep])


def _figures(sensor: Any, epoch: Any, value: Any) -> Checked:
    """Rows, per-hour figures and latest readings of the valid rows (numpy arrays)."""
    rows = list(zip(sensor.tolist(), epoch.tolist(), value.tolist(), strict=True))
    if not rows:
        return Checked([], [], [])
    hour = epoch - epoch % 3600
    groups, inverse = np.unique((sensor << 32) | hour, return_inverse=True)
    inverse = inverse.reshape(-1)
    count = np.bincount(inverse)
    total = np.bincount(inverse, weights=value)
    low = np.full(groups.size, np.inf)
    high = np.full(groups.size, -np.inf)
    np.minimum.at(low, inverse, value)
    np.maximum.at(high, inverse, value)
    hours = list(
        zip((groups >> 32).tolist(), (groups & 0xFFFFFFFF).tolist(), count.tolist(),
            total.tolist(), low.tolist(), high.tolist(), strict=True)
    )  # fmt: skip
    order = np.lexsort((epoch, sensor))
    last = order[np.append(sensor[order][1:] != sensor[order][:-1], True)]
    latest = list(
        zip(sensor[last].tolist(), epoch[last].tolist(), value[last].tolist(), strict=True)
    )
    return Checked(rows, hours, latest)


def _reason(sensor: _Sensor | None, moment: _Time, value: float) -> str:
    """Why a row is refused: the first failing check, in the documented order."""
    if sensor is None:
        return UNKNOWN
    if sensor.problem:
        return sensor.problem
    if isinstance(moment, str):
        return moment
    if not math.isfinite(value):
        return "value is not a finite number"
    return _range_problem(value, sensor)


def _number(value: Any) -> float:
    """A reading's value as a float; NaN when it is not a number (refused by the check)."""
    kind = type(value)
    if kind is float or kind is int:
        return float(value)
    if kind is str and len(value) <= MAX_TEXT and "_" not in value:
        try:
            return float(value)
        except ValueError:
            return math.nan
    return math.nan


def _range_problem(value: float, sensor: _Sensor) -> str:
    if value < sensor.low:
        return f"value {value:g} is below the physical minimum {sensor.low:g}"
    return f"value {value:g} is above the physical maximum {sensor.high:g}"


def _write(head: str, values: str, tail: str, rows: Sequence[tuple[Any, ...]]) -> int:
    """Run ``{head} VALUES {values} {tail}`` for every row: as one statement with a row of
    ``values`` per row for a small batch, else by ``executemany`` in chunks; returns the
    number of rows the database reports as changed (for ``INSERT``: inserted)."""
    with connection.cursor() as cursor:
        if len(rows) <= SMALL:
            marks = ", ".join([values] * len(rows))
            cursor.execute(f"{head} VALUES {marks} {tail}", [v for row in rows for v in row])
            return int(cursor.rowcount)
        changed = 0
        for start in range(0, len(rows), CHUNK):
            cursor.executemany(f"{head} VALUES {values} {tail}", rows[start : start + CHUNK])
            changed += cursor.rowcount
        return changed


def _store(valid: list[Row]) -> int:
    """Insert the rows, skipping those already stored; returns how many were new."""
    quote = connection.ops.quote_name
    return _write(
        f"INSERT INTO {quote(Reading._meta.db_table)} ({quote('sensor_id')}, {quote('ts')},"
        f" {quote('value')})",
        "(%s, %s, %s)",
        f"ON CONFLICT ({quote('sensor_id')}, {quote('ts')}) DO NOTHING",
        valid,
    )


def _add_to_hours(hours: list[HourRow]) -> None:
    """Every valid row was new: add the batch's per-hour figures to the stored ones."""
    quote = connection.ops.quote_name
    table = quote(HourlyAggregate._meta.db_table)
    _write(  # one row per (sensor, hour): the batch's figures are grouped (see _figures)
        f"INSERT INTO {table} (sensor_id, hour, count, sum, min, max)",
        "(%s, %s, %s, %s, %s, %s)",
        "ON CONFLICT (sensor_id, hour) DO UPDATE SET"
        f" count = {table}.count + excluded.count, sum = {table}.sum + excluded.sum,"
        f" min = CASE WHEN excluded.min < {table}.min THEN excluded.min ELSE {table}.min END,"
        f" max = CASE WHEN excluded.max > {table}.max THEN excluded.max ELSE {table}.max END",
        hours,
    )


def _recount_hours(hours: list[HourRow]) -> None:
    """Some rows were already stored: recompute the hours the batch touched from the raw rows
    (which rows were new is not known after ``ON CONFLICT DO NOTHING``)."""
    quote = connection.ops.quote_name
    table = quote(HourlyAggregate._meta.db_table)
    readings = quote(Reading._meta.db_table)
    sql = (
        f"INSERT INTO {table} (sensor_id, hour, count, sum, min, max)"  # noqa: S608 - quoted
        f" SELECT %s, %s, COUNT(*), SUM(value), MIN(value), MAX(value) FROM {readings}"
        " WHERE sensor_id = %s AND ts >= %s AND ts < %s"
        " ON CONFLICT (sensor_id, hour) DO UPDATE SET count = excluded.count,"
        " sum = excluded.sum, min = excluded.min, max = excluded.max"
    )
    rows = [(sensor, hour, sensor, hour, hour + 3600) for sensor, hour, *_ in hours]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            cursor.executemany(sql, rows[start : start + CHUNK])


def _note_latest(latest: list[Row]) -> None:
    """Each sensor's latest reading, kept only if it is newer than the one already noted."""
    quote = connection.ops.quote_name
    table = quote(SensorState._meta.db_table)
    newer = f"excluded.last_ts > {table}.last_ts"
    _write(  # one row per sensor (see _figures)
        f"INSERT INTO {table} (sensor_id, last_ts, last_value, evaluated_to)",
        "(%s, %s, %s, 0)",
        "ON CONFLICT (sensor_id) DO UPDATE SET"
        f" last_value = CASE WHEN {newer} THEN excluded.last_value ELSE {table}.last_value END,"
        f" last_ts = CASE WHEN {newer} THEN excluded.last_ts ELSE {table}.last_ts END",
        latest,
    )
