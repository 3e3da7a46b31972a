"""Station readings of a typhoon replay: wind, rain, water level and landslide displacement.

Time steps
----------
Readings are stamped at the *end* of each step, as gauges report accumulations:
``times = start + k × step`` for k = 1 … n, with ``end − start = n × step``. "rain" is the
rain in ``(t − step, t]``, integrated from the rain rate at the midpoints of sub-steps of at
most :attr:`ReplayModel.substep_minutes` (15) minutes; "wind" is the 10-minute mean wind
at ``t`` (:func:`yingji.kernels.typhoon.wind.wind_field`).

Hydrology and slopes (documented toys, not calibrated models)
-------------------------------------------------------------
- **water_level** (m): a river or reservoir gauge answering the rain of its catchment, for
  which the rain at the gauge stands in. A linear reservoir with a lag::

      rise[t] = rise[t − 1] × exp(−step / recession) + metres_per_mm × rain[t − lag]
      level[t] = base + rise[t] + noise

  with ``metres_per_mm`` = 0.01 (100 mm of rain lifts the gauge by about 1 m before the
  recession), lag 3 h, recession time 24 h, and each station's ``base`` drawn uniformly in
  [1, 6] m from the seed. The rise starts at 0 at ``start``.
- **landslide** (mm): surface displacement of a monitored slope, still until the rain of
  the last 24 h (within the replay) passes a threshold, then creeping at a rate proportional
  to the excess::

      rate[t] = mm_per_hour_per_mm × max(0, rain24[t] − threshold)        (mm/h)
      displacement[t] = Σ rate × step (never decreasing)

  with a threshold of 100 mm in 24 h (a round figure of the order of the 24-hour rain
  thresholds used for geological-hazard warnings in south-east China) and 0.02 mm/h per mm
  of excess.

Noise and seeds
---------------
All randomness comes from one ``numpy.random.Generator(PCG64(seed))``, drawn in a fixed order
and for every station whatever its kind, so the same seed, stations and steps give identical
arrays, and another seed changes the values slightly: per station, an exposure factor on wind
(log-normal, σ = 0.08) and a gauge factor on rain (σ = 0.1); per reading, log-normal noise of
σ = 0.05 on wind, 0.3 on rain and 0.2 on the slope's rate (all with mean 1), and ±0.01 m
gauge noise on the water level. Values are then rounded to :data:`DECIMALS` places.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal, cast

import numpy as np
from numpy.typing import ArrayLike

from yingji.kernels.arrays import FloatArray
from yingji.kernels.geo import validate_points
from yingji.kernels.typhoon.rain import DEFAULT_RAIN, RainModel, rain_rate
from yingji.kernels.typhoon.track import TimeArray, TimeLike, Track, as_datetime64
from yingji.kernels.typhoon.wind import DEFAULT_WIND, WindModel, wind_field

__all__ = [
    "DECIMALS",
    "DEFAULT_REPLAY",
    "KINDS",
    "MAX_CELLS",
    "SENSOR_TYPES",
    "UNITS",
    "GaugeModel",
    "Kind",
    "NoiseModel",
    "Readings",
    "ReplayModel",
    "SlopeModel",
    "readings",
]

Kind = Literal["wind", "rain", "water_level", "landslide"]
KINDS: Final[tuple[Kind, ...]] = ("wind", "rain", "water_level", "landslide")
SENSOR_TYPES: Final[dict[Kind, str]] = {"wind": "wind_speed", "rain": "rain",
                                        "water_level": "water_level",
                                        "landslide": "displacement"}  # fmt: skip
"""The monitoring app's sensor type (``monitoring.models.SensorType``) for each kind."""
UNITS: Final[dict[Kind, str]] = {"wind": "m/s", "rain": "mm", "water_level": "m",
                                 "landslide": "mm"}  # fmt: skip
DECIMALS: Final[dict[Kind, int]] = {"wind": 1, "rain": 1, "water_level": 2, "landslide": 1}
"""Values are rounded to what such an instrument reports (a 0.1 mm tipping bucket, 1 cm …)."""
MAX_CELLS: Final = 50_000_000
"""Upper bound on stations × rain sub-steps, about 0.4 GB per float array."""


@dataclass(frozen=True)
class GaugeModel:
    base_range_m: tuple[float, float] = (1.0, 6.0)
    metres_per_mm: float = 0.01
    lag_hours: float = 3.0
    recession_hours: float = 24.0
    noise_m: float = 0.01


