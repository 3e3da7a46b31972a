"""Station map and sensor series API (``/api/monitoring/stations/latest``,
``/api/monitoring/sensors/{id}/series``): what the monitoring pages draw.

Like the alarm API (whose alarm shape it shares through :mod:`yingji.monitoring.selectors`)
every read needs ``Cap.VIEW_ALARMS`` and is limited to the caller's jurisdiction; a
sensor elsewhere is 404.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any, Final

import numpy as np
from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema

from yingji.core.permissions import Cap, require
from yingji.core.responses import compact_json
from yingji.core.scoping import get_scoped, scope
from yingji.kernels import rolling, signals
from yingji.monitoring import evaluation, thresholds
from yingji.monitoring.models import (
    Alarm,
    HourlyAggregate,
    Reading,
    Rule,
    Sensor,
    SensorType,
    Station,
    StationKind,
)
from yingji.monitoring.selectors import (
    MAX_PK,
    epoch_time,
    items,
    level_info,
    region_bounds,
    visible,
    with_related,
)

router = Router(tags=["monitoring"])

MAX_HOURS: Final = 720  # 30 days: the chart's longest span
RAW_HOURS: Final = 72  # raw readings up to this span, hourly aggregates beyond
MAX_RAW: Final = 20_000  # …and no more raw readings than this in the span (5 s gas detectors)
SUM_HOURS: Final = (1, 3, 6, 12)  # rain: the running sums the 暴雨 rule reads
MAX_SPAN_ALARMS: Final = 200


# ---------------------------------------------------------------- the station map


class MapQuery(Schema):
    region: str = Field("", max_length=12, description="region code (2–12 digits)")


DEVICE_RULES: Final = frozenset({Rule.STALE, Rule.STUCK})
"""Rules about the device rather than the weather or the plant: a station with only these
open is shown as 数据异常 (grey), not in an alarm colour."""
STATION_STATES: Final = (*signals.LEVELS, "stale", "ok", "nodata")


def station_map(actor: Any, *, region: str = "", now: dt.datetime | None = None) -> dict[str, Any]:
    """Every station in scope with its sensors' latest values and its colour: the highest
    level of its open alarms, else 数据异常 (a sensor silent too long or stuck), else fine, or
    no data yet. Three queries whatever the number of stations."""
    require(actor, Cap.VIEW_ALARMS)
    bounds = region_bounds(region.strip()) if region.strip() else None
    stations = scope(Station.objects.filter(voided_at__isnull=True), actor)
    sensors = scope(
        Sensor.objects.filter(voided_at__isnull=True, station__voided_at__isnull=True), actor
    )
    alarms = scope(Alarm.objects.filter(ended_at__isnull=True), actor)
    if bounds is not None:
        low, high = bounds
        stations = stations.filter(region_path__gte=low, region_path__lt=high)
        sensors = sensors.filter(station__region_path__gte=low, station__region_path__lt=high)
        alarms = alarms.filter(region_path__gte=low, region_path__lt=high)
    epoch = int((now or timezone.now()).timestamp())
    stale_after = settings.STALE_INTERVALS
    open_alarms: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for sensor_id, rule, level in alarms.values_list("sensor_id", "rule", "level"):
        open_alarms[sensor_id].append((rule, level))
    per_station: dict[int, list[dict[str, Any]]] = defaultdict(list)
    rows = sensors.order_by("station_id", "code").values_list(
        "pk", "station_id", "code", "type", "unit", "expected_interval_s", "active",
        "state__last_ts", "state__last_value",
    )  # fmt: skip
    for pk, station_id, code, kind, unit, interval, active, last_ts, last_value in rows:
        found = open_alarms.get(pk, ())
        level = max((lv for rule, lv in found if rule not in DEVICE_RULES), default=-1)
        silent = last_ts is not None and active and epoch - last_ts > stale_after * interval
        per_station[station_id].append(
            {
                "id": pk,
                "code": code,
                "type": kind,
                "unit": unit,
                "value": last_value,
                "at": epoch_time(last_ts),
                "level": level,
                "stale": silent or any(rule in DEVICE_RULES for rule, _ in found),
                "alarms": len(found),
            }
        )
    out = []
    counts = dict.fromkeys(STATION_STATES, 0)
    for pk, code, name, kind, lon, lat, active in stations.order_by("code").values_list(
        "pk", "code", "name", "kind", "lon", "lat", "active"
    ):
        members = per_station.get(pk, [])
        status = _status(members)
        counts[status] += 1
        out.append(
            {
                "id": pk, "code": code, "name": name, "kind": kind,
                "lon": lon, "lat": lat, "active": active,
                "status": status, "level": max((s["level"] for s in members), default=-1),
                "alarms": sum(s["alarms"] for s in members), "sensors": members,
            }
        )  # fmt: skip
    return {
        "count": len(out),
        "counts": counts,
        "kinds": dict(StationKind.choices),
        "types": dict(SensorType.choices),
        "stations": out,
    }


def _status(sensors: list[dict[str, Any]]) -> str:
    level = max((s["level"] for s in sensors), default=-1)
    if level >= 0:
        return signals.LEVELS[level]
    if any(s["stale"] for s in sensors):
        return "stale"
    if any(s["at"] is not None for s in sensors):
        return "ok"
    return "nodata"


@router.get(
    "/stations/latest",
    summary="Stations with their sensors' latest values and open-alarm colour (the map)",
    description="`status` is the highest level of the station's open alarms (blue … red), "
    "else `stale` (a sensor silent too long or stuck), `ok`, or `nodata` (never reported). "
    "Station kinds and sensor types are labelled once, in `kinds` and `types`. "
    "Compact JSON, gzipped when the client accepts it (a province is about 1.3 MB as text).",
)
def stations_latest(request: HttpRequest, filters: Query[MapQuery]) -> HttpResponse:
    return compact_json(request, station_map(request.user, region=filters.region))


# ---------------------------------------------------------------- a sensor's series


class SeriesQuery(Schema):
    hours: int = Field(24, ge=1, le=MAX_HOURS, description=f"1–{MAX_HOURS}")


def series(actor: Any, pk: int, *, hours: int, now: dt.datetime | None = None) -> dict[str, Any]:
    """A sensor's readings over the last ``hours``: raw up to :data:`RAW_HOURS` (and
    :data:`MAX_RAW` readings), hourly aggregates beyond; for rain gauges the running window
    sums; the thresholds that apply and the sensor's alarms in the span."""
    require(actor, Cap.VIEW_ALARMS)
    sensor = get_scoped(Sensor.objects.select_related("station"), actor, label="sensor", pk=pk)
    end = int((now or timezone.now()).timestamp())
    start = end - hours * 3600
    rain = sensor.type == SensorType.RAIN
    lookback = max(SUM_HOURS) * 3600 if rain else 0
    raw = hours <= RAW_HOURS and hours * 3600 // sensor.expected_interval_s <= MAX_RAW
    times: list[int] = []
    values: list[float] = []
    ranges: list[list[float]] = []
    if raw:
        found = list(
            Reading.objects.filter(sensor=sensor, ts__gt=start - lookback, ts__lte=end)
            .order_by("ts")
            .values_list("ts", "value")[: MAX_RAW * 2 + 1]
        )
        raw = len(found) <= MAX_RAW * 2
        if raw:
            times = [ts for ts, _ in found]
            values = [v for _, v in found]
    if not raw:
        hourly = (
            HourlyAggregate.objects.filter(
                sensor=sensor, hour__gte=start - lookback - 3600, hour__lt=end
            )
            .order_by("hour")
            .values_list("hour", "count", "sum", "min", "max")
        )
        for hour, count, total, low, high in hourly:
            if rain:  # mm in the hour, dated at its end like a gauge's reading
                times.append(hour + 3600)
                values.append(round(total, 4))
            else:
                times.append(hour)
                values.append(round(total / count, 4) if count else 0.0)
                ranges.append([hour * 1000, low, high])
    shown = [i for i, t in enumerate(times) if t > start]
    body: dict[str, Any] = {
        "sensor": {
            "id": sensor.pk,
            "code": sensor.code,
            "type": sensor.type,
            "type_label": sensor.get_type_display(),
            "unit": sensor.unit,
            "interval": sensor.expected_interval_s,
            "station": {"id": sensor.station.pk, "name": sensor.station.name},
        },
        "hours": hours,
        "start": epoch_time(start),
        "end": epoch_time(end),
        "resolution": "raw" if raw else "hour",
        "points": [[times[i] * 1000, values[i]] for i in shown],
        "ranges": [r for r in ranges if r[0] > start * 1000],
        "thresholds": thresholds.effective(sensor),
        "lines": lines(sensor, thresholds.effective(sensor)),
        "alarms": _alarms_between(actor, sensor, start, end),
    }
    if rain:
        body["sums"] = _sums(times, values, shown)
    return body


