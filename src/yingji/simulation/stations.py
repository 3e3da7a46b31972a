"""The stations of a run's scope and their replayed readings, posted through the real ingest.

Every in-service sensor of a kind the typhoon kernel models (rain, mean wind, water level,
landslide displacement — :data:`yingji.kernels.typhoon.SENSOR_TYPES`, in the kernel's unit)
at a station of the scope gets a reading at every step. The whole series is computed once,
vectorised (:func:`yingji.kernels.typhoon.readings`); each step's column is then posted by the
simulated gateway account through :func:`yingji.monitoring.ingest.ingest`, the function the
HTTP and MQTT endpoints call, so storing, aggregating and the alarm rules are the real ones.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from yingji.core.models import User
from yingji.kernels import typhoon
from yingji.monitoring.ingest import ingest
from yingji.monitoring.models import Sensor

_BY_TYPE = {typhoon.SENSOR_TYPES[k]: (k, typhoon.UNITS[k]) for k in typhoon.KINDS}


@dataclass(frozen=True)
class Network:
    """The scope's replayed sensors, sorted by id, with their series."""

    ids: list[int]
    codes: list[str]
    kinds: list[str]
    paths: list[str]
    times: list[dt.datetime]  # recorded (shifted) instants, one per step
    values: Any  # numpy array (steps, sensors)

    def column(self, step: int) -> list[tuple[str, int, float]]:
        """The rows a gateway posts at ``step``: (sensor code, epoch seconds, value)."""
        epoch = int(self.times[step].timestamp())
        return [(c, epoch, float(v)) for c, v in zip(self.codes, self.values[step], strict=True)]

    def peak_time(self, sensor_id: int, after: int) -> dt.datetime:
        """When the sensor's series peaks from step ``after`` on (the forecast an officer has)."""
        i = self.ids.index(sensor_id)
        tail = self.values[after:, i]
        return self.times[after + int(np.argmax(tail))] if tail.size else self.times[-1]


def load(
    scope: str,
    track: typhoon.Track,
    *,
    start: dt.datetime,
    end: dt.datetime,
    step_minutes: int,
    shift: dt.timedelta,
    seed: int,
) -> Network:
    """The scope's sensors and their readings over ``(start, end]`` (track time)."""
    rows = (
        Sensor.objects.filter(
            station__region_path__startswith=scope, type__in=list(_BY_TYPE), active=True,
            voided_at__isnull=True, station__active=True, station__voided_at__isnull=True,
            station__lat__isnull=False, station__lon__isnull=False,
        )
        .order_by("pk")
        .values_list("pk", "code", "type", "unit", "station__lat", "station__lon",
                     "station__region_path")
    )  # fmt: skip
    picked = [r for r in rows if _BY_TYPE[r[2]][1] == r[3]]
    kinds: list[str] = [_BY_TYPE[r[2]][0] for r in picked]
    if not picked:
        raise ValueError(f"scope {scope}: no rain, wind, water-level or landslide sensor")
    result = typhoon.readings(
        track, [float(r[4] or 0) for r in picked], [float(r[5] or 0) for r in picked], kinds,
        start=start, end=end, step_minutes=step_minutes, seed=seed,
    )  # fmt: skip
    times = [
        dt.datetime.fromtimestamp(int(t.astype("datetime64[s]").astype(np.int64)), dt.UTC) + shift
        for t in result.times
    ]
    return Network(
        ids=[r[0] for r in picked], codes=[r[1] for r in picked], kinds=kinds,
        paths=[r[6] for r in picked], times=times, values=result.values,
    )  # fmt: skip


def post(gateway: User, network: Network, step: int) -> int:
    """Post one step's readings; returns how many were stored."""
    result = ingest(gateway, network.column(step), now=network.times[step])
    if result.rejected:
        first = result.rejected[0]
        raise RuntimeError(f"ingest refused {len(result.rejected)} readings: {first}")
    return result.accepted