@dataclass(frozen=True)
class SlopeModel:
    threshold_mm_24h: float = 100.0
    mm_per_hour_per_mm: float = 0.02
    window_hours: float = 24.0


@dataclass(frozen=True)
class NoiseModel:
    wind_station: float = 0.08
    wind_step: float = 0.05
    rain_station: float = 0.1
    rain_step: float = 0.3
    slope_step: float = 0.2


@dataclass(frozen=True)
class ReplayModel:
    wind: WindModel = DEFAULT_WIND
    rain: RainModel = DEFAULT_RAIN
    gauge: GaugeModel = field(default_factory=GaugeModel)
    slope: SlopeModel = field(default_factory=SlopeModel)
    noise: NoiseModel = field(default_factory=NoiseModel)
    substep_minutes: int = 15


DEFAULT_REPLAY: Final = ReplayModel()


@dataclass(frozen=True)
class Readings:
    """``values[t, i]`` is station ``i``'s reading of ``kinds[i]`` at ``times[t]`` (UTC)."""

    times: TimeArray
    values: FloatArray
    kinds: tuple[Kind, ...]

    def rows(self) -> Iterator[tuple[int, np.datetime64, float]]:
        """(station index, time, value), time-major: the order a feed would send them."""
        for t, when in enumerate(self.times):
            for i, value in enumerate(self.values[t].tolist()):
                yield i, when, value


def _lognormal(rng: np.random.Generator, sigma: float, shape: tuple[int, ...]) -> FloatArray:
    """Mean-1 log-normal factors (exp(σz − σ²/2))."""
    factors: FloatArray = np.exp(sigma * rng.standard_normal(shape) - sigma**2 / 2)
    return factors


def _steps(track: Track, start: TimeLike, end: TimeLike,
           step_minutes: int) -> tuple[TimeArray, int]:  # fmt: skip
    if isinstance(step_minutes, bool) or not isinstance(step_minutes, int):
        raise ValueError("step_minutes: must be a whole number of minutes")
    if not 1 <= step_minutes <= 1440:
        raise ValueError("step_minutes: must be between 1 and 1440")
    first = as_datetime64(start)
    last = as_datetime64(end)
    if first.size != 1 or last.size != 1:
        raise ValueError("start and end: one date-time each")
    span = int((last[0] - first[0]).astype("timedelta64[s]").astype(np.int64))
    step_s = step_minutes * 60
    if span <= 0 or span % step_s:
        raise ValueError("end: must be after start by a whole number of steps")
    if first[0] < track.start or last[0] > track.end:
        raise ValueError(f"start and end: must lie within the track ({track.start}Z to"
                         f" {track.end}Z)")  # fmt: skip
    n = span // step_s
    times = first[0] + np.arange(1, n + 1) * np.timedelta64(step_s, "s")
    return times, n


def _kinds(kinds: Sequence[str], n: int) -> tuple[Kind, ...]:
    if isinstance(kinds, str) or len(kinds) != n:
        raise ValueError(f"kinds: one kind per station ({n}) from {', '.join(KINDS)}")
    unknown = sorted({k for k in kinds if k not in KINDS})
    if unknown:
        raise ValueError(f"kinds: unknown {', '.join(map(repr, unknown))};"
                         f" use {', '.join(KINDS)}")  # fmt: skip
    return tuple(cast(Kind, k) for k in kinds)


def _rain_mm(track: Track, times: TimeArray, points: tuple[FloatArray, FloatArray], *,
             step_minutes: int, elevation: ArrayLike | None,
             model: ReplayModel) -> FloatArray:  # fmt: skip
    """Rain in each step (mm), shape (steps, stations), from sub-step midpoints."""
    sub = max(1, math.ceil(step_minutes / model.substep_minutes))
    offsets = (np.arange(sub) + 0.5 - sub) * (step_minutes * 60 / sub)  # s before t, < 0
    samples = times[:, None] + np.round(offsets).astype("timedelta64[s]")[None, :]
    lat, lon = points
    rate = rain_rate(track.at(samples.ravel()), lat, lon, elevation, model.rain)
    per_step: FloatArray = rate.reshape(times.size, sub, lat.size).mean(axis=1)
    return per_step * (step_minutes / 60)