def _sums(times: list[int], values: list[float], shown: list[int]) -> dict[str, Any]:
    """Running rain sums over (t − h, t] at each shown reading, for h in :data:`SUM_HOURS`."""
    if not shown:
        return {str(h): [] for h in SUM_HOURS}
    sums = rolling.window_sums(np.zeros(len(times), dtype=np.int64), times, values, SUM_HOURS)
    return {
        str(h): [[times[i] * 1000, round(float(sums[i, j]), 3)] for i in shown]
        for j, h in enumerate(SUM_HOURS)
    }


def lines(sensor: Sensor, limits: dict[str, Any]) -> list[dict[str, Any]]:
    """The thresholds to draw on the chart: each a value on a series with the level it starts."""
    if sensor.type == SensorType.RAIN:
        return [
            {
                "series": f"sum{w.hours:g}", "value": w.mm, "level": w.level,
                **level_info(w.level),
                "text": f"{level_info(w.level)['label']} {w.hours:g} h ≥ {w.mm:g} mm",
            }
            for w in signals.RAINSTORM_OBSERVED
        ]  # fmt: skip
    if sensor.type in (SensorType.WIND_SPEED, SensorType.WIND_GUST):
        forces = (
            signals.GALE_MEAN_FROM if sensor.type == SensorType.WIND_SPEED
            else signals.GALE_GUST_FROM
        )  # fmt: skip
        return [
            {
                "series": "value", "value": signals.BEAUFORT_FROM_MS[force - 1], "level": level,
                **level_info(level),
                "text": f"{level_info(level)['label']} ≥ {force} 级",
            }
            for level, force in enumerate(forces)
        ]  # fmt: skip
    warn, alarm = evaluation.THRESHOLD_LEVELS.get(sensor.type, evaluation.DEFAULT_THRESHOLD_LEVELS)
    found = []
    for name, level in (("warn_on", warn), ("alarm_on", alarm)):
        value = limits.get(name)
        if value is not None:
            label = Sensor._meta.get_field(name).verbose_name
            found.append(
                {
                    "series": "value", "value": value, "level": level, **level_info(level),
                    "text": f"{level_info(level)['label']} {label} {value:g} {sensor.unit}",
                }
            )  # fmt: skip
    return found


def _alarms_between(actor: Any, sensor: Sensor, start: int, end: int) -> list[dict[str, Any]]:
    since, until = epoch_time(start), epoch_time(end)
    qs = (
        visible(actor)
        .filter(sensor=sensor, started_at__lte=until)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=since))
        .order_by("started_at", "pk")
    )
    return items(with_related(qs)[:MAX_SPAN_ALARMS])


@router.get(
    "/sensors/{int:pk}/series",
    summary="A sensor's readings of the last N hours, thresholds, window sums and alarms",
    description=f"Raw readings up to {RAW_HOURS} h, hourly aggregates beyond (and for fast "
    "sensors whose span would hold too many readings). Rain gauges also get the running "
    "1/3/6/12-hour sums (`sums`). Times are epoch milliseconds.",
)
def sensor_series(
    request: HttpRequest, filters: Query[SeriesQuery], pk: int = Path(..., ge=1, le=MAX_PK)
) -> dict[str, Any]:
    return series(request.user, pk, hours=filters.hours)