def _water_level(rain: FloatArray, base: FloatArray, noise: FloatArray, step_minutes: int,
                 gauge: GaugeModel) -> FloatArray:  # fmt: skip
    lag = round(gauge.lag_hours * 60 / step_minutes)
    keep = math.exp(-step_minutes / (60 * gauge.recession_hours))
    inflow = np.zeros_like(rain)
    if lag < rain.shape[0]:
        inflow[lag:] = gauge.metres_per_mm * rain[: rain.shape[0] - lag]
    rise = np.empty_like(rain)
    level = np.zeros(rain.shape[1])
    for t in range(rain.shape[0]):  # a short loop over time, vectorised over stations
        level = level * keep + inflow[t]
        rise[t] = level
    result: FloatArray = base[None, :] + rise + noise
    return result


def _displacement(rain: FloatArray, noise: FloatArray, step_minutes: int,
                  slope: SlopeModel) -> FloatArray:  # fmt: skip
    window = max(1, round(slope.window_hours * 60 / step_minutes))
    total = np.concatenate((np.zeros((1, rain.shape[1])), np.cumsum(rain, axis=0)))
    upper = np.arange(1, rain.shape[0] + 1)
    rain_window = total[upper] - total[np.maximum(upper - window, 0)]
    rate = slope.mm_per_hour_per_mm * np.maximum(rain_window - slope.threshold_mm_24h, 0.0)
    moved: FloatArray = np.cumsum(rate * noise * (step_minutes / 60), axis=0)
    return moved


def readings(track: Track, lat: ArrayLike, lon: ArrayLike, kinds: Sequence[str], *,
             start: TimeLike, end: TimeLike, step_minutes: int, seed: int,
             elevation_m: ArrayLike | None = None,
             model: ReplayModel = DEFAULT_REPLAY) -> Readings:  # fmt: skip
    """Every station's reading of its kind at every step of ``(start, end]``; see the module.

    ``elevation_m`` (one per station, optional) turns on the rain's terrain factor.
    """
    y, x = validate_points(lat, lon, what="stations")
    station_kinds = _kinds(kinds, y.size)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError("seed: must be a whole number ≥ 0")
    if elevation_m is not None:
        elevation = np.asarray(elevation_m, dtype=np.float64)
        if elevation.shape != y.shape or not np.isfinite(elevation).all():
            raise ValueError("elevation_m: one finite number per station")
    times, n = _steps(track, start, end, step_minutes)
    sub = max(1, math.ceil(step_minutes / model.substep_minutes))
    if n * sub * max(y.size, 1) > MAX_CELLS:
        raise ValueError(f"stations × sub-steps: {n * sub * y.size:,} is over {MAX_CELLS:,};"
                         " use fewer stations or a longer step")  # fmt: skip
    rng = np.random.Generator(np.random.PCG64(seed))
    noise = model.noise
    shape = (n, y.size)
    wind_station = _lognormal(rng, noise.wind_station, (y.size,))
    wind_step = _lognormal(rng, noise.wind_step, shape)
    rain_station = _lognormal(rng, noise.rain_station, (y.size,))
    rain_step = _lognormal(rng, noise.rain_step, shape)
    base = rng.uniform(*model.gauge.base_range_m, y.size)
    gauge_noise = rng.normal(0.0, model.gauge.noise_m, shape)
    slope_step = _lognormal(rng, noise.slope_step, shape)

    is_kind = {k: np.fromiter((s == k for s in station_kinds), bool, y.size) for k in KINDS}
    values = np.zeros(shape)
    if is_kind["wind"].any():
        speed, _ = wind_field(track.at(times), y[is_kind["wind"]], x[is_kind["wind"]],
                              model.wind)  # fmt: skip
        values[:, is_kind["wind"]] = speed * wind_station[is_kind["wind"]] * wind_step[
            :, is_kind["wind"]]  # fmt: skip
    wet = ~is_kind["wind"]
    if wet.any():
        elev = None if elevation_m is None else np.asarray(elevation_m, np.float64)[wet]
        rain = _rain_mm(track, times, (y[wet], x[wet]), step_minutes=step_minutes,
                        elevation=elev, model=model)  # fmt: skip
        rain = rain * rain_station[wet] * rain_step[:, wet]
        sub_kinds = np.asarray(station_kinds, dtype=object)[wet]
        level = _water_level(rain, base[wet], gauge_noise[:, wet], step_minutes, model.gauge)
        moved = _displacement(rain, slope_step[:, wet], step_minutes, model.slope)
        chosen = np.where(sub_kinds == "rain", rain,
                          np.where(sub_kinds == "water_level", level, moved))  # fmt: skip
        values[:, wet] = chosen
    for kind, decimals in DECIMALS.items():
        values[:, is_kind[kind]] = np.round(values[:, is_kind[kind]], decimals)
    return Readings(times=times, values=values, kinds=station_kinds)
